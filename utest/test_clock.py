"""The simulated clock: real time, accelerated, frozen and advanced; clock registers follow it."""

from datetime import datetime

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.errors import OptionError
from SungrowMockLibrary.simulation.clock import Clock


class FakeWall:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_real_time_by_default():
    wall = FakeWall()
    clock = Clock("2026-06-21T12:00:00", wall=wall)
    wall.now += 90
    assert clock.now() == datetime(2026, 6, 21, 12, 1, 30)


def test_accelerated_and_frozen():
    wall = FakeWall()
    clock = Clock("2026-06-21T12:00:00", speed=60, wall=wall)
    wall.now += 60
    assert clock.now() == datetime(2026, 6, 21, 13, 0, 0)
    assert clock.set_speed(0) == 60
    wall.now += 3600
    assert clock.now() == datetime(2026, 6, 21, 13, 0, 0)
    assert clock.advance(30 * 60) == datetime(2026, 6, 21, 13, 30, 0)


def test_set_keeps_the_speed_and_returns_the_previous_time():
    wall = FakeWall()
    clock = Clock("2026-06-21T12:00:00", speed=2, wall=wall)
    assert clock.set("2026-12-31T23:59:00") == datetime(2026, 6, 21, 12, 0, 0)
    wall.now += 30
    assert clock.now() == datetime(2027, 1, 1, 0, 0, 0)


@pytest.mark.parametrize("speed", [-1, 2_000_000])
def test_impossible_speeds_are_refused(speed):
    with pytest.raises(ValueError, match="valid: 0 \\(frozen\\)"):
        Clock(speed=speed)


def test_the_clock_cannot_advance_backwards():
    with pytest.raises(ValueError, match="Set Mock Time"):
        Clock().advance(-5)


def test_clock_registers_follow_the_simulated_clock():
    mock = MockSungrow(doors="modbus", start_time="2026-03-29T01:59:50", clock_speed=0)
    assert [mock.get_register(n, "holding") for n in range(5000, 5006)] == [2026, 3, 29, 1, 59, 50]
    mock.advance_clock(15)
    assert [mock.get_register(n, "holding") for n in range(5003, 5006)] == [2, 0, 5]
    assert mock.get_time() == "2026-03-29T02:00:05"  # local time: no DST jump, no host time zone


def test_inverters_behind_one_mock_share_the_clock():
    mock = MockSungrow(doors="modbus", start_time="2026-01-01T00:00:00", clock_speed=0)
    mock.add_inverter("SG10RT", 2)
    mock.set_register("year", 2030, unit_id=2)
    assert mock.get_time().startswith("2030-01-01")
    assert mock.get_register("year", unit_id=1) == 2030


def test_bad_clock_settings_name_the_problem():
    with pytest.raises(OptionError, match="ISO 8601"):
        MockSungrow(doors="modbus", start_time="yesterday")
    with pytest.raises(OptionError, match="out of range"):
        MockSungrow(doors="modbus").set_clock_speed(-3)


def test_pinning_and_release():
    mock = MockSungrow(doors="modbus")
    mock.set_value("daily_power_yields", 12.3)
    assert ("input", 5003) in mock.inverter.pinned
    assert mock.release_register("daily_power_yields") is True
    assert mock.release_register("daily_power_yields") is False
    mock.set_register("battery_level", 700)
    mock.set_register("year", 2030)  # the clock is not a pinnable value: it keeps running
    assert mock.release_all_registers() == 1
