"""Bad input, vanishing clients and stop: the door answers or closes cleanly and keeps serving.

Every test here also passes the autouse ``no_server_errors`` check (no error logged by the server).
"""

import asyncio
import base64
import json
import os
import socket
import time

import aiohttp

from .conftest import run, scenario


def masked_text_frame(text: str, opcode: int = 0x1) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def raw_websocket(address: str):
    """A hand-made WebSocket client (so it can vanish at any moment)."""
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws/home/overview HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 101 " in head.split(b"\r\n")[0]
    return reader, writer


async def still_served(client) -> bool:
    socket = await client.socket()
    await socket.connect()
    reply = await socket.call("real", dev_id="1")
    await socket.ws.close()
    return reply["result_code"] == 1 and reply["result_data"]["count"] > 0


def test_bad_websocket_messages_get_clear_codes(start_door):
    door = start_door()
    cases = [
        ("{", 400, ""),
        ("[1, 2]", 400, ""),
        ("42", 400, ""),
        ('"connect"', 400, ""),
        ("null", 400, ""),
        ("not json at all", 400, ""),
        ("[" * 20000 + "]" * 20000, 400, ""),  # nesting deeper than the parser allows
        ('{"token": ""}', 400, ""),
        ('{"service": 5}', 400, ""),
        ('{"service": ""}', 400, ""),
        ('{"service": "teleport"}', 404, "teleport"),
    ]

    async def body(client):
        socket = await client.socket()
        replies = []
        for text, _, _ in cases:
            await socket.send(text)
            replies.append(await socket.receive())
        await socket.ws.send_bytes(b"\x00\x01binary")
        binary = await socket.receive()
        await socket.connect()
        fields = [{}, {"dev_id": "abc"}, {"dev_id": None}, {"dev_id": "99"}, {"dev_id": True}, {"dev_id": [1]}]
        missing = [await socket.call("real", **f) for f in fields]
        bad_param = [
            await socket.call("param", type="9", devid_array=["1"], list="x"),
            await socket.call("param", type="42", devid_array=["1"], list=[{}]),
            await socket.call("param", type="9", list=[{"param_addr": 33146, "param_value": "2"}]),
        ]
        after = await socket.call("devicelist")
        return replies, binary, missing, bad_param, after, await still_served(client)

    replies, binary, missing, bad_param, after, served = scenario(door, body)
    for (text, code, service), reply in zip(cases, replies):
        assert (reply["result_code"], reply["result_data"]["service"]) == (code, service), text
        assert reply["result_msg"].startswith("I18N_COMMON_")
    assert binary["result_code"] == 400
    assert [r["result_code"] for r in missing] == [402, 402, 402, 403, 402, 402]
    assert all(r["result_data"]["service"] == "real" for r in missing)
    assert [r["result_code"] for r in bad_param] == [402, 402, 402]
    assert after["result_code"] == 1 and served


def test_an_oversized_message_closes_that_socket_only(start_door):
    door = start_door()

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        await socket.send(json.dumps({"service": "real", "dev_id": "1", "pad": "x" * 70_000}))
        closing = await socket.ws.receive(timeout=5)
        return closing, socket.ws.close_code, await still_served(client)

    closing, code, served = scenario(door, body)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    assert served


def test_clients_vanishing_mid_request_do_not_disturb_others(start_door):
    door = start_door()
    ws_address, http_address = door.endpoints["winet_ws"], door.endpoints["winet_http"]
    host, http_port = http_address.split(":")

    async def vanish():
        for _ in range(5):  # a request sent, then the TCP connection dropped without reading
            _, writer = await raw_websocket(ws_address)
            writer.write(masked_text_frame(json.dumps({"service": "connect", "token": ""})))
            writer.write(masked_text_frame(json.dumps({"service": "statistics", "token": ""})))
            writer.transport.abort()
        _, writer = await raw_websocket(ws_address)  # half a frame, then gone
        writer.write(masked_text_frame(json.dumps({"service": "connect"}))[:5])
        await writer.drain()
        writer.close()
        _, writer = await asyncio.open_connection(host, int(http_port))  # half an HTTP body
        writer.write(b"POST /device/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"token\": ")
        await writer.drain()
        writer.transport.abort()
        _reader, writer = await asyncio.open_connection(host, int(http_port))  # half a request line
        writer.write(b"GET /device/getPa")
        await writer.drain()
        writer.close()
        await asyncio.sleep(0.2)

    async def body(client):
        await vanish()
        return await still_served(client), await client.get("/product/list")

    served, (status, product) = scenario(door, body)
    assert served and status == 200 and product["result_code"] == 1


