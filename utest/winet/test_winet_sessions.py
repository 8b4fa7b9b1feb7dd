"""Tokens, login, session limit and the TLS firmware of the WiNet-S door."""

import asyncio
import ssl
import time

import pytest
from cryptography import x509

from SungrowMockLibrary.transports.winet import FIRMWARES, WinetSettings, serve_winet

from .conftest import run, scenario

NOTICE = {"result_code": 100, "result_msg": "normal user limit", "result_data": {"service": "notice"}}


def test_firmwares_and_settings_are_checked(runtime):
    assert FIRMWARES == ("legacy", "login", "tls")
    for bad in (
        WinetSettings(firmware="v4"),
        WinetSettings(ws_port=70000),
        WinetSettings(token_lifetime=0),
        WinetSettings(session_limit="1"),
        WinetSettings(credentials={"admin": 8888}),
    ):
        with pytest.raises(ValueError):
            runtime.run(serve_winet({}, bad))


def test_login_firmware_answers_401_until_login(start_door):
    door = start_door("login")

    async def body(client):
        socket = await client.socket()
        before_connect = await socket.call("devicelist")
        await socket.connect()
        connect_token = socket.token
        before_login = [await socket.call(s, dev_id="1") for s in ("devicelist", "real", "state", "logout")]
        ping = await socket.call("ping")
        login = await socket.login()
        after = await socket.call("devicelist")
        socket.token = connect_token
        replaced = await socket.call("devicelist")
        return before_connect, before_login, ping, login, after, replaced, connect_token

    before_connect, before_login, ping, login, after, replaced, connect_token = scenario(door, body)
    assert before_connect == {
        "result_code": 401, "result_msg": "I18N_COMMON_INTER_ABNORMAL", "result_data": {"service": "devicelist"},
    }
    for reply, service in zip(before_login, ("devicelist", "real", "state", "logout")):
        assert reply == {
            "result_code": 401, "result_msg": "I18N_COMMON_INTER_ABNORMAL", "result_data": {"service": service},
        }
    assert ping["result_code"] == 1
    data = login["result_data"]
    assert (login["result_code"], login["result_msg"], data["service"]) == (1, "success", "login")
    assert data["token"] != connect_token and isinstance(data["uid"], int) and "role" in data
    assert after["result_code"] == 1 and after["result_data"]["count"] == 1
    assert replaced["result_code"] == 106  # the login token replaced the connect token


def test_login_firmware_http_needs_login_too(start_door):
    door = start_door("login")

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        params = {"dev_id": 1, "type": 3, "param_addr": 5000, "param_num": 1, "param_type": 0, "token": socket.token}
        before = [await client.get("/device/getParam", **params), await client.get("/about/list", token=socket.token)]
        open_ = [await client.get("/product/list"), await client.get("/device/getType")]
        await socket.login("user", "pw1111")
        params["token"] = socket.token
        after = await client.get("/device/getParam", **params)
        return before, open_, after

    before, open_, after = scenario(door, body)
    for status, reply in before:
        assert status == 200 and (reply["result_code"], reply["result_msg"]) == (401, "I18N_COMMON_INTER_ABNORMAL")
    assert all(status == 200 and reply["result_code"] == 1 for status, reply in open_)
    assert after[1]["result_data"]["param_value"] == "0e 03 "


def test_wrong_credentials_fail_and_lock_after_five(start_door):
    door = start_door("login")

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        wrong_user = await socket.login("root", "pw8888")
        wrong = [await socket.login("admin", "nope") for _ in range(5)]
        locked = await socket.login("admin", "pw8888")
        other_user = await socket.login("user", "pw1111")
        return wrong_user, wrong, locked, other_user

    wrong_user, wrong, locked, other_user = scenario(door, body)
    for reply in [wrong_user, *wrong[:4]]:
        assert (reply["result_code"], reply["result_msg"]) == (200, "I18N_COMMON_USER_PASSWORD_ERROR")
        assert reply["result_data"] == {"service": "login"}
    assert (wrong[4]["result_code"], wrong[4]["result_msg"]) == (114, "I18N_COMMON_USR_ACCOUNT_LOCK")
    assert locked["result_code"] == 114  # even with the right password
    assert other_user["result_code"] == 1


