"""The hybrid inverter's statistics arrays: today's 15-minute powers, and energies per day, month, year.

The plant reports every integrated stretch of constant power (:func:`plant.advance`'s observer);
this module splits each stretch at 15-minute and midnight boundaries, so every array entry is the
exact energy of its period and today's day entry equals the daily counter. Only simulated time
counts: periods before the mock's first day read 0. ``data/history_map.csv`` says which counter
fills which array.
"""

from __future__ import annotations

import csv
import math
from array import array
from collections import defaultdict
from datetime import date, datetime, time
from functools import cache
from importlib import resources

from ..device import codec
from ..device.catalogue import Layout, Register
from ..records import Record
from .clock import DAY_S, to_datetime, to_seconds

SLOT_S = 900.0
SLOTS_PER_DAY = 96
_NO_SLOTS = bytes(8 * SLOTS_PER_DAY)  # a day's slots of doubles, all 0.0


class Series(Record):
    """One statistics array of ``data/history_map.csv``: its first register, the counter it sums, its period, its length."""

    register: str
    counter: str
    period: str
    length: int

    def __init__(self, register: str, counter: str, period: str, length: int):
        self.__dict__.update(register=register, counter=counter, period=period, length=length)


@cache
def history_map() -> tuple[Series, ...]:
    text = resources.files(__package__).joinpath("data/history_map.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(Series(r["register"], r["counter"], r["period"], int(r["length"])) for r in rows)


def arrays(layout: Layout) -> tuple[tuple[Series, Register], ...]:
    """The statistics arrays a model has: each series with the register of its first element."""
    return layout.shared(_arrays)


def _arrays(layout: Layout) -> tuple[tuple[Series, Register], ...]:
    return tuple(
        (series, layout.by_name[series.register])
        for series in history_map()
        if series.register in layout.by_name and layout.present(layout.by_name[series.register])
    )


def _counters(layout: Layout) -> tuple[str, ...]:
    return tuple(dict.fromkeys(series.counter for series, _ in arrays(layout)))


def _day(local_seconds: float) -> date:
    return to_datetime(local_seconds).date()


def _midnight(day: date) -> float:
    return to_seconds(datetime.combine(day, time()))


class History:
    """Energy (Wh) per counter and period, fed by the integration, in local clock seconds."""

    def __init__(self, counters: tuple[str, ...]):
        self.counters = counters
        self.now = None  # local seconds up to which energy has been booked
        self.today: date | None = None
        # Doubles in place, not a list of float objects: 0.8 KiB per counter and day, not up to 3.
        self.slots: dict[str, array[float]] = {}
        self.days: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(counters, 0.0))
        self.months: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: dict.fromkeys(counters, 0.0))
        self.years: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(counters, 0.0))

    def book(self, start: float, end: float, rates: dict[str, float]) -> None:
        """Book ``rates`` (Wh per second) held from ``start`` to ``end`` (local seconds)."""
        last_midnight = _midnight(_day(end))
        if start < last_midnight:
            # Only the last day's slots are ever shown: the days before it (years of them when the
            # clock is set ahead) go in whole, month by month.
            self._book_days(start, last_midnight, rates)
            start = last_midnight
        t = start
        while t < end:
            day = _day(t)
            if day != self.today:
                self._new_day(day)
            slot_end = min(end, (math.floor(t / SLOT_S) + 1) * SLOT_S)
            slot = int((t - _midnight(day)) // SLOT_S)
            dt = slot_end - t
            for name in self.counters:
                wh = rates.get(name, 0.0) * dt
                if wh:
                    self.slots[name][min(slot, SLOTS_PER_DAY - 1)] += wh
                    self.days[day][name] += wh
                    self.months[(day.year, day.month)][name] += wh
                    self.years[day.year][name] += wh
            t = slot_end
        if _day(end) != self.today:  # a stretch that ends exactly at midnight starts the new day
            self._new_day(_day(end))
        self.now = end if self.now is None else max(self.now, end)

    def _book_days(self, start: float, stop: float, rates: dict[str, float]) -> None:
        """Book ``start`` to midnight ``stop`` into the years, into the months of its last year and
        into the days of its last month (only this year's months and this month's days are ever
        shown): a century costs a hundred years, twelve months and a month of days."""
        booked = [(name, rate) for name in self.counters if (rate := rates.get(name, 0.0))]
        last = _day(stop - 1.0) if stop > start else _day(start)
        t = start
        while t < stop:
            day = _day(t)
            year_end = min(stop, _midnight(date(day.year + 1, 1, 1)))
            for name, rate in booked:
                self.years[day.year][name] += rate * (year_end - t)
            t = year_end
        t = max(start, _midnight(date(last.year, 1, 1)))
        while t < stop:
            day = _day(t)
            month_end = min(stop, _midnight(date(day.year + day.month // 12, day.month % 12 + 1, 1)))
            for name, rate in booked:
                self.months[(day.year, day.month)][name] += rate * (month_end - t)
            t = month_end
        t = max(start, _midnight(date(last.year, last.month, 1)))
        while t < stop:
            day = _day(t)
            day_end = min(stop, _midnight(day) + DAY_S)
            for name, rate in booked:
                self.days[day][name] += rate * (day_end - t)
            t = day_end

    def _new_day(self, day: date) -> None:
        self.today = day
        self.slots = {name: array("d", _NO_SLOTS) for name in self.counters}
        # Only this month's days and this year's months are ever shown: forget the rest.
        for old in [d for d in self.days if (d.year, d.month) != (day.year, day.month)]:
            del self.days[old]
        for old in [m for m in self.months if m[0] != day.year]:
            del self.months[old]

    def values(self, series: Series) -> list[float]:
        """The array in engineering units: W for slots, kWh for energies."""
        if self.today is None:
            return [0.0] * series.length
        name, today = series.counter, self.today
        if series.period == "slot":
            return self._slot_powers(name)
        if series.period == "day":
            days = {d.day: e[name] for d, e in self.days.items() if (d.year, d.month) == (today.year, today.month)}
            return [days.get(i + 1, 0.0) / 1000 for i in range(series.length)]
        if series.period == "month":
            return [self.months.get((today.year, i + 1), {}).get(name, 0.0) / 1000 for i in range(series.length)]
        return [self.years.get(today.year - i, {}).get(name, 0.0) / 1000 for i in range(series.length)]

    def _slot_powers(self, name: str) -> list[float]:
        """Average power of each slot over the part of it that has passed."""
        start_of_day = _midnight(self.today)
        elapsed = self.now - start_of_day
        powers = []
        for slot, wh in enumerate(self.slots[name]):
            passed = min(SLOT_S, elapsed - slot * SLOT_S)
            powers.append(wh * 3600.0 / passed if passed > 0 else 0.0)
        return powers


class HistoryWriter:
    """Writes the statistics arrays of one inverter's image from a :class:`History`."""

    def __init__(self, inverter):
        self.inverter = inverter
        self.targets = arrays(inverter.layout)
        self.counters = inverter.layout.shared(_counters)

    def write(self, history: History) -> None:
        image, pinned = self.inverter.image, self.inverter.pinned
        for series, register in self.targets:
            low, high = codec.limits(register.type)
            words: list[int] = []
            for index, value in enumerate(history.values(series)):
                if index == 0 and (register.table, register.number) in pinned:
                    words.extend(image.words(register.table, register.number, register.words))
                    continue
                raw = min(max(round(value / register.scale), low), high)
                words.extend(codec.encode(register.type, raw, register.words))
            image.put_words(register.table, register.number, words)
