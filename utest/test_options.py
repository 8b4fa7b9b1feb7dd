"""One options model: the Python API, the keyword, the library import and the command line accept
and refuse the same start options, with the same message naming the valid choices."""

import argparse
import inspect
import json
import urllib.error
import urllib.request

import pytest

from SungrowMockLibrary import MockSungrow, cli
from SungrowMockLibrary.errors import SungrowMockError
from SungrowMockLibrary.keywords.access import AccessPolicy
from SungrowMockLibrary.library import SungrowMockLibrary
from SungrowMockLibrary.netutil import free_loopback_address
from SungrowMockLibrary.options import OPTIONS, StartOptions
from SungrowMockLibrary.remote import ControlServer
from SungrowMockLibrary.vocabulary import STANDARD_PORTS, Scope

SCENARIO = '[clock]\nspeed = 0\n[load]\nvalue = 1234\n[registers]\nems_mode = "forced"\n'
GRID_LOSS = '[[fault]]\nkind = "grid_loss"\n'
NO_RESPONSE = '[[fault]]\nkind = "no_response"\ndoor = "modbus"\ntimes = 1\n'


@pytest.fixture
def files(tmp_path):
    for name, text in (("scenario.toml", SCENARIO), ("grid_loss.toml", GRID_LOSS), ("no_response.toml", NO_RESPONSE)):
        (tmp_path / name).write_text(text)
    return tmp_path


BAD = [
    ({"model": "SH99"}, "unknown model 'SH99'; did you mean SH8T, SH6T"),
    ({"unit_id": 0}, "unit id 0 is out of range; valid: 1..247"),
    ({"unit_id": "three"}, "unit id 'three' is not a whole number"),
    ({"serial": "X" * 21}, "at most 20 fit"),
    ({"doors": "modbus,telnet"}, "unknown door 'telnet'; valid: modbus, encrypted, winet"),
    ({"modbus_port": 70000}, "modbus_port 70000 is out of range; valid: 0..65535 (0 = a free port)"),
    ({"winet_http_port": -1}, "winet_http_port -1 is out of range; valid: 0..65535 (0 = a free port)"),
    ({"firmware": "v9"}, "unknown firmware 'v9'; valid: legacy, login, tls"),
    ({"modbus_path": "cable"}, "unknown modbus path 'cable'; valid: direct, winet"),
    ({"encryption_key": "abc"}, "encryption key 'abc' is not hex; give 32 hex digits"),
    ({"clock_speed": -1}, "clock speed -1 is out of range; valid: 0 (frozen) .. 1000000"),
    ({"start_time": "yesterday"}, "start_time 'yesterday' is not an ISO 8601 date and time"),
    ({"latitude": 100}, "latitude 100 is out of range; valid: -90..90"),
    ({"journal_capacity": 0}, "journal_capacity 0 is out of range; valid: 1 or more"),
    ({"idle_timeout": -1}, "idle_timeout -1 s is out of range; valid: 0 s or more (0 = none)"),
    ({"max_connections": -1}, "max_connections -1 is out of range; valid: 0 or more"),
    ({"simulate": False, "scenario": "{files}/scenario.toml"}, "needs the simulation, and simulate is off"),
    ({"simulate": False, "faults": "{files}/grid_loss.toml"},
     "fault kind 'grid_loss' changes the simulated inverter, but"),
    ({"faults": "{files}/missing.toml"}, "cannot read fault file"),
    ({"snapshot": "{files}/missing.json"}, "does not exist"),
]  # fmt: skip


def run(library: SungrowMockLibrary, name: str, args=(), kwargs=None):
    """Run a keyword by its Robot name, as Robot calls a dynamic library (no argument conversion)."""
    real = {n.replace("_", " ").lower(): n for n in library.get_keyword_names()}[name.lower()]
    return library.run_keyword(real, list(args), dict(kwargs or {}))


def _resolved(options: dict, files) -> dict:
    return {name: value.format(files=files) if isinstance(value, str) else value for name, value in options.items()}


