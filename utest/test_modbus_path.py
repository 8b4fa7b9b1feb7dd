"""The Modbus path as a personality: the inverter's LAN port, or a WiNet-S dongle's Modbus TCP
(PROTOCOLS §1.7, §1.8; the ``[modbus]`` table of transports/winet/data/dongle.toml, reconciled
with the device fingerprints in utest/data/fingerprints/)."""

import pytest
from conftest import RawModbus, read_frame
from door_clients import WinetClient
from fingerprints import load

from SungrowMockLibrary import MockSungrow, cli
from SungrowMockLibrary.device.battery import pack
from SungrowMockLibrary.errors import MockSungrowError
from SungrowMockLibrary.library import SungrowMockLibrary
from SungrowMockLibrary.transports.dongle_screen import own_words
from SungrowMockLibrary.transports.paths import dongle_facts
from SungrowMockLibrary.transports.winet import catalog
from SungrowMockLibrary.vocabulary import ModbusPath, Scope

DONGLE = dongle_facts()
WINET_BATTERY = DONGLE["modbus"]["battery_unit"]


@pytest.fixture(scope="module")
def winet():
    with MockSungrow("SH10RT", doors="modbus,winet", modbus_path="winet", start_time="2026-06-21T12:00:00",
                     clock_speed=0) as mock:  # fmt: skip
        yield mock


@pytest.fixture
def raw_winet(winet):
    connection = RawModbus(winet.endpoint())
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def lan():
    """The same SH10RT at the same moment, on its own LAN port."""
    with MockSungrow("SH10RT", doors="modbus", start_time="2026-06-21T12:00:00", clock_speed=0) as mock:
        yield mock


@pytest.fixture
def raw_lan(lan):
    connection = RawModbus(lan.endpoint())
    yield connection
    connection.close()


def outcome(connection: RawModbus, unit: int, function: int, first: int, count: int) -> str:
    """``ok``, ``exception NN`` or ``no reply`` for a read of documented ``first``."""
    connection.send(read_frame(first & 0xFFFF, unit, function, first - 1, count))
    if connection.silent(0.3):
        return "no reply"
    reply = connection.reply()
    return f"exception {reply[8]:02d}" if reply[7] & 0x80 else "ok"


def words(connection: RawModbus, unit: int, function: int, first: int, count: int) -> list[int]:
    """The words a read of documented ``first`` gets (it must be answered)."""
    reply = connection.ask(read_frame(first & 0xFFFF, unit, function, first - 1, count))
    assert not reply[7] & 0x80, f"{first} x{count} refused: {reply.hex()}"
    return [int.from_bytes(reply[i : i + 2], "big") for i in range(9, len(reply), 2)]


def test_direct_is_the_default_and_answers_what_a_dongle_refuses(sungrow_mock, raw):
    assert sungrow_mock.modbus_path is ModbusPath.direct and sungrow_mock.battery_unit_id == 200
    connection = raw()
    for first in (6100, 6826, 2613, 2629, 5046, 5142, 5665, 5741, 5744, 10741, 33001):
        assert outcome(connection, 1, 4, first, 1) == "ok", first
    assert outcome(connection, 200, 4, 10757, 8) == "ok"
    assert outcome(connection, WINET_BATTERY, 4, 10741, 9) == "no reply"


@pytest.mark.parametrize("unit, first, count, expected", [
    (1, 6100, 1, "exception 02"),       # P1.8 [DOC]: the statistics block is not forwarded
    (1, 6826, 1, "exception 02"),
    (1, 6050, 60, "exception 02"),      # a read touching the band is refused whole
    (1, 2613, 11, "exception 02"),      # [OBS] the firmware strings at 2613 and 2629
    (1, 2629, 11, "exception 02"),
    (1, 2582, 11, "ok"),
    (1, 5000, 1, "ok"),
    (1, 13250, 45, "ok"),               # the firmware block answers through the dongle [OBS]
    # The reads the fingerprints' dumps (32 registers at a time) saw refused, and their neighbours
    (1, 5046, 32, "exception 02"),
    (1, 5040, 61, "exception 02"),      # SunGather's scan range touching it
    (1, 5014, 32, "ok"),
    (1, 5078, 32, "ok"),
    (1, 5142, 18, "exception 02"),
    (1, 5110, 32, "ok"),
    (1, 5665, 32, "exception 02"),
    (1, 5633, 32, "ok"),
    (1, 5697, 32, "ok"),
    (1, 10741, 60, "exception 02"),     # the inverter's own 10741-10800 (its LAN port answers it)
    (1, 33001, 100, "exception 02"),
    (1, 5741, 1, "exception 02"),       # [OBS] the meter's phase A voltage and current read alone...
    (1, 5744, 1, "exception 02"),
    (1, 5729, 32, "ok"),                # ...but answered inside a longer read
    (1, 5742, 2, "ok"),                 # phases B and C alone: not observed, answered [GUESS]
    (WINET_BATTERY, 10711, 20, "ok"),   # serial and BCU firmware [OBS TCzerny #77]
    (WINET_BATTERY, 10741, 12, "ok"),   # the pack data
    (WINET_BATTERY, 10741, 13, "exception 02"),  # ...but not its cell and module arrays
    (WINET_BATTERY, 10765, 8, "exception 02"),
    (WINET_BATTERY, 5000, 1, "no reply"),        # [OBS] unit 2 did not answer input 5000
    (200, 10741, 9, "no reply"),                 # the battery's own address is not forwarded
])  # fmt: skip
def test_through_a_winet_only_what_the_dongle_forwards_answers(raw_winet, unit, first, count, expected):
    assert outcome(raw_winet, unit, 4, first, count) == expected


