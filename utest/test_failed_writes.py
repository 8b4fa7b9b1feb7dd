"""A write that fails changes nothing, on every door (issue 10: all or nothing).

A hybrid (SH10RT) at unit 1 and a string inverter (SG5.0RS) at unit 2 sit behind one mock with
every door. Each failing write gets the documented answer (Modbus exception 03 for a value the
catalogue does not allow, 02 for a register that cannot be written; WiNet result code 391 with
per-item results; a library error naming the valid values) and leaves every holding register of
both inverters as it was, even the registers of the same request that alone would be accepted.
"""

from __future__ import annotations

import pytest
from door_clients import EncryptedModbus, Passthrough, PlainModbus, WinetClient

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device.catalogue import HOLDING
from SungrowMockLibrary.errors import SungrowMockError
from SungrowMockLibrary.transports.winet.writes import with_crc
from SungrowMockLibrary.vocabulary import (
    BROADCAST_UNIT,
    ILLEGAL_ADDRESS,
    ILLEGAL_VALUE,
    WRITE_MULTIPLE,
    WRITE_SINGLE,
)  # fmt: skip

HYBRID, STRING = 1, 2
SET_FAILED = 391


def fc06(number: int, value: int) -> bytes:
    return bytes((WRITE_SINGLE,)) + (number - 1).to_bytes(2, "big") + value.to_bytes(2, "big")


def fc16(number: int, *values: int) -> bytes:
    head = bytes((WRITE_MULTIPLE,)) + (number - 1).to_bytes(2, "big") + len(values).to_bytes(2, "big")
    return head + bytes((2 * len(values),)) + b"".join(v.to_bytes(2, "big") for v in values)


def refused(function: int, code: int) -> bytes:
    return bytes((function | 0x80, code))


# (unit, request PDU, exception code): each would change something if it were applied in part.
REFUSED_WRITES = {
    "an EMS mode the catalogue lacks": (HYBRID, fc06(13050, 1), ILLEGAL_VALUE),
    "max SOC below its range": (HYBRID, fc06(13058, 499), ILLEGAL_VALUE),
    "FC 16 with one bad value among good ones": (HYBRID, fc16(13050, 2, 0x00, 3000), ILLEGAL_VALUE),
    "FC 16 running past the last register": (HYBRID, fc16(13016, 2000, 1), ILLEGAL_ADDRESS),
    "FC 16 over a gap between registers": (STRING, fc16(5008, 500, 1, 0xAA), ILLEGAL_ADDRESS),
    "FC 16 with a bad value on the string inverter": (STRING, fc16(5006, 0xCE, 0x12), ILLEGAL_VALUE),
}


@pytest.fixture
def mock():
    with MockSungrow("SH10RT", unit_id=HYBRID, clock_speed=0, start_time="2026-07-15T12:00:00") as running:
        running.add_inverter("SG5.0RS", STRING)
        yield running


@pytest.fixture
def winet(mock):
    client = WinetClient(mock.endpoint("winet_ws"), mock.endpoint("winet_http"))
    yield client
    client.close()


def holding_registers(mock: MockSungrow) -> dict[int, dict[str, int | str]]:
    return {
        unit: {row["name"]: row["raw"] for row in mock.register_map(HOLDING, unit_id=unit)}
        for unit in (HYBRID, STRING)
    }


@pytest.fixture
def unchanged(mock):
    """Call it after the failing writes: every holding register of both inverters is as it was."""
    before = holding_registers(mock)

    def check():
        after = holding_registers(mock)
        changed = {
            (unit, name): (raw, after[unit][name]) for unit in before for name, raw in before[unit].items()
            if after[unit][name] != raw
        }
        assert not changed, f"a failed write changed {changed}"

    return check


@pytest.fixture(params=["modbus", "encrypted", "passthrough"])
def modbus_door(request, mock, winet):
    if request.param == "passthrough":
        yield Passthrough(winet)
        return
    client = (PlainModbus if request.param == "modbus" else EncryptedModbus)(mock.endpoint(request.param))
    yield client
    client.close()


