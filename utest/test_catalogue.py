"""The model and register catalogues (PROTOCOLS §2)."""

import itertools

import pytest

from SungrowMockLibrary.device import catalogue, codec
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT
from SungrowMockLibrary.simulation import history
from SungrowMockLibrary.simulation.inverter import Inverter

MODELS = list(catalogue.models())

# PROTOCOLS §2.2 "First-build models": code, family, WiNet dev_type, output type, MPPTs, kW.
FIRST_BUILD = {
    "SH10RT": (0x0E03, "SH", 35, 1, 2, 10.0),
    "SH8.0RT": (0x0E02, "SH", 35, 1, 2, 8.0),
    "SH5.0RS": (0x0D0F, "SH", 35, 0, 2, 5.0),
    "SG10RT": (0x2433, "SG", 21, 1, 2, 10.0),
    "SG5.0RS": (0x2606, "SG", 21, 0, 2, 5.0),
    "SG33CX": (0x2C00, "SG", 21, 1, 3, 33.0),
}

# Registers a real client reads (CLIENTS.md, PROTOCOLS §2.7 and §5.1), as (table, number).
READ_BY_CLIENTS = {
    "*": [
        (INPUT, 4990), (INPUT, 5000), (INPUT, 5001), (INPUT, 5002), (INPUT, 5003), (INPUT, 5004),
        (INPUT, 5008), (INPUT, 5011), (INPUT, 5012), (INPUT, 5013), (INPUT, 5014), (INPUT, 5017),
        (INPUT, 5019), (INPUT, 5035), (INPUT, 5036), (INPUT, 4954), (INPUT, 4969),
        (HOLDING, 5000), (HOLDING, 5001), (HOLDING, 5002), (HOLDING, 5003), (HOLDING, 5004), (HOLDING, 5005),
        (HOLDING, 31221),
    ],
    "SH": [
        (INPUT, 13000), (INPUT, 13001), (INPUT, 13008), (INPUT, 13010), (INPUT, 13020), (INPUT, 13022),
        (INPUT, 13023), (INPUT, 13024), (INPUT, 13030), (INPUT, 13034), (INPUT, 13036), (INPUT, 13045),
        (INPUT, 5601), (INPUT, 5214),
        (HOLDING, 13000), (HOLDING, 13011), (HOLDING, 13050), (HOLDING, 13051), (HOLDING, 13055),
        (HOLDING, 13056), (HOLDING, 13057), (HOLDING, 13058), (HOLDING, 13059), (HOLDING, 13074),
        (HOLDING, 13087), (HOLDING, 13100), (HOLDING, 33047), (HOLDING, 33048),
    ],
    "SG": [
        (INPUT, 5031), (INPUT, 5038), (INPUT, 5045), (INPUT, 5081), (INPUT, 5083), (INPUT, 5113),
        (INPUT, 5114), (INPUT, 5144), (INPUT, 5148), (INPUT, 5226), (INPUT, 5800), (INPUT, 7013),
        (HOLDING, 5006), (HOLDING, 5007), (HOLDING, 5008), (HOLDING, 5036),
    ],
}


@pytest.mark.parametrize("name", FIRST_BUILD)
def test_first_build_models_match_the_reference(name):
    code, family, dev_type, output_type, mppts, kw = FIRST_BUILD[name]
    model = catalogue.model(name)
    assert (model.type_code, model.family, model.winet_dev_type) == (code, family, dev_type)
    assert (model.output_type, model.mppts, model.nominal_power_kw) == (output_type, mppts, kw)
    assert model.battery == (family == "SH")
    assert model.phases == (3 if output_type else 1)
    assert len(model.serial) == 10 and model.serial.isascii()


@pytest.mark.parametrize("name", MODELS)
def test_every_register_decodes_its_default(name):
    inverter = Inverter(name)  # raises on overlaps, duplicate names or unencodable defaults
    for register in inverter.layout.registers:
        raw = inverter.image.get_raw(register)
        words = inverter.image.words(register.table, register.number, register.words)
        assert codec.encode(register.type, raw, register.words) == words
        if inverter.layout.present(register) and register.enum and register.table == HOLDING:
            assert raw in register.enum, f"{register.name} default {raw} is not one of its values"


