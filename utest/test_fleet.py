"""Fleets: N inverters in one process on one event loop, each layout, the seeded spread, lookups,
scopes on fleet inverters, and bad input (never half-started)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from door_clients import PlainModbus, WinetClient
from serve_cli import CLI, serve

from SungrowMockLibrary import MockSungrowFleet
from SungrowMockLibrary.device import catalogue
from SungrowMockLibrary.errors import MockSungrowError, SungrowMockError
from SungrowMockLibrary.fleet import plan_fleet
from SungrowMockLibrary.library import SungrowMockLibrary
from SungrowMockLibrary.options import FleetOptions, StartOptions
from SungrowMockLibrary.registry import MockRegistry
from SungrowMockLibrary.transports.paths import dongle_devices
from SungrowMockLibrary.vocabulary import Door, FleetLayout, Scope

NOON = {"clock_speed": 0, "start_time": "2026-06-21T12:00:00"}
SERIAL = catalogue.layout("SH10RT").by_name["serial_number"]


def read(client: PlainModbus, unit: int, number: int, count: int, function: int = 4) -> bytes:
    reply = client.ask(unit, bytes((function,)) + (number - 1).to_bytes(2, "big") + count.to_bytes(2, "big"))
    assert reply[0] == function, f"unit {unit} refused the read of {number}: {reply.hex()}"
    return reply[2:]


def identity(address: str, unit: int) -> tuple[int, str]:
    """(device type code, serial) as a client reads them from ``unit`` at ``address``."""
    client = PlainModbus(address)
    try:
        code = int.from_bytes(read(client, unit, 5000, 1), "big")
        serial = read(client, unit, SERIAL.number, SERIAL.words).rstrip(b"\0").decode()
    finally:
        client.sock.close()
    return code, serial


def fleet_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sungrow-mock")]


# -- layouts ---------------------------------------------------------------------------------------


def test_units_layout_serves_every_inverter_behind_one_port_as_a_unit_id():
    with MockSungrowFleet(4, "units", models="SH-RT,SG-RT", seed=3, **NOON) as fleet:
        assert len(fleet.mocks) == 1 and [i.unit_id for i in fleet] == [1, 2, 3, 4]
        address = fleet.inverter("inv1").endpoints["modbus"]
        assert all(inverter.endpoints == {"modbus": address} for inverter in fleet)
        seen = {identity(address, inverter.unit_id) for inverter in fleet}
        assert seen == {(catalogue.model(i.model).type_code, i.serial) for i in fleet}
        assert len({serial for _, serial in seen}) == 4
        assert fleet.mocks[0].battery_unit_id is None  # the bus carries no SBR pack


def test_more_than_247_inverters_take_a_second_port_on_the_same_loop():
    before = len(fleet_threads())
    with MockSungrowFleet(250, "units", models="SG5.0RS", **NOON) as fleet:
        assert len(fleet.mocks) == 2 and len(fleet_threads()) == before + 1  # one loop thread for both
        last = fleet.inverter("inv250")
        assert (last.unit_id, last.mock) == (3, fleet.mocks[1])
        assert identity(last.endpoints["modbus"], 3)[1] == last.serial
        assert fleet.inverter(200).alias == "inv200"  # unit 200 is an inverter: no battery there
        with pytest.raises(MockSungrowError, match=r"unit id 3 names 2 inverters .* give an alias: inv3, inv250"):
            fleet.inverter(3)
    assert len(fleet_threads()) == before


def test_ports_layout_gives_each_inverter_its_own_port_and_its_battery():
    with MockSungrowFleet(3, "ports", models="SH10RT", **NOON) as fleet:
        addresses = [inverter.endpoints["modbus"] for inverter in fleet]
        assert len(set(addresses)) == 3 and {i.unit_id for i in fleet} == {1}
        assert [identity(address, 1)[1] for address in addresses] == [i.serial for i in fleet]
        assert all(mock.battery_unit_id == 200 for mock in fleet.mocks)


def test_doors_named_explicitly_are_kept_even_when_they_are_the_default():
    """A layout picks its doors only when none were named: naming every door (the default of a
    single mock) keeps every door; the keyword and the command line pass their options so too."""
    every = StartOptions.of(doors="modbus,encrypted,winet")
    with MockSungrowFleet(2, "units", options=every, **NOON) as fleet:
        assert set(fleet.mocks[0].doors) == {Door.modbus, Door.encrypted, Door.winet}
    with MockSungrowFleet(2, "units", **NOON) as fleet:
        assert fleet.mocks[0].doors == (Door.modbus,)


def test_dongle_layout_lists_each_dongles_inverters_by_dev_id():
    size = dongle_devices()
    with MockSungrowFleet(size + 2, "dongle", models="SG-RS", seed=5, **NOON) as fleet:
        assert len(fleet.mocks) == 2
        second = fleet.inverter(f"inv{size + 2}")
        assert second.unit_id == 2 and second.mock is fleet.mocks[1]
        endpoints = second.endpoints
        client = WinetClient(endpoints["winet_ws"], endpoints["winet_http"])
        try:
            listed = client.call("devicelist", type="0", is_check_token="0")["result_data"]["list"]
        finally:
            client.close()
        assert [(d["dev_id"], d["dev_sn"]) for d in listed] == [(1, f"{fleet.inverter(f'inv{size + 1}').serial}"),
                                                               (2, second.serial)]  # fmt: skip
        # The dongle's Modbus TCP forwards unit 2 as an inverter (no SBR pack on a dongle's bus).
        assert fleet.mocks[1].modbus_path.value == "winet"
        assert identity(endpoints["modbus"], 2)[1] == second.serial


# -- the seeded spread -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_fleet_and_inverters_differ():
    models = FleetOptions.of(models="SH-RT,SG-RT").models
    first = plan_fleet(60, FleetLayout.units, models, 11, "inv")
    assert first == plan_fleet(60, FleetLayout.units, models, 11, "inv")
    other = plan_fleet(60, FleetLayout.units, models, 12, "inv")
    assert [p.model for p in first.inverters] != [p.model for p in other.inverters]
    assert len({p.serial for p in first.inverters}) == 60
    assert len({p.model for p in first.inverters}) > 5
    assert len({p.pv_peak_ratio for p in first.inverters}) > 20 and len({p.load_seed for p in first.inverters}) == 60
    assert all(0.9 <= p.pv_peak_ratio <= 1.4 for p in first.inverters)
    hybrids = [p for p in first.inverters if catalogue.model(p.model).battery]
    assert hybrids and all(0.2 <= p.soc <= 0.9 for p in hybrids)
    assert all(p.soc is None for p in first.inverters if p not in hybrids)


def test_the_spread_reaches_the_simulated_plants():
    # At dawn, before the sun fills every battery: each began the day at its own charge and
    # spent the night on its own house's load.
    dawn = {"clock_speed": 0, "start_time": "2026-06-21T05:00:00"}
    with MockSungrowFleet(6, "units", models="SH10RT", seed=4, **dawn) as fleet:
        socs = {inverter.mock.get_value("battery_level", unit_id=inverter.unit_id) for inverter in fleet}
        pv = {inverter.mock.get_value("total_dc_power", unit_id=inverter.unit_id) for inverter in fleet}
        assert len(socs) == 6 and len(pv) > 3  # one model, one moment: the plants differ
        again = MockSungrowFleet(6, "units", models="SH10RT", seed=4, **dawn)
        with again:
            assert [i.mock.get_value("battery_level", unit_id=i.unit_id) for i in again] == [
                i.mock.get_value("battery_level", unit_id=i.unit_id) for i in fleet
            ]


def test_models_default_to_the_model_option_else_the_default_family():
    assert set(MockSungrowFleet(5, model="SG10RT").models) == {"SG10RT"}
    family = catalogue.model("SH10RT").family
    assert MockSungrowFleet(5).models == tuple(m.name for m in catalogue.families()[family])


# -- lookups, the registry and scopes --------------------------------------------------------------


def test_an_inverter_alias_names_its_mock_and_unit_id_and_scopes_undo_on_it():
    registry = MockRegistry()
    try:
        fleet = MockSungrowFleet(300, "units", models="SG10RT", **NOON).start()
        registry.add_fleet(fleet, "farm")
        assert registry.aliases == ["farm.1", "farm.2"]
        mock, unit = registry.resolve("inv260")
        assert (mock, unit) == (fleet.mocks[1], 13)
        assert registry.resolve("farm", 100) == (fleet.mocks[0], 100)  # unique in the fleet: port 2 has 1..53
        assert registry.resolve(None) == (fleet.mocks[0], None)
        scope = registry.open_scope(Scope.test, "t")
        before = mock.get_value("daily_power_yields", unit_id=13)
        mock.set_value("daily_power_yields", 42.5, unit_id=13)
        fleet.mocks[0].set_value("daily_power_yields", 7.5, unit_id=13)
        assert registry.close_scope(scope) == 2
        assert mock.get_value("daily_power_yields", unit_id=13) == before and not mock.inverters[13].pinned
        registry.switch("inv7")
        assert registry.resolve(None) == (fleet.mocks[0], 7) and registry.current_alias == "inv7"
        with pytest.raises(MockSungrowError, match="inv260 is unit id 13 on farm.2; unit id 5 names another"):
            registry.resolve("inv260", 5)
        with pytest.raises(MockSungrowError, match=r"no mock with alias 'inv999'; running: fleet farm \(inverters inv1, "
                                                   r"inv2, inv3, \.\.\., inv300 \(300\)\)"):  # fmt: skip
            registry.resolve("inv999")
        with pytest.raises(MockSungrowError, match="'inv3' belongs to fleet 'farm': stop the whole fleet"):
            registry.stop("inv3")
        second = MockSungrowFleet(1, **NOON).start()
        try:
            with pytest.raises(MockSungrowError, match="alias 'inv1' of the new fleet names an inverter of fleet 'farm'"):
                registry.add_fleet(second, "second")
        finally:
            second.stop()
    finally:
        registry.stop_all()
    assert not registry.fleets and not fleet.running


@pytest.mark.parametrize("alias, prefix", [("farm", "farm."), ("inv1", "inv")])
def test_a_fleet_whose_own_aliases_clash_is_refused_and_stays_untracked(alias, prefix):
    registry = MockRegistry()
    fleet = MockSungrowFleet(2, "ports", alias_prefix=prefix, **NOON).start()  # mocks ALIAS.1, ALIAS.2
    try:
        with pytest.raises(MockSungrowError, match="of the new fleet names another mock or inverter of the new fleet"):
            registry.add_fleet(fleet, alias)
        assert not registry.fleets and not registry.aliases
    finally:
        fleet.stop()


def test_a_fleet_started_in_a_scope_stops_when_it_closes():
    registry = MockRegistry()
    scope = registry.open_scope(Scope.test, "t")
    fleet = MockSungrowFleet(2, "ports", **NOON).start()
    registry.add_fleet(fleet)
    assert registry.current_alias == "fleet1.1"
    registry.close_scope(scope)
    assert not fleet.running and registry.aliases == [] and registry.current_alias is None


def test_keywords_act_on_a_fleet_inverter_by_alias_and_undo_at_test_end():
    library = SungrowMockLibrary(**NOON)
    names = {name.replace("_", " ").lower(): name for name in library.get_keyword_names()}

    def run(name, *args, **kwargs):
        return library.run_keyword(names[name.lower()], list(args), kwargs)

    try:
        scope = run("Open Mock Scope", "test")
        inverters = run("Start Mock Sungrow Fleet", 3, models="SG10RT", alias="farm")
        assert [i["alias"] for i in inverters] == ["inv1", "inv2", "inv3"] and inverters[1]["unit_id"] == 2
        run("Set Inverter Value", "daily_power_yields", 12.5, alias="inv2")
        assert run("Get Inverter Value", "daily_power_yields", unit_id=2) == 12.5
        assert run("Get Inverter Value", "daily_power_yields", alias="farm", unit_id=2) == 12.5
        assert run("Get Inverter Value", "daily_power_yields", alias="inv3") != 12.5
        with pytest.raises(MockSungrowError, match="no mock with alias 'inv9'; running: fleet farm"):
            run("Get Register", "daily_power_yields", alias="inv9")
        run("Close Mock Scope", scope)  # the fleet started in the scope stops with it
        with pytest.raises(MockSungrowError, match="no mock with alias 'inv2'; running: none"):
            run("Get Register", "daily_power_yields", alias="inv2")
    finally:
        library.stop_all_mocks()


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"count": 0}, "fleet size 0 is out of range; valid: 1..10000"),
        ({"count": -3}, "fleet size -3 is out of range; valid: 1..10000"),
        ({"count": 10**6}, "fleet size 1000000 is out of range; valid: 1..10000"),
        ({"count": "many"}, "fleet size 'many' is not a whole number"),
        ({"count": 2, "layout": "grid"}, "unknown fleet layout 'grid'; valid: units, ports, dongle"),
        ({"count": 2, "models": "SH10RT,XYZ"}, "unknown model 'XYZ'"),
        ({"count": 2, "models": "XYZ"}, "or a product family: SH-K, SH-RS"),
        ({"count": 2, "alias_prefix": "a b"}, "alias prefix 'a b' must be 1-40 letters"),
        ({"count": 2, "unit_id": 3}, "a fleet decides unit_id, serial per inverter"),
        ({"count": 2, "layout": "dongle", "doors": "modbus"}, "doors must include winet"),
        ({"count": 3, "layout": "ports", "modbus_port": 65534}, "takes ports 65534..65536, beyond 65535"),
        ({"count": 5, "layout": "dongle", "winet_ws_port": 9000, "winet_http_port": 9000},
         "winet_http_port 9000..9000 and winet_ws_port 9000..9000: the ranges overlap"),
    ],
)
def test_bad_fleets_are_refused_before_anything_starts(arguments, message):
    with pytest.raises(SungrowMockError, match=re.escape(message)):
        MockSungrowFleet(**arguments)


def _free_port_run(size: int) -> int:
    """A base port with ``size`` free ports after it."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size < 65535 and all(_bindable(base + k) for k in range(size)):
            return base
    raise AssertionError("no run of free ports")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_a_port_taken_in_the_middle_stops_every_mock_already_started():
    base = _free_port_run(6)
    before = fleet_threads()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 3))
        taken.listen()
        fleet = MockSungrowFleet(6, "ports", modbus_port=base, **NOON)
        with pytest.raises(MockSungrowError, match=rf"its mock 4 \(inv4\) failed: cannot listen: .*{base + 3}.*"
                                                   r"the 3 mock\(s\) started before it were stopped"):  # fmt: skip
            fleet.start()
    assert not fleet.running and fleet.inverters == []
    assert all(_bindable(base + k) for k in range(6))  # every port released
    assert fleet_threads() == before  # and the fleet's loop thread is gone