def test_token_lifetime_counts_from_issue_over_ws_and_http(start_door):
    door = start_door(token_lifetime=0.4)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        fresh = await socket.call("devicelist")
        await asyncio.sleep(0.5)
        stale = await socket.call("devicelist")
        _status, http = await client.get(
            "/device/getParam", dev_id=1, type=3, param_addr=5000, param_num=1, param_type=0, token=socket.token
        )
        again = await socket.connect()
        renewed = await socket.call("devicelist")
        return fresh, stale, http, again, renewed

    fresh, stale, http, again, renewed = scenario(door, body)
    assert fresh["result_code"] == 1
    assert (stale["result_code"], stale["result_msg"], stale["result_data"]["service"]) == (
        106, "I18N_COMMON_TOKEN_INVALID", "devicelist",
    )
    assert http["result_code"] == 106
    assert again["result_code"] == 1 and renewed["result_code"] == 1  # connect never needs a token


def test_expire_tokens_ends_every_token_now(start_door, on_loop):
    door = start_door()

    async def connected(client):
        sockets = [await client.socket() for _ in range(2)]
        for socket in sockets:
            await socket.connect()
        return sockets

    async def body(client):
        sockets = await connected(client)
        expired = on_loop(door.expire_tokens)
        replies = [await s.call("devicelist") for s in sockets]
        unknown = await sockets[0].call("real", dev_id="1")
        sockets[0].token = "not-a-token"
        return expired, replies, unknown, await sockets[0].call("state")

    expired, replies, unknown, made_up = scenario(door, body)
    assert expired == 2
    assert [r["result_code"] for r in replies] == [106, 106]
    assert unknown["result_code"] == 106 and made_up["result_code"] == 106
    assert on_loop(door.expire_tokens) == 0


def test_settings_changed_at_runtime_take_effect(start_door, on_loop):
    door = start_door()

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        door.settings.token_lifetime = 0.05  # read at use time
        await asyncio.sleep(0.1)
        expired = await socket.call("devicelist")
        door.settings.token_lifetime = 1800.0
        door.settings.credentials = {"installer": "secret"}
        await socket.connect()
        old = await socket.login("admin", "pw8888")
        new = await socket.login("installer", "secret")
        return expired, old, new

    expired, old, new = scenario(door, body)
    assert expired["result_code"] == 106
    assert old["result_code"] == 200 and new["result_code"] == 1


def test_require_login_switches_at_runtime(start_door, on_loop):
    door = start_door("legacy")

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        open_ = await socket.call("devicelist")
        previous = on_loop(door.require_login, True)
        closed = await socket.call("devicelist")
        await socket.login()
        logged_in = await socket.call("devicelist")
        back = on_loop(door.require_login, False)
        return open_, previous, closed, logged_in, back

    open_, previous, closed, logged_in, back = scenario(door, body)
    assert open_["result_code"] == 1 and previous is False
    assert closed["result_code"] == 401
    assert logged_in["result_code"] == 1 and back is True


def test_a_login_beyond_the_session_limit_kicks_the_oldest(start_door):
    door = start_door("login", session_limit=1)

    async def body(client):
        first, second = await client.socket(), await client.socket()
        await first.connect()
        await first.login()
        before = await first.call("devicelist")
        await second.connect()
        await second.login("user", "pw1111")
        notice = await first.receive()
        kicked = await first.call("devicelist")
        survivor = await second.call("devicelist")
        return before, notice, kicked, survivor

    before, notice, kicked, survivor = scenario(door, body)
    assert before["result_code"] == 1
    assert notice == NOTICE
    assert kicked["result_code"] == 106
    assert survivor["result_code"] == 1


def test_session_limit_two_keeps_both_and_relogin_on_one_socket_pushes_nothing(start_door):
    door = start_door("login", session_limit=2)

    async def body(client):
        first, second = await client.socket(), await client.socket()
        for socket in (first, second):
            await socket.connect()
            await socket.login()
        both = [await first.call("devicelist"), await second.call("devicelist")]
        await first.login()  # third login: ends the oldest session, which is first's own
        relogin = await first.call("devicelist")  # the next message is the reply, not a notice
        return both, relogin

    both, relogin = scenario(door, body)
    assert [r["result_code"] for r in both] == [1, 1]
    assert relogin["result_data"]["service"] == "devicelist" and relogin["result_code"] == 1


