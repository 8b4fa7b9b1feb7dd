"""What a start leaves for later (decision §39): the simulation's modules and each inverter's
simulator are built at their first use, the WiNet-S screen only for a mock behind one, and
``models.toml`` is parsed only where it names the model asked for; none of it shows in behaviour."""

import time

from SungrowMockLibrary import MockSungrow
from utest.fresh_interpreter import run_fresh


def test_a_started_mock_builds_its_simulator_and_the_screen_only_when_used():
    out = run_fresh("""
        import sys
        from SungrowMockLibrary.device import catalogue
        from SungrowMockLibrary.mock import MockSungrow
        later = ("SungrowMockLibrary.simulation.simulator", "SungrowMockLibrary.simulation.plant",
                 "SungrowMockLibrary.transports.dongle_screen")
        with MockSungrow(doors="modbus", modbus_port=0, host="127.0.0.1") as mock:
            print([name for name in later if name in sys.modules], catalogue._data.cache_info().currsize)
            print(mock.inverter.get_value("battery_level") > 0, type(mock.inverter.simulator).__name__)
            print([name for name in later if name in sys.modules])
    """)
    assert out.splitlines() == [
        "[] 0",
        "True Simulator",
        "['SungrowMockLibrary.simulation.simulator', 'SungrowMockLibrary.simulation.plant']",
    ]


def test_the_simulated_day_is_the_one_the_mock_started_in_however_late_its_simulator_is_built():
    mock = MockSungrow(doors="modbus", clock_speed=1_000_000)  # a simulated day in a tenth of a second
    started = mock.clock.timestamp()
    deadline = time.monotonic() + 10
    while mock.clock.timestamp() < mock.environment.local_midnight(started) + 86400 and time.monotonic() < deadline:
        time.sleep(0.01)  # the next day begins before anything asks for the simulator
    assert mock.clock.timestamp() > mock.environment.local_midnight(started) + 86400
    assert mock.inverter.simulator.state.last_time == mock.environment.local_midnight(started)


def test_an_unsimulated_mock_has_no_simulator():
    mock = MockSungrow(doors="modbus", simulate=False)
    assert mock.environment is None
    assert mock.inverter.simulator is None
