"""The living inverter as clients see it: registers driven by the plant, controls that act."""

import pytest

from SungrowMockLibrary import MockSungrow, MockSungrowError
from SungrowMockLibrary.errors import ChoiceError, OptionError


def simulated(model="SH10RT", start="2026-06-21T00:00:00", **options) -> MockSungrow:
    return MockSungrow(model, doors="modbus", simulate=True, start_time=start, clock_speed=0, latitude=48, **options)


def values(mock: MockSungrow, *names: str) -> dict:
    return {name: mock.get_value(name) for name in names}


HYBRID = ("daily_pv_generation", "total_pv_generation", "daily_import_energy", "total_import_energy",
          "daily_export_energy", "total_export_energy", "load_power_hybrid", "export_power_hybrid",
          "total_dc_power", "total_active_power", "battery_power_wide_range", "battery_level")  # fmt: skip


def test_a_simulated_day_rises_from_zero_and_resets_at_midnight():
    mock = simulated()
    night = values(mock, *HYBRID)
    assert night["daily_pv_generation"] == 0 and night["total_dc_power"] == 0
    previous = night
    for hour in range(6, 22, 4):
        mock.set_time(f"2026-06-21T{hour:02d}:00:00")
        now = values(mock, *HYBRID)
        assert now["daily_pv_generation"] >= previous["daily_pv_generation"]
        for total in ("total_pv_generation", "total_import_energy", "total_export_energy"):
            assert now[total] >= previous[total]
        previous = now
    assert previous["daily_pv_generation"] > 20  # a clear June day on a 10 kW hybrid
    mock.set_time("2026-06-21T23:59:00")
    before = values(mock, *HYBRID)
    mock.advance_clock(120)
    after = values(mock, *HYBRID)
    assert after["daily_pv_generation"] == 0 and after["daily_export_energy"] == 0
    assert after["total_pv_generation"] == pytest.approx(before["total_pv_generation"], abs=0.2)


def test_noon_is_running_and_midnight_is_standby_for_a_string_inverter():
    mock = simulated("SG10RT")
    assert mock.get_register("work_state_1") == 0x1400  # standby
    mock.advance_clock(12 * 3600)
    assert mock.get_register("work_state_1") == 0x0000  # run
    assert mock.get_value("total_active_power") > 5000


@pytest.mark.parametrize("hour", [7, 10, 13, 17, 20, 23])
def test_power_balances_within_register_rounding(hour):
    mock = simulated(start=f"2026-06-21T{hour:02d}:00:00")
    ac = mock.get_value("total_active_power")
    load = mock.get_value("load_power_hybrid")
    export = mock.get_value("export_power_hybrid")
    battery_discharge = mock.get_value("battery_power_wide_range")
    dc = mock.get_value("total_dc_power")
    # PV (after conversion) + battery discharge + import = load + battery charge + export
    assert ac == pytest.approx(load + export, abs=3)
    assert dc >= 0 and mock.get_value("battery_level") <= 100
    if battery_discharge > 0:
        assert mock.get_register("running_state") & 0b100  # bit 2: discharging
    elif battery_discharge < 0:
        assert mock.get_register("running_state") & 0b10  # bit 1: charging


def test_mppt_voltage_times_current_is_its_power():
    mock = simulated("SG33CX", start="2026-06-21T12:00:00")
    total = 0.0
    for n in (1, 2, 3):
        total += mock.get_value(f"mppt_{n}_voltage") * mock.get_value(f"mppt_{n}_current")
    assert total == pytest.approx(mock.get_value("total_dc_power"), rel=0.02)


def test_export_limit_written_over_modbus_clips_export():
    mock = simulated("SG5.0RS", start="2026-06-21T12:00:00")
    assert -mock.get_value("meter_power") > 2000
    mock.inverter.write(31220, [0xAA, 100])  # feed-in limitation on, 1.00 kW (what sungrow-http-config writes)
    mock.advance_clock(300)
    assert -mock.get_value("meter_power") <= 1000 + 1


def test_stop_command_stops_production():
    mock = simulated("SG10RT", start="2026-06-21T12:00:00")
    mock.inverter.write(5005, [0xCE])
    mock.advance_clock(120)
    assert mock.get_value("total_active_power") == 0
    assert mock.get_register("work_state_1") == 0x8000


def test_forced_charge_charges_the_battery():
    mock = simulated(start="2026-06-21T20:00:00")
    mock.set_battery_soc(40)
    mock.inverter.write(13049, [2, 0xAA, 3000])  # EMS forced, charge, 3000 W
    mock.advance_clock(600)
    first = mock.get_value("battery_level")
    mock.advance_clock(600)
    assert mock.get_value("battery_level") > first
    assert mock.get_value("battery_power_wide_range") < 0  # negative = charging
    assert mock.get_register("system_state") == 0x0800  # running in forced mode


def test_pinned_values_stay_until_released():
    mock = simulated(start="2026-06-21T12:00:00")
    mock.set_value("daily_pv_generation", 1.5)
    mock.advance_clock(3600)
    assert mock.get_value("daily_pv_generation") == 1.5
    mock.release_register("daily_pv_generation")
    mock.advance_clock(60)
    assert mock.get_value("daily_pv_generation") > 20


