"""The connection cap and the idle timeout of one door, shared by the Modbus and WiNet doors.

A door hands each new connection (a *guest*) to :meth:`Doorkeeper.admit`, which refuses it when
the door is full, and :meth:`Doorkeeper.leave` when it closes. One timer per door looks at every
guest ``IDLE_CHECKS`` times per idle timeout: a guest that has done nothing (:meth:`Guest.busy`
answers False) for that many looks in a row is closed (:meth:`Guest.close_idle`). A slow or
half-open peer costs one entry in a set, never a task or a timer of its own. The timer runs only
while the door has guests: an idle door (a fleet has thousands) schedules nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from ..limits import ACCEPT_ERROR_LOG_INTERVAL, IDLE_CHECKS, IDLE_TIMEOUT, MAX_CONNECTIONS
from ..runtime import Throttled

log = logging.getLogger("SungrowMockLibrary.doors")


class Guest(Protocol):
    def busy(self) -> bool:
        """Whether the connection did something (or is owed a reply) since the last look."""

    def close_idle(self) -> None:
        """Close the connection, which has been idle for the idle timeout."""


class Doorkeeper:
    """Admits connections up to ``max_connections`` (0 = no cap) and closes those idle for
    ``idle_timeout`` seconds (0 = never)."""

    def __init__(self, door: str, max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT):
        self.door = door
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self._quiet: dict[Guest, int] = {}  # guest -> looks in a row that found it idle, after the first
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set by start: the door is watching
        self._refusals = Throttled(log, ACCEPT_ERROR_LOG_INTERVAL)

    def __len__(self) -> int:
        return len(self._quiet)

    def __iter__(self):
        return iter(list(self._quiet))

    def admit(self, guest: Guest) -> bool:
        """Whether ``guest`` may stay; False when the door is full (the caller closes it)."""
        if self.max_connections and len(self._quiet) >= self.max_connections:
            self._refusals.warning(
                "%s door: refused connections beyond its cap of %d open connections (max_connections)",
                self.door, self.max_connections,
            )  # fmt: skip
            return False
        self._quiet[guest] = -1  # arriving counts as activity: the first look does not count against it
        if self._timer is None and self._loop is not None:
            self._schedule(self._loop)
        return True

    def leave(self, guest: Guest) -> None:
        self._quiet.pop(guest, None)

    # -- the idle timer -------------------------------------------------------------------------

    def start(self) -> None:
        """Start looking for idle connections (on the running loop) whenever there are some;
        nothing with no idle timeout."""
        if self.idle_timeout > 0 and self._loop is None:
            self._loop = asyncio.get_running_loop()
            if self._quiet:
                self._schedule(self._loop)

    def stop(self) -> None:
        self._loop = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = loop.call_later(self.idle_timeout / IDLE_CHECKS, self._look)

    def _look(self) -> None:
        quiet = self._quiet
        idle = []
        for guest, looks in quiet.items():
            if guest.busy():
                quiet[guest] = 0
            elif looks + 1 >= IDLE_CHECKS:
                idle.append(guest)
            else:
                quiet[guest] = looks + 1
        for guest in idle:
            quiet.pop(guest, None)
            try:
                guest.close_idle()
            except Exception:  # one broken connection never stops the timer
                log.debug("%s door: closing an idle connection failed", self.door, exc_info=True)
        self._timer = None
        if quiet and self._loop is not None:  # no guests left: the next one to arrive starts it again
            self._schedule(self._loop)
