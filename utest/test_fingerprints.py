"""The mock answers as real inverters answered (issue 13, "Exact where real devices have spoken").

The fingerprints in ``utest/data/fingerprints/`` are register dumps of real SH10RTs, read on the
inverter's own LAN port and through a WiNet-S (source repository, path and commit named in each
file). Each test starts the model the document names (or its stand-in while the catalogue lacks
that model) on the document's Modbus path (``modbus_path``: direct, or through the WiNet-S, whose
rules are ``transports/winet/data/dongle.toml``'s ``[modbus]``) with the clock frozen at the time
of the reading, reads every band of the dump over Modbus TCP and compares: answered vs refused
per band, sentinel vs value per word, and the document's probes (single reads). The figures go to
the terminal; what differs must be exactly the differences listed here with their reason.
"""

from __future__ import annotations

import pytest
from door_clients import PlainModbus
from fingerprints import Agreement, compare, documents, load, modbus_reader

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device import codec
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT, layout, models
from SungrowMockLibrary.transports import dongle_screen
from SungrowMockLibrary.vocabulary import ILLEGAL_ADDRESS, MAX_READ, WRITE_SINGLE

DIRECT = "sh10rt-direct-mkaiser.json"
THROUGH_WINET = ("sh10rt-20-winet-bar12-023.json", "sh10rt-20-winet-bar12-041.json")
UNIT = 1

# The agreement reached, per document: (bands agreeing, bands, words agreeing, words, probes
# agreeing, probes). Before issue 13 the mock reached 4/13 bands and 495/1031 words on the direct
# reading. Through the dongle, before its rules were reconciled with these readings (when only
# the holding table was compared: 4/4 bands, 430/430 words, 14 input bands pending), each reading
# reached 13/18 bands (12/18 with its probes' single reads), 757/1010 words and 15/19 probes.
REACHED = {
    DIRECT: (12, 13, 1450, 1451, 19, 19),
    THROUGH_WINET[0]: (18, 18, 1010, 1010, 19, 19),
    THROUGH_WINET[1]: (18, 18, 1010, 1010, 19, 19),
}
# What still differs, and why.
KNOWN = {
    DIRECT: {
        # The same document read sungrow_version_3 (11 registers at wire 2612) successfully: the
        # device answers the reads clients make and pads that frame, which the dump's strict reader
        # refuses (mkaiser's scripts/sungrow_scan/blocks.py). The mock answers those reads.
        "input 2612-2660: the device refuses, the mock answers 29 of 49 registers read alone",
        # Reserved in hybrid doc 1.1.4; the mock reports grid loss here (as older hybrids did) and
        # the SunGather, pysungrow and sungrowinverter suites read it there.
        "input 13030: the device reads 0xffff, the mock 0x0055",
    },
    THROUGH_WINET[0]: set(),
    THROUGH_WINET[1]: set(),
}


@pytest.fixture(params=documents())
def reading(request):
    """A document, and a mock of its model on its Modbus path, frozen at the time of the reading,
    with a client."""
    document = load(request.param)
    with MockSungrow(document.model(), doors="modbus", modbus_path=document.path, clock_speed=0,
                     start_time=document.read_at) as mock:  # fmt: skip
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            yield document, mock, client
        finally:
            client.close()


def report(capsys, agreement: Agreement) -> None:
    with capsys.disabled():
        print(f"\nfingerprint {agreement.summary()}")
        for reason, bands in agreement.pending.items():
            print(f"    pending ({reason}): {', '.join(bands)}")
        for line in agreement.disagreements:
            print(f"    differs: {line}")


def test_the_mock_answers_band_by_band_as_the_real_device(reading, capsys):
    document, mock, client = reading
    agreement = compare(document, modbus_reader(client, UNIT), mock.inverter.layout)
    report(capsys, agreement)
    bands_agreeing, bands, words_agreeing, words, probes_agreeing, probes = REACHED[document.name]
    assert (agreement.bands, agreement.words, agreement.probes) == (bands, words, probes)
    assert agreement.bands_agreeing >= bands_agreeing and agreement.words_agreeing >= words_agreeing
    assert agreement.probes_agreeing >= probes_agreeing and not agreement.pending
    assert set(agreement.disagreements) == KNOWN[document.name]


def test_version_strings_read_as_the_real_device(reading, capsys):
    document, _, client = reading
    read = modbus_reader(client, UNIT)
    compared, refused, waiting = [], [], []
    for string in document.strings():
        words = read(INPUT, string["wire"], string["words"])
        if string["text"] is None:
            if document.path == "winet":  # the dongle refuses them
                assert words is None, f"{string['name']} at wire {string['wire']} is answered through the dongle"
                refused.append(string["name"])
            else:  # on the LAN port only the battery's: it belongs to the battery beside the inverter
                waiting.append(string["name"])
            continue
        assert words is not None, f"{string['name']} at wire {string['wire']} is refused"
        assert codec.decode(codec.STRING_TYPE, words) == string["text"], string["name"]
        compared.append(string["name"])
    firmware = document.data["firmware"]
    for name, text in (("arm_software_version", firmware["arm"]), ("dsp_software_version", firmware["dsp"]),
                       ("inverter_firmware_version", firmware["inverter"]),
                       ("communication_module_firmware_version", firmware["communication_module"] or "")):  # fmt: skip
        register = layout(document.model()).by_name[name]
        words = read(INPUT, register.number - 1, register.words)
        assert codec.decode(codec.STRING_TYPE, words) == text, name
        compared.append(name)
    with capsys.disabled():
        print(f"\nfingerprint {document.name}: version strings as the device reads them: {', '.join(compared)}; "
              f"refused as by the device: {', '.join(refused) or 'none'}; "
              f"not compared (the device did not answer them): {', '.join(waiting) or 'none'}")


