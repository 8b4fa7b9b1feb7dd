"""The control endpoint of `sungrow-mock serve`: Robot's remote API and the JSON API, on a real daemon."""

import ast
import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import xmlrpc.client
from pathlib import Path

import pytest
from robot.api import logger
from robot.libraries.Remote import Remote, TimeoutHTTPTransport
from robotlibcore import DynamicCore, keyword
from serve_cli import serve

import SungrowMockLibrary.remote
from SungrowMockLibrary.errors import ChoiceError
from SungrowMockLibrary.keywords.access import AccessError, AccessPolicy
from SungrowMockLibrary.library import SungrowMockLibrary as Library
from SungrowMockLibrary.limits import CONTROL_MAX_BODY_BYTES, CONTROL_MAX_NESTING, CONTROL_MAX_VALUES
from SungrowMockLibrary.remote import Keywords
from SungrowMockLibrary.vocabulary import Table

CLI = [sys.executable, "-m", "SungrowMockLibrary", "serve"]
FROZEN = ["--clock-speed", "0", "--start-time", "2026-06-21T12:00:00"]
TIMEOUT = 10




def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(TIMEOUT)
    finally:
        process.kill()
        process.communicate(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def daemon():
    process, ready = serve("--doors", "modbus", "--control-port", "0", *FROZEN)
    yield ready
    assert _stop(process) == 0


@pytest.fixture
def rpc(daemon):
    proxy = xmlrpc.client.ServerProxy(
        f"http://{daemon['endpoints']['control']}/", use_builtin_types=True, transport=TimeoutHTTPTransport(TIMEOUT)
    )
    yield proxy
    proxy.run_keyword("Clear Faults", [])
    proxy.run_keyword("Release All Registers", [])
    proxy.run_keyword("Switch Mock Sungrow", ["served"])


def _passed(result: dict):
    assert result["status"] == "PASS", result
    return result["return"]


def _api(control: str, method: str, path: str, body=None, token: str | None = None, raw: bytes | None = None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(f"http://{control}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def _modbus_read(endpoint: str, pdu: str) -> bytes:
    host, port = endpoint.split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(bytes.fromhex("00070000") + (len(pdu) // 2 + 1).to_bytes(2, "big") + b"\x01" + bytes.fromhex(pdu))
        return connection.recv(300)


# -- Robot's argument rules and error messages, in process -------------------------------------------


class _Shapes(DynamicCore):
    """Argument shapes the mock's keywords do not all have: varargs, named-only, free named,
    conversion switched off, types from default values."""

    def __init__(self):
        DynamicCore.__init__(self, [])

    @keyword
    def count_ports(self, first: int, *ports: int) -> list:
        return [first, *ports]

    @keyword
    def configure(self, table: Table, *, level: int, label: str | None = None, **limits: int) -> dict:
        return {"table": table, "level": level, "label": label, **limits}

    @keyword(types=None)
    def as_given(self, value: int):
        return value

    @keyword
    def by_default(self, count=1, ratio=0.5, name="x"):
        return count, ratio, name

    @keyword
    def chatty(self) -> int:
        logger.info("hello")
        logger.debug("details")
        logger.trace("finer")
        return 1

    @keyword
    def broken(self, how: str):
        raise {"value": ValueError("bad value"), "runtime": RuntimeError("plain words"),
               "choice": ChoiceError("unknown door 'x'; valid: modbus"), "empty": KeyError()}[how]  # fmt: skip


@pytest.fixture(scope="module")
def shapes():
    return Keywords(_Shapes())


def _value(outcome):
    assert outcome.passed, outcome
    return outcome.value


def _refused(outcome) -> str:
    assert outcome.problem == "arguments", outcome
    return outcome.error


def test_varargs_and_named_arguments_bind_and_convert_as_robot_does(shapes):
    assert _value(shapes.call("Count Ports", ["1", "2", "3"], {})) == [1, 2, 3]
    assert _refused(shapes.call("count_ports", [], {})) == "Keyword 'Count Ports' expected at least 1 argument, got 0."
    assert _refused(shapes.call("count-ports", ["1", "x"], {})) == (
        "Argument 'ports' got value 'x' that cannot be converted to integer."
    )
    got = _value(shapes.call("Configure", ["input"], {"level": "2", "burst": "3"}))
    assert got == {"table": Table.input, "level": 2, "label": None, "burst": 3}
    assert _refused(shapes.call("Configure", ["input"], {})) == "Keyword 'Configure' missing named-only argument 'level'."
    assert _refused(shapes.call("Configure", ["input", "x"], {"level": "1"})) == (
        "Keyword 'Configure' expected 1 non-named argument, got 2."
    )
    assert _refused(shapes.call("Configure", [], {"table": "both", "level": "1"})).startswith(
        "Argument 'table' got value 'both' that cannot be converted to Table"
    )
    assert _value(shapes.call("Configure", ["input"], {"level": "1", "label": ""}))["label"] == ""
    assert _value(shapes.call("Configure", ["input"], {"level": "1", "label": ""}, empty_is_none=True))["label"] is None


def test_types_switched_off_or_taken_from_defaults(shapes):
    assert _value(shapes.call("As Given", ["5"], {})) == "5"
    assert _value(shapes.call("By Default", ["3", "0.25", "7"], {})) == (3, 0.25, "7")
    assert _value(shapes.call("By Default", ["2.5"], {})) == (2.5, 0.5, "x")  # an int default also takes floats
    assert _value(shapes.call("By Default", [], {"count": "many"})) == ("many", 0.5, "x")  # implicit: no failure
    assert _refused(shapes.call("By Default", [], {"size": "1"})) == "Keyword 'By Default' got unexpected named argument 'size'."


def test_what_a_keyword_logs_is_its_output_and_failures_read_as_in_robot(shapes):
    assert shapes.call("Chatty", [], {}).output == "*INFO* hello\n*DEBUG* details\n*TRACE* finer\n"
    errors = {how: shapes.call("Broken", [how], {}) for how in ("value", "runtime", "choice", "empty")}
    assert {how: outcome.error for how, outcome in errors.items()} == {
        "value": "ValueError: bad value",  # Robot names the exception unless it is a generic one
        "runtime": "plain words",
        "choice": "unknown door 'x'; valid: modbus",  # the library's errors suppress their name
        "empty": "KeyError",
    }
    assert all(o.problem == "failed" and "in broken" in o.traceback for o in errors.values())
    assert shapes.call("Nothing Like It", [], {}).problem == "unknown"


def test_the_endpoint_imports_only_robots_public_api():
    package = Path(SungrowMockLibrary.remote.__file__).parent
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported.add(node.module)
    robot = sorted(name for name in imported if name.split(".")[0] == "robot")
    assert robot and all(name == "robot.api" or name.startswith("robot.api.") for name in robot), robot


# -- Robot's remote library API ---------------------------------------------------------------------


def test_library_information_describes_every_keyword(rpc):
    info = rpc.get_library_information()
    assert {"Set Register", "Get Inverter Value", "Inject Fault", "Get Mock Requests", "Set Mock Time",
            "Advance Mock Clock", "Clear Faults", "Register Should Have Been Read", "Start Mock Sungrow"} <= set(info)  # fmt: skip
    assert info["Set Register"]["args"] == ["register", "value", "table=None", "unit_id=None", "scope=None", "alias=None"]
    assert info["Inject Fault"]["args"][:3] == ["kind", "*", "scope=None"] and "delay=None" in info["Inject Fault"]["args"]
    assert "Stores a raw value" in info["Set Register"]["doc"]
    assert "SungrowMockLibrary serves" in info["__intro__"]["doc"]
    assert sorted(rpc.get_keyword_names()) == sorted(name for name in info if not name.startswith("__"))
    assert rpc.get_keyword_arguments("Get Register") == info["Get Register"]["args"]
    assert rpc.get_keyword_documentation("__intro__") == info["__intro__"]["doc"]
    assert rpc.get_keyword_tags("Get Register") == [] and rpc.get_keyword_types("Get Register") == {}


def test_values_round_trip_in_engineering_and_raw_units(rpc):
    _passed(rpc.run_keyword("Set Inverter Value", ["daily_power_yields", "12.3"], {}))
    assert _passed(rpc.run_keyword("Get Inverter Value", ["daily_power_yields"], {})) == 12.3
    assert _passed(rpc.run_keyword("Get Register", ["5003"], {"table": "input"})) == 123
    _passed(rpc.run_keyword("Set Register", ["protocol_number", str(0xFFFFFFFF)], {}))
    assert _passed(rpc.run_keyword("Get Register", ["protocol_number"], {})) == 0xFFFFFFFF  # beyond XML-RPC's <int>


def test_a_failing_keyword_fails_with_its_message_and_the_next_call_works(rpc):
    result = rpc.run_keyword("Get Register", ["no_such_register"], {})
    assert result["status"] == "FAIL"
    assert result["error"] == "SH10RT has no register named 'no_such_register'; use Log Register Map to list the registers"
    assert "Traceback" in result["traceback"]
    wrong = rpc.run_keyword("Get Register", ["5000", "==", "1", "", "1s", "input", "1", "served", "extra"], {})
    assert wrong["status"] == "FAIL" and "expected 1 to 8 arguments, got 9" in wrong["error"]
    unknown = rpc.run_keyword("No Such Keyword", [], {})
    assert unknown["status"] == "FAIL" and "No keyword with name 'No Such Keyword'" in unknown["error"]
    assert _passed(rpc.run_keyword("Get Register", ["device_type_code"], {})) == 0x0E03


def test_an_injected_fault_reaches_the_served_modbus_door(rpc, daemon):
    fault = _passed(rpc.run_keyword("Inject Fault", ["exception"], {"code": "02", "registers": "5000", "times": "1"}))
    refused = _modbus_read(daemon["endpoints"]["modbus"], "0413870001")
    assert refused[7:] == bytes.fromhex("8402")
    assert _passed(rpc.run_keyword("Fault Should Have Triggered", [str(fault)], {"times": "1"})) == 1
    answered = _modbus_read(daemon["endpoints"]["modbus"], "0413870001")
    assert answered[7:] == bytes.fromhex("0402") + (0x0E03).to_bytes(2, "big")
    assert _passed(rpc.run_keyword("Clear Faults", [], {})) == 1


def test_the_journal_comes_back_as_xmlrpc_safe_data(rpc, daemon):
    _passed(rpc.run_keyword("Clear Journal", [], {}))
    _modbus_read(daemon["endpoints"]["modbus"], "0413870001")
    requests = _passed(rpc.run_keyword("Get Mock Requests", [], {"function": "4", "register": "device_type_code"}))
    assert len(requests) == 1
    request = requests[0]
    assert request["door"] == "modbus" and request["address"] == 5000 and request["wire_address"] == 4999
    assert "device_type_code" in request["registers"]
    assert request["values"] == "" and request["fault"] == ""  # None, as Robot's remote server sends it
    _passed(rpc.run_keyword("Register Should Have Been Read", ["device_type_code"], {"times": "1"}))


def test_robots_remote_library_drives_the_daemon(rpc, daemon):
    remote = Remote(f"http://{daemon['endpoints']['control']}/", timeout=TIMEOUT)
    assert "Set Mock Time" in remote.get_keyword_names()
    remote.run_keyword("Set Mock Time", ["2026-06-21T13:00:00"], {})
    assert remote.run_keyword("Get Mock Time", [], {"alias": None}) == "2026-06-21T13:00:00"  # ${None} arrives as ''
    assert remote.run_keyword("Advance Mock Clock", ["1 hour"], {}) == "2026-06-21T14:00:00"
    with pytest.raises(Exception, match="no mock with alias 'nobody'"):
        remote.run_keyword("Get Mock Time", [], {"alias": "nobody"})
    remote.run_keyword("Set Mock Time", ["2026-06-21T12:00:00"], {})


def test_mocks_started_remotely_live_in_the_daemon_until_stopped(rpc):
    endpoints = _passed(rpc.run_keyword("Start Mock Sungrow", ["SG10RT"], {"alias": "extra"}))
    assert set(endpoints) == {"modbus"}  # the served mock's doors are the defaults
    assert _passed(rpc.run_keyword("Get Register", ["device_type_code"], {})) == 0x2433  # SG10RT, now current
    assert _passed(rpc.run_keyword("Get Mock Time", [], {})) == "2026-06-21T12:00:00"  # the served mock's clock
    assert _modbus_read(endpoints["modbus"], "0413870001")[9:11] == (0x2433).to_bytes(2, "big")
    _passed(rpc.run_keyword("Stop Mock Sungrow", ["extra"], {}))
    assert _passed(rpc.run_keyword("Get Register", ["device_type_code"], {})) == 0x0E03
    host, port = endpoints["modbus"].split(":")
    with socket.socket() as probe:
        probe.bind((host, int(port)))


def test_unknown_methods_and_bad_xml_get_faults(daemon):
    proxy = xmlrpc.client.ServerProxy(f"http://{daemon['endpoints']['control']}/", transport=TimeoutHTTPTransport(TIMEOUT))
    with pytest.raises(xmlrpc.client.Fault, match="no method 'frobnicate'"):
        proxy.frobnicate()
    with pytest.raises(xmlrpc.client.Fault, match="get_keyword_arguments"):
        proxy.get_keyword_arguments()
    with pytest.raises(xmlrpc.client.Fault, match="no keyword 'Nope'"):
        proxy.get_keyword_arguments("Nope")
    request = urllib.request.Request(f"http://{daemon['endpoints']['control']}/", data=b"<not xml", method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response, pytest.raises(
        xmlrpc.client.Fault, match="not XML-RPC"
    ):
        xmlrpc.client.loads(response.read())


# -- the JSON API -----------------------------------------------------------------------------------


def test_health_mock_and_keyword_list(daemon):
    control = daemon["endpoints"]["control"]
    assert _api(control, "GET", "/api/health")[:2] == (200, {"status": "ok"})
    status, mock, _ = _api(control, "GET", "/api/mock")
    assert status == 200 and mock == daemon and mock["endpoints"]["control"] == control
    status, names, _ = _api(control, "GET", "/api/keywords")
    assert status == 200 and "Set Inverter Value" in names["keywords"]


def test_keywords_run_by_name_with_json_arguments(rpc, daemon):
    control = daemon["endpoints"]["control"]
    status, body, _ = _api(control, "POST", "/api/keywords/Set Inverter Value".replace(" ", "%20"), {"args": ["battery_level", 80]})
    assert status == 200 and body["status"] == "PASS"
    status, body, _ = _api(control, "POST", "/api/keywords/get_register", {"args": ["battery_level"], "kwargs": {"unit_id": 1}})
    assert (status, body["return"]) == (200, 800)
    status, body, _ = _api(control, "POST", "/api/keywords/get-mock-sungrow-endpoint", {"kwargs": {"part": "port"}})
    assert body["return"] == int(daemon["endpoints"]["modbus"].split(":")[1])


@pytest.mark.parametrize(
    "path, raw, status, message",
    [
        ("/api/keywords/get_register", b"{not json", 400, "the body is not JSON"),
        ("/api/keywords/get_register", b"[1, 2]", 400, "must be a JSON object"),
        ("/api/keywords/get_register", b'{"args": "5000"}', 400, "'args' must be a JSON array"),
        ("/api/keywords/get_register", b'{"arguments": []}', 400, "unknown field(s) arguments"),
        ("/api/keywords/no_such_keyword", b"{}", 404, "No keyword with name 'no_such_keyword'"),
        ("/api/keywords/get_register", b"{}", 400, "expected 1 to 8 arguments, got 0"),
        ("/api/keywords/get_register", b'{"args": ["5000"], "kwargs": {"bogus": 1}}', 400, "unexpected named argument 'bogus'"),
        ("/api/keywords/get_register", b'{"args": ["5000"], "kwargs": {"table": "both"}}', 400, "cannot be converted to Table"),
        ("/api/keywords/get_register", b'{"args": ["nope"]}', 400, "no register named 'nope'"),
        ("/api/nowhere", b"{}", 404, "Not Found"),
    ],
)
def test_bad_requests_get_clear_json_errors_and_the_daemon_keeps_serving(daemon, path, raw, status, message):
    control = daemon["endpoints"]["control"]
    got, body, _ = _api(control, "POST", path, raw=raw)
    assert got == status and body["status"] == "FAIL" and message in body["error"], body
    assert _api(control, "GET", "/api/health")[0] == 200


def test_register_routes(rpc, daemon):
    control = daemon["endpoints"]["control"]
    status, body, _ = _api(control, "PUT", "/api/registers/5003?table=input", {"value": 77})
    assert status == 200 and body["status"] == "PASS"
    assert _api(control, "GET", "/api/registers/daily_power_yields")[1]["return"] == 77
    assert _api(control, "GET", "/api/registers/5003?table=input&unit_id=1")[1]["return"] == 77
    status, body, _ = _api(control, "PUT", "/api/registers/5003", {})
    assert status == 400 and "expected 2 to 6 arguments, got 1" in body["error"]
    status, body, _ = _api(control, "GET", "/api/registers/5003?unit_id=9")
    assert status == 400 and "no device at unit id 9" in body["error"]


def test_journal_and_fault_routes(rpc, daemon):
    control, modbus = daemon["endpoints"]["control"], daemon["endpoints"]["modbus"]
    _api(control, "POST", "/api/keywords/clear_journal")
    status, body, _ = _api(control, "POST", "/api/faults", {"kind": "exception", "code": "04", "function": 3})
    assert status == 200 and isinstance(body["return"], int)
    assert _modbus_read(modbus, "0313870001")[7:] == bytes.fromhex("8304")
    assert _modbus_read(modbus, "0413870001")[7:9] == bytes.fromhex("0402")
    status, body, _ = _api(control, "GET", "/api/requests?function=3")
    assert status == 200 and [r["reply"] for r in body["return"]] == ["exception 04"]
    assert body["return"][0]["fault"] == "exception" and body["return"][0]["values"] is None
    assert len(_api(control, "GET", "/api/requests?writes=false")[1]["return"]) == 2
    assert _api(control, "GET", "/api/requests?door=winet")[1]["return"] == []
    assert _api(control, "GET", "/api/requests?colour=red")[0] == 400
    assert _api(control, "DELETE", "/api/faults")[1]["return"] == 1
    assert _modbus_read(modbus, "0313870001")[7:9] == bytes.fromhex("0302")
    status, body, _ = _api(control, "POST", "/api/faults", {"kind": "frobnicate"})
    assert status == 400 and "frobnicate" in body["error"]


def test_scopes_undo_what_was_set_in_them(rpc, daemon):
    # Needs the library's Open Mock Scope and Close Mock Scope (issue 10, scopes in the core).
    control = daemon["endpoints"]["control"]
    status, body, _ = _api(control, "POST", "/api/scopes", {"scope": "test", "name": "a test elsewhere"})
    assert status == 200 and body["status"] == "PASS" and isinstance(body["return"], int), body
    scope = body["return"]
    # A clock so slow that the served mock's time does not visibly move; setters return the previous value.
    assert _passed(rpc.run_keyword("Set Clock Speed", ["0.001"], {})) == 0
    status, body, _ = _api(control, "DELETE", f"/api/scopes/{scope}")
    assert (status, body["status"], body["return"]) == (200, "PASS", 1), body
    assert _passed(rpc.run_keyword("Set Clock Speed", ["0"], {})) == 0  # the scope froze the clock again
    status, body, _ = _api(control, "POST", "/api/scopes", {"scope": "forever"})
    assert status == 400 and "forever" in body["error"] and "suite" in body["error"].lower(), body
    status, body, _ = _api(control, "DELETE", "/api/scopes/first")
    assert status == 400 and "'first'" in body["error"], body


# -- the token --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded():
    process, ready = serve("--doors", "modbus", "--control-port", "0", env={"SUNGROW_MOCK_CONTROL_TOKEN": "s3cret-token"})
    yield ready["endpoints"]["control"]
    assert _stop(process) == 0


def test_the_json_api_needs_the_bearer_token(guarded):
    status, body, headers = _api(guarded, "GET", "/api/mock")
    assert status == 401 and "Authorization: Bearer" in body["error"] and headers["WWW-Authenticate"] == "Bearer"
    status, body, _ = _api(guarded, "GET", "/api/requests", token="wrong")
    assert status == 403 and body["error"] == "wrong control token"
    assert _api(guarded, "GET", "/api/health")[:2] == (200, {"status": "ok"})  # for readiness probes
    assert _api(guarded, "GET", "/api/mock", token="s3cret-token")[1]["endpoints"]["control"] == guarded
    status, body, _ = _api(guarded, "POST", "/api/keywords/get_register", {"args": ["5000"], "kwargs": {"table": "input"}}, token="s3cret-token")
    assert (status, body["return"]) == (200, 0x0E03)


def test_the_remote_api_needs_the_token_in_the_path(guarded):
    for path, status, message in [("/", 401, "control token required"), ("/wrong", 403, "wrong control token")]:
        proxy = xmlrpc.client.ServerProxy(f"http://{guarded}{path}", transport=TimeoutHTTPTransport(TIMEOUT))
        with pytest.raises(xmlrpc.client.ProtocolError) as error:
            proxy.get_keyword_names()
        assert error.value.errcode == status and message in error.value.errmsg
    with pytest.raises(RuntimeError, match="401 control token required: use Library  Remote  http://.*/TOKEN"):
        Remote(f"http://{guarded}/", timeout=TIMEOUT).get_keyword_names()
    remote = Remote(f"http://{guarded}/s3cret-token", timeout=TIMEOUT)
    assert remote.run_keyword("Get Register", ["device_type_code"], {}) == 0x0E03


def test_a_token_that_cannot_go_into_a_url_is_refused():
    result = subprocess.run([*CLI, "--control-port", "0", "--control-token", "a/b c"], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "control token must be" in result.stderr


# -- the daemon's ports -----------------------------------------------------------------------------


def test_sigterm_releases_both_ports():
    process, ready = serve("--doors", "modbus", "--control-port", "0")
    assert set(ready["endpoints"]) == {"modbus", "control"}
    addresses = [ready["endpoints"][name].split(":") for name in ("modbus", "control")]
    assert _api(ready["endpoints"]["control"], "GET", "/api/health")[0] == 200
    assert _stop(process) == 0
    # The connection just closed may sit in TIME_WAIT (normal TCP); a server binds over it.
    for host, port in addresses:
        with socket.socket() as again:
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind((host, int(port)))
    (_, modbus), (_, control) = addresses
    process, again = serve("--doors", "modbus", "--modbus-port", modbus, "--control-port", control)
    assert again["endpoints"] == ready["endpoints"]
    assert _stop(process) == 0


def test_a_busy_control_port_is_reported_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*CLI, "--doors", "modbus", "--control-port", str(port)], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot listen" in result.stderr


def test_without_control_port_there_is_no_control_endpoint():
    process, ready = serve("--doors", "modbus")
    try:
        assert set(ready["endpoints"]) == {"modbus"}
    finally:
        assert _stop(process) == 0


# -- whatever the body: JSON errors and XML-RPC faults, never a traceback -----------------------------


def _post(control: str, path: str, raw: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://{control}{path}", data=raw, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _fault(raw: bytes) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(raw)
    return fault.value


@pytest.mark.parametrize(
    "method, params",
    [
        ("run_keyword", (123, [])),
        ("run_keyword", ([1, 2], [], {})),
        ("run_keyword", ({"name": "Get Register"}, ["5000"])),
        ("get_keyword_arguments", (123,)),
        ("get_keyword_documentation", (True,)),
        ("get_keyword_tags", ([],)),
    ],
)
def test_a_keyword_name_that_is_not_text_gets_an_xmlrpc_fault(daemon, method, params):
    control = daemon["endpoints"]["control"]
    status, raw = _post(control, "/", xmlrpc.client.dumps(params, method).encode())
    fault = _fault(raw)
    assert status == 200 and fault.faultCode == -32602 and "must be a string" in fault.faultString
    assert b"Traceback" not in raw and _api(control, "GET", "/api/health")[0] == 200


def _nested(depth: int, opening: bytes = b"[", closing: bytes = b"]") -> bytes:
    return opening * depth + closing * depth


@pytest.mark.parametrize("depth", [CONTROL_MAX_NESTING + 1, 5_000, CONTROL_MAX_BODY_BYTES // 2 - 100])
def test_deeply_nested_json_gets_a_json_error(daemon, depth):
    control = daemon["endpoints"]["control"]
    for path in ("/api/keywords/get_register", "/api/faults", "/api/scopes"):
        status, body, _ = _api(control, "POST", path, raw=b'{"args": [' + _nested(depth) + b"]}")
        assert status == 400 and body == {
            "status": "FAIL", "error": f"the body's arrays and objects nest more than {CONTROL_MAX_NESTING} levels deep",
        }  # fmt: skip
    depth = min(depth, CONTROL_MAX_BODY_BYTES // 8)  # objects take more bytes per level
    status, body, _ = _api(control, "POST", "/api/keywords/get_register", raw=b"{" + b'"a": {' * depth + b"}" * (depth + 1))
    assert status == 400 and "levels deep" in body["error"]
    assert _api(control, "GET", "/api/health")[0] == 200


def test_nesting_up_to_the_limit_reaches_the_keyword(daemon):
    status, body, _ = _api(daemon["endpoints"]["control"], "POST", "/api/keywords/get_register",
                           raw=b'{"args": [' + _nested(CONTROL_MAX_NESTING - 2) + b"]}")  # fmt: skip
    assert status == 400 and "levels deep" not in body["error"] and "no register" in body["error"], body


def test_deeply_nested_xmlrpc_gets_a_fault(daemon):
    deep: list = ["5000"]
    for _ in range(CONTROL_MAX_NESTING + 1):
        deep = [deep]
    status, raw = _post(daemon["endpoints"]["control"], "/", xmlrpc.client.dumps(("Get Register", deep), "run_keyword").encode())
    fault = _fault(raw)
    assert status == 200 and fault.faultCode == -32602 and f"more than {CONTROL_MAX_NESTING} levels" in fault.faultString
    array = b"<value><array><data>" * 100_000 + b"</data></array></value>" * 100_000
    flood = b"<?xml version='1.0'?><methodCall><methodName>run_keyword</methodName><params><param>" + array
    status, raw = _post(daemon["endpoints"]["control"], "/", flood[: CONTROL_MAX_BODY_BYTES - 100] + b"</param></params></methodCall>")
    assert status == 200 and _fault(raw).faultCode in (-32700, -32602)


def test_too_many_values_get_a_json_error_or_a_fault(daemon):
    control = daemon["endpoints"]["control"]
    values = ["5000", ["1"] * CONTROL_MAX_VALUES]
    status, body, _ = _api(control, "POST", "/api/keywords/get_register", {"args": values})
    assert (status, body["error"]) == (400, f"the body's arrays and objects hold more than {CONTROL_MAX_VALUES} values")
    status, raw = _post(control, "/", xmlrpc.client.dumps(("Get Register", values), "run_keyword").encode())
    assert _fault(raw).faultString == f"run_keyword: arrays and structs hold more than {CONTROL_MAX_VALUES} values"
    assert _api(control, "POST", "/api/keywords/get_register", {"args": ["5000", ["1"] * 10]})[1]["error"].startswith("Argument")


def test_bodies_larger_than_the_limit_get_413_as_json_or_a_fault(daemon):
    control = daemon["endpoints"]["control"]
    big = b'{"args": ["' + b"x" * CONTROL_MAX_BODY_BYTES + b'"]}'
    status, body, _ = _api(control, "POST", "/api/keywords/get_register", raw=big)
    assert status == 413 and body == {"status": "FAIL", "error": f"the body is larger than {CONTROL_MAX_BODY_BYTES} bytes"}
    status, raw = _post(control, "/", xmlrpc.client.dumps(("Get Register", ["x" * CONTROL_MAX_BODY_BYTES]), "run_keyword").encode())
    assert status == 413 and _fault(raw).faultCode == 413


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\xff\xfe{}", "the body is not UTF-8"),
        (b'{"args": [' + b"9" * 5000 + b"]}", "the body is not usable JSON"),
    ],
)
def test_bodies_python_cannot_read_get_json_errors(daemon, raw, message):
    status, body, _ = _api(daemon["endpoints"]["control"], "POST", "/api/keywords/get_register", raw=raw)
    assert status == 400 and body["status"] == "FAIL" and body["error"].startswith(message)


def test_xml_with_a_document_type_gets_a_fault(daemon):
    laughs = b"""<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
<methodCall><methodName>&b;</methodName></methodCall>"""
    status, raw = _post(daemon["endpoints"]["control"], "/", laughs)
    assert status == 200 and "document type declaration is not allowed" in _fault(raw).faultString


# -- what the endpoint may touch: files in the data directory, hosts on loopback -----------------------


SECRET = "password = 'swordfish'\n"


@pytest.fixture(scope="module")
def confined(tmp_path_factory):
    """A daemon whose data directory is ``data``; beside it, outside, a secret and a symbolic link to it."""
    root = tmp_path_factory.mktemp("confined")
    data = root / "data"
    data.mkdir()
    (root / "secret.toml").write_text(SECRET)
    (data / "link.toml").symlink_to(root / "secret.toml")
    (data / "inside.toml").write_text("[battery]\nsoc = 40\n")
    (data / "link-inside.toml").symlink_to(data / "inside.toml")
    process, ready = serve("--doors", "modbus", "--control-port", "0", "--data-dir", str(data), *FROZEN)
    yield ready, root
    assert _stop(process) == 0


def _error(control: str, name: str, args: list, kwargs: dict) -> str:
    status, body, _ = _api(control, "POST", f"/api/keywords/{name}", {"args": args, "kwargs": kwargs})
    assert status == 400 and body["status"] == "FAIL", body
    return body["error"]


def test_paths_outside_the_data_dir_are_refused_without_revealing_the_file_system(confined):
    ready, root = confined
    control = ready["endpoints"]["control"]
    outside = [
        str(root / "secret.toml"),  # exists, absolute
        str(root / "missing.toml"),  # does not exist
        "../secret.toml",
        "../missing.toml",
        "link.toml",  # a symbolic link out
        "nowhere/../../secret.toml",
        "/etc/passwd",
        "/etc",
        "/no/such/dir/x.json",
    ]
    modbus = ready["endpoints"]["modbus"]
    calls = {
        "Load Scenario": lambda path: ([path], {}),
        "Start Mock Sungrow": lambda path: ([], {"scenario": path}),
        "Record Inverter Snapshot": lambda path: ([modbus, path], {}),
    }
    for name, call in calls.items():
        messages = {path: _error(control, name.replace(" ", "_"), *call(path)) for path in outside}
        for path, message in messages.items():
            assert "swordfish" not in message and "password" not in message and "exist" not in message, message
            assert message.replace(repr(path), "PATH") == messages[outside[0]].replace(repr(outside[0]), "PATH"), message
        assert "is not inside the control endpoint's data directory" in messages[outside[0]]
    for option in ("snapshot", "faults"):
        messages = {_error(control, "start_mock_sungrow", [], {option: path}).replace(repr(path), "PATH") for path in outside}
        refusal = f"{option} PATH is not inside the control endpoint's data directory: give a path relative to it"
        assert messages == {f"{refusal} (sungrow-mock serve --data-dir)"}
    assert not (root / "missing.toml").exists() and (root / "secret.toml").read_text() == SECRET


def test_files_inside_the_data_dir_are_read_and_written(confined):
    ready, root = confined
    control = ready["endpoints"]["control"]
    status, body, _ = _api(control, "POST", "/api/keywords/record_inverter_snapshot", {"args": [ready["endpoints"]["modbus"], "replay.json"]})
    assert (status, body["return"]) == (200, "replay.json"), body
    assert json.loads((root / "data" / "replay.json").read_text())["model"] == "SH10RT"
    status, body, _ = _api(control, "POST", "/api/keywords/start_mock_sungrow",
                           {"kwargs": {"snapshot": "replay.json", "alias": "replay"}})  # fmt: skip
    assert status == 200, body
    _api(control, "POST", "/api/keywords/stop_mock_sungrow", {"args": ["replay"]})
    for path in ("inside.toml", "link-inside.toml", str(root / "data" / "inside.toml")):
        status, body, _ = _api(control, "POST", "/api/keywords/load_scenario", {"args": [path], "kwargs": {"scope": "global"}})
        assert status == 200, body
    assert "missing.toml" in _error(control, "load_scenario", ["missing.toml"], {})  # inside: the loader's own message


def test_recording_from_a_public_host_needs_permission(confined):
    control = confined[0]["endpoints"]["control"]
    for endpoint in ("192.0.2.1:502", "10.1.2.3:502", "inverter.lan:502", "0.0.0.0:502", "[2001:db8::1]:502"):
        message = _error(control, "record_inverter_snapshot", [endpoint, "x.json"], {"timeout": "30s"})
        assert "needs permission" in message and "--allow-recording-from" in message, message
    assert not (confined[1] / "data" / "x.json").exists()
    message = _error(control, "find_reachable_address", ["192.0.2.1"], {})
    assert message.startswith("the route towards '192.0.2.1' needs permission"), message


def test_doors_beyond_loopback_need_permission(confined):
    control = confined[0]["endpoints"]["control"]
    for host in ("0.0.0.0", "::", "192.0.2.1", "inverter.lan"):
        message = _error(control, "start_mock_sungrow", [], {"host": host})
        assert "beyond loopback" in message and "--allow-public-doors" in message, message
    status, body, _ = _api(control, "POST", "/api/keywords/start_mock_sungrow", {"kwargs": {"host": "127.0.0.1", "alias": "near"}})
    assert status == 200 and body["return"]["modbus"].startswith("127.0.0.1:"), body
    _api(control, "POST", "/api/keywords/stop_mock_sungrow", {"args": ["near"]})


def test_the_policy_allows_listed_hosts_and_networks_and_nothing_else(tmp_path):
    policy = AccessPolicy.control_endpoint(tmp_path, ("192.168.1.50", "10.0.0.0/8", "Inverter.LAN", "2001:db8::/32"))
    for host in ("192.168.1.50", "10.9.8.7", "inverter.lan", "2001:db8::5", "[2001:db8::5]", "127.0.0.1", "localhost", "::1"):
        policy.recording_host(host)
    for host in ("192.168.1.51", "11.0.0.1", "other.lan", "2001:db9::1", "0.0.0.0", ""):
        with pytest.raises(AccessError, match="needs permission"):
            policy.recording_host(host)
    with pytest.raises(AccessError, match="beyond loopback"):
        policy.door_host("0.0.0.0")
    AccessPolicy.control_endpoint(tmp_path, public_doors=True).door_host("0.0.0.0")


def test_in_process_users_keep_full_access(tmp_path):
    scenario = tmp_path / "anywhere.toml"
    scenario.write_text("[battery]\nsoc = 40\n")
    library = Library()
    keywords = Keywords(library)
    try:
        assert keywords.call("Start Mock Sungrow", [], {"doors": "modbus", "scenario": str(scenario)}).passed
        assert keywords.call("Load Scenario", [str(scenario)], {}).passed
        assert keywords.call("Record Inverter Snapshot", [library.run_keyword("get_mock_sungrow_endpoint", [], {}),
                                                          str(tmp_path / "x.json")], {}).passed  # fmt: skip
    finally:
        library.stop_all_mocks()


@pytest.mark.parametrize(
    "params",
    [
        b"<param><value><struct><member><name>a</name></member></struct></value></param>",  # IndexError inside xmlrpc.client
        b"<param><value><struct><member><value><array><data/></array></value><value>2</value></member></struct></value></param>",
        b"<param><value><i4>" + b"9" * 5000 + b"</i4></value></param>",
        b"<param><value><dateTime.iso8601>yesterday</dateTime.iso8601></value></param>",
        b"<param><value><double>one</double></value></param>",
    ],
)
def test_xmlrpc_that_pythons_reader_trips_over_gets_a_parse_fault(daemon, params):
    body = b"<?xml version='1.0'?><methodCall><methodName>run_keyword</methodName><params>" + params + b"</params></methodCall>"
    status, raw = _post(daemon["endpoints"]["control"], "/", body)
    fault = _fault(raw)
    assert status == 200 and fault.faultCode == -32700 and fault.faultString.startswith("the request is not XML-RPC")


# -- fleets ----------------------------------------------------------------------------------------


def test_a_fleet_started_remotely_is_reached_by_its_inverters_aliases(rpc):
    inverters = _passed(rpc.run_keyword("Start Mock Sungrow Fleet", [3], {"models": "SG10RT", "alias": "remote-farm",
                                                                          "alias_prefix": "far"}))  # fmt: skip
    assert [(i["alias"], i["unit_id"]) for i in inverters] == [("far1", 1), ("far2", 2), ("far3", 3)]
    _passed(rpc.run_keyword("Set Register", ["daily_power_yields", 321], {"alias": "far3"}))
    address = inverters[2]["endpoints"]["modbus"]
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(bytes.fromhex("000700000006") + b"\x03" + bytes.fromhex("04138a0001"))  # unit 3, input 5003
        assert connection.recv(300)[9:11] == (321).to_bytes(2, "big")
    _passed(rpc.run_keyword("Stop Mock Sungrow", ["remote-farm"], {}))
    with socket.socket() as probe:
        probe.bind((host, int(port)))


def test_serve_fleet_with_a_control_endpoint_serves_the_fleet():
    process, ready = serve("--fleet", "4", "--layout", "ports", "--control-port", "0", *FROZEN)
    try:
        control = ready["endpoints"]["control"]
        status, served, _ = _api(control, "GET", "/api/mock")
        assert status == 200 and [i["alias"] for i in served["inverters"]] == ["inv1", "inv2", "inv3", "inv4"]
        status, body, _ = _api(control, "POST", "/api/keywords/Get Register".replace(" ", "%20"),
                               {"args": ["serial_number"], "kwargs": {"alias": "inv4"}})  # fmt: skip
        assert "Get Register Text" in body["error"]  # a text register: the keyword says which one to use
        status, body, _ = _api(control, "POST", "/api/keywords/Get Register Text".replace(" ", "%20"),
                               {"args": ["serial_number"], "kwargs": {"alias": "inv4"}})  # fmt: skip
        assert _passed(body) == served["inverters"][3]["serial"]
    finally:
        assert _stop(process) == 0
