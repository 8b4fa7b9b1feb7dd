"""WebSocket services of the WiNet-S door: reply fields, values from the registers, writes."""

import json
import re

import aiohttp
import pytest

from SungrowMockLibrary.device.catalogue import HOLDING
from SungrowMockLibrary.simulation.inverter import Inverter

from .conftest import scenario

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

DEVICE_FIELDS = {
    "id": int,
    "dev_id": int,
    "dev_code": int,
    "dev_type": int,
    "dev_procotol": int,
    "inv_type": int,
    "dev_sn": str,
    "dev_name": str,
    "dev_model": str,
    "port_name": str,
    "phys_addr": str,
    "logc_addr": str,
    "link_status": int,
    "init_status": int,
    "dev_special": str,
    "list": list,
}


def values(reply: dict) -> dict[str, tuple[str, str]]:
    return {i["data_name"]: (i["data_value"], i["data_unit"]) for i in reply["result_data"]["list"]}


@pytest.mark.parametrize(
    "firmware, has_ip, has_force",
    [("legacy", False, False), ("login", True, True), ("tls", True, True)],
)
def test_connect_reply_shows_the_firmware_generation(start_door, firmware, has_ip, has_force):
    door = start_door(firmware)

    async def body(client):
        socket = await client.socket()
        return await socket.call("connect", username="admin", passwd="pw8888")  # winet2 adds these

    reply = scenario(door, body)
    data = reply["result_data"]
    assert (reply["result_code"], reply["result_msg"], data["service"]) == (1, "success", "connect")
    assert UUID.match(data["token"])
    assert isinstance(data["uid"], int) and isinstance(data["tips_disable"], int)
    assert ("ip" in data) is has_ip
    assert ("forceModifyPasswd" in data) is has_force
    if has_ip:
        assert data["ip"] == "127.0.0.1"


def test_every_service_echoes_its_name_with_a_numeric_code(start_door, two_devices):
    door = start_door(devices=two_devices)
    requests = [
        ("connect", {}),
        ("devicelist", {"type": "0", "is_check_token": "0"}),
        ("real", {"dev_id": "1", "time123456": 1700000000000}),
        ("real_battery", {"dev_id": "1"}),
        ("direct", {"dev_id": "1"}),
        ("state", {}),
        ("fault", {}),
        ("statistics", {}),
        ("runtime", {}),
        ("local", {}),
        ("stalist", {}),
        ("ping", {"id": "3f2a0b4c-0000-4000-8000-000000000000"}),
        ("logout", {}),
    ]

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return [await socket.call(service, **fields) for service, fields in requests]

    for (service, _), reply in zip(requests, scenario(door, body)):
        assert type(reply["result_code"]) is int, service
        assert isinstance(reply["result_msg"], str), service
        assert reply["result_data"]["service"] == service
        assert reply["result_code"] == (208 if service == "stalist" else 1), reply


def test_replies_come_in_request_order(start_door, two_devices):
    door = start_door(devices=two_devices)
    services = ["devicelist", "real", "direct", "state", "real_battery", "statistics", "ping", "fault"]

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        for service in services:  # all sent before any reply is read
            await socket.send({"lang": "en_us", "token": socket.token, "service": service, "dev_id": "2"})
        return [(await socket.receive())["result_data"]["service"] for _ in services]

    assert scenario(door, body) == services