@pytest.mark.parametrize("name", MODELS)
def test_no_registers_overlap_inside_a_table(name):
    layout = catalogue.layout(name)
    for table in (INPUT, HOLDING):
        ordered = sorted((r for r in layout.registers if r.table == table), key=lambda r: r.number)
        for before, after in itertools.pairwise(ordered):
            assert after.number > before.last, f"{before.name} overlaps {after.name}"


@pytest.mark.parametrize("name", MODELS)
def test_every_register_lies_in_a_supported_block(name):
    layout = catalogue.layout(name)
    for register in layout.registers:
        blocks = layout.model.blocks(register.table)
        assert any(low <= register.number and register.last <= high for low, high in blocks), register.name


@pytest.mark.parametrize("name", MODELS)
def test_registers_clients_read_are_present(name):
    layout = catalogue.layout(name)
    wanted = READ_BY_CLIENTS["*"] + READ_BY_CLIENTS[layout.model.family]
    missing = [key for key in wanted if key not in layout.by_start]
    assert not missing


def test_only_holding_registers_are_writable():
    assert not [r.name for r in catalogue.all_registers() if r.writable and r.table != HOLDING]


@pytest.mark.parametrize("name", ["SH10RT", "SG5.0RS"])
def test_defaults_satisfy_strict_clients(name):
    inverter = Inverter(name)
    year, month, day, hour, minute, second = (inverter.get_raw(n, HOLDING) for n in range(5000, 5006))
    assert 2000 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
    assert 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59
    assert inverter.get_raw("serial_number") == inverter.model.serial
    if inverter.model.family == "SH":
        # pysungrow raises on any other running state (PROTOCOLS §2.5.3); 0x40 = running
        assert inverter.get_raw(13000, INPUT) == 0x40
        assert inverter.get_raw("ems_mode") == 0
        assert inverter.get_raw(13011, HOLDING) in (0xAA, 0x55)
        # pysungrow's battery-type enum (0-10) applies to the old SH models it reads it from; an
        # SH10RT does not implement 13055 and reads the sentinel (fingerprint, utest/data/fingerprints/)
        battery_type = inverter.layout.find(13055, HOLDING)
        expected = range(11) if inverter.layout.present(battery_type) else (0xFFFF,)
        assert inverter.get_raw(13055, HOLDING) in expected


def test_missing_mppt_reads_the_sentinel():
    two = Inverter("SG10RT")
    three = Inverter("SG33CX")
    assert two.get_raw(5015, INPUT) == 0xFFFF
    assert three.get_raw(5015, INPUT) != 0xFFFF


@pytest.mark.parametrize("name", MODELS)
def test_undocumented_words_lie_in_a_supported_block_and_read_as_listed(name):
    inverter = Inverter(name)
    for known in inverter.layout.undocumented:
        blocks = inverter.model.blocks(known.table)
        assert any(low <= known.number and known.last <= high for low, high in blocks), known
        assert inverter.image.words(known.table, known.number, len(known.words)) == list(known.words)


def test_words_no_register_covers_read_the_sentinel():
    """PROTOCOLS §1.5, §1.8: an address inside a supported block that the model does not implement
    reads 0xFFFF (as the real SH10RT of utest/data/fingerprints/ does), not 0."""
    inverter = Inverter("SH10RT")
    covered = {(r.table, n) for r in inverter.layout.registers for n in range(r.number, r.last + 1)}
    covered |= {(w.table, n) for w in inverter.layout.undocumented for n in range(w.number, w.last + 1)}
    for series, first in history.arrays(inverter.layout):  # the statistics arrays read 0 until simulated
        covered |= {(first.table, n) for n in range(first.number, first.number + first.words * series.length)}
    free = [(table, n) for table in (INPUT, HOLDING) for low, high in inverter.model.blocks(table)
            for n in range(low, high + 1) if (table, n) not in covered]  # fmt: skip
    assert len(free) > 500 and (INPUT, 6240) in free and (HOLDING, 13019) in free
    assert [key for key in free if inverter.image.words(*key, 1) != [0xFFFF]] == []