def test_a_fleet_beyond_the_file_descriptor_limit_fails_naming_it(tmp_path):
    script = textwrap.dedent(
        """
        import resource, socket, sys
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))
        from SungrowMockLibrary import MockSungrowFleet
        from SungrowMockLibrary.errors import SungrowMockError
        fleet = MockSungrowFleet(300, "ports", doors="modbus")
        try:
            fleet.start()
        except SungrowMockError as error:
            print(error)
        print(fleet.running)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    message, running = result.stdout.strip().splitlines()
    assert "a fleet of 300 inverters (ports layout, 300 mocks) listens on 300 sockets" in message
    assert "beyond this process's limit of 200 (RLIMIT_NOFILE, hard limit 200)" in message
    assert running == "False"


def test_the_soft_descriptor_limit_is_raised_towards_the_hard_one(tmp_path):
    script = textwrap.dedent(
        """
        import resource
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, hard))
        from SungrowMockLibrary import MockSungrowFleet
        with MockSungrowFleet(150, "ports", doors="modbus") as fleet:
            print(len({i.endpoints["modbus"] for i in fleet}), resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 150)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["150", "True"]


# -- idle cost -------------------------------------------------------------------------------------


def scheduled(fleet: MockSungrowFleet) -> int:
    """Timers waiting on the fleet's event loop (asyncio's own list of them)."""
    runtime = fleet.mocks[0]._runtime
    return runtime.call(lambda: len(runtime.loop._scheduled))


