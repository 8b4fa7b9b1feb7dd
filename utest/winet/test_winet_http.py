"""HTTP endpoints of the WiNet-S door: getParam read-back, translations, identity, pass-through."""

import asyncio
import re

import pytest

from SungrowMockLibrary.device.catalogue import HOLDING, INPUT
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import catalog
from SungrowMockLibrary.transports.winet.writes import crc16

from .conftest import scenario

HEX_BYTES = re.compile(r"^(?:[0-9a-f]{2} )+$")


def connected(body):
    """Wrap a scenario body that needs a token: body(client, token)."""

    async def wrapped(client):
        socket = await client.socket()
        await socket.connect()
        return await body(client, socket.token)

    return wrapped


@pytest.mark.parametrize(
    "param_type, table, start, count",
    [(0, INPUT, 5000, 1), (0, INPUT, 4990, 10), (0, INPUT, 5001, 38), (0, INPUT, 13000, 125),
     (1, HOLDING, 13001, 100), (1, HOLDING, 33046, 5), (0, INPUT, 5015, 2)],
)
def test_get_param_type_3_returns_the_register_bytes(start_door, on_loop, param_type, table, start, count):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})

    async def body(client, token):
        return await client.get(
            "/device/getParam", dev_id=1, dev_type=35, dev_code=3587, type=3, param_addr=start,
            param_num=count, param_type=param_type, token=token, lang="en_us", time123456=1795521296,
        )

    status, reply = scenario(door, connected(body))
    assert status == 200 and reply["result_code"] == 1 and reply["result_msg"] == "success"
    text = reply["result_data"]["param_value"]
    assert HEX_BYTES.match(text), text  # two hex digits and one space per byte, trailing space included
    assert bytes.fromhex(text) == on_loop(inverter.read, table, start - 1, count)
    assert len(text.split(" ")[:-1]) == 2 * count


def test_get_param_device_type_is_0e03(start_door):
    door = start_door()

    async def body(client, token):
        return await client.get("/device/getParam", dev_id=1, type=3, param_addr=5000, param_num=1,
                                param_type=0, token=token)

    assert scenario(door, connected(body))[1]["result_data"] == {"param_value": "0e 03 "}


