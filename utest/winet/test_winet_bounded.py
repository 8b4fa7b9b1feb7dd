"""Issue 11: what one WiNet request may carry is bounded (SungrowMockLibrary/limits.py), and a
request beyond a limit is refused at once with the dongle's error, changes nothing, and leaves
the door serving. Malformed text gets the bad-request envelope, never a traceback.

Every test here also passes the autouse ``no_server_errors`` check (no error logged by the server).
"""

from __future__ import annotations

import json
import time

import pytest

from SungrowMockLibrary.limits import (
    WINET_KEPT_QUERY_LENGTH,
    WINET_MAX_KEPT_QUERIES,
    WINET_MAX_PARAM_DEVICES,
    WINET_MAX_PARAM_ITEMS,
)
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import services
from SungrowMockLibrary.transports.winet.codes import dumps, has_lone_surrogate
from SungrowMockLibrary.transports.winet.parsed import Parsed

from .conftest import scenario
from .test_winet_robustness import still_served
from .test_winet_services import ems_request

FAST = 1.0  # seconds: each refusal below took from 4.5 s to forever before the limits


def ems_registers(on_loop, inverter: Inverter) -> tuple:
    names = ("ems_mode", "battery_forced_charge_discharge_cmd", "battery_forced_charge_discharge_power",
             "feed_in_limitation_value")
    return tuple(on_loop(inverter.get_raw, name) for name in names)


def send_param(door, request_of, raw: bool = False):
    """Connect, send the request ``request_of(token)`` makes; (reply, seconds it took, door still serves)."""

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        request = request_of(socket.token)
        began = time.perf_counter()
        await socket.send(request if raw else json.dumps(request))
        reply = await socket.receive()
        took = time.perf_counter() - began
        return reply, took, await still_served(client)

    return scenario(door, body)


@pytest.mark.parametrize("value", ["1e300000", "-1e300000", "1e-300000", "9" * 5000, "3." + "0" * 100])
@pytest.mark.parametrize("field", ["mode", "power"])  # an integer parameter, and one in kW
def test_a_huge_exponent_in_param_value_is_refused_at_once(start_door, on_loop, value, field):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    before = ems_registers(on_loop, inverter)
    reply, took, served = send_param(door, lambda token: ems_request(token, **{field: value}))
    assert (reply["result_code"], reply["result_msg"]) == (391, "I18N_COMMON_SET_FAILED")
    assert [i["result"] for i in reply["result_data"]["list"]] == ([0, 1, 1] if field == "mode" else [1, 1, 0])
    assert took < FAST and served
    assert ems_registers(on_loop, inverter) == before  # all or nothing: the good items are not written


