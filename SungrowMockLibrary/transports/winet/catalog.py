"""The dongle's data files, loaded once: points, states, faults, parameters, identity, translations.

The files live in ``data/`` next to this module; ``data/README.md`` describes their columns.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from ...records import Record
from ..paths import dongle_facts


class Point(Record):
    """One reported value: ``data_name`` from ``register`` (empty = always "--") in ``unit``."""

    service: str
    kind: str  # the model kind (SH, SG) or *
    data_name: str
    register: str
    unit: str
    decimals: int
    conversion: str

    def __init__(self, service: str, kind: str, data_name: str, register: str, unit: str, decimals: int, conversion: str):
        self.__dict__.update(service=service, kind=kind, data_name=data_name, register=register, unit=unit,
                             decimals=decimals, conversion=conversion)  # fmt: skip

    def applies_to(self, kind: str) -> bool:
        return self.kind in ("*", kind)


class FaultRule(Record):
    kind: str  # the model kind (SH, SG) or *
    register: str
    when: str  # "nonzero" or a raw value
    severity: str  # "fault" or "alarm"
    fault_name: str
    code_register: str

    def __init__(self, kind: str, register: str, when: str, severity: str, fault_name: str, code_register: str):
        self.__dict__.update(kind=kind, register=register, when=when, severity=severity, fault_name=fault_name,
                             code_register=code_register)  # fmt: skip

    def active(self, raw: int) -> bool:
        return raw != 0 if self.when == "nonzero" else raw == int(self.when, 0)


class ParamTarget(Record):
    """One holding register a ``param`` write of (``type``, ``param_addr``) lands in.

    ``values`` maps what a client sends to the register's value label in the register catalogue
    (``power_switch`` "1" -> ``start``); the catalogue alone knows the raw value of a label.
    """

    type: str
    param_addr: str
    kind: str  # the model kind (SH, SG) or *
    register: str
    unit: str
    values: dict[str, str]
    param_name: str
    accuracy: int

    def __init__(self, type: str, param_addr: str, kind: str, register: str, unit: str, values: dict[str, str],
                 param_name: str, accuracy: int):  # fmt: skip
        self.__dict__.update(type=type, param_addr=param_addr, kind=kind, register=register, unit=unit, values=values,
                             param_name=param_name, accuracy=accuracy)  # fmt: skip

    def applies_to(self, kind: str) -> bool:
        return self.kind in ("*", kind)


def _text(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    lines = [line for line in _text(name).splitlines() if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


@cache
def points() -> tuple[Point, ...]:
    return tuple(
        Point(
            r["service"], r["kind"], r["data_name"], r["register"], r["unit"], int(r["decimals"] or 0),
            r["conversion"],
        )
        for r in _rows("points.csv")
    )


def points_of(service: str, kind: str) -> list[Point]:
    return [p for p in points() if p.service == service and p.applies_to(kind)]


@cache
def states() -> dict[tuple[str, int], str]:
    return {(r["register"], int(r["raw"], 0)): r["data_value"] for r in _rows("states.csv")}


@cache
def fault_rules() -> tuple[FaultRule, ...]:
    return tuple(
        FaultRule(r["kind"], r["register"], r["when"], r["severity"], r["fault_name"], r["code_register"])
        for r in _rows("faults.csv")
    )


def _values(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split("|") if item.strip())
    return {sent.strip(): label.strip() for sent, label in pairs}


@cache
def param_targets() -> tuple[ParamTarget, ...]:
    return tuple(
        ParamTarget(
            r["type"], r["param_addr"], r["kind"], r["register"], r["unit"], _values(r["values"]),
            r["param_name"], int(r["accuracy"] or 0),
        )
        for r in _rows("params.csv")
    )


def dongle() -> dict:
    return dongle_facts()  # one loader, outside this package (a Modbus door reads it too)


@cache
def properties_text() -> str:
    return _text("en_US.properties")


@cache
def properties() -> dict[str, str]:
    """The translation file as a dict (split at the first ``=``, as most clients do)."""
    result = {}
    for line in properties_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, _, text = line.partition("=")
            result[key] = text
    return result
