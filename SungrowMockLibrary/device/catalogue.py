"""Model and register catalogues, loaded once from the package's data files.

``models.toml`` says what each model *is*; ``registers.csv`` lists every register of both
families (see ``data/README.md`` for the columns); ``undocumented.csv`` the words a real device
answers where no register is documented. :func:`layout` joins them into the register set one
model really has.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ..errors import CatalogueError
from ..vocabulary import Table
from . import codec

INPUT, HOLDING = Table.input.value, Table.holding.value  # plain text: table keys are hashed per request
TABLES = tuple(Table)


@dataclass(frozen=True)
class Register:
    """One register as documented: 1-based number, table, datatype, scale and rules."""

    table: str
    number: int
    name: str
    type: str
    words: int
    unit: str
    scale: float
    writable: bool
    enum: dict[int, str] | None
    range: tuple[int, int] | None
    default: str
    family: str
    requires: tuple[str, ...]
    note: str = ""

    @property
    def last(self) -> int:
        """Documented number of the register's last word."""
        return self.number + self.words - 1

    @property
    def is_text(self) -> bool:
        return self.type == codec.STRING_TYPE

    def raw_of(self, label: str) -> int:
        """The raw value of an enumeration label (``start_stop``: ``stop`` -> 0xCE), any case."""
        for raw, name in (self.enum or {}).items():
            if name.lower() == str(label).strip().lower():
                return raw
        raise CatalogueError(f"{label!r} is not a value of {self.name}; valid: {self.allowed()}")

    def allowed_values(self) -> dict:
        """The values a write may set, as data: ``{"enum": {raw: label}}``, ``{"range": [low, high]}``
        (raw), ``{"text": max bytes}``, or the datatype's limits as a range."""
        if self.enum:
            return {"enum": dict(self.enum)}
        if self.range:
            return {"range": list(self.range)}
        if self.is_text:
            return {"text": 2 * self.words}
        return {"range": list(codec.limits(self.type))}

    def allowed(self) -> str:
        """Human description of the values this register accepts."""
        if self.enum:
            return ", ".join(f"{raw} ({label})" for raw, label in self.enum.items())
        if self.range:
            raw = f"{self.range[0]}..{self.range[1]}"
            if self.scale == 1:
                return raw
            low, high = (round(v * self.scale, 6) for v in self.range)
            return f"{low:g}..{high:g} {self.unit} (raw {raw})".replace("  ", " ")
        if self.is_text:
            return f"text of at most {2 * self.words} bytes"
        low, high = codec.limits(self.type)
        return f"{low}..{high}"

    def check_raw(self, raw: int | str) -> None:
        """Raise :class:`CatalogueError` unless ``raw`` is a value this register accepts."""
        if self.is_text:
            codec.encode(self.type, raw, self.words)
            return
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise CatalogueError(f"{self.name} takes an integer raw value, got {raw!r}")
        ok = (
            raw in self.enum
            if self.enum
            else self.range[0] <= raw <= self.range[1]
            if self.range
            else codec.limits(self.type)[0] <= raw <= codec.limits(self.type)[1]
        )
        if not ok:
            raise CatalogueError(f"{raw} is not a valid value for {self.name}; valid: {self.allowed()}")


@dataclass(frozen=True)
class UndocumentedWords:
    """Words inside a family's blocks that no document names, as a real device answers them."""

    table: str
    number: int
    words: tuple[int, ...]
    family: str
    note: str = ""

    @property
    def last(self) -> int:
        return self.number + len(self.words) - 1