def test_a_huge_json_number_in_param_value_is_refused_at_once(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    before = ems_registers(on_loop, inverter)
    request = lambda token: json.dumps(ems_request(token, mode=0)).replace('"param_value": 0', '"param_value": ' + "9" * 4000)  # noqa: E731
    reply, took, served = send_param(door, request, raw=True)
    assert reply["result_code"] == 391 and took < FAST and served
    assert ems_registers(on_loop, inverter) == before


def test_a_devid_array_of_ten_thousand_ids_is_refused_before_any_work(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    before = ems_registers(on_loop, inverter)
    reply, took, served = send_param(door, lambda token: ems_request(token, dev_ids=["1"] * 10_000))
    assert (reply["result_code"], reply["result_msg"]) == (402, "I18N_COMMON_PARAM_ERROR")
    assert reply["result_data"] == {"service": "param"}
    assert took < FAST and served
    assert ems_registers(on_loop, inverter) == before


def test_three_hundred_items_of_three_thousand_ids_are_refused_before_any_work(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    before = ems_registers(on_loop, inverter)

    def request(token):
        many = ems_request(token, dev_ids=["1"] * 3_000)
        many["list"] = many["list"] * 100  # 300 items
        return many

    reply, took, served = send_param(door, request)
    assert (reply["result_code"], reply["result_msg"]) == (402, "I18N_COMMON_PARAM_ERROR")
    assert took < FAST and served
    assert ems_registers(on_loop, inverter) == before


def test_param_lists_up_to_the_limits_are_applied(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})

    def request(token):
        full = ems_request(token, dev_ids=["1"] * WINET_MAX_PARAM_DEVICES)
        full["list"] = (full["list"] * WINET_MAX_PARAM_ITEMS)[:WINET_MAX_PARAM_ITEMS]
        return full

    reply, _, served = send_param(door, request)
    assert reply["result_code"] == 1 and len(reply["result_data"]["list"]) == WINET_MAX_PARAM_ITEMS and served
    assert on_loop(inverter.get_raw, "ems_mode") == 2

    def type_3(token):
        return {"service": "param", "token": token, "type": "3", "devid_array": ["1"],
                "list": [{str(n): "0" for n in range(WINET_MAX_PARAM_ITEMS + 1)}]}

    reply, _, served = send_param(door, type_3)
    assert reply["result_code"] == 402 and served


def test_a_lone_surrogate_in_a_websocket_message_gets_bad_request_and_writes_nothing(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    before = ems_registers(on_loop, inverter)
    for field in ('"param_name": "Energy Management Mode"', '"lang": "en_us"', '"accuracy": 0'):
        def request(token, field=field):
            text = json.dumps(ems_request(token))
            key, _, value = field.partition(": ")
            return text.replace(field, f'{key}: "\\ud800"', 1) if "name" in field else text.replace(
                field, f'"\\udfff{key[1:]}: {value}', 1)

        reply, took, served = send_param(door, request, raw=True)
        assert (reply["result_code"], reply["result_msg"]) == (400, "I18N_COMMON_BAD_REQUEST")
        assert reply["result_data"] == {"service": ""}
        assert took < FAST and served
        assert ems_registers(on_loop, inverter) == before


def test_a_surrogate_pair_is_text_and_is_written():
    assert not has_lone_surrogate('{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"})
    assert has_lone_surrogate('{"a": ["\\ud83d"]}', {"a": ["\ud83d"]})
    assert has_lone_surrogate(b'{"\\ud83d": 1}', {"\ud83d": 1})
    assert json.loads(dumps({"a": "\ud800", "b": "℃"})) == {"a": "\ud800", "b": "℃"}  # never raises
    dumps({"b": "℃"}).encode("utf-8")


def test_a_lone_surrogate_in_an_http_body_gets_bad_request(start_door):
    door = start_door()

    async def body(client):
        async with client.session.post(client.http_url + "/device/list", data=b'{"token": "\\udc00"}',
                                       headers={"Content-Type": "application/json"}) as response:
            status, reply = response.status, json.loads(await response.text())
        url = client.http_url + "/device/getParam?dev_id=1&type=%ED%A0%80&token=%ED%A0%80"
        async with client.session.get(url) as response:
            query = response.status, json.loads(await response.text())
        return status, reply, query, await still_served(client)

    status, reply, query, served = scenario(door, body)
    assert (status, reply["result_code"]) == (200, 400) and served
    assert query[0] == 200 and query[1]["result_code"] != 1


def test_invalid_utf8_in_a_websocket_message_closes_with_1007_and_no_traceback(start_door):
    from .test_winet_robustness import masked_text_frame, raw_websocket

    door = start_door()

    async def body(client):
        reader, writer = await raw_websocket(door.endpoints["winet_ws"])
        frame = bytearray(masked_text_frame("xx"))
        mask = frame[2:6]
        frame[6:8] = bytes(b ^ mask[i] for i, b in enumerate(b"\xff\xfe"))
        writer.write(bytes(frame))
        await writer.drain()
        head = await reader.read(4)
        writer.close()
        return head, await still_served(client)

    head, served = scenario(door, body)
    assert head[0] == 0x88 and int.from_bytes(head[2:4], "big") == 1007  # a close frame: invalid payload
    assert served


def test_kept_parses_are_bounded_and_read_only():
    """Request texts parsed once (WebSocket messages, HTTP request targets) are kept up to
    WINET_MAX_KEPT_QUERIES, of texts up to WINET_KEPT_QUERY_LENGTH; a kept parse is shared, so a
    service cannot change it."""
    kept = Parsed()
    for number in range(WINET_MAX_KEPT_QUERIES + 10):
        text = json.dumps({"service": "real", "dev_id": number})
        assert kept.keep(text, services.parse_text(text)) is kept.get(text)
    assert len(kept) <= WINET_MAX_KEPT_QUERIES
    long = json.dumps({"service": "real", "note": "x" * WINET_KEPT_QUERY_LENGTH})
    kept.keep(long, services.parse_text(long))
    assert kept.get(long) is None
    message = services.parse_text('{"service": "real", "dev_id": "7"}')
    assert message.read == ("real", 7)
    with pytest.raises(TypeError):
        message["dev_id"] = "8"
    assert services.parse_text('{"service": ["real"], "dev_id": "7"}').read is None  # any JSON value may come
