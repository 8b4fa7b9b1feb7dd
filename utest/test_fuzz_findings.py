"""What fuzzing found (fuzz/campaign.py, utest/test_fuzz_parsers.py), one test per finding, each
named after what now holds."""

from __future__ import annotations

import json
import xmlrpc.client

import fuzz_targets as targets
import pytest

from SungrowMockLibrary.errors import FaultError, RecordingError, ScenarioError
from SungrowMockLibrary.faults.spec import load_fault_file
from SungrowMockLibrary.recording.snapshot import Snapshot
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.simulation.scenario import load_scenario
from SungrowMockLibrary.transports.winet import services
from SungrowMockLibrary.transports.winet.dongle import Dongle
from SungrowMockLibrary.transports.winet.settings import WinetSettings

DEEP = "[" * 3000 + "]" * 3000
SNAPSHOT = {"format": "sungrow-mock-snapshot", "version": 1, "model": "SH10RT", "unit": 1, "source": "x",
            "recorded_at": "t", "tables": {"input": {"5000": [1, 2]}, "holding": {}}}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def stop_live_doors():
    yield
    targets.close()


# -- files ----------------------------------------------------------------------------------------


def test_a_scenario_file_that_is_not_utf8_is_a_scenario_error(tmp_path):
    path = tmp_path / "day.toml"
    path.write_bytes(b"[site]\nlatitude = 48.1 # \xff\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_a_scenario_file_nested_too_deeply_is_a_scenario_error(tmp_path):
    path = tmp_path / "day.toml"
    path.write_text(f"[site]\nlatitude = {DEEP}\n")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(path)


def test_a_fault_file_that_is_not_utf8_is_a_fault_error(tmp_path):
    path = tmp_path / "faults.toml"
    path.write_bytes(b'[[fault]]\nkind = "exception\xc2"\n')
    with pytest.raises(FaultError, match="not UTF-8"):
        load_fault_file(path)


def test_a_fault_file_nested_too_deeply_is_a_fault_error(tmp_path):
    path = tmp_path / "faults.toml"
    path.write_text(f"[[fault]]\nkind = {DEEP}\n")
    with pytest.raises(FaultError, match="nested too deeply"):
        load_fault_file(path)


def test_a_snapshot_file_without_a_serial_loads_with_no_serial(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(SNAPSHOT))
    assert Snapshot.load(path).serial is None


def test_a_snapshot_run_key_of_other_digits_is_a_recording_error(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({**SNAPSHOT, "tables": {"input": {"5²": [1]}}}))
    with pytest.raises(RecordingError, match="is not a documented register number"):
        Snapshot.load(path)


def test_a_snapshot_file_nested_too_deeply_is_a_recording_error(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(DEEP)
    with pytest.raises(RecordingError, match="nested too deeply"):
        Snapshot.load(path)


# -- XML-RPC --------------------------------------------------------------------------------------


def _fault_of(body: bytes) -> xmlrpc.client.Fault:
    answer = targets.control_api().respond(body)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(answer.encode())
    return fault.value


@pytest.mark.parametrize(
    ("method", "params"), [("run_keyword", (5, [], {})), ("get_keyword_arguments", ([1],)), ("get_keyword_tags", ({},))]
)
def test_an_xml_rpc_keyword_name_that_is_not_text_gets_a_bad_params_fault(method, params):
    fault = _fault_of(xmlrpc.client.dumps(params, method).encode())
    assert fault.faultCode == -32602


@pytest.mark.parametrize(
    "body",
    [
        # a <name> after the member's value: the unmarshaller's IndexError
        (
            b"<methodCall><methodName>run_keyword</methodName><params><param><value><struct><member><name>a</name>"
            b"<value><string>x</string><name>b</name></value></member></struct></value></param></params></methodCall>"
        ),
        # an array as a struct key: TypeError (unhashable)
        (
            b"<methodCall><params><param><value><struct><member><value><array><data></data></array></value>"
            b"<value>1</value></member></struct></value></param></params></methodCall>"
        ),
        # a fault sent as a request: the unmarshaller raises Fault itself
        xmlrpc.client.dumps(xmlrpc.client.Fault(1, "x"), methodresponse=True).encode(),
        b"<methodResponse><fault></fault></methodResponse>",
    ],
)
def test_misnested_xml_rpc_gets_a_parse_error_fault(body):
    assert _fault_of(body).faultCode == -32700


def test_an_argument_too_large_for_its_type_is_an_argument_error():
    keywords = targets.control_api().keywords
    outcome = keywords.call("Advance Mock Clock", [86400000000000.0], {})
    assert outcome.problem == "arguments"
    assert "too large" in outcome.error


# -- WiNet ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        '{"service": "\\ud800", "token": "TOKEN", "type": "9", "dev_id": 1, "list": [ITEM]}',
        '{"service": "param", "token": "TOKEN", "type": "9", "dev_id": 1, "list": [ITEM], "x": "\\udfff"}',
        '{"service": "param", "token": "TOKEN", "type": "9", "dev_id": 1, "list": [ITEM, {"param_name": "\\uD800"}]}',
    ],
)
def test_a_websocket_message_with_a_lone_surrogate_is_a_bad_request_and_writes_nothing(template):
    inverter = Inverter("SH10RT")
    dongle = Dongle({1: inverter}, WinetSettings())
    token = dongle.sessions.connect().token
    before = inverter.get_raw("ems_mode")
    item = json.dumps({"param_addr": "33146", "param_value": str(3 if before != 3 else 2)})
    reply, _ = services.handle_text(dongle, template.replace("TOKEN", token).replace("ITEM", item))
    assert reply["result_code"] == 400
    assert inverter.get_raw("ems_mode") == before
    json.dumps(reply, ensure_ascii=False).encode("utf-8")


