"""The running mocks and fleets of one library instance or test session: aliases, the current
mock, and scopes across them all.

Every mock has an alias. A fleet has an alias too, each of its mocks ``FLEET.K`` (the K-th port,
inverter or dongle of the fleet), and each of its inverters the alias the fleet gave it
(``inv7``), which stands for that inverter's mock *and* unit id: ``resolve("inv7")`` gives both.

A registry scope is a scope opened on every running mock at once, and on every mock started
while it is open. Closing it stops the mocks and fleets it owns (those started inside it) and
undoes, on the others, the settings made inside it. The Robot listener opens one per suite and
per test, the pytest fixtures one per test (and per module for shared mocks), the control
endpoint whenever its caller asks; mocks started outside any scope are global.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .errors import MockSungrowError
from .fleet import MockSungrowFleet
from .mock import MockSungrow
from .vocabulary import Scope, choice


@dataclass
class _RegistryScope:
    id: int
    kind: Scope
    name: str
    on: dict[MockSungrow, int] = field(default_factory=dict)  # the scope's id on each mock


class MockRegistry:
    """The mocks and fleets of one library instance or test session: aliases, the current mock, scopes."""

    def __init__(self) -> None:
        self._mocks: dict[str, MockSungrow] = {}
        self._owners: dict[str, int | None] = {}  # mock or fleet alias -> the scope that owns it (None: global)
        self._fleets: dict[str, MockSungrowFleet] = {}
        self._fleet_of: dict[str, str] = {}  # a fleet's mock alias -> the fleet's alias
        self._inverters: dict[str, tuple[str, int]] = {}  # a fleet inverter's alias -> (mock alias, unit id)
        self._scopes: list[_RegistryScope] = []
        self._ids = itertools.count(1)
        self._current: tuple[str, int | None] | None = None  # (mock alias, unit id or None: its first)
        self._numbers = itertools.count(1)
        self._fleet_numbers = itertools.count(1)

    # -- scopes -----------------------------------------------------------------------------------

    def open_scope(self, scope: Scope | str, name: str = "") -> int:
        """Open a ``test`` or ``suite`` scope on every mock, now and started later; returns its id."""
        kind = choice(Scope, scope, "scope")
        if kind is Scope["global"]:
            raise MockSungrowError("the global scope is always open; open a suite or a test scope")
        opened = _RegistryScope(next(self._ids), kind, str(name or ""))
        for mock in self._mocks.values():
            opened.on[mock] = mock.open_scope(kind, opened.name)
        self._scopes.append(opened)
        return opened.id

    def close_scope(self, scope_id: int) -> int:
        """Close a scope and the scopes opened inside it: stop the mocks and fleets they own, undo
        their settings on the others; returns how many settings were undone."""
        index = next((i for i, s in enumerate(self._scopes) if s.id == int(scope_id)), None)
        if index is None:
            opened = ", ".join(f"{s.id} ({s.kind.value}{f' {s.name!r}' if s.name else ''})" for s in self._scopes)
            raise MockSungrowError(f"no open mock scope {scope_id}; open: {opened or 'none'}")
        closing, self._scopes[index:] = self._scopes[index:], []
        ids = {s.id for s in closing}
        for alias in [alias for alias, owner in self._owners.items() if owner in ids]:
            self._stop(alias)
        undone, failures = 0, []
        for mock in self._mocks.values():
            if mock in closing[0].on:  # closing the outermost closes the ones inside it on the mock too
                try:
                    undone += mock.close_scope(closing[0].on[mock])
                except MockSungrowError as error:
                    failures.append(str(error))
        if failures:
            raise MockSungrowError("; ".join(failures))
        return undone

    def is_open(self, scope_id: int) -> bool:
        return any(s.id == scope_id for s in self._scopes)

    def innermost(self, kind: Scope | None = None) -> tuple[int, Scope, str] | None:
        """The innermost open scope (of ``kind``), as (id, kind, name); None when none is open."""
        for scope in reversed(self._scopes):
            if kind is None or scope.kind is kind:
                return scope.id, scope.kind, scope.name
        return None

    # -- mocks and fleets ---------------------------------------------------------------------------

    def _taken(self, alias: str) -> str | None:
        """What ``alias`` names already, in words, or None."""
        if alias in self._fleets:
            return "a running fleet"
        if alias in self._inverters:
            return f"an inverter of fleet {self._fleet_of[self._inverters[alias][0]]!r}"
        if alias in self._mocks:
            return "a running mock"
        return None

    def _track(self, mock: MockSungrow, alias: str) -> None:
        for scope in self._scopes:
            scope.on[mock] = mock.open_scope(scope.kind, scope.name)
        self._mocks[alias] = mock

    def add(self, mock: MockSungrow, alias: str | None = None) -> str:
        """Track a started mock under ``alias`` (default ``mock1``, ``mock2``...) and make it current.

        The innermost open scope owns it (it stops when that scope closes), and every open scope
        is opened on it, so the settings made on it in a scope are undone when that scope closes.
        """
        if alias is None:
            alias = next(a for a in (f"mock{n}" for n in self._numbers) if self._taken(a) is None)
        taken = self._taken(alias)
        if taken == "a running mock":
            raise MockSungrowError(f"a mock with alias {alias!r} is already running; stop it or choose another alias")
        if taken is not None:
            raise MockSungrowError(f"alias {alias!r} names {taken}; stop it or choose another alias")
        self._track(mock, alias)
        self._owners[alias] = self._scopes[-1].id if self._scopes else None
        self._current = (alias, None)
        return alias

    def add_fleet(self, fleet: MockSungrowFleet, alias: str | None = None) -> str:
        """Track a started fleet under ``alias`` (default ``fleet1``, ``fleet2``...), its mocks as
        ``ALIAS.1``, ``ALIAS.2``... and its inverters by their aliases; its first mock becomes current.
        Scopes reach it as they reach a mock; the innermost open one owns it."""
        if not fleet.running:
            raise MockSungrowError(f"{fleet.name} is not running: start it before tracking it")
        if alias is None:
            alias = next(a for a in (f"fleet{n}" for n in self._fleet_numbers) if self._taken(a) is None)
        mock_aliases = [f"{alias}.{k}" for k in range(1, len(fleet.mocks) + 1)]
        names = [alias, *mock_aliases, *(inverter.alias for inverter in fleet.inverters)]
        seen: set[str] = set()
        for name in names:  # each new name against those tracked, and against the fleet's own others
            taken = self._taken(name)
            if taken is None and name in seen:
                taken = "another mock or inverter of the new fleet"
            if taken is not None:
                raise MockSungrowError(
                    f"alias {name!r} of the new fleet names {taken}; choose another fleet alias or alias prefix"
                )
            seen.add(name)
        by_mock = {id(mock): name for mock, name in zip(fleet.mocks, mock_aliases, strict=True)}
        for mock, name in zip(fleet.mocks, mock_aliases, strict=True):
            self._track(mock, name)
            self._fleet_of[name] = alias
        for inverter in fleet.inverters:
            self._inverters[inverter.alias] = (by_mock[id(inverter.mock)], inverter.unit_id)
        self._fleets[alias] = fleet
        self._owners[alias] = self._scopes[-1].id if self._scopes else None
        self._current = (mock_aliases[0], None)
        return alias

    def get(self, alias: str | None = None) -> MockSungrow:
        """The mock ``alias`` names: a mock, a fleet (its first mock), a fleet's inverter (its mock),
        or the current mock (None)."""
        return self.resolve(alias)[0]

    def resolve(self, alias: str | None = None, unit_id: int | None = None) -> tuple[MockSungrow, int | None]:
        """The mock and the unit id that ``alias`` and ``unit_id`` name together.

        A fleet inverter's alias names its mock and its unit id (``unit_id`` may repeat it); a
        fleet's alias with a unit id names the fleet's inverter at that unit id; a mock's alias (or
        None: the current one, or the inverter switched to) leaves ``unit_id`` as given.
        """
        if alias is None:
            if self._current is None:
                raise MockSungrowError("no mock is running: start one with Start Mock Sungrow")
            mock_alias, unit = self._current
            return self._mocks[mock_alias], unit if unit_id is None else unit_id
        alias = str(alias)
        if alias in self._mocks:
            return self._mocks[alias], unit_id
        if alias in self._inverters:
            mock_alias, unit = self._inverters[alias]
            if unit_id is not None and int(unit_id) != unit:
                raise MockSungrowError(
                    f"{alias} is unit id {unit} on {mock_alias}; unit id {unit_id} names another inverter: "
                    "give the alias or the unit id, not both"
                )
            return self._mocks[mock_alias], unit
        fleet = self._fleets.get(alias)
        if fleet is not None:
            if unit_id is None:
                return fleet.mocks[0], None
            inverter = fleet.inverter(int(unit_id))
            return inverter.mock, inverter.unit_id
        raise MockSungrowError(f"no mock with alias {alias!r}; running: {self._known()}")

    def _known(self) -> str:
        mocks = [alias for alias in self._mocks if alias not in self._fleet_of]
        parts = [", ".join(mocks)] if mocks else []
        for alias, fleet in self._fleets.items():
            parts.append(f"fleet {alias} (inverters {fleet.aliases_text()})")
        return "; ".join(parts) or "none"

    def switch(self, alias: str) -> str | None:
        """Make ``alias`` current: a mock, a fleet (its first mock) or a fleet's inverter (keywords
        given no alias and no unit id then act on that inverter). Returns the previous current alias."""
        mock, unit = self.resolve(alias)
        previous = self.current_alias
        mock_alias = next(name for name, running in self._mocks.items() if running is mock)
        self._current = (mock_alias, unit)
        return previous

    @property
    def current_alias(self) -> str | None:
        """The current mock's alias, or the inverter's when one was switched to."""
        if self._current is None:
            return None
        mock_alias, unit = self._current
        if unit is not None:
            for alias, (owner, at) in self._inverters.items():
                if owner == mock_alias and at == unit:
                    return alias
        return mock_alias

    def stop(self, alias: str | None = None) -> None:
        """Stop a mock or a fleet (by default the current mock, or the fleet it belongs to)."""
        if alias is None:
            if self._current is None:
                raise MockSungrowError("no mock is running: start one with Start Mock Sungrow")
            alias = self._current[0]
            alias = self._fleet_of.get(alias, alias)
        elif alias in self._fleet_of or alias in self._inverters:
            owner = self._fleet_of[alias] if alias in self._fleet_of else self._fleet_of[self._inverters[alias][0]]
            raise MockSungrowError(f"{alias!r} belongs to fleet {owner!r}: stop the whole fleet ({owner})")
        elif alias not in self._mocks and alias not in self._fleets:
            raise MockSungrowError(f"no mock or fleet with alias {alias!r}; running: {self._known()}")
        self._stop(alias)

    def _stop(self, alias: str) -> None:
        fleet = self._fleets.pop(alias, None)
        self._owners.pop(alias, None)
        if fleet is None:
            self._forget(alias)
            self._mocks.pop(alias).stop()
            return
        for mock_alias in [name for name, owner in self._fleet_of.items() if owner == alias]:
            self._forget(mock_alias)
            del self._mocks[mock_alias]
            del self._fleet_of[mock_alias]
        for inverter in fleet.inverters:
            self._inverters.pop(inverter.alias, None)
        fleet.stop()

    def _forget(self, mock_alias: str) -> None:
        mock = self._mocks[mock_alias]
        for scope in self._scopes:
            scope.on.pop(mock, None)
        if self._current is not None and self._current[0] == mock_alias:
            # the most recently started mock still running becomes current (not a sibling in a stopping fleet)
            leaving = self._fleet_of.get(mock_alias, mock_alias)
            rest = [name for name in self._mocks if self._fleet_of.get(name, name) != leaving]
            self._current = (rest[-1], None) if rest else None

    def stop_all(self) -> None:
        for alias in [*self._fleets, *(a for a in self._mocks if a not in self._fleet_of)]:
            self._stop(alias)

    @property
    def aliases(self) -> list[str]:
        """The running mocks' aliases (a fleet's mocks as ``FLEET.K``)."""
        return list(self._mocks)

    @property
    def fleets(self) -> dict[str, MockSungrowFleet]:
        """The running fleets by alias."""
        return dict(self._fleets)

    def items(self) -> list[tuple[str, MockSungrow]]:
        """(alias, mock) of every running mock, a fleet's mocks included."""
        return list(self._mocks.items())
