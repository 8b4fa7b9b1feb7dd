"""The keyword surface of registers, faults and the journal: typed arguments, one return type,
getters that assert and retry, errors that name the valid choices."""

from __future__ import annotations

import inspect
import itertools
import types
import typing
from datetime import timedelta

import pytest

from SungrowMockLibrary.errors import (
    CatalogueError,
    FaultError,
    MockSungrowError,
    SungrowMockError,
)
from SungrowMockLibrary.faults import KINDS, Dose, FaultKind, Target
from SungrowMockLibrary.keyword_types import Door, Scope, Table
from SungrowMockLibrary.keywords.assertions import (
    AssertionArgumentError,
    AssertionOperator,
    get_verified,
)
from SungrowMockLibrary.keywords.context import LibraryContext
from SungrowMockLibrary.keywords.faults import NOT_FAULT_OPTIONS, FaultKeywords
from SungrowMockLibrary.keywords.journal import JournalKeywords
from SungrowMockLibrary.keywords.registers import (
    RegisterKeywords,
    allowed_text,
    register_map_html,
)
from SungrowMockLibrary.mock import MockSungrow
from SungrowMockLibrary.registry import MockRegistry

COMPONENTS = (RegisterKeywords, FaultKeywords, JournalKeywords)


def _keyword_methods():
    for component in COMPONENTS:
        for name, method in inspect.getmembers(component, inspect.isfunction):
            if getattr(method, "robot_name", None) is not None or hasattr(method, "robot_tags"):
                yield f"{component.__name__}.{name}", method


KEYWORD_METHODS = dict(_keyword_methods())


@pytest.fixture(scope="module")
def mock():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time="2026-06-21T12:00:00") as mock:
        yield mock


@pytest.fixture
def context(mock):
    context = LibraryContext(assertion_timeout=timedelta(seconds=0.3))
    context.registry = MockRegistry()
    context.registry.add(mock, "house")
    test = context.registry.open_scope(Scope.test, "a test")
    yield context
    context.registry.close_scope(test)
    mock.clear_faults()
    mock.release_all_registers()


# --- Inject Fault: one named, typed argument per key of the fault table ---


def _parameters(function) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


def test_inject_fault_takes_exactly_the_target_the_dose_and_every_kinds_parameters():
    target = set(Target._fields) - {"first", "last"} | {"registers"}
    dose = set(Dose._fields)
    kind_params = set(itertools.chain.from_iterable(spec.params for spec in KINDS.values()))
    parameters = _parameters(FaultKeywords.inject_fault)
    assert set(parameters) - set(NOT_FAULT_OPTIONS) == target | dose | kind_params
    assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters.values())


def test_inject_fault_arguments_are_typed_choices_and_times():
    hints = typing.get_type_hints(FaultKeywords.inject_fault)
    assert (hints["kind"], hints["scope"], hints["door"], hints["table"]) == (FaultKind, Scope, Door, Table)
    times = {name for spec in KINDS.values() for name, param in spec.params.items() if param.seconds} | {"duration"}
    assert times == {"delay", "max_delay", "duration"}
    for name in times:
        assert hints[name] is timedelta, name
    for name, parameter in _parameters(FaultKeywords.inject_fault).items():
        if name not in ("self", "kind"):
            assert parameter.kind is parameter.KEYWORD_ONLY and parameter.default is None, name


def test_every_kind_parameter_is_documented():
    documentation = FaultKeywords.inject_fault.__doc__
    for spec in KINDS.values():
        for name, param in spec.params.items():
            assert f"| ``{name}`` |" in documentation and param.help in documentation


def test_typed_arguments_reach_the_fault_as_values(context, mock):
    keywords = FaultKeywords(context)
    fault_id = keywords.inject_fault(
        FaultKind.delay, door=Door.modbus, registers="5000-5010", table=Table.input, times=2, after=1,
        probability="25%", seed=7, duration=timedelta(minutes=1), delay=timedelta(seconds=2),
        max_delay=timedelta(milliseconds=2500),
    )  # fmt: skip
    stats = FaultKeywords(context).get_fault_statistics(fault_id)
    assert stats["params"] == {"delay": 2.0, "max_delay": 2.5}
    assert stats["target"] == {"door": "modbus", "table": "input", "first": 5000, "last": 5010}
    assert stats["dose"] == {"times": 2, "after": 1, "probability": 0.25, "seed": 7, "duration": 60.0}
    assert stats["scope"] == "test"
    assert keywords.inject_fault(FaultKind.exception, code="0B", scope=Scope["global"]) == fault_id + 1
    assert keywords.get_fault_statistics(fault_id + 1)["params"] == {"code": 11}


