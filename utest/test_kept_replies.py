"""A reply kept to be sent again (encoded once per change, issue 14) is never a stale one.

The Modbus doors keep a read's reply frame, the WiNet door its ``real``/``real_battery``/``direct``
text and its getParam reads, each with the register image's generation it was read at. These
tests change the registers every way a user or a client can (a Modbus write, Set Register, the
clock, the environment, a second inverter) and check that the very next request shows it, on
every door; and that faults and the journal still see every request.
"""

from __future__ import annotations

import time

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT
from SungrowMockLibrary.limits import CACHED_REPLIES_PER_DEVICE, MAX_CACHED_REPLIES, WINET_MAX_KEPT_REPLIES
from SungrowMockLibrary.simulation.clock import Clock
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.modbus import ModbusHandler
from SungrowMockLibrary.transports.pdu import read_request
from SungrowMockLibrary.transports.wire import Connection, Wire, as_is
from utest.door_clients import EncryptedModbus, PlainModbus, WinetClient

NOON = "2026-06-21T12:00:00"


@pytest.fixture
def mock():
    with MockSungrow(clock_speed=0, start_time=NOON) as running:
        yield running


@pytest.fixture
def plain(mock):
    client = PlainModbus(mock.endpoint("modbus"))
    yield client
    client.close()


@pytest.fixture
def winet(mock):
    client = WinetClient(mock.endpoint("winet_ws"), mock.endpoint("winet_http"))
    yield client
    client.close()


def read(client, table: str, first: int, count: int, unit: int = 1) -> bytes:
    """The registers' bytes of a read that must succeed."""
    reply = client.ask(unit, read_request(table, first, count))
    assert reply[0] in (3, 4) and reply[1] == 2 * count, reply.hex()
    return reply[2:]


def word(data: bytes, index: int = 0) -> int:
    return int.from_bytes(data[2 * index : 2 * index + 2], "big")


def real_value(reply: dict, data_name: str) -> str:
    return next(item["data_value"] for item in reply["result_data"]["list"] if item["data_name"] == data_name)


def test_a_set_register_shows_on_the_next_read(mock, plain):
    first = read(plain, INPUT, 5003, 10)
    assert read(plain, INPUT, 5003, 10) == first  # the kept reply, the same bytes
    mock.set_register("daily_power_yields", word(first) + 7)
    assert word(read(plain, INPUT, 5003, 10)) == word(first) + 7


def test_a_modbus_write_shows_on_the_next_read_of_every_door(mock, plain):
    encrypted = EncryptedModbus(mock.endpoint("encrypted"))
    try:
        assert word(read(plain, HOLDING, 5000, 6), 3) == 12
        assert word(read(encrypted, HOLDING, 5000, 6), 3) == 12
        assert plain.ask(1, bytes.fromhex("06138a0009")) == bytes.fromhex("06138a0009")  # hour (holding 5003) := 9
        assert word(read(encrypted, HOLDING, 5000, 6), 3) == 9
        assert word(read(plain, HOLDING, 5000, 6), 3) == 9
    finally:
        encrypted.close()


def test_the_clock_and_the_simulation_show_on_the_next_read(mock, plain):
    clock = read(plain, HOLDING, 5000, 6)
    power = word(read(plain, INPUT, 5017, 2))  # total_dc_power, low word first
    assert power > 0  # noon at midsummer
    mock.advance_clock(61)
    assert (word(read(plain, HOLDING, 5000, 6), 4), word(read(plain, HOLDING, 5000, 6), 5)) == (1, 1)
    assert read(plain, HOLDING, 5000, 6) != clock
    mock.set_irradiance(0)  # the environment changes, not a register: the next read integrates anyway
    assert word(read(plain, INPUT, 5017, 2)) == 0


def test_a_released_register_shows_the_simulation_s_value_on_the_next_read(mock, plain):
    simulated = read(plain, INPUT, 5017, 2)  # total_dc_power
    mock.set_register("total_dc_power", 1234)
    assert word(read(plain, INPUT, 5017, 2)) == 1234
    assert mock.release_register("total_dc_power")
    assert read(plain, INPUT, 5017, 2) == simulated  # the clock stands still: no step of the simulation
    mock.set_register("total_dc_power", 1234)
    assert mock.release_all_registers() == 1
    assert read(plain, INPUT, 5017, 2) == simulated


def test_a_device_fault_s_end_shows_on_the_next_read(mock, plain):
    normal = read(plain, INPUT, 13030, 1)  # grid_state
    mock.inject_fault("grid_loss", duration=0.3)
    assert read(plain, INPUT, 13030, 1) != normal
    deadline = time.monotonic() + 5  # the fault ends 0.3 s after it was injected; the clock stands still
    while read(plain, INPUT, 13030, 1) != normal and time.monotonic() < deadline:
        time.sleep(0.05)
    assert read(plain, INPUT, 13030, 1) == normal


def test_faults_and_the_journal_see_every_read_of_a_kept_reply(mock, plain):
    request = read_request(INPUT, 5003, 10)
    for _ in range(3):
        plain.ask(1, request)
    with mock.scope("test"):
        mock.inject_fault("exception", code=4)
        assert plain.ask(1, request) == bytes.fromhex("8404")
    assert plain.ask(1, request)[0] == 4
    mock.sync()
    reads = mock.journal.requests(door="modbus", function=4)
    assert [r.reply for r in reads] == ["ok", "ok", "ok", "exception 04", "ok"]
    assert [r.fault for r in reads] == [None, None, None, "exception", None]