def test_an_idle_fleet_schedules_nothing_on_its_loop():
    with MockSungrowFleet(20, "dongle", doors="modbus,encrypted,winet", idle_timeout=0.4, **NOON) as fleet:
        assert scheduled(fleet) == 0  # 4 dongles, 12 listening sockets, no timer
        client = PlainModbus(fleet.inverter("inv1").endpoints["modbus"])
        read(client, 1, 5000, 1)
        assert scheduled(fleet) == 1  # the door looks for idle connections while it has one
        client.sock.close()
        deadline = time.monotonic() + 5
        while scheduled(fleet) and time.monotonic() < deadline:  # its next look finds none and stops
            time.sleep(0.05)
        assert scheduled(fleet) == 0


# -- the command line ------------------------------------------------------------------------------




def test_serve_fleet_lists_every_inverter_in_its_ready_line():
    process, ready = serve("--fleet", "250", "--layout", "units", "--fleet-models", "SG-RT", "--seed", "9")
    try:
        inverters = ready["inverters"]
        assert ready["fleet"] == {"size": 250, "layout": "units", "mocks": 2} and len(inverters) == 250
        assert set(inverters[0]) == {"alias", "model", "serial", "unit_id", "endpoints"}
        assert inverters[247]["unit_id"] == 1 and inverters[247]["endpoints"] != inverters[0]["endpoints"]
        assert ready["endpoints"] == inverters[0]["endpoints"]
        code, serial = identity(inverters[248]["endpoints"]["modbus"], 2)
        assert (code, serial) == (catalogue.model(inverters[248]["model"]).type_code, inverters[248]["serial"])
    finally:
        process.terminate()
        process.wait(10)


def test_serve_without_a_fleet_lists_its_one_inverter():
    process, ready = serve("--doors", "modbus", "--model", "SG10RT", "--unit-id", "3")
    try:
        assert ready["inverters"] == [
            {"model": "SG10RT", "serial": ready["serial"], "unit_id": 3, "endpoints": ready["endpoints"]}
        ]
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--layout", "ports"], "--layout: only a fleet takes these; give its size with --fleet N"),
        (["--fleet", "0"], "fleet size 0 is out of range"),
        (["--fleet", "2", "--layout", "grid"], "unknown fleet layout 'grid'; valid: units, ports, dongle"),
        (["--fleet", "2", "--snapshot", "x.json"], "a fleet replays no snapshot"),
    ],
)
def test_serve_refuses_bad_fleets_in_one_line(args, message):
    result = subprocess.run([*CLI, "serve", *args], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