def test_wrong_fault_arguments_name_the_valid_ones(context):
    keywords = FaultKeywords(context)
    with pytest.raises(FaultError, match=r"'code' must be one of 1, 2, 3, 4, 6, 11"):
        keywords.inject_fault(FaultKind.exception, code=5)
    with pytest.raises(FaultError, match=r"unknown key 'code' for fault kind 'reset'; valid: kind, scope, door, .*, duration$"):
        keywords.inject_fault(FaultKind.reset, code=2)
    with pytest.raises(FaultError, match=r"unknown key 'status' for fault kind 'delay'; valid: .*, duration, delay, max_delay$"):
        keywords.inject_fault(FaultKind.delay, delay=timedelta(seconds=1), status=500)
    with pytest.raises(FaultError, match=r"does not apply to door 'winet'; it applies to: modbus, encrypted"):
        keywords.inject_fault(FaultKind.no_response, door=Door.winet)
    with pytest.raises(FaultError, match=r"no fault with id 99; injected: none"):
        keywords.get_fault_statistics(99)


def test_fault_statistics_one_or_all(context):
    keywords = FaultKeywords(context)
    first = keywords.inject_fault(FaultKind.refuse, times=1)
    second = keywords.inject_fault(FaultKind.grid_loss)
    assert isinstance(keywords.get_fault_statistics(first), dict)
    assert [stats["id"] for stats in keywords.get_all_fault_statistics()] == [first, second]
    assert keywords.clear_faults(Scope.test) == 2 and keywords.get_all_fault_statistics() == []


# --- one return type per keyword ---


@pytest.mark.parametrize("name", sorted(KEYWORD_METHODS))
def test_every_keyword_returns_one_type(name):
    returned = typing.get_type_hints(KEYWORD_METHODS[name]).get("return", type(None))
    assert typing.get_origin(returned) not in (typing.Union, types.UnionType), f"{name} returns {returned}"


def test_the_components_expose_their_keywords():
    names = {name.split(".")[1] for name in KEYWORD_METHODS}
    assert {"inject_fault", "get_fault_statistics", "get_all_fault_statistics", "get_register",
            "get_register_text", "set_register_text", "get_inverter_value", "get_mock_requests"} <= names  # fmt: skip


# --- getters that assert and retry ---


def test_a_getter_without_operator_returns_the_value_at_once():
    assert get_verified(lambda: 7, None, None, None, timedelta(seconds=5), "x") == 7
    with pytest.raises(AssertionArgumentError, match="needs an assertion_operator; valid: ==, !=, <, >"):
        get_verified(lambda: 7, None, "7", None, timedelta(seconds=5), "x")


def test_a_getter_retries_until_the_value_passes():
    values = iter(range(100))
    assert get_verified(lambda: next(values), AssertionOperator[">="], "3", None, timedelta(seconds=5), "x") == 3


def test_a_getter_fails_with_the_last_value_after_the_timeout():
    with pytest.raises(AssertionError, match=r"Counter '1' \(int\) should be greater than '2' \(int\) \(still after 0.2 s\)"):
        get_verified(lambda: 1, AssertionOperator[">"], "2", None, timedelta(seconds=0.2), "Counter")
    with pytest.raises(AssertionError, match=r"^low: 1 < 2$"):
        get_verified(lambda: 1, AssertionOperator[">"], "2", "low: {value} < {expected}", timedelta(0), "Counter")