def test_the_holding_table_passes_the_dongle_unchanged(winet, raw_winet, raw_lan):
    """[OBS] every holding word the fingerprints read through a WiNet-S, sentinels included."""
    direct = raw_lan
    for first, count in ((5000, 60), (13000, 110), (31201, 60), (33001, 125)):
        assert words(raw_winet, 1, 3, first, count) == words(direct, 1, 3, first, count), first
    assert words(raw_winet, 1, 3, 13018, 1) == [0xFFFF]  # PV power limitation, unavailable


def test_through_a_winet_not_available_reads_0(winet, raw_winet, raw_lan):
    """The dongle answers from its own copy of the inverter's data: where the inverter reads its
    sentinel, the dongle reads 0 [OBS fingerprints: MPPT3/4 0xFFFF on the LAN port, 0 through the
    dongle], except where it passes the inverter's words (``keep``)."""
    direct = raw_lan
    for mppt in (3, 4):  # of a two-tracker SH: the probes' "MPPT3/4 voltage" (5015, 5115)
        first = winet.inverter.layout.by_name[f"mppt_{mppt}_voltage"].number
        assert words(direct, 1, 4, first, 2) == [0xFFFF] * 2
        assert words(raw_winet, 1, 4, first, 2) == [0] * 2
    assert words(direct, 1, 4, 5090, 3) == [0xFFFF] * 3  # words no register covers
    assert words(raw_winet, 1, 4, 5090, 3) == [0] * 3
    assert words(direct, 1, 4, 13200, 4) == [0xFFFF, 0x7FFF] * 2  # two S32 sentinels
    assert words(raw_winet, 1, 4, 13200, 4) == [0] * 4
    assert words(raw_winet, 1, 4, 13309, 3) == [0, 0xFFFF, 0xFFFF]  # 13310.. kept [OBS]
    assert words(raw_winet, 1, 4, 5740, 1) == [0xFFFF]
    with winet.scope(Scope.test):
        winet.set_value("meter_total_power", -1)  # a value whose words look like sentinels
        winet.set_register("battery_level", 0xFFFF)  # a U16 that is its sentinel
        meter, soc = (winet.inverter.layout.by_name[n].number for n in ("meter_total_power", "battery_level"))
        assert words(raw_winet, 1, 4, meter, 2) == [0xFFFF, 0xFFFF]
        assert words(raw_winet, 1, 4, soc, 1) == [0]


def test_through_a_winet_the_battery_is_unit_2_and_agrees_with_the_inverter(winet, raw_winet):
    assert winet.battery_unit_id == WINET_BATTERY == 2
    reply = raw_winet.ask(read_frame(1, 2, 4, 10743, 1))
    assert int.from_bytes(reply[9:11], "big") / 10 == winet.get_value("battery_level") == winet.get_value(
        "battery_level", unit_id=2
    )


def test_through_a_winet_some_words_are_the_dongles_own(winet, raw_winet, raw_lan):
    """[OBS] words the dongle answers itself whatever the inverter holds (the same SH8.0RT-V112
    read both ways; the SH10RT-20 readings): its copy of the BMS currents at the old BMS block,
    a work state, 0 for the system state, CO2 reduction, DRM state and the meter's phase voltages
    and currents."""
    direct = raw_lan
    charging = winet.inverter.layout.by_name["bms_max_charging_current"].number
    currents = words(raw_winet, 1, 4, charging, 2)
    assert currents == words(direct, 1, 4, charging, 2) and currents != [0, 0]
    assert words(raw_winet, 1, 4, 13101, 2) == currents
    assert words(direct, 1, 4, 13101, 2) == [0xFFFF, 0xFFFF]  # the old SH's block: not on an SH10RT
    assert words(raw_winet, 1, 4, 5081, 2) == [1, 2] != words(direct, 1, 4, 5081, 2)
    assert words(direct, 1, 4, 5741, 6) != [0] * 6  # the meter's V and I (V x I = P)
    assert words(raw_winet, 1, 4, 5729, 32)[12:18] == [0] * 6
    with winet.scope(Scope.test):
        winet.set_register("drm_state", 3)
        for first, count in ((13000, 1), (13015, 2), (13043, 1), (2581, 1)):
            assert words(raw_winet, 1, 4, first, count) == [0] * count, first
    assert {rule.number for rule in own_words()} == {13101, 13102, 5081, 13000, 13015, 13043, 5741, 2581}


