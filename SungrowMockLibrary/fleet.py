"""Several mocks by alias, each owned by the scope it was started in.

A scope is any hashable token: the Robot listener opens one per suite and per test, and when a
scope closes every mock it owns is stopped. Mocks started outside any scope are global.
"""

from __future__ import annotations

import itertools

from .mock import MockSungrow, MockSungrowError

GLOBAL_SCOPE = "global"


class Fleet:
    """The mocks of one library instance: aliases, the current mock, and their owning scopes."""

    def __init__(self) -> None:
        self._mocks: dict[str, MockSungrow] = {}
        self._owners: dict[str, object] = {}
        self._scopes: list[object] = [GLOBAL_SCOPE]
        self._current: str | None = None
        self._numbers = itertools.count(1)

    # -- scopes -----------------------------------------------------------------------------------

    def open_scope(self, token: object) -> None:
        self._scopes.append(token)

    def close_scope(self, token: object) -> list[str]:
        """Stop the mocks ``token`` owns; returns their aliases."""
        if token in self._scopes:
            self._scopes.remove(token)
        owned = [alias for alias, owner in self._owners.items() if owner == token]
        for alias in owned:
            self.stop(alias)
        return owned

    # -- mocks ------------------------------------------------------------------------------------

    def add(self, mock: MockSungrow, alias: str | None = None) -> str:
        """Track a started mock under ``alias`` (default ``mock1``, ``mock2``...) and make it current."""
        if alias is None:
            alias = next(a for a in (f"mock{n}" for n in self._numbers) if a not in self._mocks)
        if alias in self._mocks:
            raise MockSungrowError(f"a mock with alias {alias!r} is already running; stop it or choose another alias")
        self._mocks[alias] = mock
        self._owners[alias] = self._scopes[-1]
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