def test_expected_values_take_the_values_type():
    assert get_verified(lambda: 0x0E03, AssertionOperator["=="], "0x0E03", None, timedelta(0), "x") == 0x0E03
    assert get_verified(lambda: 12.3, AssertionOperator[">="], "12", None, timedelta(0), "x") == 12.3
    assert get_verified(lambda: 1234, AssertionOperator["contains"], "23", None, timedelta(0), "x") == 1234
    assert get_verified(lambda: "SAPPHIRE-H", AssertionOperator["^="], "SAPP", None, timedelta(0), "x") == "SAPPHIRE-H"
    with pytest.raises(AssertionArgumentError, match="assertion_expected 'many' is not a number"):
        get_verified(lambda: 1, AssertionOperator[">"], "many", None, timedelta(0), "x")
    with pytest.raises(AssertionArgumentError, match="'then' is not supported by this getter; valid: =="):
        get_verified(lambda: 1, AssertionOperator["then"], "value + 1", None, timedelta(0), "x")


def test_getters_assert_on_the_mock(context, mock):
    keywords = RegisterKeywords(context)
    assert keywords.get_register("device_type_code", AssertionOperator["=="], "0x0E03") == 0x0E03
    keywords.set_inverter_value("daily_power_yields", 12.3)
    assert keywords.get_inverter_value("daily_power_yields", AssertionOperator[">="], "12") == 12.3
    with pytest.raises(AssertionError, match=r"Inverter value daily_power_yields '12.3' \(float\) should be greater than '50.0'"):
        keywords.get_inverter_value("daily_power_yields", AssertionOperator[">"], "50", timeout=timedelta(0))
    assert keywords.get_register_text("serial_number", AssertionOperator["!="], "") == mock.get_register("serial_number")


def test_registers_keep_numbers_and_text_apart(context):
    keywords = RegisterKeywords(context)
    with pytest.raises(CatalogueError, match="serial_number is a text register .*use Get Register Text"):
        keywords.get_register("serial_number")
    with pytest.raises(CatalogueError, match="serial_number is a text register .*use Set Register Text"):
        keywords.set_register("serial_number", 1)
    with pytest.raises(CatalogueError, match="use Get Register Text"):
        keywords.get_inverter_value("arm_software_version")
    with pytest.raises(CatalogueError, match=r"battery_level is a number register \(U16\); use Set Register"):
        keywords.set_register_text("battery_level", "80")
    previous = keywords.set_register_text("serial_number", "B123456789")
    assert isinstance(previous, str) and keywords.get_register_text("serial_number") == "B123456789"


def test_errors_are_the_librarys_and_name_the_valid_choices(context):
    registers, journal = RegisterKeywords(context), JournalKeywords(context)
    with pytest.raises(MockSungrowError, match=r"no device at unit id 9; valid: 1 \(SH10RT\), 200 \(SBR096\)"):
        registers.get_register("battery_level", unit_id=9)
    with pytest.raises(MockSungrowError, match=r"no device at unit id 9; valid: 1 \(SH10RT\)"):
        journal.register_should_have_been_read("battery_level", unit_id=9)
    with pytest.raises(MockSungrowError, match="no mock with alias 'garage'; running: house"):
        registers.get_register("battery_level", alias="garage")
    with pytest.raises(CatalogueError, match="did you mean battery_level"):
        registers.get_inverter_value("battery_levle")
    with pytest.raises(CatalogueError, match="starts no register, so the value must be a raw integer"):
        journal.write_should_have_been_made("60000", "forced")
    for error in (MockSungrowError, CatalogueError, FaultError, AssertionArgumentError):
        assert issubclass(error, SungrowMockError)


# --- the register map shows what each register allows ---


def test_the_register_map_shows_allowed_values(mock):
    rows = {row["name"]: row for row in mock.register_map()}
    assert allowed_text(rows["ems_mode"]["allowed"]).startswith("0 -> self-consumption, 2 -> forced")
    assert allowed_text(rows["max_soc"]["allowed"]) == "[500, 1000]"
    assert allowed_text(rows["serial_number"]["allowed"]) == "text of at most 20 bytes"
    page = register_map_html([rows["ems_mode"], rows["max_soc"]])
    assert "<th>allowed (raw)</th>" in page and "2 -&gt; forced" in page and "<td>[500, 1000]</td>" in page
