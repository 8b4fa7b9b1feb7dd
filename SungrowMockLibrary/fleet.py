"""Several mocks by alias, each owned by the scope it was started in, and scopes across them all.

A fleet scope is a scope opened on every running mock at once, and on every mock started while
it is open. Closing it stops the mocks it owns (those started inside it) and undoes, on the
others, the settings made inside it. The Robot listener opens one per suite and per test, the
pytest fixtures one per test (and per module for shared mocks), the control endpoint whenever
its caller asks; mocks started outside any scope are global.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .errors import MockSungrowError
from .mock import MockSungrow
from .vocabulary import Scope, choice


@dataclass
class _FleetScope:
    id: int
    kind: Scope
    name: str
    on: dict[MockSungrow, int] = field(default_factory=dict)  # the scope's id on each mock


class Fleet:
    """The mocks of one library instance or test session: aliases, the current mock, scopes."""

    def __init__(self) -> None:
        self._mocks: dict[str, MockSungrow] = {}
        self._owners: dict[str, int | None] = {}  # alias -> the fleet scope that owns it (None: global)
        self._scopes: list[_FleetScope] = []
        self._ids = itertools.count(1)
        self._current: str | None = None
        self._numbers = itertools.count(1)

    # -- scopes -----------------------------------------------------------------------------------

    def open_scope(self, scope: Scope | str, name: str = "") -> int:
        """Open a ``test`` or ``suite`` scope on every mock, now and started later; returns its id."""
        kind = choice(Scope, scope, "scope")
        if kind is Scope["global"]:
            raise MockSungrowError("the global scope is always open; open a suite or a test scope")
        opened = _FleetScope(next(self._ids), kind, str(name or ""))
        for mock in self._mocks.values():
            opened.on[mock] = mock.open_scope(kind, opened.name)
        self._scopes.append(opened)
        return opened.id

    def close_scope(self, scope_id: int) -> int:
        """Close a scope and the scopes opened inside it: stop the mocks they own, undo their
        settings on the others; returns how many settings were undone."""
        index = next((i for i, s in enumerate(self._scopes) if s.id == int(scope_id)), None)
        if index is None:
            opened = ", ".join(f"{s.id} ({s.kind.value}{f' {s.name!r}' if s.name else ''})" for s in self._scopes)
            raise MockSungrowError(f"no open mock scope {scope_id}; open: {opened or 'none'}")
        closing, self._scopes[index:] = self._scopes[index:], []
        ids = {s.id for s in closing}
        for alias in [alias for alias, owner in self._owners.items() if owner in ids]:
            self.stop(alias)
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

    # -- mocks ------------------------------------------------------------------------------------

    def add(self, mock: MockSungrow, alias: str | None = None) -> str:
        """Track a started mock under ``alias`` (default ``mock1``, ``mock2``...) and make it current.

        The innermost open scope owns it (it stops when that scope closes), and every open scope
        is opened on it, so the settings made on it in a scope are undone when that scope closes.
        """
        if alias is None:
            alias = next(a for a in (f"mock{n}" for n in self._numbers) if a not in self._mocks)
        if alias in self._mocks:
            raise MockSungrowError(f"a mock with alias {alias!r} is already running; stop it or choose another alias")
        for scope in self._scopes:
            scope.on[mock] = mock.open_scope(scope.kind, scope.name)
        self._mocks[alias] = mock
        self._owners[alias] = self._scopes[-1].id if self._scopes else None
        self._current = alias
        return alias

    def get(self, alias: str | None = None) -> MockSungrow:
        if alias is None:
            if self._current is None:
                raise MockSungrowError("no mock is running: start one with Start Mock Sungrow")
            alias = self._current
        try:
            return self._mocks[alias]
        except KeyError:
            known = ", ".join(self._mocks) or "none"
            raise MockSungrowError(f"no mock with alias {alias!r}; running: {known}") from None

    def switch(self, alias: str) -> str | None:
        """Make ``alias`` the current mock; returns the previous current alias."""
        self.get(alias)
        previous, self._current = self._current, alias
        return previous

    def stop(self, alias: str | None = None) -> None:
        alias = self._current if alias is None else alias
        mock = self.get(alias)
        del self._mocks[alias]
        del self._owners[alias]
        for scope in self._scopes:
            scope.on.pop(mock, None)
        if self._current == alias:
            self._current = next(reversed(self._mocks), None)
        mock.stop()

    def stop_all(self) -> None:
        for alias in list(self._mocks):
            self.stop(alias)

    @property
    def aliases(self) -> list[str]:
        return list(self._mocks)

    def items(self) -> list[tuple[str, MockSungrow]]:
        """(alias, mock) of every running mock."""
        return list(self._mocks.items())
