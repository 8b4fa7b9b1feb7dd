"""The model and register catalogues (PROTOCOLS §2)."""

import itertools
from pathlib import Path

import pytest
import yaml

from SungrowMockLibrary.device import catalogue, codec
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT
from SungrowMockLibrary.device.image import RegisterAccessError
from SungrowMockLibrary.errors import CatalogueError
from SungrowMockLibrary.simulation import history
from SungrowMockLibrary.simulation.inverter import Inverter

MODELS = list(catalogue.models())
SUNGATHER_REGISTERS = Path(__file__).resolve().parent.parent / "atest" / "resources" / "registers-sungrow.yaml"

# PROTOCOLS §2.2 "First-build models": code, kind, family, WiNet dev_type, output type, MPPTs, kW, and
# the serial each had before the catalogue grew (the serial rule must reproduce it).
FIRST_BUILD = {
    "SH10RT": (0x0E03, "SH", "SH-RT", 35, 1, 2, 10.0, "A221035870"),
    "SH8.0RT": (0x0E02, "SH", "SH-RT", 35, 1, 2, 8.0, "A221035860"),
    "SH5.0RS": (0x0D0F, "SH", "SH-RS", 35, 0, 2, 5.0, "A221033430"),
    "SG10RT": (0x2433, "SG", "SG-RT", 21, 1, 2, 10.0, "A221092670"),
    "SG5.0RS": (0x2606, "SG", "SG-RS", 21, 0, 2, 5.0, "A221097340"),
    "SG33CX": (0x2C00, "SG", "SG-CX", 21, 1, 3, 33.0, "A221112640"),
}

# Every device type code of PROTOCOLS §2.2: the string table, the hybrid table and the client-only
# codes (SG80HV: pysungrow; MG5RL/MG6RL: mkaiser), transcribed from the reference, not from the data.
PROTOCOL_CODES = {
    *range(0x0026, 0x002B), *range(0x002C, 0x0030), 0x0070, 0x0072, 0x0073, 0x0074, 0x010F, 0x011B, 0x0122,
    0x0126, 0x0131, 0x0132, *range(0x0134, 0x0140), 0x0141, 0x0142, 0x0143, 0x0147, 0x0148, 0x0149, 0x014C,
    0x2403, *range(0x2430, 0x243A), *range(0x243B, 0x243F), *range(0x2440, 0x2448), 0x2449, *range(0x244B, 0x244F),
    *range(0x2600, 0x260A), 0x260D, 0x260E, 0x260F, *range(0x2611, 0x2618),
    0x2C00, 0x2C01, 0x2C02, 0x2C03, 0x2C06, 0x2C0A, 0x2C0B, 0x2C0C, 0x2C0F, 0x2C10, 0x2C11, 0x2C12, 0x2C13, 0x2C15,
    0x2C1C, 0x2C21, 0x2C22, 0x2C25, 0x2C26, 0x2C27, 0x2C2D, *range(0x2C32, 0x2C38), 0x2C3F, 0x2C40, 0x2C43, 0x2C46,
    0x2C4F, 0x2C50, 0x2C51, *range(0x2C53, 0x2C58), 0x2C6A, 0x2C6B,
    0x0D03, 0x0D06, 0x0D07, *range(0x0D09, 0x0D11), 0x0D17, 0x0D18, 0x0D1A, 0x0D1B, 0x0D27, 0x0D28,
    *range(0x0E00, 0x0E04), *range(0x0E08, 0x0E14), *range(0x0E20, 0x0E27), 0x0E28,
}

# MPPTs and strings per MPPT that PROTOCOLS §2.2 states (a sample across the families).
LAYOUTS = {
    "SG10KTL": (2, (3, 3)), "SG60KTL": (1, (14,)), "SG80KTL": (1, (18,)), "SG30KTL-M": (3, (3, 3, 2)),
    "SG50KTL-M": (4, (3, 3, 3, 3)), "SG10KTL-M": (2, (1, 1)), "SG125HV": (1, (1,)), "SG8.0RT": (2, (2, 1)),
    "SG20RT": (2, (2, 2)), "SG2.0RS-S": (1, (1,)), "SG10RS": (3, (1, 1, 1)), "SG5.5RS-JP": (3, (3, 3, 3)),
    "SG8.0RS-L": (2, (2, 1)), "SG110CX": (9, (2,) * 9), "SG100CX": (12, (2,) * 12), "SG250HX": (12, (2,) * 12),
}


def sungather_codes() -> dict[int, str]:
    """Device type code -> the name SunGather reports (its datarange keeps the last match)."""
    data = yaml.safe_load(SUNGATHER_REGISTERS.read_text(encoding="utf-8"))
    entry = next(r for r in data["registers"][0]["read"] if r["name"] == "device_type_code")
    return {item["response"]: item["value"] for item in entry["datarange"]}


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
    code, kind, family, dev_type, output_type, mppts, kw, serial = FIRST_BUILD[name]
    model = catalogue.model(name)
    assert (model.type_code, model.kind, model.family, model.winet_dev_type) == (code, kind, family, dev_type)
    assert (model.output_type, model.mppts, model.nominal_power_kw) == (output_type, mppts, kw)
    assert model.battery == (kind == "SH")
    assert model.phases == (3 if output_type else 1)
    assert model.serial == serial


def test_every_code_of_the_reference_is_one_model():
    codes = [m.type_code for m in catalogue.models().values()]
    assert len(codes) == len(set(codes))
    assert set(codes) == PROTOCOL_CODES


def test_every_code_sungather_maps_is_a_model_under_sungathers_name():
    mapped = sungather_codes()
    assert len(mapped) == 89  # 92 entries; three codes carry two names
    for code, name in mapped.items():
        model = catalogue.model_by_code(code)
        assert name in (model.name, *model.aliases), f"0x{code:04X}: SunGather says {name}, the catalogue {model.name}"
        assert catalogue.model(name) is model


