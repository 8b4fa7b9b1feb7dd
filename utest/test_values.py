"""Raw and engineering values through the Python API (what the keywords call)."""

import pytest

from SungrowMockLibrary import CatalogueError, MockSungrow
from SungrowMockLibrary.errors import ChoiceError


@pytest.fixture
def mock():
    return MockSungrow("SH10RT")  # not started: values work on a stopped mock too


def test_raw_value_given_as_text_is_parsed(mock):
    mock.set_register("5001", "655", "input")
    assert mock.get_register(5001, "input") == 655
    mock.set_register("5001", "0xAA", "input")
    assert mock.get_register(5001, "input") == 0xAA


def test_engineering_value_is_scaled(mock):
    mock.set_value("nominal_active_power", "8")
    assert mock.get_register("nominal_active_power") == 80
    mock.set_value("nominal_active_power", 7.5)
    assert mock.get_value("nominal_active_power") == 7.5


def test_setters_return_the_previous_value(mock):
    first = mock.set_value("nominal_active_power", 9)
    assert first == 10.0
    assert mock.set_register("nominal_active_power", 50) == 90


def test_text_register_takes_text(mock):
    mock.set_register("serial_number", "B000000001")
    assert mock.get_register(4990, "input") == "B000000001"


def test_number_in_both_tables_needs_a_table(mock):
    with pytest.raises(CatalogueError, match="give table=input or table=holding"):
        mock.get_register(5000)


def test_unknown_register_name_suggests_close_names(mock):
    with pytest.raises(CatalogueError, match="did you mean nominal_active_power"):
        mock.get_register("nominal_active_powr")


def test_unknown_register_number_is_a_clear_error(mock):
    with pytest.raises(CatalogueError, match="no register starting at documented number 4991"):
        mock.get_register(4991)


def test_unknown_table_names_the_choices(mock):
    with pytest.raises(ChoiceError, match="unknown table 'coils'; valid: input, holding"):
        mock.get_register(5000, "coils")


def test_raw_value_that_does_not_fit_is_refused(mock):
    with pytest.raises(CatalogueError, match="does not fit U16"):
        mock.set_register("nominal_active_power", 70000)
    with pytest.raises(CatalogueError, match="integer raw value"):
        mock.set_register("nominal_active_power", "lots")
