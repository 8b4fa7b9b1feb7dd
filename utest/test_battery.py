"""The SBR battery beside a hybrid: its own unit, its registers following the inverter's battery
(PROTOCOLS §1.7; device/data/battery.toml and sbr_registers.csv)."""

import pytest
from conftest import RawModbus, read_frame

from SungrowMockLibrary import MockSungrow, traffic
from SungrowMockLibrary.device import codec
from SungrowMockLibrary.device.battery import battery_layout, pack
from SungrowMockLibrary.errors import MockSungrowError
from SungrowMockLibrary.vocabulary import Scope

NOON = {"start_time": "2026-06-21T12:00:00", "clock_speed": 0}
# The pack register each inverter register shows, as a client compares them.
AGREE = {
    "battery_voltage": "battery_voltage",
    "battery_current_signed": "battery_current",
    "battery_temperature": "battery_temperature",
    "battery_level": "battery_level",
    "total_charge_energy": "total_charge_energy",
    "total_battery_discharge_energy": "total_discharge_energy",
}


def words(reply: bytes) -> list[int]:
    return [int.from_bytes(reply[i : i + 2], "big") for i in range(9, len(reply), 2)]


def agree(mock: MockSungrow) -> None:
    unit = mock.battery_unit_id
    for inverter_name, pack_name in AGREE.items():
        assert mock.get_value(pack_name, unit_id=unit) == pytest.approx(mock.get_value(inverter_name), abs=0.05), pack_name
    assert mock.get_value("battery_state_of_health", unit_id=unit) == round(mock.get_value("battery_state_of_healthy"))


@pytest.fixture
def hybrid():
    with MockSungrow("SH10RT", doors="modbus", **NOON) as mock:
        yield mock


def test_a_hybrid_answers_as_its_sbr_on_unit_200(hybrid):
    assert hybrid.battery_unit_id == 200 == pack().unit
    connection = RawModbus(hybrid.endpoint())
    try:
        reply = connection.ask(read_frame(7, 200, 4, 10740, 9))  # mkaiser's pack block, wire addresses
        assert reply[:9] == bytes.fromhex("000700000015c80412")
        voltage, current, temperature, soc, soh = words(reply)[:5]
        assert voltage / 10 == hybrid.get_value("battery_voltage")
        assert codec.decode("S16", [current]) / 10 == hybrid.get_value("battery_current_signed")
        assert (temperature / 10, soc / 10) == (hybrid.get_value("battery_temperature"), hybrid.get_value("battery_level"))
        assert soh == round(hybrid.get_value("battery_state_of_healthy"))
        serial = connection.ask(read_frame(8, 200, 4, 10710, 10))
        assert serial[9:].rstrip(b"\x00").decode() == pack().serial
    finally:
        connection.close()


def test_the_pack_follows_the_simulated_battery_through_the_day(hybrid):
    agree(hybrid)
    with hybrid.scope(Scope.test):
        hybrid.set_battery_soc(63.5)
        hybrid.set_irradiance(0)
        hybrid.set_house_load(4000)
        hybrid.advance_clock(600)  # a dark afternoon: the battery carries the house
        assert hybrid.get_value("battery_current", unit_id=200) < -10  # out of the pack
        assert hybrid.get_value("battery_level", unit_id=200) < 63.5
        agree(hybrid)


def test_the_firmware_is_one_fact_at_2629_13280_and_the_pack(hybrid):
    firmware = pack().firmware
    assert hybrid.get_register("battery_firmware_version") == firmware  # input 13280
    assert hybrid.get_register("firmware_version_4_battery") == firmware  # input 2629
    assert hybrid.get_register("firmware_version", unit_id=200) == firmware  # the pack's own, 10721


def test_the_cells_and_module_slots_follow_the_pack_voltage(hybrid):
    the_pack = pack()
    cells = hybrid.get_value("battery_voltage") / the_pack.cells
    half = the_pack.cell_spread_v / 2
    assert hybrid.get_value("max_cell_voltage", unit_id=200) == pytest.approx(cells + half, abs=1e-4)
    assert hybrid.get_value("min_cell_voltage", unit_id=200) == pytest.approx(cells - half, abs=1e-4)
    for slot in range(1, the_pack.module_slots + 1):
        raw = hybrid.get_register(f"module_{slot}_max_cell_voltage", unit_id=200)
        assert (raw != 0xFFFF) is (slot <= the_pack.modules), slot  # an empty slot reads the sentinel
    assert hybrid.get_value("battery_capacity_high_precision") == the_pack.capacity_kwh == 9.6


