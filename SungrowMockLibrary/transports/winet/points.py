"""Register values as the dongle reports them: text in the dongle's units (PROTOCOLS §4.3).

The numbers are the registers' own (so a value set over Modbus or by a keyword shows up here),
converted to the reported unit (W → kW, var → kvar, VA → kVA, °C → ℃) and rounded half-up to
the point's decimals. A register holding its "not available" sentinel (PROTOCOLS §1.5) is
reported as ``--``; a point whose register the model does not have is left out.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from ...device import codec
from ...device.catalogue import Register
from ...simulation.inverter import Inverter
from . import catalog
from .catalog import Point

NA = "--"
MAX_STRING_INDEX = 9  # sungrow-websocket reads only one digit after "%@" (PROTOCOLS §4.3)

_FACTORS = {
    ("W", "kW"): Decimal("0.001"),
    ("var", "kvar"): Decimal("0.001"),
    ("VA", "kVA"): Decimal("0.001"),
    ("W", "kVA"): Decimal("0.001"),  # active power as the real part of apparent power (conversion "apparent")
    ("kW", "W"): Decimal(1000),
    ("°C", "℃"): Decimal(1),
}


class PointError(ValueError):
    """A data-file row that does not fit the register catalogue (a bug in the data files)."""


def factor(from_unit: str, to_unit: str) -> Decimal:
    if from_unit == to_unit or not to_unit:
        return Decimal(1)
    try:
        return _FACTORS[(from_unit, to_unit)]
    except KeyError:
        raise PointError(f"no conversion from {from_unit!r} to {to_unit!r}") from None


def register_of(inverter: Inverter, name: str) -> Register | None:
    """The register ``name`` of this inverter, or None when the model does not have it."""
    register = inverter.layout.by_name.get(name)
    if register is None:
        raise PointError(f"{inverter.model.name} has no register named {name!r}")
    return register if inverter.layout.present(register) else None


def raw_of(inverter: Inverter, register: Register) -> int | str:
    return inverter.get_raw(register.number, register.table)


def engineering(register: Register, raw: int) -> Decimal:
    return Decimal(raw) * Decimal(repr(register.scale))


def fmt(value: Decimal, decimals: int) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def value_of(inverter: Inverter, point: Point, register_name: str | None = None, divisor: int = 1) -> str | None:
    """The reported text of one point; None when the model lacks the register."""
    name = register_name if register_name is not None else point.register
    if not name:
        return NA
    register = register_of(inverter, name)
    if register is None:
        return None
    raw = raw_of(inverter, register)
    if register.is_text:
        return str(raw)
    if raw == codec.sentinel(register.type):
        return NA
    conversion = point.conversion
    if conversion == "state":
        return catalog.states().get((register.name, raw), NA)
    if conversion == "raw":
        return str(raw)
    value = engineering(register, raw) * factor(register.unit, point.unit)
    if conversion == "positive":
        value = max(value, Decimal(0))
    elif conversion == "negative":
        value = max(-value, Decimal(0))
    elif conversion.startswith("if_bit:"):
        _, flag_name, bit = conversion.split(":")
        flag_register = register_of(inverter, flag_name)
        flags = raw_of(inverter, flag_register) if flag_register is not None else 0
        if not (flags >> int(bit)) & 1:
            value = Decimal(0)
    elif conversion.startswith("apparent:"):
        reactive = register_of(inverter, conversion.partition(":")[2])
        q = engineering(reactive, raw_of(inverter, reactive)) * factor(reactive.unit, "kvar") if reactive else 0
        value = Decimal(math.hypot(value, q))
    elif conversion == "string_current":
        value = value / divisor
    elif conversion not in ("", "voltage", "current", "string_voltage"):
        raise PointError(f"unknown conversion {conversion!r} for {point.data_name}")
    return fmt(value, point.decimals)


# -- per-service lists -------------------------------------------------------------------------


def data_list(inverter: Inverter, service: str) -> list[dict[str, str]]:
    """``real`` / ``real_battery`` items: data_name, data_value, data_unit (all text)."""
    items = []
    for point in catalog.points_of(service, inverter.model.kind):
        value = value_of(inverter, point)
        if value is not None:
            items.append({"data_name": point.data_name, "data_value": value, "data_unit": point.unit})
    return items


def direct_list(inverter: Inverter) -> list[dict[str, str]]:
    """``direct`` items: one per MPPT, then one per string (voltage and current as text)."""
    rows = catalog.points_of("direct", inverter.model.kind)
    mppt_rows = [p for p in rows if p.conversion in ("voltage", "current")]
    string_rows = [p for p in rows if p.conversion in ("string_voltage", "string_current")]
    model = inverter.model
    mppts = inverter.layout.shown_mppts
    items = []
    for n in range(1, mppts + 1):
        items.append(_direct_item(inverter, mppt_rows, n, None, 1))
    s = 0
    for n in range(1, mppts + 1):
        strings = model.strings_per_mppt[n - 1] if n <= len(model.strings_per_mppt) else 1
        for _ in range(strings):
            s += 1
            if s <= MAX_STRING_INDEX:
                items.append(_direct_item(inverter, string_rows, n, s, strings))
    return [item for item in items if item]


def _direct_item(inverter: Inverter, rows: list[Point], n: int, s: int | None, strings: int) -> dict[str, str]:
    item: dict[str, str] = {}
    for point in rows:
        kind = "voltage" if point.conversion.endswith("voltage") else "current"
        name = point.data_name.replace("{n}", str(n)).replace("{s}", str(s))
        value = value_of(inverter, point, point.register.replace("{n}", str(n)), strings)
        item["name"] = name
        item[kind] = NA if value is None else value
        item[f"{kind}_unit"] = point.unit
    return item


def named_values(inverter: Inverter, service: str) -> dict[str, tuple[str, str]]:
    """``statistics`` / ``runtime`` fields of one inverter: name → (text, unit)."""
    values = {}
    for point in catalog.points_of(service, inverter.model.kind):
        value = value_of(inverter, point)
        values[point.data_name] = (NA if value is None else value, point.unit)
    return values


def active_faults(inverter: Inverter) -> list[tuple[str, str, str]]:
    """(kind, fault_name, code) of every fault/alarm rule that holds for this inverter."""
    found = []
    for rule in catalog.fault_rules():
        if rule.kind not in ("*", inverter.model.kind):
            continue
        register = register_of(inverter, rule.register)
        if register is None:
            continue
        raw = raw_of(inverter, register)
        if raw == codec.sentinel(register.type) or not rule.active(raw):
            continue
        code = raw
        if rule.code_register:
            code_register = register_of(inverter, rule.code_register)
            code = raw_of(inverter, code_register) if code_register is not None else raw
        found.append((rule.severity, rule.fault_name, str(code)))
    return found
