"""Control registers read as plant controls (PROTOCOLS §2.6)."""

from SungrowMockLibrary.simulation.controls import read_controls
from SungrowMockLibrary.simulation.inverter import Inverter


def test_defaults_ask_for_a_running_unlimited_plant():
    controls = read_controls(Inverter("SH10RT"))
    assert controls["running"] and controls["active_power_limit_w"] is None and controls["export_limit_w"] is None
    assert controls["ems_mode"] == "self-consumption" and controls["forced_command"] == "stop"
    assert 0 <= controls["min_soc"] < controls["max_soc"] <= 1


def test_stop_command_stops_the_plant():
    inverter = Inverter("SG10RT")
    inverter.write(5005, [0xCE])  # wire address of holding 5006, as intelbras writes it
    assert read_controls(inverter)["running"] is False


def test_the_strictest_enabled_export_limit_wins():
    inverter = Inverter("SH10RT")
    inverter.write(13086, [0xAA])  # 13087 export limitation switch
    inverter.write(13073, [4000])  # 13074 export limit, W
    inverter.write(31220, [0xAA, 250])  # 31221 feed-in switch, 31222 = 2.50 kW (sungrow-http-config)
    assert read_controls(inverter)["export_limit_w"] == 2500


def test_power_limitation_is_a_share_of_nominal_power():
    inverter = Inverter("SG5.0RS")
    inverter.write(5006, [0xAA, 600])  # 5007 switch on, 5008 = 60.0 %
    assert read_controls(inverter)["active_power_limit_w"] == 3000


def test_forced_mode_and_battery_limits():
    inverter = Inverter("SH10RT")
    inverter.write(13049, [2, 0xAA, 3000])  # 13050 forced, 13051 charge, 13052 3000 W
    inverter.write(33046, [250, 300])  # 33047/33048 max charge/discharge 2.50/3.00 kW
    controls = read_controls(inverter)
    assert (controls["ems_mode"], controls["forced_command"], controls["forced_power_w"]) == ("forced", "charge", 3000)
    assert (controls["max_charge_w"], controls["max_discharge_w"]) == (2500, 3000)
