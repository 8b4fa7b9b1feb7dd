"""What a request's register range means: names and hints about probable client mistakes."""

import pytest

from SungrowMockLibrary.device.catalogue import HOLDING, INPUT, CatalogueError, layout
from SungrowMockLibrary.device.hints import describe

SH = layout("SH10RT")
SG = layout("SG10RT")


def test_names_every_register_the_range_overlaps_in_address_order():
    names, hint = describe(SH, INPUT, 5000, 6)

    assert names == (
        "device_type_code", "nominal_active_power", "output_type", "daily_power_yields", "total_power_yields",
    )
    assert hint is None


def test_a_range_in_a_gap_names_nothing_and_has_no_hint():
    assert describe(SH, INPUT, 5006, 2) == ((), None)


def test_a_range_overlapping_a_register_only_by_its_last_word_names_it():
    names, _ = describe(SH, INPUT, 5005, 3)

    assert names == ("total_power_yields",)


def test_a_wide_read_matches_a_scan_of_the_catalogue():
    expected = tuple(
        r.name
        for r in sorted(SH.registers, key=lambda r: r.number)
        if r.table == INPUT and SH.present(r) and r.last >= 4950 and r.number <= 5049
    )

    names, _ = describe(SH, INPUT, 4950, 100)

    assert names == expected
    assert "serial_number" in names and "grid_frequency" in names


def test_a_correct_read_of_a_u32_has_no_hint():
    assert describe(SH, INPUT, 5004, 2) == (("total_power_yields",), None)


def test_one_below_a_register_start_suggests_that_register():
    names, hint = describe(SH, INPUT, 5007, 1)

    assert names == ()
    assert "5007 is not a register start" in hint
    assert "5008 (internal_temperature" in hint
    assert "wire address 5006" in hint


def test_one_above_a_register_start_suggests_that_register():
    _, hint = describe(SH, INPUT, 5009, 1)

    assert "did you mean 5008 (internal_temperature" in hint
    assert "5010" not in hint


def test_between_two_single_registers_both_neighbours_are_suggested():
    # SH10RT input 13043 and 13045 are single registers around an undocumented 13044.
    assert SH.find(13043, INPUT).words == 1 and SH.find(13045, INPUT).words == 1
    with pytest.raises(CatalogueError):
        SH.find(13044, INPUT)

    _, hint = describe(SH, INPUT, 13044, 1)

    assert "13045 (daily_export_energy" in hint and "13043 (drm_state" in hint


def test_between_two_starts_the_shift_that_ends_cleanly_wins():
    # 4953 is the second word of protocol_version (4952..4953); arm_software_version starts at 4954.
    _, hint = describe(SH, INPUT, 4953, 2)

    assert "did you mean 4952 (protocol_version" in hint
    assert "4954 (" not in hint


def test_a_range_starting_at_a_register_is_never_off_by_one():
    _, hint = describe(SH, INPUT, 5008, 1)

    assert hint is None


def test_starting_on_the_second_word_of_a_u32_is_off_by_one_and_a_split():
    names, hint = describe(SH, INPUT, 5005, 2)

    assert names == ("total_power_yields",)
    assert "did you mean 5004 (total_power_yields" in hint
    assert "only part of total_power_yields (5004..5005, U32)" in hint
    assert "starts at 5005" in hint


def test_ending_on_the_first_word_of_a_u32_is_a_split():
    names, hint = describe(SH, INPUT, 5003, 2)

    assert names == ("daily_power_yields", "total_power_yields")
    assert "only part of total_power_yields (5004..5005, U32)" in hint
    assert "ends at 5004" in hint
    assert "not a register start" not in hint


def test_splits_at_both_ends_name_both_registers():
    # 5018 is the second word of total_dc_power, 5033..5034 is the S32 total_reactive_power.
    _, hint = describe(SH, INPUT, 5018, 16)

    assert "only part of total_dc_power (5017..5018, U32)" in hint
    assert "only part of total_reactive_power (5033..5034, S32)" in hint


def test_a_read_inside_a_text_register_is_a_split_of_it():
    names, hint = describe(SH, INPUT, 4992, 2)

    assert names == ("serial_number",)
    assert "only part of serial_number (4990..4999, UTF8)" in hint
    assert "not a register start" not in hint


def test_absent_registers_are_not_named():
    # SG10RT has two MPPTs: the catalogue's mppt_3 registers read as the sentinel there.
    names, hint = describe(SG, INPUT, 5011, 6)

    assert names == ("mppt_1_voltage", "mppt_1_current", "mppt_2_voltage", "mppt_2_current")
    assert hint is None


def test_a_model_that_has_the_register_names_it():
    names, _ = describe(layout("SG33CX"), INPUT, 5011, 6)

    assert names[-2:] == ("mppt_3_voltage", "mppt_3_current")


def test_an_absent_register_is_not_suggested_by_an_off_by_one_hint():
    # SH10RT lacks mppt_4 (5115/5116), and nothing else is documented around 5114.
    assert not SH.present(SH.find("mppt_4_voltage"))

    assert describe(SH, INPUT, 5114, 1) == ((), None)


def test_reading_a_documented_but_absent_register_is_not_off_by_one():
    # SG10RT lacks mppt_3 (5015/5016); 5016 is still a documented start, next to total_dc_power.
    assert describe(SG, INPUT, 5016, 1) == ((), None)


def test_holding_and_input_tables_are_told_apart():
    assert describe(SH, HOLDING, 5000, 1) == (("year",), None)
    assert describe(SH, INPUT, 5000, 1) == (("device_type_code",), None)


def test_holding_hints_use_the_holding_table():
    names, hint = describe(SH, HOLDING, 4999, 2)

    assert names == ("year",)
    assert "5000 (year" in hint


def test_an_unknown_table_is_refused():
    with pytest.raises(CatalogueError, match="unknown table"):
        describe(SH, "coils", 1, 1)


def test_repeated_calls_give_the_same_answer():
    first = describe(SH, INPUT, 5003, 3)

    assert all(describe(SH, INPUT, 5003, 3) == first for _ in range(3))
    assert describe(SG, INPUT, 5003, 3)[0] == first[0]
