"""Scopes: how long a setting made on a mock lasts, and how it is undone.

Each mock keeps a stack of open scopes with the ``global`` one at the bottom, which closes only
with the mock. Every setting a keyword or an API call makes (a pinned register, the irradiance,
the house load, the inverter state, the clock speed, the WiNet login requirement, token lifetime
and session limit, the encryption key, an injected fault) records how to undo it in one open
scope: the innermost by default, or the innermost of the kind asked for. Closing a scope closes
the scopes opened inside it, then undoes their settings newest first. What evolves on its own
(energy counters, the battery's state of charge, simulated time) is not a setting: it goes on.

The Robot listener, the pytest fixtures and the control endpoint only open and close scopes; the
mock does the rest, so every face starts each test clean in the same way.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from .errors import MockSungrowError
from .records import MutableRecord
from .vocabulary import Scope, choice

# How wide each kind is: a setting asked for in a kind that is not open goes to the nearest wider one.
_WIDTH = {Scope.test: 0, Scope.suite: 1, Scope["global"]: 2}


class OpenScope(MutableRecord):
    """One open scope and the settings made in it, each with what undoes it."""

    id: int
    kind: Scope
    name: str
    undo: list[tuple[str, Callable[[], object]]]

    def __init__(self, id: int, kind: Scope, name: str = "", undo: list[tuple[str, Callable[[], object]]] | None = None):
        self.__dict__.update(id=id, kind=kind, name=name, undo=[] if undo is None else undo)

    def add(self, what: str, undo: Callable[[], object]) -> None:
        self.undo.append((what, undo))

    def describe(self) -> str:
        return f"{self.id} ({self.kind.value}{f' {self.name!r}' if self.name else ''})"


class SettingsStack:
    """The open scopes of one mock, innermost last."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stack = [OpenScope(0, Scope["global"], "global")]

    def open(self, scope: Scope | str, name: str = "") -> int:
        """Open a ``test`` or ``suite`` scope inside the innermost one; returns its id."""
        kind = choice(Scope, scope, "scope")
        if kind is Scope["global"]:
            raise MockSungrowError("the global scope is always open; open a suite or a test scope")
        with self._lock:
            opened = OpenScope(next(self._ids), kind, str(name or ""))
            self._stack.append(opened)
            return opened.id

    def close(self, scope_id: int) -> list[tuple[str, Callable[[], object]]]:
        """Close a scope and every scope opened inside it; returns their undos, newest first."""
        with self._lock:
            index = next((i for i, s in enumerate(self._stack) if s.id == scope_id), None)
            if index == 0:
                raise MockSungrowError("the global scope cannot be closed: it ends with the mock")
            if index is None:
                opened = ", ".join(s.describe() for s in self._stack[1:]) or "none"
                raise MockSungrowError(f"no open scope {scope_id}; open: {opened}")
            closing, self._stack[index:] = self._stack[index:], []
        return [entry for scope in reversed(closing) for entry in reversed(scope.undo)]

    def target(self, scope: Scope | str | None = None) -> OpenScope:
        """The scope a setting goes to: the innermost (``None``), or the innermost of ``scope``'s
        kind, or, when none of that kind is open, the nearest wider one (``global`` at the end)."""
        with self._lock:
            if scope is None:
                return self._stack[-1]
            kind = choice(Scope, scope, "scope")
            for opened in reversed(self._stack):
                if opened.kind is kind:
                    return opened
            for opened in reversed(self._stack):
                if _WIDTH[opened.kind] > _WIDTH[kind]:
                    return opened
            return self._stack[0]

    @property
    def scopes(self) -> list[OpenScope]:
        """The open scopes, outermost (global) first."""
        with self._lock:
            return list(self._stack)