@dataclass(frozen=True)
class Model:
    """One inverter model from the model catalogue."""

    name: str
    family: str
    type_code: int
    nominal_power_kw: float
    phases: int
    output_type: int
    mppts: int
    strings_per_mppt: tuple[int, ...]
    battery: bool
    serial: str
    winet_dev_type: int
    arm_version: str
    dsp_version: str
    input_blocks: tuple[tuple[int, int], ...]
    holding_blocks: tuple[tuple[int, int], ...]
    features: frozenset[str] = field(default_factory=frozenset)

    def blocks(self, table: str) -> tuple[tuple[int, int], ...]:
        return self.input_blocks if table == INPUT else self.holding_blocks

    def field_value(self, name: str):
        """A model attribute, as referenced by ``@name`` defaults in the register catalogue."""
        if name == "nominal_power":
            return self.nominal_power_kw
        if name == "strings":
            return sum(self.strings_per_mppt)
        try:
            return getattr(self, name)
        except AttributeError:
            raise CatalogueError(f"register default refers to unknown model field @{name}") from None


@dataclass(frozen=True)
class Layout:
    """The registers one model has, indexed for lookups by number and by name."""

    model: Model
    registers: tuple[Register, ...]
    by_name: dict[str, Register]
    by_start: dict[tuple[str, int], Register]
    undocumented: tuple[UndocumentedWords, ...] = ()

    def present(self, register: Register) -> bool:
        """Whether the model really has ``register`` (else it reads as the sentinel)."""
        return all(token in self.model.features for token in register.requires)

    def find(self, ref: str | int, table: str | None = None) -> Register:
        """Look a register up by name or documented number (optionally restricted to a table)."""
        if table is not None and table not in TABLES:
            raise CatalogueError(f"unknown table {table!r}; valid: {', '.join(TABLES)}")
        number = _as_number(ref)
        if number is None:
            register = self.by_name.get(str(ref).strip())
            if register is None or (table and register.table != table):
                raise CatalogueError(self._unknown_name(str(ref)))
            return register
        candidates = [self.by_start[(t, number)] for t in (table,) if (t, number) in self.by_start] if table else [
            self.by_start[(t, number)] for t in TABLES if (t, number) in self.by_start
        ]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            names = " and ".join(f"{r.table} {r.number} ({r.name})" for r in candidates)
            raise CatalogueError(f"register {number} exists as {names}; give table=input or table=holding")
        where = f"{table} table" if table else "input or holding table"
        raise CatalogueError(
            f"{self.model.name} has no register starting at documented number {number} in the {where}; "
            "use Log Register Map to list the registers"
        )

    def _unknown_name(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.by_name, n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; use Log Register Map to list the registers"
        return f"{self.model.name} has no register named {name!r}{hint}"


def _as_number(ref: str | int) -> int | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    text = str(ref).strip()
    return int(text) if text.isdigit() else None


def _parse_int(text: str) -> int:
    return int(text, 0)


def _parse_values(text: str) -> tuple[dict[int, str] | None, tuple[int, int] | None]:
    text = text.strip()
    if not text:
        return None, None
    if ".." in text and "=" not in text:
        low, high = text.split("..")
        return None, (_parse_int(low), _parse_int(high))
    enum = {}
    for item in text.split("|"):
        raw, _, label = item.partition("=")
        enum[_parse_int(raw)] = label.strip() or raw.strip()
    return enum, None


def _parse_register(row: dict[str, str], line: int) -> Register:
    try:
        datatype = row["type"].strip()
        words = codec.word_count(datatype, int(row["words"]) if row["words"].strip() else None)
        enum, value_range = _parse_values(row["values"])
        return Register(
            table=row["table"].strip(),
            number=int(row["number"]),
            name=row["name"].strip(),
            type=datatype,
            words=words,
            unit=row["unit"].strip(),
            scale=float(row["scale"]) if row["scale"].strip() else 1.0,
            writable=row["access"].strip() == "rw",
            enum=enum,
            range=value_range,
            default=row["default"].strip(),
            family=row["family"].strip(),
            requires=tuple(row["requires"].split()),
            note=row.get("note", "").strip(),
        )
    except (KeyError, ValueError) as error:
        raise CatalogueError(f"registers.csv line {line}: {error}") from None


@cache
def all_registers() -> tuple[Register, ...]:
    """Every register of the register catalogue, in file order."""
    text = resources.files(__package__).joinpath("data/registers.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(_parse_register(row, n) for n, row in enumerate(rows, start=2))


@cache
def undocumented_words() -> tuple[UndocumentedWords, ...]:
    """Every row of ``undocumented.csv``, in file order."""
    text = resources.files(__package__).joinpath("data/undocumented.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    result = []
    for line, row in enumerate(rows, start=2):
        try:
            words = tuple(_parse_int(word) for word in row["words"].split())
            if not words or not all(0 <= word <= 0xFFFF for word in words):
                raise ValueError(f"words must be 1 or more 16-bit values, got {row['words']!r}")
            result.append(
                UndocumentedWords(row["table"].strip(), int(row["number"]), words, row["family"].strip(), row.get("note", "").strip())
            )
        except (KeyError, ValueError) as error:
            raise CatalogueError(f"undocumented.csv line {line}: {error}") from None
    return tuple(result)


@cache
def models() -> dict[str, Model]:
    """The model catalogue, by model name."""
    text = resources.files(__package__).joinpath("data/models.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    result = {}
    for name, spec in data["models"].items():
        family = data["families"][spec["family"]]
        features = {f"mppt{n}" for n in range(1, spec["mppts"] + 1)}
        features.add("three_phase" if spec["phases"] == 3 else "single_phase")
        if spec["battery"]:
            features.add("battery")
        # Capabilities no count or flag says (a register set only some firmware has), as data.
        features.update(family.get("features", ()), spec.get("features", ()))
        result[name] = Model(
            name=name,
            family=spec["family"],
            type_code=spec["type_code"],
            nominal_power_kw=float(spec["nominal_power_kw"]),
            phases=spec["phases"],
            output_type=spec["output_type"],
            mppts=spec["mppts"],
            strings_per_mppt=tuple(spec["strings_per_mppt"]),
            battery=spec["battery"],
            serial=spec["serial"],
            winet_dev_type=family["winet_dev_type"],
            arm_version=family["arm_version"],
            dsp_version=family["dsp_version"],
            input_blocks=tuple(tuple(b) for b in family["input_blocks"]),
            holding_blocks=tuple(tuple(b) for b in family["holding_blocks"]),
            features=frozenset(features),
        )
    return result


def model(name: str) -> Model:
    """A model by name (case-insensitive); the error names the valid choices."""
    catalogue = models()
    for candidate in catalogue:
        if candidate.lower() == str(name).strip().lower():
            return catalogue[candidate]
    raise CatalogueError(f"unknown model {name!r}; valid: {', '.join(catalogue)}")


@cache
def layout(model_name: str) -> Layout:
    """The register layout of one model; raises if its registers overlap inside a table."""
    the_model = model(model_name)
    registers = tuple(r for r in all_registers() if r.family in ("*", the_model.family))
    by_name: dict[str, Register] = {}
    by_start: dict[tuple[str, int], Register] = {}
    for register in registers:
        if register.name in by_name:
            raise CatalogueError(f"{the_model.name}: register name {register.name!r} is used twice")
        by_name[register.name] = register
        by_start[(register.table, register.number)] = register
    undocumented = tuple(w for w in undocumented_words() if w.family in ("*", the_model.family))
    for table in TABLES:
        spans = [(r.number, r.last, r.name) for r in registers if r.table == table]
        spans += [(w.number, w.last, f"undocumented words at {w.number}") for w in undocumented if w.table == table]
        for before, after in itertools.pairwise(sorted(spans)):
            if after[0] <= before[1]:
                raise CatalogueError(
                    f"{the_model.name}: {table} {before[2]} ({before[0]}..{before[1]}) and {after[2]} ({after[0]}) overlap"
                )
    return Layout(the_model, registers, by_name, by_start, undocumented)