@pytest.mark.parametrize("name", THROUGH_WINET)
def test_the_dongles_own_words_are_what_the_readings_through_it_show(name):
    """``dongle.toml``'s own words and kept sentinels, against the dumps read through the dongle
    (the rules' other evidence, a machine read both ways, is not kept as test data)."""
    document = load(name)
    dumped = {}
    for dump in document.data["register_dump"][INPUT]:
        dumped.update((dump["wire"] + 1 + i, word) for i, word in enumerate(dump["words"]))
    the_layout = layout(document.model())
    for rule in dongle_screen.own_words():
        if rule.copy is None:
            expected = list(rule.words)
        else:  # the copied register's words, as the same reading shows them
            source = the_layout.by_name[rule.copy]
            expected = [dumped[n] for n in range(source.number, source.last + 1)]
        read = [dumped[n] for n in range(rule.number, rule.number + len(expected))]
        assert read == expected, f"{rule.number}: {read} != {expected}"
    (zero,) = dongle_screen.zero_rules()
    for low, high in zero.keep:
        assert all(dumped[n] == 0xFFFF for n in range(low, high + 1)), (low, high)


def test_the_sub_controller_version_is_what_direct_lan_rts_report():
    direct = load(DIRECT)
    (version_3,) = (s for s in direct.strings() if s["name"] == "sungrow_version_3")
    assert version_3["text"].startswith("SUBCTL-")
    for name in ("SH10RT", "SH8.0RT"):
        with MockSungrow(name, doors="modbus", clock_speed=0) as mock:
            assert mock.get_register("firmware_version_3") == version_3["text"]


# The bands the issue names as refused by the mock while a real SH10RT answers them (documented).
NAMED_BANDS = [(INPUT, 10741, 10800), (INPUT, 33001, 33200), (INPUT, 13296, 13359),
               (HOLDING, 31233, 31260), (HOLDING, 33001, 33032)]  # fmt: skip


@pytest.mark.parametrize(("table", "first", "last"), NAMED_BANDS)
def test_bands_a_real_sh10rt_answers_are_answered_with_its_sentinels_and_values(table, first, last):
    document = load(DIRECT)
    real = {}
    for dump in document.data["register_dump"][table]:
        real.update((dump["wire"] + 1 + i, word) for i, word in enumerate(dump["words"]))
    with MockSungrow(document.model(), doors="modbus", clock_speed=0, start_time=document.read_at) as mock:
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            read, words = modbus_reader(client, UNIT), []
            for start in range(first, last + 1, MAX_READ):  # as clients read: at most 125 registers
                answer = read(table, start - 1, min(MAX_READ, last + 1 - start))
                assert answer is not None, f"{table} {start}.. is refused"
                words += answer
            for number, word in zip(range(first, last + 1), words, strict=True):
                assert (word == 0xFFFF) == (real[number] == 0xFFFF), f"{table} {number}: {word:#06x} vs {real[number]:#06x}"
                alone = read(table, number - 1, 1)
                assert alone == [word], f"{table} {number} read alone: {alone}"
        finally:
            client.close()


def test_feed_in_limitation_ratio_reads_100_percent_and_takes_a_setting():
    document = load(DIRECT)
    (holding,) = (d for d in document.data["register_dump"][HOLDING] if d["wire"] <= 13087 <= d["wire"] + len(d["words"]))
    real = holding["words"][13087 - holding["wire"]]
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0) as mock:
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            read = modbus_reader(client, UNIT)
            assert read(HOLDING, 13087, 1) == [real] == [1000]
            assert mock.get_value("feed_in_limitation_ratio") == 100.0
            request = bytes((WRITE_SINGLE,)) + (13087).to_bytes(2, "big") + (800).to_bytes(2, "big")
            assert client.ask(UNIT, request) == request
            assert read(HOLDING, 13087, 1) == [800]
            assert client.ask(UNIT, request[:3] + real.to_bytes(2, "big")) == request[:3] + real.to_bytes(2, "big")
        finally:
            client.close()


def unimplemented_settings(name: str) -> list:
    the_layout = layout(name)
    return [r for r in the_layout.registers if r.table == HOLDING and r.writable and not the_layout.present(r)]


@pytest.mark.parametrize("name", [name for name in models() if unimplemented_settings(name)])
def test_registers_that_read_the_sentinel_take_no_write(name):
    """A register the model does not implement reads its sentinel, and a write to it is refused
    (exception 02) and changes nothing: PV power limitation (holding 13018) on an SH10RT, say."""
    absent = unimplemented_settings(name)
    if layout(name).model.family == "SH":
        assert "pv_power_limitation" in {r.name for r in absent}
    with MockSungrow(name, doors="modbus", clock_speed=0) as mock:
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            read = modbus_reader(client, UNIT)
            for register in absent:
                sentinel = codec.encode(register.type, codec.sentinel(register.type), register.words)
                assert read(HOLDING, register.number - 1, register.words) == sentinel, register.name
                value = min(register.allowed_values().get("enum", {0: ""}))
                request = bytes((WRITE_SINGLE,)) + (register.number - 1).to_bytes(2, "big") + value.to_bytes(2, "big")
                assert client.ask(UNIT, request) == bytes((WRITE_SINGLE | 0x80, ILLEGAL_ADDRESS)), register.name
                assert read(HOLDING, register.number - 1, register.words) == sentinel, register.name
        finally:
            client.close()