def test_a_modbus_side_write_is_seen_over_winet(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    on_loop(inverter.write, 13049, [2])  # what a Modbus FC6 to documented 13050 does
    on_loop(inverter.write, 31220, [0xAA, 350])  # FC16 to 31221..31222

    async def body(client, token):
        holding = await client.get("/device/getParam", dev_id=1, type=3, param_addr=13050, param_num=1,
                                   param_type=1, token=token)
        ems = await client.get("/device/getParam", dev_id=1, type=9, token=token)
        return holding, ems

    (_, holding), (_, ems) = scenario(door, connected(body))
    assert holding["result_data"]["param_value"] == "00 02 "
    items = {i["param_addr"]: i for i in ems["result_data"]["list"]}
    assert items[33146]["param_value"] == "2" and items[33146]["param_name"] == "I18N_COMMON_ENERGY_MANAGEMENT_MODE"
    assert items[33148]["param_value"] == "1.00" and items[33148]["unit"] == "kW"


def test_the_same_get_param_url_again_follows_registers_devices_and_tokens(start_door, on_loop, two_devices):
    # The door parses a request target once and keeps it: what the URL names must still be read anew.
    door = start_door(devices=two_devices)
    inverter = two_devices[1]
    query = {"dev_id": 1, "type": 3, "param_addr": 13050, "param_num": 1, "param_type": 1}

    async def body(client, token):
        replies = [await client.get("/device/getParam", **query, token=token)]
        await asyncio.to_thread(on_loop, inverter.write, 13049, [3])
        replies.append(await client.get("/device/getParam", **query, token=token))
        await asyncio.to_thread(on_loop, two_devices.pop, 1)
        replies.append(await client.get("/device/getParam", **query, token=token))
        await asyncio.to_thread(on_loop, two_devices.__setitem__, 1, inverter)
        replies.append(await client.get("/device/getParam", **query, token=token))
        await asyncio.to_thread(on_loop, door.expire_tokens)
        replies.append(await client.get("/device/getParam", **query, token=token))
        return [(reply["result_code"], reply["result_data"].get("param_value")) for _, reply in replies]

    before = on_loop(inverter.read, HOLDING, 13049, 1).hex(" ") + " "
    assert scenario(door, connected(body)) == [(1, before), (1, "00 03 "), (403, None), (1, "00 03 "), (106, None)]


def test_get_param_failures_answer_a_result_code_not_a_crash(start_door, two_devices):
    door = start_door(devices=two_devices)
    base = {"dev_id": 1, "type": 3, "param_addr": 5000, "param_num": 1, "param_type": 0}
    cases = [
        ({"param_addr": 1}, 301),  # outside every block the inverter answers
        ({"param_addr": 65536, "param_num": 2}, 301),  # past the end of the table: refused
        ({"param_num": 0}, 402),
        ({"param_num": 126}, 402),
        ({"param_num": "abc"}, 402),
        ({"param_type": 2}, 402),
        ({"param_addr": 65537}, 402),
        ({"param_addr": "0x1388"}, 402),
        ({"type": 5}, 402),
        ({"dev_id": 9}, 403),
        ({"dev_id": ""}, 402),
    ]

    async def body(client, token):
        replies = []
        for change, _ in cases:
            replies.append(await client.get("/device/getParam", **{**base, **change, "token": token}))
        missing = await client.get("/device/getParam", type=3, token=token)
        no_token = await client.get("/device/getParam", **base)
        good = await client.get("/device/getParam", **{**base, "dev_id": 2, "token": token})
        return replies, missing, no_token, good

    replies, missing, no_token, good = scenario(door, connected(body))
    for (change, code), (status, reply) in zip(cases, replies):
        assert status == 200 and reply["result_code"] == code, (change, reply)
        assert isinstance(reply["result_msg"], str) and isinstance(reply["result_data"], dict)
    assert replies[0][1]["result_msg"] == "I18N_COMMON_READ_FAILED"
    assert missing[1]["result_code"] == 402
    assert no_token[1]["result_code"] == 106
    assert good[1]["result_data"]["param_value"] == "26 06 "  # the SG5.0RS behind dev_id 2


def test_get_param_type_2_lists_grid_parameters(start_door):
    door = start_door()

    async def body(client, token):
        return await client.get("/device/getParam", dev_id=1, dev_type=35, dev_code=3587, type=2, token=token)

    status, reply = scenario(door, connected(body))
    items = reply["result_data"]["list"]
    assert status == 200 and reply["result_code"] == 1 and len(items) >= 4
    for item in items:
        assert set(item) == {"param_name", "param_value", "unit", "param_addr"}
        assert item["unit"] in ("V", "Hz", "s")
        float(item["param_value"])


def test_properties_file_for_en_us_only(start_door):
    door = start_door()

    async def body(client):
        return await client.get("/i18n/en_US.properties"), await client.get("/i18n/zh_CN.properties")

    (status, text), (other, _) = scenario(door, body)
    assert status == 200 and other == 404
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all("=" in line for line in lines)
    assert "I18N_COMMON_GROUP_BUNCH_TITLE_AND=String {0}" in lines


def test_identity_endpoints(start_door, two_devices):
    door = start_door(devices=two_devices, dongle_serial="B2299999999")

    async def body(client, token):
        return {
            "about": await client.get("/about/list", token=token, lang="en_us", time123456=1, page=1, limit=10),
            "overview": await client.get("/device/overview", token=token),
            "types": await client.get("/device/getType"),
            "product": await client.get("/product/list"),
            "time": await client.get("/time/get", token=token),
            "inverters": await client.post("/inverter/list"),
            "devices": await client.post("/device/list", {"service": "devicelist", "token": token, "type": "0"}),
        }

    replies = scenario(door, connected(body))
    for name, (status, reply) in replies.items():
        assert status == 200 and reply["result_code"] == 1 and reply["result_msg"] == "success", name
    about = {i["data_name"]: i["data_value"] for i in replies["about"][1]["result_data"]["list"]}
    assert about["I18N_COMMON_DEVICE_SN"] == "B2299999999"
    assert about["I18N_COMMON_APPLI_SOFT_VERSION"].startswith("WINET-S")
    overview = replies["overview"][1]["result_data"]
    assert overview["module_info"]["module_sn"] == "B2299999999"
    assert {"wifi_conn_sts", "eth_conn_sts"} <= set(overview["net_info"])
    assert [d["dev_sn"] for d in overview["list"]] == ["A221035870", "A221097340"]
    types = {t["value"] for t in replies["types"][1]["result_data"]["list"]}
    assert types == {1, 21, 35, 18, 46}
    assert replies["product"][1]["result_data"] == {"product_name": "WiNet-S", "product_code": 9}
    for name in ("inverters", "devices"):
        listed = replies[name][1]["result_data"]["list"]
        assert [d["dev_id"] for d in listed] == [1, 2] and all("list" not in d for d in listed)


def rtu(hex_without_crc: str) -> str:
    frame = bytes.fromhex(hex_without_crc)
    return (frame + crc16(frame).to_bytes(2, "little")).hex().upper()


def test_crc16_matches_the_sungrow_http_config_frames():
    assert rtu("010679F400AA") == "010679F400AA511B"
    assert rtu("010379F40008") == "010379F400081CA2"


def test_passthrough_forwards_rtu_frames_to_the_inverter(start_door, on_loop, two_devices):
    door = start_door(devices=two_devices)
    inverter = two_devices[1]

    async def body(client, token):
        async def send(message):
            status, reply = await client.post(
                "/device/passthroughway",
                {"dev_code": 3587, "dev_id": 1, "dev_type": 35, "lang": "_en_US", "msgLength": len(message) // 2,
                 "msgType": "0", "msgValue": message, "token": token},
            )
            assert status == 200
            return reply

        return [
            await send("010679F400AA511B"),  # FC6 wire 31220 = 0xAA (feed-in limitation on)
            await send("010379F400081CA2"),  # FC3 wire 31220 x 8
            await send(rtu("021079F500010201F4")),  # FC16 to unit 2: wire 31221 = 500
            await send(rtu("010400000001")),  # FC4 outside every block: exception 02
            await send(rtu("012B0E0100")),  # an unsupported function: exception 01
            await send("010679F400AA511C"),  # bad CRC
            await send(rtu("050400000001")),  # nobody at unit 5
            await send("zz"),
        ]

    write, read, multiple, refused, unsupported, bad_crc, absent, not_hex = scenario(door, connected(body))
    assert write["result_code"] == 1 and write["result_data"]["data"] == "010679F400AA511B"
    assert on_loop(inverter.get_raw, "feed_in_limitation_switch") == 0xAA
    payload = on_loop(inverter.read, HOLDING, 31220, 8)
    assert read["result_data"]["data"] == rtu("010310" + payload.hex())
    assert multiple["result_data"]["data"] == rtu("021079F50001")
    assert on_loop(two_devices[2].get_raw, "feed_in_limitation_value") == 500
    assert refused["result_data"]["data"] == rtu("018402")
    assert unsupported["result_data"]["data"] == rtu("01AB01")
    assert bad_crc["result_code"] == 402 and not_hex["result_code"] == 402
    assert absent["result_code"] == 301


def test_post_bodies_json_or_form(start_door):
    door = start_door()

    async def body(client, token):
        json_scan = await client.post("/wifi/updateStaScan", {"sta_scan": "1", "token": token})
        form_scan = await client.post("/wifi/updateStaScan", data={"sta_scan": "1", "token": token})
        query_scan = await client.post("/wifi/updateStaScan", token=token)
        return json_scan, form_scan, query_scan

    for status, reply in scenario(door, connected(body)):
        assert status == 200 and reply["result_code"] == 1


def collect_i18n_keys(value, keys: set) -> None:
    if isinstance(value, dict):
        for item in value.values():
            collect_i18n_keys(item, keys)
    elif isinstance(value, list):
        for item in value:
            collect_i18n_keys(item, keys)
    elif isinstance(value, str) and value.startswith("I18N_"):
        keys.add(value.split("%", 1)[0])


def test_the_properties_file_covers_every_key_the_mock_emits(start_door, on_loop):
    devices = {1: Inverter("SH10RT"), 2: Inverter("SG33CX"), 3: Inverter("SH5.0RS"), 4: Inverter("SG5.0RS")}
    door = start_door("login", devices=devices)
    on_loop(devices[1].set_raw, "grid_side_fault", 1)
    on_loop(devices[2].set_value, "work_state_1", "alarm run")

    async def body(client):
        replies = []
        socket = await client.socket()
        await socket.send("{")
        replies.append(await socket.receive())
        replies.append(await socket.call("devicelist"))  # 401
        replies.append(await socket.call("nonsense"))
        await socket.connect()
        replies.append(await socket.login("admin", "wrong"))
        replies.append(await socket.login())
        for service in ("devicelist", "state", "fault", "statistics", "runtime", "local", "stalist", "ping"):
            replies.append(await socket.call(service))
        for dev_id in devices:
            for service in ("real", "real_battery", "direct"):
                replies.append(await socket.call(service, dev_id=str(dev_id)))
        replies.append(await socket.call("real", dev_id="99"))
        replies.append(await socket.call("real"))
        replies.append(await socket.call("param", devid_array=["1"], type="9", list=[{"param_addr": 1}]))
        token = socket.token
        for path, params in [
            ("/about/list", {}), ("/device/overview", {}), ("/device/getType", {}), ("/product/list", {}),
            ("/time/get", {}), ("/device/getParam", {"dev_id": 1, "type": 2}),
            ("/device/getParam", {"dev_id": 1, "type": 9}),
            ("/device/getParam", {"dev_id": 1, "type": 3, "param_addr": 1, "param_num": 1, "param_type": 0}),
        ]:
            replies.append((await client.get(path, token=token, **params))[1])
        replies.append((await client.post("/user/connect", {"service": "connect", "token": ""}))[1])
        replies.append((await client.post("/device/passthroughway", {"token": token, "msgValue": "00"}))[1])
        replies.append((await client.post("/device/list", {"token": "gone"}))[1])
        return replies

    keys: set = set()
    collect_i18n_keys(scenario(door, body), keys)
    collect_i18n_keys([point.data_name for point in catalog.points()], keys)
    keys.update(catalog.states().values())
    keys.update(rule.fault_name for rule in catalog.fault_rules())
    keys.update(target.param_name for target in catalog.param_targets())
    collect_i18n_keys(catalog.dongle(), keys)
    assert len(keys) > 100
    missing = sorted(keys - set(catalog.properties()))
    assert not missing, f"keys missing from en_US.properties: {missing}"