def test_devicelist_lists_every_inverter_with_the_dongle_field_types(start_door, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("devicelist", type="0", is_check_token="0")

    data = scenario(door, body)["result_data"]
    assert data["count"] == 2
    first, second = data["list"]
    for device in (first, second):
        assert {k: type(v) for k, v in device.items()} == DEVICE_FIELDS
        assert device["list"] == []
    assert (first["dev_id"], first["dev_code"], first["dev_type"], first["dev_model"]) == (1, 0x0E03, 35, "SH10RT")
    assert (first["dev_sn"], first["dev_name"], first["phys_addr"], first["logc_addr"]) == (
        "A221035870", "SH10RT(COM1-001)", "1", "1",
    )
    assert (second["dev_id"], second["dev_code"], second["dev_type"], second["dev_name"]) == (
        2, 9734, 21, "SG5.0RS(COM1-002)",
    )
    assert second["dev_procotol"] == 2


def test_devices_added_later_show_up(start_door, on_loop):
    devices = {1: Inverter("SH10RT")}
    door = start_door(devices=devices)
    on_loop(devices.__setitem__, 7, Inverter("SG10RT"))

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        listed = await socket.call("devicelist")
        real = await socket.call("real", dev_id="7")
        return listed, real

    listed, real = scenario(door, body)
    assert [d["dev_name"] for d in listed["result_data"]["list"]] == ["SH10RT(COM1-001)", "SG10RT(COM1-007)"]
    assert real["result_code"] == 1 and "I18N_COMMON_BUS_VOLTAGE" in values(real)


def test_real_selects_the_device_by_dev_id_text_or_number(start_door, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("real", dev_id="1"), await socket.call("real", dev_id=2)

    hybrid, string = (values(r) for r in scenario(door, body))
    assert hybrid["I18N_COMMON_PV_TOTAL_ENERGY_GENERATION"] == ("8432.5", "kWh")
    assert hybrid["I18N_COMMON_LOAD_TOTAL_ACTIVE_POWER"] == ("1.500", "kW")
    assert hybrid["I18N_COMMON_TOTAL_ACTIVE_POWER"] == ("2.53", "kW")
    assert hybrid["I18N_COMMON_RUNNING_STATE"] == ("I18N_COMMON_RUNNING", "")
    assert hybrid["I18N_COMMON_AIR_TEM_INSIDE_MACHINE"] == ("38.0", "\u2103")
    assert hybrid["I18N_COMMON_TOTAL_GRID_RUNNING_TIME"] == ("--", "h")
    assert hybrid["I18N_COMMONUC"] == ("230.4", "V")  # three-phase
    assert hybrid["I18N_COMMON_TOTAL_APPARENT_POWER"] == ("2.53", "kVA")  # |P + jQ| with Q = 0
    assert string["I18N_COMMON_TOTAL_ACTIVE_POWER"] == ("4.47", "kW")
    assert string["I18N_COMMON_TOTAL_APPARENT_POWER"] == ("4.47", "kVA")
    assert string["I18N_COMMON_SQUARE_ARRAY_INSULATION_IMPEDANCE"] == ("1107", "k\u03a9")
    assert string["I18N_COMMON_GRID_FREQUENCY"] == ("50.00", "Hz")
    assert string["I18N_COMMON_TOTAL_POWER_FACTOR"] == ("1.000", "")
    assert "I18N_COMMONUB" not in string  # single-phase SG5.0RS has no phase B
    for data in (hybrid, string):
        assert all(isinstance(v, str) and isinstance(u, str) for v, u in data.values())


def test_values_set_on_the_inverter_show_up_in_the_dongle_units(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    on_loop(inverter.set_value, "total_active_power", 3456)
    on_loop(inverter.set_value, "load_power_hybrid", 682)
    on_loop(inverter.set_value, "export_power_hybrid", -1504)
    on_loop(inverter.set_value, "internal_temperature", 41.5)
    on_loop(inverter.set_value, "system_state", "fault")
    on_loop(inverter.set_raw, "grid_frequency_precise", 0xFFFF)  # the "not available" sentinel
    on_loop(inverter.set_value, "battery_level", 80.3)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("real", dev_id="1"), await socket.call("real_battery", dev_id="1")

    real, battery = (values(r) for r in scenario(door, body))
    assert real["I18N_COMMON_TOTAL_ACTIVE_POWER"] == ("3.46", "kW")
    assert real["I18N_COMMON_LOAD_TOTAL_ACTIVE_POWER"] == ("0.682", "kW")
    assert real["I18N_COMMON_FEED_NETWORK_TOTAL_ACTIVE_POWER"] == ("0.00", "kW")
    assert real["I18N_CONFIG_KEY_4060"] == ("1.50", "kW")
    assert real["I18N_COMMON_AIR_TEM_INSIDE_MACHINE"] == ("41.5", "\u2103")
    assert real["I18N_COMMON_RUNNING_STATE"] == ("I18N_COMMON_FAULT", "")
    assert real["I18N_COMMON_GRID_FREQUENCY"] == ("--", "Hz")
    assert battery["I18N_COMMON_BATTERY_SOC"] == ("80.3", "%")


def test_battery_power_direction_follows_the_power_flow_bits(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})

    async def battery(client):
        socket = await client.socket()
        await socket.connect()
        return values(await socket.call("real_battery", dev_id="1"))

    charging = scenario(door, battery)
    assert charging["I18N_CONFIG_KEY_3907"] == ("2.00", "kW") and charging["I18N_CONFIG_KEY_3921"][0] == "0.00"
    on_loop(inverter.set_value, "running_state", 0b1101)  # PV, discharging, load
    on_loop(inverter.set_value, "battery_power", 1234)
    discharging = scenario(door, battery)
    assert discharging["I18N_CONFIG_KEY_3907"][0] == "0.00" and discharging["I18N_CONFIG_KEY_3921"][0] == "1.23"


def test_real_battery_is_empty_for_a_string_inverter(start_door, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("real_battery", dev_id="1"), await socket.call("real_battery", dev_id="2")

    hybrid, string = scenario(door, body)
    assert hybrid["result_data"]["count"] == len(hybrid["result_data"]["list"]) == 15
    assert (string["result_code"], string["result_data"]["count"], string["result_data"]["list"]) == (1, 0, [])


def test_direct_lists_mppts_then_strings(start_door, on_loop):
    hybrid, string = Inverter("SH10RT"), Inverter("SG10RT")
    door = start_door(devices={1: hybrid, 2: string})
    on_loop(hybrid.set_value, "mppt_1_voltage", 400.5)
    on_loop(string.set_value, "mppt_1_current", 7.0)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("direct", dev_id="1"), await socket.call("direct", dev_id="2")

    first, second = (r["result_data"]["list"] for r in scenario(door, body))
    assert [i["name"] for i in first] == [
        "MPPT1", "MPPT2", "I18N_COMMON_GROUP_BUNCH_TITLE_AND%@1", "I18N_COMMON_GROUP_BUNCH_TITLE_AND%@2",
    ]
    assert first[0] == {"name": "MPPT1", "voltage": "400.5", "voltage_unit": "V", "current": "6.6", "current_unit": "A"}
    assert first[2]["voltage"] == "400.5"
    # SG10RT: strings 2 + 1 on MPPT1 and MPPT2; MPPT1's current is shared by its two strings
    assert [i["name"][-3:] for i in second[2:]] == ["%@1", "%@2", "%@3"]
    assert (second[2]["current"], second[3]["current"], second[4]["current"]) == ("3.5", "3.5", "6.6")
    for item in first + second:
        assert all(isinstance(item[k], str) for k in ("name", "voltage", "voltage_unit", "current", "current_unit"))


def test_state_and_fault_follow_the_fault_registers(start_door, on_loop, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("state"), await socket.call("fault")

    state, fault = scenario(door, body)
    assert state["result_data"]["total_fault"] == "0" and state["result_data"]["total_alarm"] == "0"
    assert all(isinstance(v, str) for v in state["result_data"].values())
    assert set(state["result_data"]) >= {"wifi_conn_sts", "eth_conn_sts", "cloud_conn_sts", "server_net_type"}
    assert fault["result_data"]["list"] == []

    on_loop(two_devices[1].set_raw, "grid_side_fault", 4)
    on_loop(two_devices[1].set_raw, "battery_alarm", 1)
    on_loop(two_devices[2].set_value, "work_state_1", "fault")
    on_loop(two_devices[2].set_value, "alarm_code_1", 37)
    state, fault = scenario(door, body)
    assert (state["result_data"]["total_fault"], state["result_data"]["total_alarm"]) == ("2", "1")
    found = {(f["dev_id"], f["fault_name"], f["fault_code"], f["fault_type"]) for f in fault["result_data"]["list"]}
    assert found == {
        (1, "I18N_COMMON_GRID_SIDE_FAULT", "4", "fault"),
        (1, "I18N_COMMON_BATTERY_ALARM", "1", "alarm"),
        (2, "I18N_COMMON_FAULT", "37", "fault"),
    }


def test_statistics_runtime_and_local(start_door, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return [await socket.call(s) for s in ("statistics", "runtime", "local")]

    statistics, runtime, local = (r["result_data"] for r in scenario(door, body))
    totals, online = statistics["list"]
    assert totals["today_energy"] == "24.6" and totals["today_energy_unit"] == "kWh"
    assert totals["curr_power"] == "7.00" and totals["rated_power"] == "15.0"
    for name in ("curr_reactive", "rated_reactive", "adjust_power_uplimit", "adjust_reactive_uplimit",
                 "adjust_reactive_lowlimit", "total_energy"):
        assert isinstance(totals[name], str) and f"{name}_unit" in totals
    assert online == {"online_num": "2", "offline_num": "0"}
    assert (runtime["count"], runtime["connect_count"], runtime["off_count"]) == (2, 2, 0)
    assert runtime["list"][0]["dev_state"] == "64" and runtime["list"][1]["dev_state"] == "0"
    assert runtime["list"][1]["curr_power"] == "4.47" and runtime["list"][1]["dev_procotol"] == 2
    names = [i["data_name"] for i in local["list"]]
    assert "I18N_COMMON_SYSTEM_TIME" in names and "I18N_COMMON_WIFI_SIGNAL_STRN" in names


def test_stalist_waits_for_a_scan(start_door):
    door = start_door()

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        before = await socket.call("stalist")
        status, scan = await client.post("/wifi/updateStaScan", data={"sta_scan": "1", "token": socket.token})
        after = await socket.call("stalist")
        return before, (status, scan), after

    before, (status, scan), after = scenario(door, body)
    assert before["result_code"] == 208 and before["result_data"]["service"] == "stalist"
    assert status == 200 and scan["result_code"] == 1
    assert after["result_code"] == 1
    assert isinstance(after["result_data"]["curr_ssid"], str) and isinstance(after["result_data"]["curr_signal"], int)


def test_ping_as_json_as_bare_text_and_as_control_frame(start_door):
    door = start_door()

    async def body(client):
        socket = await client.socket()
        json_ping = await socket.call("ping", id="a1")  # no token needed
        await socket.send("ping")
        text_ping = await socket.receive()
        raw = await client.session.ws_connect(client.ws_url, autoping=False)
        await raw.ping(b"hello")
        pong = await raw.receive(timeout=5)
        await raw.close()
        return json_ping, text_ping, pong

    json_ping, text_ping, pong = scenario(door, body)
    for reply in (json_ping, text_ping):
        assert (reply["result_code"], reply["result_msg"], reply["result_data"]["service"]) == (1, "success", "ping")
    assert pong.type is aiohttp.WSMsgType.PONG and pong.data == b"hello"


# -- param writes (PROTOCOLS §4.6) -----------------------------------------------------------------


def ems_request(token, mode="2", command="170", power="3.00", dev_ids=("1",)):
    return {
        "lang": "en_us", "token": token, "service": "param", "time123456": "1700000000000",
        "park_serial": "1700000000000", "dev_code": 3587, "dev_type": 35, "devid_array": list(dev_ids),
        "type": "9", "count": "3", "current_pack_num": 1, "pack_num_total": 1,
        "list": [
            {"accuracy": 0, "param_addr": 33146, "param_id": 1, "param_type": 1, "param_value": mode,
             "param_name": "Energy Management Mode"},
            {"accuracy": 0, "param_addr": 33147, "param_id": 2, "param_type": 1, "param_value": command,
             "param_name": "Charging/Discharging Command"},
            {"accuracy": 2, "param_addr": 33148, "param_id": 3, "param_type": 2, "param_value": power,
             "param_name": "Charging/Discharging Power"},
        ],
    }


def test_param_type_9_writes_the_ems_registers(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        await socket.send(ems_request(socket.token))
        return await socket.receive()

    reply = scenario(door, body)
    assert (reply["result_code"], reply["result_msg"], reply["result_data"]["service"]) == (1, "success", "param")
    assert [i["result"] for i in reply["result_data"]["list"]] == [1, 1, 1]
    assert [i["param_id"] for i in reply["result_data"]["list"]] == [1, 2, 3]
    read = lambda name: on_loop(inverter.get_raw, name)  # noqa: E731
    assert (read("ems_mode"), read("battery_forced_charge_discharge_cmd")) == (2, 0xAA)
    assert read("battery_forced_charge_discharge_power") == 3000  # W
    assert (read("energy_management_mode"), read("charge_discharge_command")) == (2, 0xAA)
    assert read("charge_discharge_power_wide") == 300  # 0.01 kW


def test_param_refuses_a_bad_value_and_writes_nothing(start_door, on_loop, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        await socket.send(ems_request(socket.token, mode="5"))  # 5 is no EMS mode
        bad_mode = await socket.receive()
        await socket.send(ems_request(socket.token, dev_ids=("2",)))  # a string inverter has no EMS
        string = await socket.receive()
        await socket.send(ems_request(socket.token, dev_ids=("9",)))
        unknown = await socket.receive()
        return bad_mode, string, unknown

    bad_mode, string, unknown = scenario(door, body)
    assert (bad_mode["result_code"], bad_mode["result_msg"]) == (391, "I18N_COMMON_SET_FAILED")
    assert [i["result"] for i in bad_mode["result_data"]["list"]] == [0, 1, 1]
    assert on_loop(two_devices[1].get_raw, "battery_forced_charge_discharge_cmd") == 0xCC  # untouched
    assert string["result_code"] == 391
    assert unknown["result_code"] == 403 and unknown["result_data"]["service"] == "param"


def test_param_types_7_and_3_feed_in_limit_and_power_switch(start_door, on_loop, two_devices):
    door = start_door(devices=two_devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        limit = await socket.call(
            "param", devid_array=["1", "2"], type="7", dev_code=3587, dev_type=35,
            list=[{"param_addr": 31221, "param_id": 1, "param_value": "170"},
                  {"param_addr": 31222, "param_id": 2, "param_value": "4.50"}],
        )
        switch = await socket.call("param", devid_array=["1", "2"], type="3", list=[{"power_switch": "0"}])
        return limit, switch

    limit, switch = scenario(door, body)
    assert limit["result_code"] == 1 and switch["result_code"] == 1
    for inverter in two_devices.values():
        assert on_loop(inverter.get_raw, "feed_in_limitation_switch") == 0xAA
        assert on_loop(inverter.get_value, "feed_in_limitation_value") == 4.5
        assert on_loop(inverter.get_raw, "start_stop") == 0xCE
    assert on_loop(two_devices[1].get_raw, 13000, HOLDING) == 0xCE  # SH start/stop
    assert on_loop(two_devices[2].get_raw, 5006, HOLDING) == 0xCE  # SG start/stop


def test_hybrid_apparent_power_is_the_magnitude_of_active_and_reactive(start_door, on_loop):
    inverter = Inverter("SH10RT")
    door = start_door(devices={1: inverter})
    on_loop(inverter.set_value, "total_active_power", 3000)
    on_loop(inverter.set_value, "total_reactive_power", -4000)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        return await socket.call("real", dev_id="1")

    real = values(scenario(door, body))
    assert real["I18N_COMMON_TOTAL_APPARENT_POWER"] == ("5.00", "kVA")


def test_a_message_sent_again_is_answered_from_the_state_of_the_moment(start_door, on_loop):
    """A message's text is parsed once and kept (decisions §41), but the token, the device and the
    registers are looked up for every message: the same text after a logout, a device's removal
    or a register change gets the answer of that moment."""
    devices = {1: Inverter("SH10RT"), 2: Inverter("SG5.0RS")}
    door = start_door("login", devices=devices)

    async def body(client):
        socket = await client.socket()
        await socket.connect()
        await socket.login()
        text = json.dumps({"lang": "en_us", "token": socket.token, "service": "real", "dev_id": "1"})
        again = json.dumps({"lang": "en_us", "token": socket.token, "service": "real", "dev_id": "2"})
        replies = []
        for step in (None, lambda: devices[1].set_value("total_active_power", 3210), None):
            if step is not None:
                on_loop(step)
            await socket.send(text)
            replies.append(await socket.receive())
        await socket.send(again)
        replies.append(await socket.receive())
        on_loop(devices.pop, 2)
        await socket.send(again)
        replies.append(await socket.receive())
        await socket.call("logout")
        await socket.send(text)
        replies.append(await socket.receive())
        return replies

    first, changed, same, other, gone, logged_out = scenario(door, body)
    assert first["result_code"] == 1 and changed["result_code"] == 1
    assert values(first)["I18N_COMMON_TOTAL_ACTIVE_POWER"] != ("3.21", "kW")
    assert values(changed)["I18N_COMMON_TOTAL_ACTIVE_POWER"] == ("3.21", "kW") == values(same)["I18N_COMMON_TOTAL_ACTIVE_POWER"]
    assert other["result_code"] == 1 and gone["result_code"] != 1  # dev_id 2 is no longer there
    assert logged_out["result_code"] == 106