@pytest.mark.parametrize("name", LAYOUTS)
def test_mppts_and_strings_are_the_references(name):
    model = catalogue.model(name)
    assert (model.mppts, model.strings_per_mppt) == LAYOUTS[name]
    assert "mppts" not in model.guesses and "strings" not in model.guesses


def test_sh_t_family_is_in():
    sh_t = catalogue.families()["SH-T"]
    assert [(m.name, m.type_code, m.nominal_power_kw) for m in sh_t] == [
        ("SH5T", 0x0E20, 5.0), ("SH6T", 0x0E21, 6.0), ("SH8T", 0x0E22, 8.0), ("SH10T", 0x0E23, 10.0),
        ("SH12T", 0x0E24, 12.0), ("SH15T", 0x0E25, 15.0), ("SH20T", 0x0E26, 20.0), ("SH25T", 0x0E28, 25.0),
    ]
    assert all(m.kind == "SH" and m.battery and m.phases == 3 for m in sh_t)


def test_serials_are_distinct_ten_character_texts():
    serials = [m.serial for m in catalogue.models().values()]
    assert len(set(serials)) == len(serials)
    assert all(len(s) == 10 and s.isascii() and s.isalnum() for s in serials)


@pytest.mark.parametrize(
    ("given", "name"),
    [("SH10RT", "SH10RT"), ("sh10rt", "SH10RT"), (" SG33CX ", "SG33CX"), ("0x0E03", "SH10RT"), ("0X0e03", "SH10RT"),
     ("3587", "SH10RT"), (3587, "SH10RT"), ("0x2C06", "SG110CX"), ("SG50KTL-M-20", "SG50KTL-M"), ("sg100cx-jp", "SG100CX")],
)
def test_a_model_is_found_by_name_alias_or_device_type_code(given, name):
    assert catalogue.model(given).name == name
    assert catalogue.layout(given) is catalogue.layout(name)


def test_a_model_found_by_its_own_line_is_the_one_the_whole_catalogue_has(monkeypatch):
    """A start parses only the lines of models.toml that name its model (decision §39): every name
    and alias must find, that way, the model the whole file's parse finds, without that parse."""
    names = {name.upper(): m.name for m in catalogue.models().values() for name in (m.name, *m.aliases)}
    monkeypatch.setattr(catalogue, "_data", lambda: pytest.fail("the whole models.toml was parsed"))
    for upper, name in names.items():
        found, spec = catalogue._found_alone(upper)
        assert found == name
        assert catalogue._model(catalogue._sections()[0], found, spec) == catalogue.models()[name]


def test_a_layout_parsed_from_its_kinds_rows_has_the_registers_of_the_whole_catalogue():
    """A start parses only the rows of registers.csv its model's kind uses (decision §39)."""
    for model in catalogue.models().values():
        whole = tuple(r for r in catalogue.all_registers() if r.kind in ("*", model.kind) and model.answers(r))
        assert catalogue.layout(model.name).registers == whole


def test_an_unknown_name_suggests_the_nearest_names_only():
    with pytest.raises(CatalogueError) as error:
        catalogue.model("SH99RT")
    message = str(error.value)
    assert message.startswith("unknown model 'SH99RT'; did you mean SH10RT")
    assert message.count(",") < 10  # a few suggestions, not the catalogue
    assert "sungrow-mock models" in message


def test_an_unknown_code_says_no_model_has_it():
    with pytest.raises(CatalogueError, match=r"no model has device type code 0x7777 \(30583\)"):
        catalogue.model("0x7777")
    with pytest.raises(CatalogueError, match="no model has device type code 0x0000"):
        catalogue.model("0")


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
def test_every_block_is_answered_and_every_default_is_allowed(name):
    inverter = Inverter(name)
    for table in (INPUT, HOLDING):
        for low, high in inverter.model.blocks(table):
            for first in range(low, high + 1, 125):
                count = min(125, high + 1 - first)
                assert len(inverter.image.read_wire(table, first - 1, count)) == 2 * count
    for register in inverter.layout.registers:
        if inverter.layout.present(register) and not register.is_text and register.table == HOLDING:
            register.check_raw(inverter.image.get_raw(register))  # raises when outside its values
    assert inverter.layout.shown_mppts == inverter.model.mppts


def test_the_statistics_block_is_on_sh_rt_only():
    """PROTOCOLS §2.4: 6100-6826 exist on SH5.0-10RT; an SH-RS refuses them as a block it lacks."""
    assert len(Inverter("SH10RT").image.read_wire(INPUT, 6099, 100)) == 200
    for name in ("SH5.0RS", "SH10RS", "MG5RL"):
        inverter = Inverter(name)
        with pytest.raises(RegisterAccessError) as refused:
            inverter.image.read_wire(INPUT, 6099, 100)
        assert refused.value.code == 2
        assert "pv_power_of_today" not in inverter.layout.by_name


def test_a_rating_a_register_cannot_carry_reads_as_its_largest_value():
    big = Inverter("SH25T")
    assert big.get_value("battery_max_charge_power") == 10.6  # 1..1060 x 0.01 kW (PROTOCOLS §2.6.3)
    assert big.get_value("nominal_active_power") == 25.0
    assert Inverter("SG350HX").get_value("installed_pv_power") == 300.0  # 0..30000 x 0.01 kW


@pytest.mark.parametrize("name", MODELS)
def test_registers_clients_read_are_present(name):
    layout = catalogue.layout(name)
    wanted = READ_BY_CLIENTS["*"] + READ_BY_CLIENTS[layout.model.kind]
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
    if inverter.model.kind == "SH":
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
