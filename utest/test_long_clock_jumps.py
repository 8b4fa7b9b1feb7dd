"""A clock jump of any size costs about a day, keeps the counters coherent, and stays in range.

A jump longer than ``LONG_JUMP_S`` simulates its first day and books the whole days after it as
that day repeated (docs/decisions.md §24); the clock shows the years its register takes.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from door_clients import PlainModbus

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.errors import SungrowMockError
from SungrowMockLibrary.simulation.clock import Clock
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.simulation.simulator import Simulator


def simulator(start: str) -> Simulator:
    inverter = Inverter("SH10RT", clock=Clock(start, speed=0))
    inverter.simulator = simulator = Simulator(inverter)
    simulator.update()
    return simulator


def jump(sim: Simulator, to: str) -> float:
    sim.inverter.clock.set(to)
    began = time.perf_counter()
    sim.update()
    return time.perf_counter() - began


def test_a_clock_jump_of_any_size_costs_about_what_a_day_costs():
    day, century = simulator("2000-03-01T12:00:00"), simulator("2000-03-01T12:00:00")
    day_cost = min(jump(day, f"2000-03-{d:02d}T12:00:00") for d in (2, 3, 4))
    century_cost = jump(century, "2099-12-31T23:00:00")
    assert century_cost < 5 * day_cost + 0.05  # it took seconds when integrated step by step


def test_a_long_jump_gains_the_sampled_days_energy_and_books_it_in_the_arrays():
    sim = simulator("2026-06-21T12:00:00")
    before = sim.state.total("pv")
    jump(sim, "2026-06-22T12:00:00")
    one_day = sim.state.total("pv") - before
    sim = simulator("2026-06-21T12:00:00")
    morning = sim.history.years[2026]["pv"]
    jump(sim, "2026-09-29T12:00:00")  # 100 days
    gained = sim.state.total("pv") - before
    assert gained == pytest.approx(100 * one_day, rel=0.15)
    history = sim.history
    today = history.today
    assert today == datetime(2026, 9, 29).date()
    assert history.days[today]["pv"] == pytest.approx(sim.state.daily("pv"))  # the day entry is the daily counter
    assert history.years[2026]["pv"] - morning == pytest.approx(gained)  # every Wh gained is in this year's entry
    assert sum(history.months[(2026, m)]["pv"] for m in range(6, 10)) - morning == pytest.approx(gained)
    assert 0.0 <= sim.state.soc <= 1.0 and sim.state.day == today


def test_years_of_a_long_jump_are_booked_year_by_year():
    sim = simulator("2001-01-01T00:00:00")
    before = sim.state.total("pv") - sim.history.years[2001]["pv"]
    jump(sim, "2031-01-01T06:00:00")
    years = sim.history.years
    assert all(years[y]["pv"] > 0 for y in range(2001, 2031))
    assert sim.history.months.keys() <= {(2031, m) for m in range(1, 13)}  # only this year's months are kept
    assert sum(e["pv"] for e in years.values()) == pytest.approx(sim.state.total("pv") - before)


@pytest.mark.parametrize("moment", ["1999-12-31T23:59:59", "2100-01-01T00:00:00", "9999-12-31T00:00:00"])
def test_the_clock_refuses_times_its_register_cannot_show(moment):
    with pytest.raises(ValueError, match="out of the clock's range 2000-01-01T00:00:00 .. 2099-12-31T23:59:59"):
        Clock(moment)
    clock = Clock("2026-06-21T12:00:00", speed=0)
    with pytest.raises(ValueError, match="out of the clock's range"):
        clock.set(moment)
    assert clock.now() == datetime(2026, 6, 21, 12)


def test_a_fast_clock_stops_at_the_last_second_the_register_takes():
    wall = [0.0]
    clock = Clock("2099-12-31T23:00:00", speed=1_000_000, wall=lambda: wall[0])
    wall[0] = 10.0
    assert clock.now() == datetime(2099, 12, 31, 23, 59, 59)


def test_advancing_the_mock_clock_a_million_days_is_refused_and_changes_nothing():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time="2026-07-15T12:00:00") as mock:
        for days in (1_000_000, float("inf"), float("nan")):
            with pytest.raises(SungrowMockError, match="would pass 2099-12-31T23:59:59"):
                mock.advance_clock(days * 86400)
        with pytest.raises(SungrowMockError, match="out of the clock's range"):
            mock.set_time("2100-01-01T00:00:00")
        assert mock.get_time() == "2026-07-15T12:00:00"
        connection = PlainModbus(mock.endpoint("modbus"))
        try:
            assert connection.ask(1, bytes.fromhex("041387000a"))[:2] == bytes((4, 20))  # the door still serves
        finally:
            connection.close()


def test_advancing_the_mock_clock_to_the_end_of_its_range_is_answered_at_once():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time="2000-01-01T00:00:00") as mock:
        mock.advance_clock((datetime(2099, 12, 31, 12) - datetime(2000, 1, 1)).total_seconds())
        connection = PlainModbus(mock.endpoint("modbus"))
        try:
            began = time.perf_counter()
            assert connection.ask(1, bytes.fromhex("0417d3007d"))[:2] == bytes((4, 250))  # input 6100 x 125
            assert time.perf_counter() - began < 1.5
            assert mock.get_value("total_pv_generation") > 10_000  # a century of sun, in kWh
        finally:
            connection.close()