def test_logout_ends_the_token(start_door):
    door = start_door("login")

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        await socket.login()
        out = await socket.call("logout")
        return out, await socket.call("devicelist")

    out, after = scenario(door, body)
    assert out == {"result_code": 1, "result_msg": "success", "result_data": {"service": "logout"}}
    assert after["result_code"] == 106


def test_tls_firmware_serves_wss_and_https_on_one_port(start_door):
    door = start_door("tls")
    assert door.endpoints["winet_ws"] == door.endpoints["winet_http"]

    async def body(client):
        socket = await client.socket()
        connect = await socket.connect()
        refused = await socket.call("devicelist")
        login = await socket.login()
        devices = await socket.call("devicelist")
        _status, reply = await client.get(
            "/device/getParam", dev_id=1, type=3, param_addr=5000, param_num=1, param_type=0, token=socket.token
        )
        properties = await client.get("/i18n/en_US.properties")
        return connect, refused, login, devices, reply, properties

    connect, refused, login, devices, reply, (status, text) = scenario(door, body)
    assert connect["result_data"]["forceModifyPasswd"] == 0
    assert refused["result_code"] == 401
    assert login["result_code"] == 1 and devices["result_code"] == 1
    assert reply["result_data"]["param_value"] == "0e 03 "
    assert status == 200 and "I18N_COMMON_GROUP_BUNCH_TITLE_AND=String {0}" in text


def test_tls_certificate_is_self_signed_for_the_host(start_door):
    door = start_door("tls")
    certificate = x509.load_pem_x509_certificate(door.certificate)
    assert certificate.subject.rfc4514_string() == "CN=127.0.0.1"
    assert certificate.issuer == certificate.subject
    host, port = door.endpoints["winet_http"].split(":")

    async def verified():
        context = ssl.create_default_context(cadata=door.certificate.decode())
        reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
        writer.write(b"GET /product/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await reader.read()
        writer.close()
        return data

    assert b'"product_name": "WiNet-S"' in run(verified())  # verification on, pinned certificate


def test_tls_firmware_http_api_flow_of_sungrow_http_config(start_door):
    """product/list, user/connect, device/list, upgradeStatus, passthroughway: no login (CLIENTS §9)."""
    door = start_door("tls")

    async def body(client):
        product = await client.get("/product/list")
        _, connect = await client.post("/user/connect", {"lang": "_en_US", "service": "connect", "token": ""})
        token = connect["result_data"]["token"]
        _, devices = await client.post(
            "/device/list",
            {"is_check_token": "0", "lang": "_en_US", "service": "devicelist", "token": token, "type": "0"},
        )
        message = {"dev_code": 3587, "dev_id": 1, "dev_type": 35, "lang": "_en_US", "msgLength": 8,
                   "msgType": "0", "msgValue": "010379F400081CA2", "token": token}
        _, early = await client.post("/device/passthroughway", message)
        _, upgrade = await client.post("/upgrade/upgradeStatus", {"lang": "_en_US", "token": token})
        _, read = await client.post("/device/passthroughway", message)
        return product, connect, devices, early, upgrade, read

    (status, product), connect, devices, early, upgrade, read = scenario(door, body)
    assert status == 200 and (product["result_data"]["product_name"], product["result_data"]["product_code"]) == (
        "WiNet-S", 9,
    )
    assert connect["result_code"] == 1 and connect["result_data"]["service"] == "connect"
    assert devices["result_code"] == 1 and "list" not in devices["result_data"]["list"][0]
    assert early["result_code"] == 401
    assert upgrade["result_data"]["nextProcess"] in ("0", "1")
    assert read["result_code"] == 1 and read["result_data"]["data"].startswith("010310")


def test_many_clients_at_once_each_get_their_own_replies(start_door, two_devices):
    door = start_door(devices=two_devices)

    async def one(client, dev_id):
        socket = await client.socket()
        await socket.connect()
        replies = [await socket.call("real", dev_id=str(dev_id)) for _ in range(5)]
        await socket.ws.close()
        return {len(r["result_data"]["list"]) for r in replies}

    async def body(client):
        return await asyncio.gather(*(one(client, 1 + n % 2) for n in range(20)))

    started = time.monotonic()
    counts = scenario(door, body)
    assert counts[0] != counts[1] and all(len(c) == 1 for c in counts)
    assert time.monotonic() - started < 5