def test_same_seed_same_values():
    readings = []
    for _ in range(2):
        mock = simulated(seed=7, start="2026-06-21T07:30:00")
        mock.advance_clock(3 * 3600)
        readings.append(values(mock, *HYBRID))
    assert readings[0] == readings[1]


def test_environment_overrides_and_their_errors():
    mock = simulated(start="2026-06-21T12:00:00")
    mock.set_irradiance(0)
    mock.advance_clock(60)
    assert mock.get_value("total_dc_power") == 0
    mock.set_house_load(2500)
    mock.advance_clock(60)
    assert mock.get_value("load_power_hybrid") == 2500
    with pytest.raises(OptionError, match="valid: 0..100"):
        mock.set_battery_soc(101)
    with pytest.raises(OptionError, match="valid: 0..1500"):
        mock.set_irradiance(-5)
    with pytest.raises(MockSungrowError, match="has no battery"):
        simulated("SG10RT").set_battery_soc(50)
    with pytest.raises(MockSungrowError, match="simulate=True"):
        MockSungrow(doors="modbus", simulate=False).set_irradiance(100)


def test_simulation_does_not_cost_the_modbus_hot_path_when_time_stands_still():
    mock = simulated(start="2026-06-21T12:00:00")
    first = mock.inverter.read("input", 4999, 100)
    assert mock.inverter.read("input", 4999, 100) == first  # frozen clock: identical bytes, no integration


def test_changes_show_on_the_next_read_even_on_a_frozen_clock():
    mock = simulated(start="2026-06-21T12:00:00")
    mock.get_value("battery_level")
    mock.set_battery_soc(50)
    assert mock.get_value("battery_level") == 50
    mock.set_house_load(6000)
    assert mock.get_value("load_power_hybrid") == 6000
    mock.inverter.write(13049, [2, 0xAA, 4000])  # forced charge 4000 W
    assert mock.get_value("battery_power_wide_range") == -4000


def test_a_write_acts_from_when_it_is_made_not_from_the_last_read():
    mock = simulated("SG5.0RS", start="2026-06-21T11:00:00")
    mock.set_house_load(400)
    start = mock.get_value("daily_export_energy")
    mock.advance_clock(3600)  # nobody reads for an hour of full export
    mock.inverter.write(31220, [0xAA, 100])  # then the export is limited to 1 kW
    exported = mock.get_value("daily_export_energy") - start
    assert exported > 3.5  # the hour before the write exported at full power (about 4 kW)


@pytest.mark.parametrize(
    "state, sg_code, sh_code", [("stopped", 0x8000, 0x0002), ("fault", 0x5500, 0x0100), ("running", 0x0000, 0x0040)]
)
def test_inverter_state_drives_the_state_registers(state, sg_code, sh_code):
    for model, register, code in (("SG10RT", "work_state_1", sg_code), ("SH10RT", "system_state", sh_code)):
        mock = simulated(model, start="2026-06-21T12:00:00")
        mock.set_inverter_state(state)
        assert mock.get_register(register) == code
        producing = mock.get_value("total_dc_power") > 0
        assert producing == (state == "running")


def test_unknown_inverter_state_names_the_valid_ones():
    with pytest.raises(ChoiceError, match="valid: running, stopped, fault, grid_lost"):
        simulated().set_inverter_state("asleep")


def test_backup_port_carries_the_house_only_when_the_grid_is_lost():
    mock = simulated(start="2026-06-21T20:00:00")
    assert mock.get_value("total_backup_power") == 0 and mock.get_value("load_power_hybrid") > 0
    mock.set_inverter_state("grid_lost")
    mock.advance_clock(60)
    load = mock.get_value("load_power_hybrid")
    assert mock.get_value("total_backup_power") == load
    assert sum(mock.get_value(f"backup_phase_{p}_power") for p in "abc") == pytest.approx(load, abs=2)


def meter_phases(mock: MockSungrow, phases: str) -> list[tuple[float, float, float]]:
    return [
        (mock.get_value(f"meter_{p}_phase_power"), mock.get_value(f"meter_{p}_phase_voltage"),
         mock.get_value(f"meter_{p}_phase_current"))
        for p in phases
    ]  # fmt: skip


@pytest.mark.parametrize(("model", "phases"), [("SH10RT", "abc"), ("SH5.0RS", "a")])
def test_meter_phase_voltage_times_current_is_the_phase_power(model, phases):
    mock = simulated(model, start="2026-06-21T12:00:00")
    seen = []
    for load, hour in ((500, 12), (6000, 12), (2500, 21)):  # exporting, importing at noon, importing at night
        mock.set_house_load(load)
        mock.set_time(f"2026-06-21T{hour}:00:00")
        readings = meter_phases(mock, phases)
        for power, voltage, current in readings:
            assert 200 < voltage < 260
            # rounding: the current to 0.01 A, the voltage to 0.1 V, the power to 1 W
            assert voltage * current == pytest.approx(abs(power), abs=voltage * 0.005 + current * 0.05 + 1)
        seen.append(readings)
    assert len({current for readings in seen for _, _, current in readings}) > len(phases)  # the currents move
    mock.set_inverter_state("grid_lost")
    mock.advance_clock(60)
    assert all(reading == (0, 0, 0) for reading in meter_phases(mock, phases))  # no grid at the meter
