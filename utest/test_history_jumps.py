"""The statistics arrays after a clock jump: booked in whole days, exact, and without delay.

A client may write any allowed year (2000..2099) to the clock registers; the simulation then
integrates the jump. The days before the last one are booked month by month (their 15-minute
slots are never shown), so a century costs as little as a day and gives the same arrays.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from door_clients import PlainModbus

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.simulation.clock import to_seconds
from SungrowMockLibrary.simulation.history import SLOT_S, History, Series

SERIES = [Series("", "pv", "slot", 96), Series("", "pv", "day", 31), Series("", "pv", "month", 12),
          Series("", "pv", "year", 20)]


def test_a_long_stretch_books_the_same_arrays_as_its_fifteen_minute_pieces():
    start = to_seconds(datetime(2026, 11, 20, 5, 17, 30))
    end = to_seconds(datetime(2027, 2, 3, 16, 40, 10))
    rates = {"pv": 0.75}
    at_once, piecewise = History(("pv",)), History(("pv",))
    at_once.book(start, end, rates)
    t = start
    while t < end:
        piece_end = min(end, (t // SLOT_S + 1) * SLOT_S)
        piecewise.book(t, piece_end, rates)
        t = piece_end
    assert at_once.today == piecewise.today
    for series in SERIES:
        assert at_once.values(series) == pytest.approx(piecewise.values(series)), series.period
    assert at_once.values(SERIES[3])[1] == pytest.approx(0.75 * (to_seconds(datetime(2027, 1, 1)) - start) / 1000)


def write_year(connection: PlainModbus, year: int) -> float:
    """Write the clock's year and read the statistics arrays back; the seconds the mock took."""
    began = time.perf_counter()
    assert connection.ask(1, bytes.fromhex("061387") + year.to_bytes(2, "big"))[0] == 6
    assert connection.ask(1, bytes.fromhex("0417d3007d"))[:2] == bytes((4, 250))  # input 6100 x 125
    return time.perf_counter() - began


def test_a_clock_set_a_century_ahead_is_answered_at_once():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time="2026-07-15T12:00:00") as mock:
        connection = PlainModbus(mock.endpoint("modbus"))
        try:
            write_year(connection, 2000)
            assert write_year(connection, 2099) < 2.0  # it took half a minute when booked slot by slot
            assert mock.get_time().startswith("2099-07-15T12:00")
        finally:
            connection.close()
