"""Device faults: the inverter's own state, codes and output change, and recover when cleared."""

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.faults import FaultError


def simulated(model: str, start: str = "2026-06-21T12:00:00") -> MockSungrow:
    return MockSungrow(model, doors="modbus", start_time=start, clock_speed=0, latitude=48)


def test_an_inverter_fault_stops_a_string_inverter_with_its_code_and_time():
    mock = simulated("SG10RT")
    assert mock.get_value("total_active_power") > 5000
    mock.inject_fault("inverter_fault", code=14)
    assert mock.get_value("total_active_power") == 0
    assert mock.get_register("work_state_1") == 0x5500
    assert mock.get_value("alarm_code_1") == 14
    assert [mock.get_value(f"alarm_time_{f}") for f in ("year", "month", "day", "hour")] == [2026, 6, 21, 12]
    assert mock.clear_faults() == 1
    mock.advance_clock(60)
    assert mock.get_register("work_state_1") == 0 and mock.get_value("alarm_code_1") == 0
    assert mock.get_value("total_active_power") > 5000


def test_a_hybrid_reports_the_fault_in_its_fault_word_and_running_state():
    mock = simulated("SH10RT")
    mock.inject_fault("inverter_fault", code=38)
    assert mock.get_register("system_state") == 0x0100
    assert mock.get_register("system_fault1") == 38


def test_grid_loss_islands_a_hybrid_and_stops_a_string_inverter():
    hybrid, string = simulated("SH10RT"), simulated("SG10RT")
    for mock in (hybrid, string):
        mock.inject_fault("grid_loss")
    assert hybrid.get_register("system_state") == 0x1000
    assert hybrid.get_value("export_power_hybrid") == 0
    assert string.get_value("alarm_code_1") == 10 and string.get_value("total_active_power") == 0


def test_over_temperature_derates_and_heats():
    mock = simulated("SG10RT")
    cool = mock.get_value("internal_temperature")
    mock.inject_fault("over_temperature", limit_percent=40)
    mock.advance_clock(3600)
    assert mock.get_value("total_active_power") <= 4000
    assert mock.get_register("work_state_1") == 0x8100
    assert mock.get_value("internal_temperature") > cool + 20
    assert mock.get_value("alarm_code_1") == 37


def test_a_battery_fault_takes_the_battery_out():
    mock = simulated("SH10RT")
    mock.inject_fault("battery_fault", code=703)
    mock.advance_clock(60)
    assert mock.get_value("battery_power") == 0
    assert mock.get_register("battery_fault") == 703


def test_device_faults_target_one_unit_and_need_the_simulation():
    mock = simulated("SH10RT")
    mock.add_inverter("SH10RT", 2)
    mock.inject_fault("inverter_fault", unit=2)
    assert mock.get_register("system_state", unit_id=2) == 0x0100
    assert mock.get_register("system_state", unit_id=1) != 0x0100
    with pytest.raises(Exception, match="not simulated"):
        MockSungrow(doors="modbus", simulate=False).inject_fault("grid_loss")
    with pytest.raises(FaultError, match="times"):
        mock.inject_fault("grid_loss", times=1)


def test_a_fault_changes_the_inverter_from_the_moment_it_is_injected():
    mock = simulated("SG10RT")
    before = mock.get_value("daily_power_yields")
    mock.advance_clock(600)
    mock.inject_fault("inverter_fault", code=14)  # the 10 minutes before were produced normally
    produced = mock.get_value("daily_power_yields") - before
    assert produced == pytest.approx(1.6, abs=0.2)
    assert mock.get_value("alarm_time_minute") == 10
    mock.advance_clock(600)
    assert mock.get_value("daily_power_yields") - before == pytest.approx(produced, abs=0.05)
    mock.clear_faults()
    assert mock.get_value("daily_power_yields") - before == pytest.approx(produced, abs=0.05)


def test_status_words_follow_the_faults():
    string, hybrid = simulated("SG10RT"), simulated("SH10RT")
    assert string.get_register("work_state_2") == 0x20001
    string.inject_fault("inverter_fault")
    assert string.get_register("work_state_2") == 0x40200
    string.clear_faults()
    string.inject_fault("over_temperature")
    assert string.get_register("work_state_2") == 0x20800
    assert hybrid.get_register("grid_state") == 0x55
    hybrid.inject_fault("grid_loss")
    assert hybrid.get_register("grid_state") == 0xAA
    assert string.get_value("meter_a_phase_power") == pytest.approx(string.get_value("meter_power") / 3, abs=2)


def test_derating_also_caps_the_battery_of_a_hybrid():
    mock = simulated("SH10RT")
    mock.set_battery_soc(30)
    mock.inject_fault("over_temperature", limit_percent=40)
    mock.advance_clock(300)
    assert mock.get_value("battery_power") <= 4000
    assert mock.get_value("total_active_power") <= 4000