def _python(options: dict) -> str:
    with pytest.raises(SungrowMockError) as error:
        MockSungrow(**options)
    return str(error.value)


def _keyword(options: dict) -> str:
    library = SungrowMockLibrary()
    with pytest.raises(SungrowMockError) as error:
        run(library, "Start Mock Sungrow", [], {name: str(value) for name, value in options.items()})
    assert library._context.registry.aliases == []  # nothing started
    return str(error.value)


def _command_line(options: dict, capsys) -> str:
    args = ["serve"]
    for name, value in options.items():
        flag = OPTIONS[name].flag
        args += ([flag] if value else [f"--no-{flag[2:]}"]) if isinstance(value, bool) else [flag, str(value)]
    try:
        code = cli.main(args)
    except SystemExit as exit:  # argparse's refusal
        code = exit.code
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    return captured.err


@pytest.fixture(scope="module")
def control():
    """The control endpoint of a served mock, as `sungrow-mock serve --control-port` runs it."""
    with MockSungrow(doors="modbus", simulate=False) as served:
        # Files from anywhere: this compares the options' messages; the endpoint's data directory
        # and its refusals are tested in test_remote.py.
        server = ControlServer(served, access=AccessPolicy()).start()
        try:
            yield server.address
        finally:
            server.stop()


