"""What every keyword component shares: the fleet of mocks, the import-time defaults, and where
the library's listener is in the run (which suite, inside a test or not)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..fleet import Fleet
from ..mock import MockSungrow


@dataclass
class LibraryContext:
    default_model: str
    default_host: str
    default_doors: str
    default_simulate: bool = True
    default_clock_speed: float = 1.0
    default_start_time: str | None = None
    # How long a getter given an assertion operator retries (`Get Inverter Value  x  >=  5`).
    assertion_timeout: timedelta = timedelta(seconds=5)
    fleet: Fleet = field(default_factory=Fleet)
    in_test: bool = False
    suites: list[str] = field(default_factory=list)
    # Faults injected with scope "suite", by the suite that must remove them when it ends.
    suite_faults: dict[str, list[tuple[MockSungrow, int]]] = field(default_factory=dict)

    @property
    def current_suite(self) -> str:
        return self.suites[-1] if self.suites else ""