def test_a_websocket_message_with_an_escaped_surrogate_pair_is_still_answered():
    dongle = Dongle({1: Inverter("SH10RT")}, WinetSettings())
    reply, _ = services.handle_text(dongle, '{"service": "connect", "name": "\\ud83d\\ude00 ℃"}')
    assert reply["result_code"] == 1


def test_the_websocket_door_answers_a_lone_surrogate_and_stays_open():
    targets.live_websocket(b'{"service":"\\ud800"}')
    targets.live_websocket(b'{"service":"param","token":"TOKEN","type":"9","dev_id":1,'
                           b'"list":[{"param_addr":"33146","param_value":"2","param_name":"\\ud800"}]}')
    assert not targets.live().ws.closed


# -- the control API's JSON ----------------------------------------------------------------------


def _control(path: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    door = targets.live()

    async def post():
        async with door.session.post(door.control_url + path, data=body, headers={"Content-Type": content_type}) as r:
            return r.status, json.loads(await r.text())

    return door.run(post())


@pytest.mark.parametrize("path", ["/api/keywords/Get Register", "/api/faults", "/api/scopes"])
def test_the_control_api_answers_a_body_that_is_not_utf8_with_a_json_400(path):
    status, answer = _control(path, b'{"args": ["\xff"]}')
    assert (status, answer["status"]) == (400, "FAIL")
    assert "UTF-8" in answer["error"]


def test_the_control_api_answers_an_unknown_charset_with_a_json_400():
    status, answer = _control("/api/faults", b"{}", "application/json; charset=no-such-charset")
    assert (status, answer["status"]) == (400, "FAIL")


def test_the_control_api_answers_an_argument_too_large_for_its_type_with_a_json_400():
    status, answer = _control("/api/keywords/Advance Mock Clock", b'{"args": [86400000000000.0]}')
    assert (status, answer["status"]) == (400, "FAIL")
    assert "too large" in answer["error"]


@pytest.mark.parametrize("path", ["/api/keywords/Get Register", "/api/faults"])
def test_the_control_api_answers_deeply_nested_json_with_a_json_400(path):
    status, answer = _control(path, f'{{"args": {DEEP}}}'.encode())
    assert (status, answer["status"]) == (400, "FAIL")
    assert "nest more than" in answer["error"] and "levels deep" in answer["error"]