@pytest.mark.parametrize("case", list(REFUSED_WRITES))
def test_a_refused_modbus_write_gets_its_exception_and_changes_nothing(modbus_door, unchanged, case):
    unit, pdu, code = REFUSED_WRITES[case]
    assert modbus_door.ask(unit, pdu) == refused(pdu[0], code)
    unchanged()


@pytest.mark.parametrize("client", [PlainModbus, EncryptedModbus])
def test_a_broadcast_one_inverter_refuses_changes_no_inverter(mock, unchanged, client):
    connection = client(mock.endpoint("modbus" if client is PlainModbus else "encrypted"))
    try:
        assert connection.tell(BROADCAST_UNIT, fc16(5006, 0xCE, 0xAA))  # the hybrid has no 5006
        assert connection.tell(BROADCAST_UNIT, fc06(13000, 0xCE))  # the string inverter has no 13000
        unchanged()
        # the same door applies a broadcast both accept, to both
        assert connection.tell(BROADCAST_UNIT, fc16(31221, 0xAA, 450))
    finally:
        connection.close()
    for unit in (HYBRID, STRING):
        assert mock.get_register("feed_in_limitation_switch", unit_id=unit) == 0xAA
        assert mock.get_value("feed_in_limitation_value", unit_id=unit) == 4.5


def test_a_passthrough_broadcast_one_inverter_refuses_changes_no_inverter(winet, unchanged):
    message = with_crc(bytes((BROADCAST_UNIT,)) + fc16(5006, 0xCE, 0xAA)).hex().upper()
    reply = winet.post("/device/passthroughway", {"dev_id": 1, "msgType": "0", "msgValue": message})
    assert reply["result_code"] == 301  # nobody answers a broadcast
    unchanged()


def param(winet: WinetClient, kind: str, items: list[dict], devices=(HYBRID,)) -> dict:
    return winet.call("param", devid_array=[str(d) for d in devices], type=kind, list=items)


def item(address: int, value: str, number: int = 1) -> dict:
    return {"param_addr": address, "param_id": number, "param_value": value}


@pytest.mark.parametrize(
    "kind, items, devices, results",
    [
        ("9", [item(33146, "2", 1), item(33147, "99", 2), item(33148, "3.00", 3)], (HYBRID,), [1, 0, 1]),
        ("9", [item(33146, "2"), item(33148, "65.54", 2)], (HYBRID,), [1, 0]),  # 65540 W is past U16
        ("9", [item(33146, "2")], (HYBRID, STRING), [0]),  # a string inverter has no EMS
        ("7", [item(31221, "170"), item(31222, "700.00", 2)], (HYBRID, STRING), [1, 0]),
        ("7", [item(31221, "170"), item(31299, "1", 2)], (HYBRID,), [1, 0]),  # no such parameter
        ("3", [{"power_switch": "0"}, {"power_switch": "2"}], (HYBRID, STRING), [1, 0]),
    ],
)
def test_a_param_list_with_one_bad_item_gets_391_and_changes_nothing(winet, unchanged, kind, items, devices, results):
    reply = param(winet, kind, items, devices)
    assert (reply["result_code"], reply["result_msg"]) == (SET_FAILED, "I18N_COMMON_SET_FAILED")
    assert [i["result"] for i in reply["result_data"]["list"]] == results
    unchanged()


def test_a_good_param_list_lands_on_every_device(mock, winet):
    reply = param(winet, "7", [item(31221, "170"), item(31222, "4.50", 2)], (HYBRID, STRING))
    assert reply["result_code"] == 1 and [i["result"] for i in reply["result_data"]["list"]] == [1, 1]
    for unit in (HYBRID, STRING):
        assert mock.get_value("feed_in_limitation_value", unit_id=unit) == 4.5


@pytest.mark.parametrize(
    "register, value",
    [("ems_mode", "standby"), ("ems_mode", 1), ("max_soc", 49.9), ("start_stop", "emergency"), ("year", 2100)],
)
def test_a_refused_api_write_names_the_valid_values_and_changes_nothing(mock, unchanged, register, value):
    with pytest.raises(SungrowMockError, match="valid: "):
        mock.set_value(register, value)
    unchanged()
