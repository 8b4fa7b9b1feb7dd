"""What every keyword component shares: the fleet of mocks and the import-time defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fleet import Fleet


@dataclass
class LibraryContext:
    default_model: str
    default_host: str
    default_doors: str
    fleet: Fleet = field(default_factory=Fleet)
