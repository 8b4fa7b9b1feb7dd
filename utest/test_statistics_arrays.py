"""The hybrid's statistics arrays (6100-6826) follow the simulation and agree with its counters."""

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.simulation.history import History


def simulated(start: str, model: str = "SH10RT") -> MockSungrow:
    return MockSungrow(model, doors="modbus", start_time=start, clock_speed=0, latitude=48)


def words(mock: MockSungrow, first: int, count: int) -> list[int]:
    mock.get_value("battery_level")  # a read brings the simulation up to the clock
    return mock.inverter.image.words("input", first, count)


def test_todays_slots_hold_the_sun_and_the_day_entry_equals_the_daily_counter():
    mock = simulated("2026-06-21T15:00:00")
    slots = words(mock, 6100, 96)
    assert slots[0] == 0 and max(slots[44:56]) > 5000  # midnight dark, midday bright
    assert slots[60:] == [0] * 36  # slots still to come
    day_entries = words(mock, 6196, 31)
    assert day_entries[20] == round(mock.get_value("daily_pv_generation") * 10)
    assert sum(slots) / 4 / 1000 == pytest.approx(mock.get_value("daily_pv_generation"), abs=0.1)
    assert words(mock, 6227, 12)[5] == day_entries[20]  # June
    assert words(mock, 6250, 2) == [day_entries[20], 0]  # this year first, U32 low word first


def test_export_and_battery_arrays_follow_their_counters():
    mock = simulated("2026-06-21T18:00:00")
    assert words(mock, 6565, 31)[20] == round(mock.get_value("daily_pv_export") * 10)
    assert words(mock, 6744, 31)[20] == round(mock.get_value("daily_battery_charge_from_pv") * 10)


def test_a_new_day_keeps_yesterday_and_starts_empty_slots():
    mock = simulated("2026-06-21T23:00:00")
    yesterday = mock.get_value("daily_pv_generation")
    mock.advance_clock(3 * 3600)
    assert words(mock, 6100, 96) == [0] * 96  # 02:00, still dark
    days = words(mock, 6196, 31)
    assert days[20] == round(yesterday * 10) and days[21] == 0
    assert words(mock, 6227, 12)[5] == days[20]


def test_string_inverters_have_no_statistics_arrays():
    mock = simulated("2026-06-21T12:00:00", "SG10RT")
    mock.get_value("daily_power_yields")
    assert mock.inverter.image.words("input", 6100, 4) == [0, 0, 0, 0]


def test_a_pinned_first_entry_stays_pinned():
    mock = simulated("2026-06-21T12:00:00")
    mock.set_register("daily_pv_energy_yields", 1234)
    mock.advance_clock(600)
    assert words(mock, 6196, 1) == [1234]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.integers(0, 86399),
    jumps=st.lists(st.integers(1, 6 * 3600), min_size=1, max_size=6),
)
def test_slot_energies_sum_to_the_daily_counter(start, jumps):
    moment = datetime(2026, 3, 20) + timedelta(seconds=start)
    mock = simulated(moment.isoformat())
    for jump in jumps:
        mock.advance_clock(jump)
        words(mock, 6100, 1)
        history = mock.inverter.simulator.history
        today = history.today
        assert today == mock.inverter.simulator.state.day
        slot_wh = sum(history.slots["pv"])
        assert slot_wh == pytest.approx(mock.inverter.simulator.state.pv_daily, abs=1e-6 * max(1.0, slot_wh))
        assert history.days[today]["pv"] == pytest.approx(slot_wh)
        month = history.months[(today.year, today.month)]["pv"]
        assert month == pytest.approx(sum(e["pv"] for d, e in history.days.items() if d.month == today.month))


def test_booking_splits_at_slot_and_midnight_boundaries():
    history = History(("pv",))
    history.book(86400 - 450, 86400 + 450, {"pv": 1.0})  # 15 minutes across midnight at 3600 W
    assert history.slots["pv"][0] == pytest.approx(450)
    assert sum(e["pv"] for e in history.days.values()) == pytest.approx(900)
    assert len(history.days) == 2