def _control_endpoint(options: dict, address: str) -> str:
    body = json.dumps({"kwargs": {name: str(value) for name, value in options.items()}}).encode()
    request = urllib.request.Request(
        f"http://{address}/api/keywords/Start%20Mock%20Sungrow", data=body, method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    return json.loads(refused.value.read())["error"]


@pytest.mark.parametrize("options, message", BAD, ids=[next(iter(o)) for o, _ in BAD])
def test_every_face_refuses_a_bad_option_with_the_same_message(options, message, files, capsys, control):
    options = _resolved(options, files)
    assert message in _python(options)
    assert message in _keyword(options)
    assert message in _command_line(options, capsys)
    if options == {"unit_id": "three"}:
        # Text where a number belongs: Robot's own conversion refuses it before the keyword runs,
        # in a test and through the control endpoint alike.
        message = "Argument 'unit_id' got value 'three' that cannot be converted to integer or None."
    assert message in _control_endpoint(options, control)


@pytest.mark.parametrize(
    "options, message",
    [(o, m) for o, m in BAD if not ({"serial", "faults", "snapshot"} & set(o))],  # those are read when a mock starts
    ids=[next(iter(o)) for o, _ in BAD if not ({"serial", "faults", "snapshot"} & set(o))],
)
def test_the_library_import_refuses_the_same(options, message, files):
    with pytest.raises(SungrowMockError) as error:
        SungrowMockLibrary(**{name: str(value) for name, value in _resolved(options, files).items()})
    assert message in str(error.value)


def test_every_face_takes_every_option_and_nothing_else():
    python = [  # the keyword-only ones (options=, a fleet's shared runtime and clock) are not start options
        name for name, p in inspect.signature(MockSungrow.__init__).parameters.items()
        if name != "self" and p.kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    keyword = [a[0] if isinstance(a, tuple) else a.split("=")[0]
               for a in SungrowMockLibrary().get_keyword_arguments("start_mock_sungrow")]  # fmt: skip
    serve = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["serve"]
    flags = {s for action in serve._actions for s in action.option_strings if s.startswith("--")}
    control_flags = {
        s for group in serve._action_groups if group.title.startswith(("control endpoint", "fleet"))
        for action in group._group_actions for s in action.option_strings
    }  # fmt: skip
    assert set(python) == set(OPTIONS)
    assert set(keyword) == set(OPTIONS) | {"alias"}
    assert flags - {"--help"} - control_flags == (
        {o.flag for o in OPTIONS.values()} | {f"--no-{o.flag[2:]}" for o in OPTIONS.values() if o.switch}
    )
    with pytest.raises(SungrowMockError, match="unknown start option 'colour'; valid: model, host, unit_id"):
        StartOptions.of(colour="red")


def test_text_and_values_mean_the_same():
    as_text = StartOptions.of(unit_id="3", doors="MODBUS, winet", firmware="TLS", standard_ports="yes",
                              clock_speed="0", start_time="2026-06-21 12:00", simulate="false")  # fmt: skip
    as_values = StartOptions.of(unit_id=3, doors=["modbus", "winet"], firmware="tls", standard_ports=True,
                                clock_speed=0, start_time="2026-06-21T12:00:00", simulate=False)  # fmt: skip
    assert as_text == as_values
    assert StartOptions.of(serial="", model=None) == StartOptions()  # empty = not given


def test_standard_ports_in_every_face():
    assert StartOptions.of(standard_ports=True).ports == {**STANDARD_PORTS, "encrypted_port": 0}  # 502 is the plain door's
    assert StartOptions.of(standard_ports=True, doors="encrypted").ports["encrypted_port"] == 502
    assert StartOptions.of(standard_ports=True, modbus_port=1502).ports["modbus_port"] == 1502  # given wins
    host = free_loopback_address([502, 8082, 80])
    with MockSungrow(host=host, doors="modbus,winet", standard_ports=True) as mock:
        assert mock.endpoints == {"modbus": f"{host}:502", "winet_ws": f"{host}:8082", "winet_http": f"{host}:80"}
    library = SungrowMockLibrary(host=host, standard_ports="True")
    try:
        endpoints = run(library, "Start Mock Sungrow", [], {"doors": "modbus"})
        assert endpoints == {"modbus": f"{host}:502"}
    finally:
        library.stop_all_mocks()


def test_a_fault_file_goes_through_inject_fault_for_the_mocks_whole_life(files):
    mock = MockSungrow(doors="modbus", start_time="2026-06-21T12:00:00", clock_speed=0,
                       faults=str(files / "grid_loss.toml"))  # fmt: skip
    (fault,) = mock.faults.faults()
    assert (fault.kind, fault.scope, fault.triggered) == ("grid_loss", "global", 1)
    assert mock.get_register("system_state") == 0x1000  # off-grid: the device fault acts
    with mock.scope(Scope.test):
        pass
    assert len(mock.faults.faults()) == 1  # no test or suite scope ends it
    library = SungrowMockLibrary()
    try:
        run(library, "Start Mock Sungrow", [], {"doors": "modbus", "faults": str(files / "no_response.toml")})
        (fault,) = library._context.registry.get().faults.faults()
        assert (fault.kind, fault.scope) == ("no_response", "global")
    finally:
        library.stop_all_mocks()


def test_a_scenario_applies_at_start_in_every_face(files, capsys):
    scenario = str(files / "scenario.toml")
    mock = MockSungrow(doors="modbus", scenario=scenario)
    assert (mock.get_clock_speed(), mock.get_house_load(), mock.get_value("ems_mode")) == (0, 1234, 2)
    with mock.scope(Scope.test):
        pass
    assert mock.get_house_load() == 1234  # global: it lasts as long as the mock
    library = SungrowMockLibrary()
    try:
        run(library, "Start Mock Sungrow", [], {"doors": "modbus", "scenario": scenario})
        assert run(library, "Get House Load") == 1234
    finally:
        library.stop_all_mocks()


def test_import_defaults_apply_to_every_start_and_each_start_may_override_them():
    library = SungrowMockLibrary(model="SG10RT", doors="modbus", clock_speed="0", start_time="2026-06-21T12:00:00")
    try:
        run(library, "Start Mock Sungrow", [], {})
        first = library._context.registry.get()
        assert (first.model, first.doors, first.get_clock_speed(), first.get_time()) == (
            "SG10RT", ("modbus",), 0, "2026-06-21T12:00:00")  # fmt: skip
        run(library, "Start Mock Sungrow", ["SH10RT"], {"clock_speed": "2", "alias": "other"})
        other = library._context.registry.get("other")
        assert (other.model, other.get_clock_speed(), other.doors) == ("SH10RT", 2, ("modbus",))
    finally:
        library.stop_all_mocks()
