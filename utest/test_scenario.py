"""Scenario files: applied to a simulated mock; bad files name the line and the field."""

import subprocess
import sys

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.simulation.scenario import ScenarioError, load_scenario

GOOD = """\
[site]
latitude = 45.0
seed = 3

[clock]
start_time = "2026-06-21T12:00:00"
speed = 0

[battery]
soc = 40

[irradiance]
points = [["06:00", 0], ["12:00", 600], ["18:00", 0]]

[load]
value = 2000

[registers]
ems_mode = "forced"
battery_forced_charge_discharge_cmd = "charge"
"""


def write(tmp_path, text):
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


def test_a_scenario_sets_clock_environment_battery_and_registers(tmp_path):
    mock = MockSungrow("SH10RT", doors="modbus", simulate=True)
    mock.load_scenario(str(write(tmp_path, GOOD)))
    assert mock.get_time() == "2026-06-21T12:00:00"
    assert mock.get_value("load_power_hybrid") == 2000
    assert mock.get_value("battery_level") == pytest.approx(40, abs=0.2)
    assert mock.get_value("ems_mode") == 2
    assert mock.get_value("battery_power_wide_range") < 0  # forced charge
    assert 0 < mock.get_value("total_dc_power") < 10_000 * 0.6 * 1.2 + 1  # 600 W/m2 at noon


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('[site]\nlatitude = 95\n', 2, "site.latitude: 95 is out of range; valid: -90..90"),
        ('[battery]\n\nsoc = 120\n', 3, "battery.soc: 120 % is out of range"),
        ('[clock]\nstart_time = "noon"\n', 2, "clock.start_time: 'noon' is not an ISO 8601"),
        ('[load]\npoints = [["07:00", 300], ["06:00", 500]]\n', 2, "load.points:"),
        ('[weather]\nrain = 1\n', 1, "[weather]: unknown section"),
        ('[site]\naltitude = 300\n', 2, "site.altitude: unknown field; valid: latitude, seed"),
    ],
)
def test_bad_files_name_the_line_and_the_field(tmp_path, text, line, message):
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, text))
    assert f"scenario.toml:{line}: " in str(error.value)
    assert message in str(error.value)


def test_syntax_errors_name_the_line(tmp_path):
    with pytest.raises(ScenarioError, match="line 2"):
        load_scenario(write(tmp_path, "[site]\nlatitude = = 3\n"))


def test_unknown_register_in_a_scenario_names_it(tmp_path):
    mock = MockSungrow("SH10RT", doors="modbus", simulate=True)
    with pytest.raises(ScenarioError, match="registers.battery_levle: .*did you mean battery_level"):
        mock.load_scenario(str(write(tmp_path, "[registers]\nbattery_levle = 3\n")))


def test_serve_applies_a_scenario_and_rejects_a_bad_one_in_one_line(tmp_path):
    path = write(tmp_path, GOOD)
    process = subprocess.Popen(
        [sys.executable, "-m", "SungrowMockLibrary", "serve", "--doors", "modbus", "--scenario", str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert '"modbus"' in process.stdout.readline()
    finally:
        process.terminate()
        process.wait(5)
    bad = write(tmp_path, "[battery]\nsoc = -1\n")
    result = subprocess.run(
        [sys.executable, "-m", "SungrowMockLibrary", "serve", "--scenario", str(bad)],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "battery.soc" in result.stderr


def test_serve_refuses_a_scenario_without_the_simulation(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "SungrowMockLibrary", "serve", "--no-simulate", "--scenario", str(write(tmp_path, GOOD))],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "needs the simulation, and simulate is off" in result.stderr
