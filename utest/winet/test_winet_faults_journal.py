"""The WiNet door's journal and injected faults, as a client experiences them.

Every scenario is bounded (conftest TIMEOUT); the autouse ``no_server_errors`` check of conftest also holds, so
no fault may leave an error in the server's log.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest

from SungrowMockLibrary.faults import Dose, FaultEngine, Target
from SungrowMockLibrary.journal import Journal, Request
from SungrowMockLibrary.simulation.clock import Clock
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import WinetSettings, serve_winet

from .conftest import Client, scenario

ONCE = Dose(times=1)


@pytest.fixture
def start(runtime):
    """``start(firmware=...)`` → (door, journal, faults); every door stops at the end."""
    doors = []

    def open_door(firmware: str = "legacy", devices: dict | None = None, **settings):
        journal, faults = Journal(), FaultEngine()
        devices = {1: Inverter("SH10RT")} if devices is None else devices
        door = runtime.run(serve_winet(devices, WinetSettings(firmware=firmware, **settings), journal, faults))
        doors.append(door)
        return door, journal, faults

    yield open_door
    for door in doors:
        runtime.run(door.stop())


async def raw_get(address: str, path: str, upgrade: bool = False) -> bytes:
    """One GET on a new connection, without the retry aiohttp clients make after a dropped
    connection; returns what came back (b"" when the door closed it, raises on a reset)."""
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    headers = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    if upgrade:
        headers += ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
    try:
        writer.write(headers.encode() + b"\r\n")
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 3)
    finally:
        writer.close()


def on(service: str) -> Target:
    return Target(door="winet", service=service)


async def connected(client):
    socket = await client.socket()
    await socket.connect()
    return socket


# -- journal ------------------------------------------------------------------------------------


def test_every_websocket_message_is_journalled(start):
    door, journal, _ = start()
    before = time.time()

    async def body(client):
        socket = await connected(client)
        await socket.call("devicelist")
        await socket.call("real", dev_id="1")
        await socket.call("direct", dev_id=1)
        await socket.send("{")
        await socket.receive()
        await socket.call("teleport")
        await socket.send("ping")
        await socket.receive()
        await socket.ws.send_bytes(b"\x00binary")
        await socket.receive()
        return socket.ws.get_extra_info("sockname")

    sockname = scenario(door, body)
    entries = journal.requests(door="winet")
    assert [(e.service, e.unit, e.reply) for e in entries] == [
        ("connect", None, "ok"),
        ("devicelist", None, "ok"),
        ("real", 1, "ok"),
        ("direct", 1, "ok"),
        ("?", None, "result_code 400"),
        ("teleport", None, "result_code 404"),
        ("ping", None, "ok"),
        ("?", None, "bad request"),
    ]
    peer = f"{sockname[0]}:{sockname[1]}"
    for entry in entries:
        assert entry.door == "winet" and entry.peer == peer and entry.fault is None
        assert before <= entry.time <= time.time() and 0 <= entry.latency_ms < 1000
        assert entry.table is None and entry.address is None


def test_an_oversized_message_is_journalled_as_a_bad_request(start):
    door, journal, _ = start()

    async def body(client):
        socket = await connected(client)
        await socket.send(json.dumps({"service": "real", "pad": "x" * 70_000}))
        return await socket.ws.receive(timeout=3)

    assert scenario(door, body).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    journal.wait_for(lambda e: e.service == "?", timeout=2)  # the door records it after closing
    assert [(e.service, e.reply) for e in journal.requests()] == [("connect", "ok"), ("?", "bad request")]


def test_http_requests_are_journalled_with_the_modbus_range_of_get_param(start):
    door, journal, _ = start()

    async def body(client):
        token = (await connected(client)).token
        await client.get("/device/getParam", dev_id=1, type=3, param_addr=5000, param_num=2, param_type=0, token=token)
        await client.get("/device/getParam", dev_id=1, type=3, param_addr=13001, param_num=10, param_type=1,
                         token=token)
        await client.get("/device/getParam", dev_id=9, type=3, param_addr=5000, param_num=1, param_type=0,
                         token=token)
        await client.get("/device/getParam", dev_id=1, type=2, token=token)
        await client.get("/i18n/en_US.properties")
        await client.get("/no/such/path")
        await client.post("/device/passthroughway", {"dev_id": 1, "msgValue": "010679F400AA511B", "token": token})
        return client.session

    scenario(door, body)
    http = [e for e in journal.requests() if e.service.startswith("/")]
    rows = [(e.service, e.unit, e.table, e.address, e.count, e.reply) for e in http]
    assert rows == [
        ("/device/getParam", 1, "input", 5000, 2, "ok"),
        ("/device/getParam", 1, "holding", 13001, 10, "ok"),
        ("/device/getParam", 9, "input", 5000, 1, "result_code 403"),
        ("/device/getParam", 1, None, None, None, "ok"),
        ("/i18n/en_US.properties", None, None, None, None, "ok"),
        ("/no/such/path", None, None, None, None, "http 404"),
        ("/device/passthroughway", 1, "holding", 31221, 1, "ok"),
    ]
    first = http[0]
    assert first.covers(5001) and not first.covers(5002) and first.wire_address == 4999
    assert first.registers == ("device_type_code", "nominal_active_power") and first.hint is None
    assert http[2].registers == ()  # no device 9 to name registers of
    write = http[-1]
    assert (write.function, write.values, write.registers) == (6, (0xAA,), ("feed_in_limitation_switch",))
    assert all(e.peer.startswith("127.0.0.1:") and e.latency_ms >= 0 and e.fault is None for e in http)



async def raw_request(address: str, method: str, path: str) -> bytes:
    """One request with no body on a new connection; returns the whole response."""
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 3)
    finally:
        writer.close()


async def raw_exchange(address: str, request: bytes) -> bytes:
    """``request`` sent as it is on a new connection; returns all that came back."""
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 3)
    finally:
        writer.close()


def test_a_kept_get_param_reply_is_answered_journalled_faulted_and_refused_as_the_first(start, runtime):
    # The door answers a getParam read whose reply it keeps without its routes (decisions §42): the
    # client and the journal must not tell that answer from the first, and faults, tokens, the
    # login rule and an Expect header must still act on it. A stopped clock keeps the reply.
    inverter = Inverter("SH10RT", clock=Clock("2026-06-21T12:00:00", speed=0))
    door, journal, faults = start(devices={1: inverter})
    address = door.endpoints["winet_http"]

    async def body(client):
        token = (await connected(client)).token
        line = f"GET {GET_PARAM}?dev_id=1&type=3&param_addr=5000&param_num=2&param_type=0&token={token} HTTP/1.1\r\n"
        request = f"{line}Host: mock\r\nConnection: close\r\n\r\n".encode()
        answers = [await raw_exchange(address, request) for _ in range(3)]  # built, then the kept reply
        faults.inject("http_error", target=on(GET_PARAM), dose=ONCE)
        answers.append(await raw_exchange(address, request))
        faults.clear()
        answers.append(await raw_exchange(address, request.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n")))
        await asyncio.to_thread(runtime.call, door.require_login, True)
        answers.append(await raw_exchange(address, request))
        await asyncio.to_thread(runtime.call, door.require_login, False)
        answers.append(await raw_exchange(address, request))
        await asyncio.to_thread(runtime.call, door.expire_tokens)
        answers.append(await raw_exchange(address, request))
        return answers

    answers = [re.sub(rb"Date: [^\r]*\r\n", b"", answer) for answer in scenario(door, body)]
    built, kept, again, faulted, expecting, login, after, expired = answers
    assert built.startswith(b"HTTP/1.1 200 OK\r\n") and b'"result_code": 1' in built
    assert kept == again == built == after
    assert faulted.startswith(b"HTTP/1.1 503 ")
    assert expecting == b"HTTP/1.1 100 Continue\r\n\r\n" + built
    assert b'"result_code": 401' in login and b'"result_code": 106' in expired
    entries = journal.requests(service=GET_PARAM)
    assert [(e.reply, e.fault) for e in entries] == [("ok", None)] * 3 + [("http 503", "http_error"), ("ok", None),
                                                     ("result_code 401", None), ("ok", None), ("result_code 106", None)]
    same = [name for name in Request.__slots__ if name not in ("seq", "time", "latency_ms", "peer", "reply", "fault")]
    first = entries[0]
    assert all(getattr(e, name) == getattr(first, name) for e in entries for name in same)
    assert first.registers == ("device_type_code", "nominal_active_power") and first.unit == 1
    assert all(e.peer.startswith("127.0.0.1:") and e.latency_ms >= 0 and e.time > 0 for e in entries)
    assert [e.seq for e in entries] == sorted({e.seq for e in entries})


@pytest.mark.parametrize("firmware", ["legacy", "tls"])
def test_unknown_paths_and_wrong_methods_get_aiohttps_404_and_405_journalled(start, firmware):
    door, journal, faults = start(firmware)
    if firmware == "tls":  # both faces on one TLS port, one application
        http = ws = None
    else:
        http, ws = door.endpoints["winet_http"], door.endpoints["winet_ws"]

    async def body(client):
        if http is None:
            answers = []
            for path in ("/device/getParam", "/ws/home/overview"):
                async with client.session.post(client.http_url + path, ssl=False) as response:
                    answers.append((response.status, response.headers.get("Allow")))
            return answers
        answers = [await raw_request(http, method, path) for method, path in (
            ("POST", "/device/getParam?dev_id=1"), ("GET", "/device/list"), ("POST", "/i18n/en_US.properties"),
            ("GET", "/no/such/path"), ("DELETE", "/ws/home/overview"))]  # fmt: skip
        answers += [await raw_request(ws, method, path) for method, path in (
            ("POST", "/ws/home/overview"), ("GET", "/product/list"))]  # fmt: skip
        faults.inject("http_error", target=on("/no/such/path"), dose=ONCE, status=502)
        answers.append(await raw_request(http, "GET", "/no/such/path"))
        return [(a.split(b"\r\n")[0], re.search(rb"\r\nAllow: ([^\r]*)", a)) for a in answers]

    answers = scenario(door, body)
    if http is None:
        assert answers == [(405, "GET,HEAD"), (405, "GET,HEAD")]  # the WebSocket path's is not journalled
        assert [(e.service, e.reply) for e in journal.requests()] == [("/device/getParam", "http 405")]
        return
    assert [(line.decode(), allow and allow[1].decode()) for line, allow in answers] == [
        ("HTTP/1.1 405 Method Not Allowed", "GET,HEAD"),
        ("HTTP/1.1 405 Method Not Allowed", "POST"),
        ("HTTP/1.1 405 Method Not Allowed", "GET,HEAD"),
        ("HTTP/1.1 404 Not Found", None),
        ("HTTP/1.1 404 Not Found", None),
        ("HTTP/1.1 405 Method Not Allowed", "GET,HEAD"),  # the WebSocket port: not journalled
        ("HTTP/1.1 404 Not Found", None),
        ("HTTP/1.1 502 Bad Gateway", None),  # a fault reaches a path the dongle does not serve too
    ]
    assert [(e.service, e.reply, e.fault) for e in journal.requests()] == [
        ("/device/getParam", "http 405", None),
        ("/device/list", "http 405", None),
        ("/i18n/en_US.properties", "http 405", None),
        ("/no/such/path", "http 404", None),
        ("/ws/home/overview", "http 404", None),
        ("/no/such/path", "http 502", "http_error"),
    ]
    assert all(guard.requests == 0 for guard in door.guards.values())

# -- WebSocket faults ---------------------------------------------------------------------------


def test_ws_delay_answers_late_and_only_the_targeted_service(start):
    door, journal, faults = start()
    faults.inject("delay", target=on("real"), dose=ONCE, delay=0.4)

    async def body(client):
        socket = await connected(client)
        timed = []
        for service in ("devicelist", "real", "real"):
            started = time.monotonic()
            reply = await socket.call(service, dev_id="1")
            timed.append((reply["result_code"], time.monotonic() - started))
        return timed

    (list_code, list_time), (late_code, late_time), (again_code, again_time) = scenario(door, body)
    assert list_code == late_code == again_code == 1
    assert late_time >= 0.4 and list_time < 0.3 and again_time < 0.3
    delayed = journal.requests(service="real")
    assert [e.fault for e in delayed] == ["delay", None]
    assert delayed[0].reply == "ok" and delayed[0].latency_ms >= 400


def test_ws_result_code_106_once_then_normal_again(start):
    door, journal, faults = start()
    faults.inject("result_code", target=on("real"), dose=ONCE, code=106)

    async def body(client):
        socket = await connected(client)
        return [await socket.call(s, dev_id="1") for s in ("devicelist", "real", "real")]

    listed, expired, again = scenario(door, body)
    assert listed["result_code"] == 1
    assert expired == {
        "result_code": 106, "result_msg": "I18N_COMMON_TOKEN_INVALID", "result_data": {"service": "real"}}
    assert again["result_code"] == 1 and again["result_data"]["count"] > 0
    assert [(e.reply, e.fault) for e in journal.requests(service="real")] == [
        ("result_code 106", "result_code"), ("ok", None)]


def test_ws_result_code_without_a_known_message_still_fails(start):
    door, _, faults = start()
    faults.inject("result_code", target=on("state"), dose=ONCE, code=777)

    async def body(client):
        return await (await connected(client)).call("state")

    reply = scenario(door, body)
    assert reply["result_code"] == 777 and reply["result_msg"] != "success"
    assert reply["result_data"] == {"service": "state"}


def test_ws_login_required_answers_as_login_firmware_does(start):
    door, journal, faults = start()
    login_door, _, _ = start("login")
    faults.inject("login_required", target=Target(door="winet"), dose=ONCE)  # no service: the next it fits

    async def body(client):
        socket = await client.socket()
        connect = await socket.connect()
        ping = await socket.call("ping")
        return connect, ping, await socket.call("devicelist"), await socket.call("devicelist")

    async def real_firmware(client):
        await connected(client)
        return await client.sockets[0].call("devicelist")

    connect, ping, refused, again = scenario(door, body)
    assert connect["result_code"] == 1 and ping["result_code"] == 1  # never asked of open services
    assert refused == scenario(login_door, real_firmware)
    assert refused == {"result_code": 401, "result_msg": "I18N_COMMON_INTER_ABNORMAL",
                       "result_data": {"service": "devicelist"}}
    assert again["result_code"] == 1
    assert [e.fault for e in journal.requests()] == [None, None, "login_required", None]


def test_ws_malformed_json_then_the_same_socket_goes_on(start):
    door, journal, faults = start()
    faults.inject("malformed_json", target=on("devicelist"), dose=ONCE)

    async def body(client):
        socket = await connected(client)
        await socket.send({"service": "devicelist", "token": socket.token})
        garbled = await socket.ws.receive(timeout=3)
        return garbled, await socket.call("devicelist")

    garbled, again = scenario(door, body)
    assert garbled.type is aiohttp.WSMsgType.TEXT and garbled.data.startswith("{")
    with pytest.raises(ValueError):
        json.loads(garbled.data)
    assert again["result_code"] == 1
    assert [e.reply for e in journal.requests(service="devicelist")] == ["malformed json", "ok"]


def test_ws_close_closes_with_1011_and_a_new_socket_works(start):
    door, journal, faults = start()
    faults.inject("ws_close", target=on("real"), dose=ONCE)

    async def body(client):
        socket = await connected(client)
        await socket.send({"service": "real", "dev_id": "1", "token": socket.token})
        closing = await socket.ws.receive(timeout=3)
        fresh = await connected(client)
        return closing, socket.ws.close_code, await fresh.call("real", dev_id="1")

    closing, code, again = scenario(door, body)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert code == aiohttp.WSCloseCode.INTERNAL_ERROR
    assert again["result_code"] == 1
    assert [(e.reply, e.fault) for e in journal.requests(service="real")] == [
        ("closed 1011", "ws_close"), ("ok", None)]


def test_ws_reset_drops_the_connection_and_others_keep_being_served(start):
    door, journal, faults = start()
    faults.inject("reset", target=on("statistics"), dose=ONCE)

    async def body(client):
        victim, other = await connected(client), await connected(client)
        await victim.send({"service": "statistics", "token": victim.token})
        dropped = await victim.ws.receive(timeout=3)
        return dropped, victim.ws.close_code, await other.call("statistics"), await other.call("real", dev_id=1)

    dropped, code, statistics, real = scenario(door, body)
    assert dropped.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert code != aiohttp.WSCloseCode.OK
    assert statistics["result_code"] == 1 and real["result_code"] == 1
    assert [(e.reply, e.fault) for e in journal.requests(service="statistics")] == [
        ("reset", "reset"), ("ok", None)]


def test_a_delayed_client_does_not_hold_up_the_others(start):
    door, _, faults = start()
    faults.inject("delay", target=on("statistics"), dose=ONCE, delay=1.5)

    async def body(client):
        slow, quick = await connected(client), await connected(client)
        waiting = asyncio.ensure_future(slow.call("statistics"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        replies = [await quick.call(s, dev_id="1") for s in ("real", "statistics", "devicelist")]
        quick_time = time.monotonic() - started
        return replies, quick_time, waiting.done(), await waiting

    replies, quick_time, slow_done_early, slow_reply = scenario(door, body)
    assert all(r["result_code"] == 1 for r in replies) and quick_time < 1.0
    assert not slow_done_early and slow_reply["result_code"] == 1


def test_a_fault_that_fails_itself_costs_only_its_connection(start):
    door, journal, faults = start()
    broken = faults.inject("delay", target=on("real"), dose=ONCE, delay=0.1)
    broken.params.clear()  # draw_delay now raises KeyError inside the door

    async def body(client):
        victim, other = await connected(client), await connected(client)
        await victim.send({"service": "real", "dev_id": "1", "token": victim.token})
        dropped = await victim.ws.receive(timeout=3)
        return dropped, await other.call("real", dev_id="1")

    dropped, other = scenario(door, body)
    assert dropped.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert other["result_code"] == 1
    assert [e.reply for e in journal.requests(service="real")] == ["error", "ok"]


# -- HTTP faults --------------------------------------------------------------------------------

GET_PARAM = "/device/getParam"


def read_5000(client, token):
    return client.get(GET_PARAM, dev_id=1, type=3, param_addr=5000, param_num=1, param_type=0, token=token)


def test_http_faults_as_the_client_sees_them(start):
    door, journal, faults = start()
    for kind, params in [("delay", {"delay": 0.3}), ("http_error", {}), ("http_error", {"status": 500}),
                         ("result_code", {"code": 106}), ("malformed_json", {}), ("login_required", {})]:
        faults.inject(kind, target=on(GET_PARAM), dose=ONCE, **params)

    async def body(client):
        token = (await connected(client)).token
        results = []
        for _ in range(7):
            started = time.monotonic()
            async with client.session.get(
                client.http_url + GET_PARAM,
                params={"dev_id": "1", "type": "3", "param_addr": "5000", "param_num": "1", "param_type": "0",
                        "token": token},
            ) as response:
                text = await response.text()
                results.append((response.status, response.content_type, text, time.monotonic() - started))
        return results

    delayed, unavailable, internal, expired, garbled, login, normal = scenario(door, body)
    assert delayed[0] == 200 and json.loads(delayed[2])["result_code"] == 1 and delayed[3] >= 0.3
    assert unavailable[:2] == (503, "text/plain") and unavailable[2].startswith("503")
    assert internal[:2] == (500, "text/plain") and len(internal[2]) < 80
    assert expired[0] == 200 and json.loads(expired[2]) == {
        "result_code": 106, "result_msg": "I18N_COMMON_TOKEN_INVALID", "result_data": {}}
    assert garbled[:2] == (200, "application/json")
    with pytest.raises(ValueError):
        json.loads(garbled[2])
    assert login[0] == 200 and json.loads(login[2]) == {
        "result_code": 401, "result_msg": "I18N_COMMON_INTER_ABNORMAL", "result_data": {}}
    assert normal[0] == 200 and json.loads(normal[2])["result_data"] == {"param_value": "0e 03 "}
    entries = journal.requests(service=GET_PARAM)
    assert [(e.fault, e.reply) for e in entries] == [
        ("delay", "ok"), ("http_error", "http 503"), ("http_error", "http 500"),
        ("result_code", "result_code 106"), ("malformed_json", "malformed json"),
        ("login_required", "result_code 401"), (None, "ok")]
    assert entries[0].latency_ms >= 300 and all(e.address == 5000 and e.table == "input" for e in entries)


def test_http_login_required_is_the_answer_of_login_firmware(start):
    door, _, faults = start()
    login_door, _, _ = start("login")
    faults.inject("login_required", target=Target(door="winet"), dose=ONCE)

    async def body(client):
        token = (await connected(client)).token
        product = await client.get("/product/list")  # served without a token: the fault waits
        return product, await read_5000(client, token), await read_5000(client, token)

    async def real_firmware(client):
        return await read_5000(client, (await connected(client)).token)

    product, refused, again = scenario(door, body)
    assert product[1]["result_code"] == 1
    assert refused == scenario(login_door, real_firmware)
    assert again[1]["result_code"] == 1


def test_http_reset_and_faults_targeted_by_registers(start):
    door, journal, faults = start()
    faults.inject("reset", target=Target(door="winet", table="holding", first=13001, last=13010), dose=ONCE)

    async def body(client):
        token = (await connected(client)).token
        before = await read_5000(client, token)
        query = f"dev_id=1&type=3&param_addr=13005&param_num=1&param_type=1&token={token}"
        with pytest.raises(ConnectionResetError):  # SO_LINGER 0: a reset, not an orderly close
            await raw_get(door.endpoints["winet_http"], f"{GET_PARAM}?{query}")
        return before, await read_5000(client, token), await client.get("/product/list")

    before, after, product = scenario(door, body)
    assert before[1]["result_code"] == after[1]["result_code"] == product[1]["result_code"] == 1
    assert [(e.address, e.reply, e.fault) for e in journal.requests(service=GET_PARAM)] == [
        (5000, "ok", None), (13005, "reset", "reset"), (5000, "ok", None)]


# -- connection faults --------------------------------------------------------------------------


def test_refuse_websocket_once(start):
    door, journal, faults = start()
    faults.inject("refuse", target=Target(door="winet"), dose=ONCE)

    async def body(client):
        with pytest.raises(ConnectionResetError):
            await raw_get(door.endpoints["winet_ws"], "/ws/home/overview", upgrade=True)
        return await (await connected(client)).call("devicelist")

    assert scenario(door, body)["result_code"] == 1
    refused, *rest = journal.requests()
    assert (refused.service, refused.reply, refused.fault) == ("/ws/home/overview", "refused", "refuse")
    assert [e.service for e in rest] == ["connect", "devicelist"]


def test_connection_limit_on_websockets(start):
    door, journal, faults = start()
    faults.inject("connection_limit", target=Target(door="winet"), connections=1)

    async def body(client):
        first = await connected(client)
        with pytest.raises(aiohttp.ClientError):  # aiohttp retries the handshake once: refused twice
            await client.socket()
        served = await first.call("real", dev_id="1")
        await first.ws.close()
        await asyncio.sleep(0.1)  # the door sees the close
        second = await connected(client)
        return served, await second.call("real", dev_id="1")

    served, second = scenario(door, body)
    assert served["result_code"] == second["result_code"] == 1
    assert [e.reply for e in journal.requests() if e.fault] == ["refused", "refused"]


def test_refuse_checks_new_http_connections_only(start):
    door, journal, faults = start()

    async def body(client):
        await client.get("/product/list")  # leaves a keep-alive connection in the pool
        faults.inject("refuse", target=Target(door="winet"), dose=ONCE)
        reused = await client.get("/product/list")
        with pytest.raises(ConnectionResetError):
            await raw_get(door.endpoints["winet_http"], "/product/list")
        async with aiohttp.ClientSession() as other:
            again = await Client(door, other).get("/product/list")
        return reused, again

    reused, again = scenario(door, body)
    assert reused[1]["result_code"] == again[1]["result_code"] == 1
    assert [(e.reply, e.fault) for e in journal.requests()] == [
        ("ok", None), ("ok", None), ("refused", "refuse"), ("ok", None)]


def test_connection_limit_on_http_counts_other_http_connections(start):
    door, journal, faults = start()
    faults.inject("connection_limit", target=Target(door="winet"), connections=1)

    async def body(client):
        socket = await connected(client)  # a websocket is not an HTTP connection
        async with aiohttp.ClientSession() as holder:
            first = await Client(door, holder).get("/product/list")  # stays open, idle in the pool
            with pytest.raises(ConnectionResetError):
                await raw_get(door.endpoints["winet_http"], "/product/list")
        await asyncio.sleep(0.1)  # the door sees the holder's connection close
        second = await client.get("/product/list")
        return first, second, await socket.call("devicelist")

    first, second, listed = scenario(door, body)
    assert first[1]["result_code"] == second[1]["result_code"] == listed["result_code"] == 1
    assert [e.reply for e in journal.requests(service="/product/list")] == ["ok", "refused", "ok"]


# -- stop ---------------------------------------------------------------------------------------


def test_stop_does_not_wait_for_fault_delays(start, runtime):
    door, journal, faults = start()
    faults.inject("delay", target=on("real"), delay=30)
    faults.inject("delay", target=on(GET_PARAM), delay=30)

    async def body(client):
        socket = await connected(client)
        await socket.send({"service": "real", "dev_id": "1", "token": socket.token})
        http = asyncio.ensure_future(read_5000(client, socket.token))
        closing = asyncio.ensure_future(socket.ws.receive(timeout=3))  # reading, so it answers the close
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, runtime.run, door.stop())
        elapsed = time.monotonic() - started
        closing = await closing
        http_result = await asyncio.gather(http, return_exceptions=True)
        return elapsed, closing, socket.ws.close_code, http_result[0]

    elapsed, closing, code, http_result = scenario(door, body)
    assert elapsed < 1.5
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert code == aiohttp.WSCloseCode.GOING_AWAY
    assert isinstance(http_result, aiohttp.ClientError)
    assert {(e.service, e.reply) for e in journal.requests() if e.fault} == {("real", "closed"), (GET_PARAM, "closed")}


def test_an_empty_engine_and_no_journal_change_nothing(runtime):
    door = runtime.run(serve_winet({1: Inverter("SH10RT")}, WinetSettings(), None, FaultEngine()))
    try:
        async def body(client):
            socket = await connected(client)
            return await socket.call("real", dev_id="1"), await read_5000(client, socket.token)

        real, (status, read) = scenario(door, body)
        assert real["result_code"] == 1 and status == 200 and read["result_code"] == 1
    finally:
        runtime.run(door.stop())
