"""Keywords that open and close mock scopes by hand, where no listener does (Robot's Remote library)."""

from __future__ import annotations

from robot.api import logger
from robotlibcore import keyword

from ..keyword_types import Scope
from .context import LibraryContext


class ScopeKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def open_mock_scope(self, scope: Scope = Scope.test, name: str = "") -> int:
        """Opens a ``test`` or ``suite`` scope on every mock, and on every mock started while it is open; returns its id.

        Settings made from now on (pins, irradiance, house load, inverter state, clock speed,
        WiNet and encryption settings, faults) are undone when `Close Mock Scope` closes it, and
        mocks started inside it stop then. In a Robot run the library's listener opens a scope
        per suite and per test by itself; open one by hand where no listener runs, for example
        when driving ``sungrow-mock serve --control-port`` through Robot's Remote library.
        ``name`` only shows in messages.

        Example:
        | ${scope} = | Open Mock Scope | test | name=${TEST NAME} |
        | Set Irradiance | 200 |
        | ${undone} = | Close Mock Scope | ${scope} |

        See also `Close Mock Scope`, `Scope`.
        """
        scope_id = self.ctx.registry.open_scope(scope, name)
        logger.info(f"Opened mock scope {scope_id} ({scope}{f' {name!r}' if name else ''})")
        return scope_id

    @keyword
    def close_mock_scope(self, scope_id: int) -> int:
        """Closes the mock scope ``scope_id`` and those opened inside it; returns how many settings were undone.

        Every setting made in it is undone on every mock, newest first, and the mocks started
        in it stop. What evolves on its own (energy counters, the battery's state of charge,
        simulated time) goes on.

        Example:
        | ${scope} = | Open Mock Scope | suite |
        | Set Clock Speed | 60 |
        | ${undone} = | Close Mock Scope | ${scope} |
        | Should Be Equal As Integers | ${undone} | 1 |

        See also `Open Mock Scope`.
        """
        undone = self.ctx.registry.close_scope(scope_id)
        logger.info(f"Closed mock scope {scope_id}: {undone} setting(s) undone")
        return undone
