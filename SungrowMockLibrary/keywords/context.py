"""What every keyword component shares: the registry of running mocks and fleets (with its open
scopes), the start options the library was imported with, and what the keywords may touch beyond
the mock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..options import StartOptions
from ..registry import MockRegistry
from ..vocabulary import Scope
from .access import AccessPolicy


@dataclass
class LibraryContext:
    defaults: StartOptions = field(default_factory=StartOptions)
    # How long a getter given an assertion operator retries (`Get Inverter Value  x  >=  5`).
    assertion_timeout: timedelta = timedelta(seconds=5)
    registry: MockRegistry = field(default_factory=MockRegistry)
    # Files and hosts the keywords may use: everything in process; the control endpoint restricts it.
    access: AccessPolicy = field(default_factory=AccessPolicy)

    @property
    def in_test(self) -> bool:
        """Whether a test scope is open (the listener opens one per test; `Open Mock Scope` too)."""
        return self.registry.innermost(Scope.test) is not None