def test_a_unit_is_silent_until_an_inverter_is_added_there(mock, plain):
    assert plain.tell(2, read_request(INPUT, 5003, 1))
    mock.add_inverter("SG10RT", 2)
    assert len(read(plain, INPUT, 5003, 1, unit=2)) == 2


class _Transport:
    """What a Wire's connection needs of a transport: the replies written are kept."""

    def __init__(self):
        self.written: list[bytes] = []

    def get_extra_info(self, name):
        return ("127.0.0.1", 50200) if name == "peername" else None

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        self.written.append(data)


class _Door:
    """A Modbus door without sockets: its handler, and its wire, which sends the kept replies."""

    def __init__(self, units):
        self.handler = ModbusHandler(units)
        self.wire = Wire("modbus", units, None, None, self.handler.kept)
        self.transport = _Transport()
        self.connection = Connection(self.transport, as_is)

    def ask(self, frame: bytes) -> bytes:
        self.wire.serve(self.connection, frame, self.handler.handle)
        return self.transport.written.pop()


def test_kept_modbus_replies_are_bounded():
    door = _Door({1: Inverter("SH10RT")})
    for address in range(4999, 4999 + MAX_CACHED_REPLIES + 10):
        frame = b"\x00\x01\x00\x00\x00\x06\x01\x04" + address.to_bytes(2, "big") + b"\x00\x01"
        assert door.ask(frame)
    assert 0 < len(door.handler.kept) <= MAX_CACHED_REPLIES


def test_the_sbr_battery_s_reads_are_kept_while_its_inverter_does_not_change():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time=NOON) as mock:
        door = _Door(mock.units)
        frame = b"\x00\x01\x00\x00\x00\x06" + bytes([mock.battery_unit_id, 4]) + (10740).to_bytes(2, "big") + b"\x00\x05"
        first = door.ask(frame)
        generation = mock.battery.image.generation
        kept = dict(door.handler.kept)
        assert door.ask(frame) == first and mock.battery.image.generation == generation
        assert all(door.handler.kept[key] is value for key, value in kept.items())  # answered from the kept reply
        mock.set_battery_soc(42)  # the inverter changes: the battery's next read shows it
        assert door.ask(frame) != first


def test_a_kept_reply_answers_with_the_request_s_transaction_id():
    door = _Door({1: Inverter("SH10RT", clock=Clock(NOON, speed=0))})
    first = door.ask(b"\x00\x01\x00\x00\x00\x06\x01\x04\x13\x87\x00\x02")
    again = door.ask(b"\xbe\xef\x00\x00\x00\x06\x01\x04\x13\x87\x00\x02")
    assert again == b"\xbe\xef" + first[2:]


def test_a_bus_of_many_units_keeps_every_unit_s_polled_reads():
    frozen = Clock(NOON, speed=0)  # no simulated second passes between the rounds
    units = {unit: Inverter("SG10RT", clock=frozen) for unit in range(1, 248)}
    door = _Door(units)
    blocks = 20  # a collector's reads per unit, beyond a fixed cap's share on a full bus

    def poll() -> None:
        for unit in units:
            for block in range(blocks):
                frame = b"\x00\x01\x00\x00\x00\x06" + bytes([unit, 4]) + (4999 + block).to_bytes(2, "big") + b"\x00\x01"
                assert door.ask(frame)

    poll()
    assert len(door.handler.kept) == len(units) * blocks > MAX_CACHED_REPLIES
    kept = dict(door.handler.kept)
    poll()  # a second round is answered from the same kept replies, none rebuilt
    assert all(door.handler.kept[key] is value for key, value in kept.items())
    assert len(units) * blocks <= CACHED_REPLIES_PER_DEVICE * len(units)


def test_the_websocket_real_list_shows_a_set_register_at_once(mock, winet):
    first = winet.call("real", dev_id="1")
    assert winet.call("real", dev_id="1") == first
    yields = real_value(first, "I18N_COMMON_DAILY_POWER_YIELD")
    mock.set_value("daily_power_yields", float(yields) + 1.5)
    assert real_value(winet.call("real", dev_id="1"), "I18N_COMMON_DAILY_POWER_YIELD") == f"{float(yields) + 1.5:.1f}"


def test_the_websocket_lists_follow_the_environment(mock, winet):
    assert winet.call("direct", dev_id="1")["result_data"]["list"][0]["current"] != "0.0"
    mock.set_irradiance(0)
    assert winet.call("direct", dev_id="1")["result_data"]["list"][0]["current"] == "0.0"


def test_getparam_shows_a_modbus_write_at_once(mock, plain, winet):
    def hour() -> str:
        reply = winet.get("/device/getParam", dev_id=1, type=3, param_type=1, param_addr=5003, param_num=1)
        return reply["result_data"]["param_value"]

    assert hour() == "00 0c "
    plain.ask(1, bytes.fromhex("06138a0009"))
    assert hour() == "00 09 "


def test_a_failed_getparam_read_is_answered_each_time(mock, winet):
    for _ in range(2):  # a refused range is never kept as a success
        reply = winet.get("/device/getParam", dev_id=1, type=3, param_type=0, param_addr=60000, param_num=5)
        assert reply["result_code"] == 301


def test_kept_winet_replies_are_bounded(mock, winet):
    replies = mock._doors["winet"].dongle.replies
    for address in range(5000, 5000 + WINET_MAX_KEPT_REPLIES + 5):
        winet.get("/device/getParam", dev_id=1, type=3, param_type=0, param_addr=address, param_num=1)
    assert 0 < len(replies._kept) <= WINET_MAX_KEPT_REPLIES
