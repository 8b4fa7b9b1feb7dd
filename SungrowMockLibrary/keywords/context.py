"""What every keyword component shares: the fleet of mocks (with its open scopes) and the start
options the library was imported with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..fleet import Fleet
from ..mock import MockSungrow
from ..options import StartOptions
from ..vocabulary import Scope


@dataclass
class LibraryContext:
    defaults: StartOptions = field(default_factory=StartOptions)
    # How long a getter given an assertion operator retries (`Get Inverter Value  x  >=  5`).
    assertion_timeout: timedelta = timedelta(seconds=5)
    fleet: Fleet = field(default_factory=Fleet)
    # Unused since the mocks own their scopes (a fault is removed when the scope it was injected
    # in closes); kept until the fault keywords stop appending to it.
    suite_faults: dict[str, list[tuple[MockSungrow, int]]] = field(default_factory=dict)

    @property
    def in_test(self) -> bool:
        """Whether a test scope is open (the listener opens one per test; `Open Mock Scope` too)."""
        return self.fleet.innermost(Scope.TEST) is not None

    @property
    def current_suite(self) -> str:
        suite = self.fleet.innermost(Scope.SUITE)
        return suite[2] if suite else ""