def test_bad_http_requests(start_door):
    door = start_door()

    async def body(client):
        session = client.session
        base = client.http_url
        results = {}
        async with session.post(base + "/device/list", data=b"{bad", headers={"Content-Type": "application/json"}) as r:
            results["bad json"] = (r.status, await r.json())
        async with session.post(base + "/device/list", data=b"[1]", headers={"Content-Type": "application/json"}) as r:
            results["not an object"] = (r.status, await r.json())
        async with session.post(base + "/device/list", data=b"{" + b" " * 70_000 + b"}") as r:
            results["too big"] = (r.status, None)
        async with session.get(base + "/no/such/path") as r:
            results["unknown path"] = (r.status, None)
        async with session.get(base + "/device/list") as r:
            results["wrong method"] = (r.status, None)
        async with session.get("http://" + door.endpoints["winet_ws"] + "/ws/home/overview") as r:
            results["plain GET on the ws path"] = (r.status, None)
        async with session.get("http://" + door.endpoints["winet_ws"] + "/product/list") as r:
            results["http path on the ws port"] = (r.status, None)
        return results, await still_served(client)

    results, served = scenario(door, body)
    assert results["bad json"][0] == 200 and results["bad json"][1]["result_code"] == 400
    assert results["not an object"][1]["result_code"] == 400
    assert results["too big"][0] == 413
    assert results["unknown path"][0] == 404
    assert results["wrong method"][0] == 405
    assert results["plain GET on the ws path"][0] == 400
    assert results["http path on the ws port"][0] == 404
    assert served


def ports_of(door) -> set[int]:
    return {int(address.rsplit(":", 1)[1]) for address in door.endpoints.values()}


def assert_ports_free(ports) -> None:
    for port in ports:
        with socket.socket() as again:
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))  # raises if the door still listens


def test_stop_closes_websockets_and_http_connections_and_frees_the_ports(start_door, runtime):
    for firmware in ("legacy", "tls"):
        door = start_door(firmware)
        ports = ports_of(door)
        host, http_port = door.endpoints["winet_http"].split(":")

        async def body(client, firmware=firmware, host=host, http_port=http_port, door=door):
            socket = await client.socket()
            await socket.connect()
            waiting = asyncio.ensure_future(socket.ws.receive(timeout=5))
            keep_alive = writer = None
            if firmware == "legacy":  # an idle HTTP keep-alive connection
                reader, writer = await asyncio.open_connection(host, int(http_port))
                writer.write(b"GET /product/list HTTP/1.1\r\nHost: x\r\n\r\n")
                await writer.drain()
                await reader.readuntil(b'"success"')
                keep_alive = reader
            started = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(None, runtime.run, door.stop())
            elapsed = time.monotonic() - started
            message = await waiting
            rest = await asyncio.wait_for(keep_alive.read(), 5) if keep_alive else b""
            if writer is not None:
                writer.close()
            return message, socket.ws.close_code, elapsed, rest

        message, code, elapsed, rest = scenario(door, body)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), firmware
        assert code == aiohttp.WSCloseCode.GOING_AWAY, firmware
        assert b'"success"' not in rest  # the keep-alive connection was closed, nothing else came
        assert elapsed < 3
        assert_ports_free(ports)
        runtime.run(door.stop())  # a second stop is harmless


def test_stop_does_not_wait_long_for_a_client_that_never_reads(start_door, runtime):
    door = start_door()
    ports = ports_of(door)

    async def body(client):
        silent = [await raw_websocket(door.endpoints["winet_ws"]) for _ in range(3)]
        started = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, runtime.run, door.stop())
        elapsed = time.monotonic() - started
        for _, writer in silent:
            writer.close()
        return elapsed

    assert scenario(door, body) < 3
    assert_ports_free(ports)


def test_a_stopped_door_refuses_new_connections(start_door, runtime):
    door = start_door()
    runtime.run(door.stop())
    host, port = door.endpoints["winet_ws"].split(":")

    async def connect():
        try:
            _reader, writer = await asyncio.open_connection(host, int(port))
        except OSError:
            return True
        writer.close()
        return False

    assert run(connect())
