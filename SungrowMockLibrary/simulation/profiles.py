"""Time profiles for the simulation: house load, scenario time series and constant overrides.

A profile maps *local time* to a value. Local time is given as seconds since 1970-01-01 00:00
local clock time (that is epoch seconds + UTC offset × 3600), so ``local_time % 86400`` is the
second of the local day. Every profile is a frozen dataclass: equal parameters compare equal,
and a value depends only on the parameters and the time asked for, never on the order or number
of calls.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .clock import DAY_S


class Profile:
    """Base class: ``at(local_time)`` returns the profile's value at that local time."""

    def at(self, local_time: float) -> float:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Constant(Profile):
    """An override: the same value at every time."""

    value: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"a constant profile needs a finite value, got {self.value!r}")

    def at(self, local_time: float) -> float:
        return float(self.value)


def as_profile(value: float | int | Profile | None, default: Profile) -> Profile:
    """``None`` → ``default``; a number → :class:`Constant`; a profile stays as it is."""
    if value is None:
        return default
    if isinstance(value, Profile):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, a Profile or None, got {value!r}")
    return Constant(float(value))


@dataclass(frozen=True)
class TimeSeriesProfile(Profile):
    """Piecewise-linear interpolation over ``(second_of_day, value)`` points, repeated every day.

    With ``wrap`` (default) the day is a circle: between the last point and the first point of
    the next day the value is interpolated too, so the profile has no jump at midnight. Without
    it, the first value holds before the first point and the last value after the last point.
    A single point gives a constant.
    """

    points: tuple[tuple[float, float], ...]
    wrap: bool = True

    def __post_init__(self) -> None:
        checked = []
        if not self.points:
            raise ValueError("a time series needs at least one (second_of_day, value) point")
        for index, point in enumerate(self.points):
            try:
                second, value = point
                second, value = float(second), float(value)
            except (TypeError, ValueError):
                raise ValueError(f"point {index}: expected (second_of_day, value), got {point!r}") from None
            if not 0.0 <= second < DAY_S:
                raise ValueError(f"point {index}: second of day must be within 0..86399.999, got {second!r}")
            if not math.isfinite(value):
                raise ValueError(f"point {index}: value must be a finite number, got {value!r}")
            if checked and second <= checked[-1][0]:
                raise ValueError(
                    f"point {index}: seconds must increase strictly, {second:g} follows {checked[-1][0]:g}"
                )
            checked.append((second, value))
        object.__setattr__(self, "points", tuple(checked))

    @classmethod
    def from_points(cls, points: Iterable[tuple[float, float]], wrap: bool = True) -> TimeSeriesProfile:
        return cls(tuple(tuple(p) for p in points), wrap)

    def at(self, local_time: float) -> float:
        second = local_time % DAY_S
        points = self.points
        if len(points) == 1:
            return points[0][1]
        seconds = [p[0] for p in points]
        index = bisect.bisect_right(seconds, second)
        if 0 < index < len(points):
            before, after = points[index - 1], points[index]
        elif not self.wrap:
            return points[0][1] if index == 0 else points[-1][1]
        elif index == 0:
            before, after = (points[-1][0] - DAY_S, points[-1][1]), points[0]
        else:
            before, after = points[-1], (points[0][0] + DAY_S, points[0][1])
        fraction = (second - before[0]) / (after[0] - before[0])
        return before[1] + (after[1] - before[1]) * fraction


@dataclass(frozen=True)
class HouseLoad(Profile):
    """A household's consumption in W: a base load plus morning, midday and evening peaks.

    The peaks are Gaussian bumps in the hour of the day (measured around the clock, so the
    profile is continuous at midnight). On top, a pseudo-random variation of ±``variation``
    (fraction of the value) is drawn per ``slot_s`` slot of local time from
    ``random.Random("houseload:<seed>:<slot>")`` and interpolated linearly between slots: the
    same seed and time always give the same value, whatever was asked before.
    """

    seed: int = 0
    base_w: float = 250.0
    morning_w: float = 900.0
    morning_hour: float = 7.25
    midday_w: float = 350.0
    midday_hour: float = 12.5
    evening_w: float = 1600.0
    evening_hour: float = 19.0
    variation: float = 0.2
    slot_s: float = 900.0

    def __post_init__(self) -> None:
        for name in ("base_w", "morning_w", "midday_w", "evening_w"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"HouseLoad {name} must be a finite number >= 0, got {value!r}")
        if not 0.0 <= self.variation <= 1.0:
            raise ValueError(f"HouseLoad variation must be within 0..1, got {self.variation!r}")
        if not (math.isfinite(self.slot_s) and self.slot_s > 0.0):
            raise ValueError(f"HouseLoad slot_s must be > 0, got {self.slot_s!r}")

    # (peak attribute, centre attribute, width in hours)
    _PEAKS = (("morning_w", "morning_hour", 0.9), ("midday_w", "midday_hour", 1.5), ("evening_w", "evening_hour", 1.6))

    def shape(self, local_time: float) -> float:
        """The load without random variation."""
        hour = (local_time % DAY_S) / 3600.0
        value = self.base_w
        for peak, centre, width in self._PEAKS:
            distance = abs(hour - getattr(self, centre)) % 24.0
            distance = min(distance, 24.0 - distance)
            value += getattr(self, peak) * math.exp(-0.5 * (distance / width) ** 2)
        return value

    def noise(self, slot: int) -> float:
        """The variation drawn for one slot, in -1..1."""
        return _slot_noise(self.seed, slot)

    def at(self, local_time: float) -> float:
        position = local_time / self.slot_s
        slot = math.floor(position)
        fraction = position - slot
        wobble = self.noise(slot) * (1.0 - fraction) + self.noise(slot + 1) * fraction
        return max(0.0, self.shape(local_time) * (1.0 + self.variation * wobble))


@lru_cache(maxsize=4096)
def _slot_noise(seed: int, slot: int) -> float:
    # a pure function of (seed, slot): caching changes speed, never values
    return random.Random(f"houseload:{seed}:{slot}").uniform(-1.0, 1.0)
