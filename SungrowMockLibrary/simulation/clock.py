"""The simulated clock of a mock: the inverter's local time, controlled by the test.

It runs in real time by default, faster or slower by a factor, or frozen (speed 0) and moved on
by hand. Simulated time is naive local time (what the inverter's clock registers show); it is
kept as seconds since 1970-01-01 00:00 local, so results never depend on the host's time zone.
Reading the clock costs nothing and nothing ticks: the time is computed from the wall clock.
"""

from __future__ import annotations

import math
import time
import weakref
from datetime import datetime, timedelta

from ..limits import CLOCK_YEARS

_EPOCH = datetime(1970, 1, 1)
DAY_S = 86400.0  # seconds in a day: simulated time has no DST and no leap seconds
MAX_SPEED = 1_000_000
FIRST = datetime(CLOCK_YEARS[0], 1, 1)
LAST = datetime(CLOCK_YEARS[1], 12, 31, 23, 59, 59)


def to_seconds(moment: datetime) -> float:
    """Seconds since 1970-01-01 local of a naive local datetime."""
    return (moment.replace(tzinfo=None) - _EPOCH).total_seconds()


def to_datetime(seconds: float) -> datetime:
    """The naive local datetime of ``seconds`` since 1970-01-01 local (whole seconds)."""
    return _EPOCH + timedelta(seconds=int(seconds // 1))


def parse_moment(text: str | datetime) -> datetime:
    """A naive local datetime from ISO 8601 text (``2026-06-21T12:00``, ``2026-06-21 12:00:00``)."""
    if isinstance(text, datetime):
        return check_moment(text.replace(tzinfo=None))
    try:
        moment = datetime.fromisoformat(str(text).strip()).replace(tzinfo=None)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time, e.g. 2026-06-21T12:00:00") from None
    return check_moment(moment)


def check_moment(moment: datetime) -> datetime:
    """``moment`` if the clock can show it (years 2000..2099, as the clock register), else ValueError."""
    if not FIRST <= moment <= LAST:
        raise ValueError(
            f"{moment.isoformat()} is out of the clock's range {FIRST.isoformat()} .. {LAST.isoformat()}"
            " (the years the inverter's clock register takes)"
        )
    return moment


def check_speed(speed: float) -> float:
    """``speed`` as a float, or a ValueError naming the valid range."""
    speed = float(speed)
    if not 0 <= speed <= MAX_SPEED:
        raise ValueError(f"clock speed {speed:g} is out of range; valid: 0 (frozen) .. {MAX_SPEED}")
    return speed


_LAST_S = (LAST - _EPOCH).total_seconds()


class Clock:
    """Simulated local time = anchor + (wall time since anchoring) x speed; a fast clock stops at
    the last second of 2099 (the clock register's range)."""

    def __init__(self, start: datetime | str | None = None, speed: float = 1.0, wall=time.time):
        self._wall = wall
        # Only a clock on the real wall clock can say ahead how long the present lasts (in the
        # monotonic seconds a door measures): a test's own wall moves when the test says.
        self.real_time = wall is time.time
        self._speed = check_speed(speed)
        self._anchor_wall = wall()
        self._anchor = to_seconds(parse_moment(start) if start is not None else check_moment(datetime.now()))
        self._watchers: set[weakref.ref] = set()

    def watch(self, watcher) -> None:
        """Call ``watcher.clock_changed()`` whenever the clock is set, advanced or changes speed
        (held weakly: a watcher that goes leaves nothing behind)."""
        self._watchers.add(weakref.ref(watcher, self._watchers.discard))

    def _changed(self) -> None:
        # A copy taken in one C call: inverters join from the test's thread (Add Inverter, a
        # fleet starting its next mock) while a client's clock write changes the clock on the loop.
        for ref in list(self._watchers):
            watcher = ref()
            if watcher is not None:
                watcher.clock_changed()

    def wall_seconds_until(self, moment: float) -> float:
        """Wall seconds from now until the clock shows ``moment`` (simulated seconds; inf when
        frozen, 0 when it is past)."""
        left = moment - self.timestamp()
        if left <= 0:
            return 0.0
        return left / self._speed if self._speed else math.inf

    def _rebase(self) -> None:
        now = self._wall()
        self._anchor = min(self._anchor + (now - self._anchor_wall) * self._speed, _LAST_S)
        self._anchor_wall = now

    def timestamp(self) -> float:
        """Simulated seconds since 1970-01-01 local."""
        now = self._anchor + (self._wall() - self._anchor_wall) * self._speed
        return now if now < _LAST_S else _LAST_S  # not min(): every read of every door asks

    def now(self) -> datetime:
        return to_datetime(self.timestamp())

    @property
    def speed(self) -> float:
        return self._speed

    def set(self, moment: datetime | str) -> datetime:
        """Jump to ``moment`` (the clock keeps its speed); returns the time it showed before."""
        previous = self.now()
        self._anchor_wall = self._wall()
        self._anchor = to_seconds(parse_moment(moment))
        self._changed()
        return previous

    def set_speed(self, speed: float) -> float:
        """Run ``speed`` simulated seconds per wall second from now on (0 freezes); returns the old speed."""
        speed = check_speed(speed)
        self._rebase()
        previous, self._speed = self._speed, speed
        self._changed()
        return previous

    def advance(self, seconds: float) -> datetime:
        """Move the clock on by ``seconds`` (not backwards); returns the new time."""
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by {seconds:g} s; use Set Mock Time to go back")
        self._rebase()
        if not self._anchor + seconds <= _LAST_S:  # also refuses nan and inf
            raise ValueError(
                f"cannot advance the clock by {seconds:g} s: it would pass {LAST.isoformat()}"
                " (the last time the inverter's clock register takes)"
            )
        self._anchor += seconds
        self._changed()
        return self.now()
