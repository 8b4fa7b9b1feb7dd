"""What every keyword component shares: the fleet of mocks and the import-time defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fleet import Fleet


@dataclass
class LibraryContext:
    default_model: str
    default_host: str
    default_doors: str
    default_simulate: bool = True
    default_clock_speed: float = 1.0
    default_start_time: str | None = None
    fleet: Fleet = field(default_factory=Fleet)