def test_nothing_is_screened_for_a_string_inverter_through_a_winet(raw):
    """The fingerprints are all hybrids: the dongle's rules are the hybrids' (``kind``)."""
    with MockSungrow("SG10RT", doors="modbus", modbus_path="winet", clock_speed=0,
                     start_time="2026-06-21T12:00:00") as winet, MockSungrow(
        "SG10RT", doors="modbus", clock_speed=0, start_time="2026-06-21T12:00:00"
    ) as direct:  # fmt: skip
        through, lan = raw(winet), raw(direct)
        for first, count in ((4990, 125), (5115, 45), (5046, 32)):
            assert words(through, 1, 4, first, count) == words(lan, 1, 4, first, count), first


def test_13265_names_the_dongle_when_one_is_attached(winet):
    firmware = winet.get_register("communication_module_firmware_version")
    assert firmware == DONGLE["versions"]["appli_soft_version"] == catalog.dongle()["versions"]["appli_soft_version"]
    # the firmware whose rules dongle.toml's [modbus] has: what the SH10RT-20 read through it reports
    assert firmware == load("sh10rt-20-winet-bar12-023.json").data["firmware"]["communication_module"]
    client = WinetClient(winet.endpoint("winet_ws"), winet.endpoint("winet_http"))
    try:
        listed = client.get("/about/list", lang="en_us")["result_data"]["list"]
    finally:
        client.close()
    about = {item["data_name"]: item["data_value"] for item in listed}
    assert about["I18N_COMMON_APPLI_SOFT_VERSION"] == firmware  # the WiNet door's own answer
    with MockSungrow("SH10RT", doors="modbus") as alone:  # no module attached: the empty string [OBS]
        assert alone.get_register("communication_module_firmware_version") == ""
    with MockSungrow("SH10RT", doors="modbus,winet") as beside:  # a module on a direct reading names itself [OBS]
        assert beside.get_register("communication_module_firmware_version") == firmware


def test_the_framing_quirk_is_opt_in_as_a_fault(winet, raw_winet):
    refused = read_frame(0x0001, 1, 4, 6099, 1)
    assert raw_winet.ask(refused) == bytes.fromhex("000100000003018402")  # well-formed by default
    with winet.scope(Scope.test):
        fault = winet.inject_fault("wrong_exception_length")
        raw_winet.send(refused)
        assert raw_winet.sock.recv(64) == bytes.fromhex("000100000002018402")  # PROTOCOLS 1.8, byte for byte
        assert raw_winet.ask(read_frame(2, 1, 4, 4999, 1)) == bytes.fromhex("0002000000050104020e03")  # others unchanged
        assert fault.triggered == 2
    assert raw_winet.ask(read_frame(3, 1, 4, 6099, 1)) == bytes.fromhex("000300000003018402")
    winet.sync()
    faulted = [r.reply for r in winet.journal.requests() if r.fault == "wrong_exception_length"]
    assert faulted == ["exception 02, length 2", "ok"]


def test_the_unit_ids_of_the_path_are_checked():
    with pytest.raises(MockSungrowError, match="unit id 2 is where the SH10RT's battery answers on the winet"):
        MockSungrow("SH10RT", unit_id=2, modbus_path="winet")
    mock = MockSungrow("SH10RT", modbus_path="winet", doors="modbus")
    with pytest.raises(MockSungrowError, match="unit id 2 is taken by the SBR096"):
        mock.add_inverter("SG10RT", 2)
    mock.add_inverter("SG10RT", 200)  # free through a dongle
    assert pack().unit == 200


def test_every_face_takes_the_path():
    assert MockSungrow(modbus_path=ModbusPath.winet, doors="modbus").modbus_path is ModbusPath.winet
    library = SungrowMockLibrary(modbus_path="winet")
    try:
        run = library.run_keyword  # by the keywords' Python names, as a dynamic library is called
        run("start_mock_sungrow", ["SH5.0RS"], {"doors": "modbus"})
        assert run("get_modbus_path", []) is ModbusPath.winet
        assert run("get_battery_unit_id", []) == 2
        run("start_mock_sungrow", ["SG10RT"], {"doors": "modbus", "modbus_path": "direct", "alias": "string"})
        assert run("get_modbus_path", []) is ModbusPath.direct
        assert run("get_battery_unit_id", []) is None
    finally:
        library.stop_all_mocks()
    parser = cli.build_parser()
    assert parser.parse_args(["serve", "--modbus-path", "winet"]).modbus_path == "winet"