def test_a_static_pack_agrees_and_follows_pins_on_either_side():
    with MockSungrow("SH5.0RS", doors="modbus", simulate=False) as mock:
        agree(mock)
        with mock.scope(Scope.test):
            mock.set_value("battery_level", 42.5)  # the inverter's: the pack follows
            assert mock.get_value("battery_level", unit_id=200) == 42.5
            mock.set_value("battery_voltage", 150.0, unit_id=200)  # the pack's own pin stays
            assert mock.get_value("min_cell_voltage", unit_id=200) == pytest.approx(2.5 - pack().cell_spread_v / 2, abs=1e-4)
            assert mock.get_value("battery_voltage") == 198.4
        assert mock.get_value("battery_level", unit_id=200) == 65.0  # both undone with the scope
        assert mock.get_value("battery_voltage", unit_id=200) == 198.4


def test_no_battery_no_unit_200():
    with MockSungrow("SG10RT", doors="modbus") as mock:
        assert mock.battery_unit_id is None and 200 not in mock.units
        connection = RawModbus(mock.endpoint())
        try:
            connection.send(read_frame(1, 200, 4, 10740, 9))
            assert connection.silent()
            assert connection.ask(read_frame(2, 1, 4, 4999, 1))[9:] == b"\x24\x33"  # the inverter still answers
        finally:
            connection.close()
        with pytest.raises(MockSungrowError, match="no device at unit id 200"):
            mock.get_register("battery_level", unit_id=200)


def test_outside_its_blocks_the_pack_stays_silent_and_it_takes_no_writes(hybrid):
    connection = RawModbus(hybrid.endpoint())
    try:
        connection.send(read_frame(1, 200, 4, 4999, 1))  # [OBS] the battery unit did not answer input 5000
        assert connection.silent()
        write = bytes.fromhex("000200000006c806") + (13049).to_bytes(2, "big") + (0xCC).to_bytes(2, "big")
        assert connection.ask(write)[7:] == bytes.fromhex("8602")  # no holding register to write
        assert connection.ask(read_frame(3, 200, 4, 10743, 1))[9:] == round(hybrid.get_value("battery_level") * 10).to_bytes(2, "big")
    finally:
        connection.close()


def test_a_broadcast_write_still_reaches_the_inverter(hybrid):
    connection = RawModbus(hybrid.endpoint())
    try:
        number = hybrid.units[1].layout.by_name["max_soc"].number
        connection.send(bytes.fromhex("0001000000060006") + (number - 1).to_bytes(2, "big") + (900).to_bytes(2, "big"))
        assert connection.silent()
        assert hybrid.get_value("max_soc") == 90
    finally:
        connection.close()


def test_the_journal_and_the_register_map_name_the_packs_registers(hybrid):
    connection = RawModbus(hybrid.endpoint())
    try:
        connection.ask(read_frame(1, 200, 4, 10740, 4))
    finally:
        connection.close()
    hybrid.sync()
    (request,) = hybrid.journal.requests(unit=200)
    assert request.registers == ("battery_voltage", "battery_current", "battery_temperature", "battery_level")
    # as Register Should Have Been Read asks: the pack's name on its unit, not the inverter's 13023
    assert traffic.reads(hybrid, traffic.query(hybrid, "battery_level", None, 200)) == [request]
    assert traffic.reads(hybrid, traffic.query(hybrid, "battery_level")) == []
    rows = {row["name"]: row for row in hybrid.register_map(unit_id=200)}
    assert set(rows) == {r.name for r in battery_layout().registers}
    assert rows["module_4_cell_type"]["present"] is False and rows["module_3_cell_type"]["raw"] == 1


def test_a_fault_aimed_at_the_battery_unit_leaves_the_inverter_alone(hybrid):
    fault = hybrid.inject_fault("exception", unit=200, code=4, scope=Scope["global"])
    connection = RawModbus(hybrid.endpoint())
    try:
        assert connection.ask(read_frame(1, 200, 4, 10740, 9))[7:] == bytes.fromhex("8404")
        assert connection.ask(read_frame(2, 1, 4, 13022, 1))[7:9] == bytes.fromhex("0402")
    finally:
        connection.close()
    assert fault.triggered == 1
    hybrid.remove_faults([fault.id])


def test_the_battery_unit_is_not_an_inverter_id(hybrid):
    with pytest.raises(MockSungrowError, match="unit id 200 is taken by the SBR096"):
        hybrid.add_inverter("SG10RT", 200)
    with pytest.raises(MockSungrowError, match="unit id 200 is the SBR096 battery, which follows its inverter"):
        hybrid.set_house_load(100, unit_id=200)
    with pytest.raises(MockSungrowError, match="unit id 200 is where the SH10RT's battery answers on the direct"):
        MockSungrow("SH10RT", unit_id=200)
    MockSungrow("SG10RT", unit_id=200)  # a string inverter has no battery to collide with
