"""Records (decision §40): immutable values as frozen dataclasses were, without generated code."""

import dataclasses

import pytest

from SungrowMockLibrary.device import battery, catalogue, hints
from SungrowMockLibrary.faults import KINDS, Dose, FaultEngine, RequestInfo, Target
from SungrowMockLibrary.journal import Request
from SungrowMockLibrary.keywords.access import AccessPolicy
from SungrowMockLibrary.options import OPTIONS, FleetOptions, StartOptions
from SungrowMockLibrary.records import MutableRecord, Record
from SungrowMockLibrary.scopes import OpenScope
from SungrowMockLibrary.simulation import history
from SungrowMockLibrary.transports.winet import WinetSettings, catalog
from SungrowMockLibrary.transports.winet.services import Call
from SungrowMockLibrary.transports.winet.sessions import Session
from SungrowMockLibrary.vocabulary import Scope


def every_kind_of_record() -> list[Record]:
    layout = catalogue.layout("SH10RT")
    kind = KINDS["delay"]
    return [
        layout, layout.model, layout.registers[0], layout.undocumented[0], battery.pack(), history.history_map()[0],
        hints._index(layout, "input"), kind, next(iter(kind.params.values())), RequestInfo("modbus", unit=1),
        Request(1, 2.0, "modbus", "127.0.0.1:5000", unit=1), OPTIONS["model"], AccessPolicy(),
        catalog.points()[0], catalog.fault_rules()[0], catalog.param_targets()[0], StartOptions.of(model="SG10RT"),
        FleetOptions.of(count=2), Target(door="modbus"), Dose(times=1), FaultEngine().inject("reset"),
        OpenScope(1, Scope.test), WinetSettings(), Session("token", 0.0), Call(None, {}),
    ]  # fmt: skip


@pytest.mark.parametrize("record", every_kind_of_record(), ids=lambda r: type(r).__name__)
def test_a_record_stores_exactly_its_fields(record):
    stored = set(vars(record)) if hasattr(record, "__dict__") else {name for name in record.__slots__ if hasattr(record, name)}
    assert {name for name in stored if not name.startswith("_")} == set(record._fields)


def test_a_record_compares_hashes_and_shows_as_a_frozen_dataclass_does():
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: tuple = ()

    class Spot(Record):
        x: int
        y: tuple

        def __init__(self, x: int, y: tuple = ()):
            self.__dict__.update(x=x, y=y)

    assert repr(Spot(1, (2,))) == repr(Point(1, (2,))).replace("Point", "Spot")
    assert Spot(1) == Spot(1) and Spot(1) != Spot(2) and Spot(1) != Point(1)
    assert hash(Spot(1, (2,))) == hash(Point(1, (2,)))
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        Spot(1).x = 2
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'x'"):
        del Spot(1).x


def test_a_mutable_record_changes_and_is_not_hashed_and_a_fault_is_only_itself():
    dose = Dose(times=1)
    dose.times = 2
    assert dose == Dose(times=2) and dose.as_dict()["times"] == 2 and dose.copy() == dose
    with pytest.raises(TypeError):
        hash(dose)
    assert isinstance(dose, MutableRecord)
    engine = FaultEngine()
    fault = engine.inject("reset")
    assert fault == fault and fault != engine.inject("reset") and {fault: 1}[fault] == 1
