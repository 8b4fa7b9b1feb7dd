"""Faults written as text: the flat mappings of Robot keywords, the REST API and TOML fault files.

Both forms end in the same validation as :meth:`~.engine.FaultEngine.inject`, so a bad fault
fails where it is written, with the key that is wrong.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import FaultError
from . import values as v
from .engine import validate
from .kinds import KINDS, kind_spec
from .targets import Dose, Target

_TARGET_KEYS = ("door", "unit", "function", "table", "registers", "service")
_DOSE_KEYS = ("times", "after", "probability", "seed", "duration")
_COMMON_KEYS = ("kind", "scope", *_TARGET_KEYS, *_DOSE_KEYS)

_CONVERTERS: dict[str, Callable[[object], object]] = {
    "door": v.lower_text,
    "unit": v.integer,
    "function": v.integer,
    "table": v.lower_text,
    "registers": v.registers,
    "service": v.text,
    "times": v.integer,
    "after": v.integer,
    "probability": v.probability,
    "seed": v.integer,
    "duration": v.positive_time,
    "scope": v.lower_text,
}


def parse_fault(spec: Mapping) -> tuple[str, dict]:
    """A fault from a flat mapping of (usually text) values: ``(kind, keyword arguments for inject)``.

    Keys are ``kind``, ``scope``, the target keys (``door``, ``unit``, ``function``, ``table``,
    ``registers`` as ``"5003"``, ``"5000-5010"`` or ``"5000..5010"``, ``service``), the dose keys
    (``times``, ``after``, ``probability``, ``seed``, ``duration`` as a Robot time string) and the
    kind's own parameters. Empty values count as not given. The result is validated as ``inject``
    would validate it, so a bad fault fails where it is written.
    """
    given = {}
    for key, value in spec.items():
        name = str(key).strip().lower().replace(" ", "_").replace("-", "_")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        given[name] = value
    if "kind" not in given:
        raise FaultError(f"a fault needs a 'kind'; valid kinds: {', '.join(KINDS)}", key="kind")
    kind, row = kind_spec(given.pop("kind"))
    values = {}
    for key, value in given.items():
        if key in _CONVERTERS:
            try:
                values[key] = _CONVERTERS[key](value)
            except v.Invalid as error:
                raise FaultError(f"{key!r} {error}", key=key) from None
        elif key not in row.params:
            valid = ", ".join(_COMMON_KEYS + tuple(row.params))
            raise FaultError(f"unknown key {key!r} for fault kind '{kind}'; valid: {valid}", key=key)
    first, last = values.pop("registers", (None, None))
    target = Target(**{key: values.pop(key) for key in _TARGET_KEYS if key in values}, first=first, last=last)
    dose = Dose(**{key: values.pop(key) for key in _DOSE_KEYS if key in values})
    kwargs = {key: value for key, value in given.items() if key in row.params}
    _, scope, converted = validate(kind, values.pop("scope", "test"), target, dose, kwargs)
    params = {key: converted[key] for key in kwargs}
    return kind, {"scope": scope, "target": target, "dose": dose, **params}


def load_fault_file(path) -> list[tuple[str, dict]]:
    """The faults of a TOML file's ``[[fault]]`` tables, each parsed as :func:`parse_fault` does."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as error:
        raise FaultError(f"cannot read fault file {str(path)!r}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise FaultError(f"fault file {str(path)!r} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise FaultError(f"fault file {str(path)!r} is not valid TOML: it is not UTF-8 text") from None
    except RecursionError:
        raise FaultError(f"fault file {str(path)!r} is not valid TOML: it is nested too deeply") from None
    unknown = [key for key in document if key != "fault"]
    if unknown:
        raise FaultError(f"fault file {str(path)!r}: unknown top-level key {unknown[0]!r}; "
                         "write each fault as a [[fault]] table", key=unknown[0])
    tables = document.get("fault", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise FaultError(f"fault file {str(path)!r}: 'fault' must be an array of tables: write [[fault]]",
                         key="fault")
    faults = []
    for index, table in enumerate(tables, start=1):
        nested = [key for key, value in table.items() if isinstance(value, dict)]
        try:
            if nested:
                raise FaultError(f"key {nested[0]!r} is a table; fault keys take plain values", key=nested[0])
            faults.append(parse_fault(table))
        except FaultError as error:
            where = f"fault file {str(path)!r}, fault {index}"
            if error.key is not None:
                where += f", key {error.key!r}"
            raise FaultError(f"{where}: {error}", key=error.key) from None
    return faults
