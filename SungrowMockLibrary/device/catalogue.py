"""Model and register catalogues, loaded once from the package's data files.

``models.toml`` says what each model *is* (kinds, product families, models); ``registers.csv``
lists every register of both kinds (see ``data/README.md`` for the columns); ``undocumented.csv``
the words a real device answers where no register is documented. :func:`layout` joins them
into the register set one model really has.
"""

from __future__ import annotations

import csv
import itertools
import tomllib
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources
from typing import TypeVar

from ..errors import CatalogueError
from ..records import Record
from ..vocabulary import Table
from . import codec

INPUT, HOLDING = Table.input.value, Table.holding.value  # plain text: table keys are hashed per request
TABLES = tuple(Table)
T = TypeVar("T")


class Register(Record):
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
    kind: str  # SH, SG or * (both)
    requires: tuple[str, ...]
    note: str

    def __init__(
        self, table: str, number: int, name: str, type: str, words: int, unit: str, scale: float, writable: bool,
        enum: dict[int, str] | None, range: tuple[int, int] | None, default: str, kind: str, requires: tuple[str, ...],
        note: str = "",
    ):  # fmt: skip
        self.__dict__.update(
            table=table, number=number, name=name, type=type, words=words, unit=unit, scale=scale, writable=writable,
            enum=enum, range=range, default=default, kind=kind, requires=requires, note=note,
        )  # fmt: skip

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


class UndocumentedWords(Record):
    """Words inside a family's blocks that no document names, as a real device answers them."""

    table: str
    number: int
    words: tuple[int, ...]
    kind: str
    note: str

    def __init__(self, table: str, number: int, words: tuple[int, ...], kind: str, note: str = ""):
        self.__dict__.update(table=table, number=number, words=words, kind=kind, note=note)

    @property
    def last(self) -> int:
        return self.number + len(self.words) - 1


class Model(Record):
    """One inverter model from the model catalogue: its own facts and those of its family and kind."""

    name: str
    family: str  # the product family (SG-RT, SH-RS, ...)
    kind: str  # the register set: SH (hybrid) or SG (string), the key into registers.csv's `kind`
    type_code: int
    nominal_power_kw: float
    phases: int
    output_type: int
    mppts: int
    strings_per_mppt: tuple[int, ...]
    battery: bool
    meter: bool
    serial: str
    winet_dev_type: int
    arm_version: str
    dsp_version: str
    input_blocks: tuple[tuple[int, int], ...]
    holding_blocks: tuple[tuple[int, int], ...]
    aliases: tuple[str, ...]
    guesses: tuple[str, ...]
    features: frozenset[str]

    def __init__(
        self, name: str, family: str, kind: str, type_code: int, nominal_power_kw: float, phases: int, output_type: int,
        mppts: int, strings_per_mppt: tuple[int, ...], battery: bool, meter: bool, serial: str, winet_dev_type: int,
        arm_version: str, dsp_version: str, input_blocks: tuple[tuple[int, int], ...],
        holding_blocks: tuple[tuple[int, int], ...], aliases: tuple[str, ...] = (), guesses: tuple[str, ...] = (),
        features: frozenset[str] = frozenset(),
    ):  # fmt: skip
        self.__dict__.update(
            name=name, family=family, kind=kind, type_code=type_code, nominal_power_kw=nominal_power_kw, phases=phases,
            output_type=output_type, mppts=mppts, strings_per_mppt=strings_per_mppt, battery=battery, meter=meter,
            serial=serial, winet_dev_type=winet_dev_type, arm_version=arm_version, dsp_version=dsp_version,
            input_blocks=input_blocks, holding_blocks=holding_blocks, aliases=aliases, guesses=guesses, features=features,
        )  # fmt: skip

    def blocks(self, table: str) -> tuple[tuple[int, int], ...]:
        return self.input_blocks if table == INPUT else self.holding_blocks

    def answers(self, register: Register) -> bool:
        """Whether ``register`` lies inside one of the blocks this model's firmware answers."""
        return any(low <= register.number and register.last <= high for low, high in self.blocks(register.table))

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


class Layout(Record):
    """The registers one model has, indexed for lookups by number and by name."""

    model: Model
    registers: tuple[Register, ...]
    by_name: dict[str, Register]
    by_start: dict[tuple[str, int], Register]
    undocumented: tuple[UndocumentedWords, ...]

    def __init__(
        self, model: Model, registers: tuple[Register, ...], by_name: dict[str, Register],
        by_start: dict[tuple[str, int], Register], undocumented: tuple[UndocumentedWords, ...] = (),
    ):  # fmt: skip
        # _shared: what shared() built, one copy per layout (one per model), however many devices use it.
        self.__dict__.update(model=model, registers=registers, by_name=by_name, by_start=by_start,
                             undocumented=undocumented, _shared={})  # fmt: skip

    def shared(self, build: Callable[[Layout], T]) -> T:
        """``build(self)``, built once per layout and shared by every device of the model: for
        read-only data derived from the layout alone (a thousand inverters of a model keep one)."""
        try:
            return self._shared[build]
        except KeyError:
            value = self._shared[build] = build(self)
            return value

    @property
    def shown_mppts(self) -> int:
        """How many MPPTs the registers show: the model's, or fewer when the register catalogue has
        registers for fewer (see data/README.md)."""
        count = 0
        while count < self.model.mppts and f"mppt_{count + 1}_voltage" in self.by_name:
            count += 1
        return count

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
        from difflib import get_close_matches  # only a refusal needs it

        close = get_close_matches(name, self.by_name, n=5, cutoff=0.6)
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
            kind=row["kind"].strip(),
            requires=tuple(row["requires"].split()),
            note=row.get("note", "").strip(),
        )
    except (KeyError, ValueError) as error:
        raise CatalogueError(f"registers.csv line {line}: {error}") from None


@cache
def _register_rows() -> tuple[tuple[int, dict[str, str]], ...]:
    """The rows of ``registers.csv`` as text, each with its line number (as errors name it)."""
    text = resources.files(__package__).joinpath("data/registers.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(enumerate(rows, start=2))


@cache
def all_registers() -> tuple[Register, ...]:
    """Every register of the register catalogue, in file order."""
    return tuple(_parse_register(row, n) for n, row in _register_rows())


@cache
def _registers_of(kind: str) -> tuple[Register, ...]:
    """The registers of one kind (and of both), in file order: a start parses only its model's
    (decision §39; ``utest/test_catalogue.py`` parses them all)."""
    return tuple(_parse_register(row, n) for n, row in _register_rows() if (row.get("kind") or "*").strip() in ("*", kind))


def serial_of(type_code: int) -> str:
    """The serial of a model whose data gives none: ``A221``, the code in five decimal digits, ``0``
    (SH10RT, 0x0E03 = 3587: ``A221035870``); ten characters, as every client reads them."""
    return f"A221{type_code:05d}0"


def _family_values(data: dict, name: str, seen: tuple[str, ...] = ()) -> dict:
    """A family's values over its base family's, over its kind's (each level says only what differs)."""
    families = data["families"]
    if name not in families:
        raise CatalogueError(f"models.toml: unknown family {name!r}; valid: {', '.join(families)}")
    if name in seen:
        raise CatalogueError(f"models.toml: family {name!r} is its own base")
    spec = families[name]
    if "base" in spec:
        values = _family_values(data, spec["base"], (*seen, name))
    else:
        kind = spec.get("kind")
        if kind not in data["kinds"]:
            raise CatalogueError(f"models.toml: family {name!r} has kind {kind!r}; valid: {', '.join(data['kinds'])}")
        values = {**data["kinds"][kind], "kind": kind, "guess": []}
    guesses = values["guess"] + spec.get("guess", [])
    values.update({k: v for k, v in spec.items() if k != "base"})
    values["guess"] = guesses
    return values


def _strings(spec: dict, mppts: int, name: str) -> tuple[int, ...]:
    strings = spec.get("strings", 1)
    strings = (strings,) * mppts if isinstance(strings, int) else tuple(strings)
    if len(strings) != mppts or any(not isinstance(n, int) or n < 1 for n in strings):
        raise CatalogueError(f"models.toml: {name} has {mppts} MPPTs but strings {spec.get('strings')!r}")
    return strings


MODEL_KEYS = frozenset({
    "family", "code", "kw", "mppts", "strings", "serial", "aliases", "guess", "phases", "battery", "meter", "features",
})  # fmt: skip
FAMILY_KEYS = frozenset({
    "kind", "base", "description", "winet_dev_type", "phases", "mppts", "battery", "meter", "arm_version", "dsp_version",
    "input_blocks", "holding_blocks", "guess", "features",
})  # fmt: skip


def _model(data: dict, name: str, spec: dict) -> Model:
    unknown = sorted(set(spec) - MODEL_KEYS) or sorted(set(data["families"].get(spec.get("family"), {})) - FAMILY_KEYS)
    if unknown or "family" not in spec or "code" not in spec or "kw" not in spec:
        raise CatalogueError(
            f"models.toml: {name} (or its family) has unknown field {unknown[0]!r}" if unknown
            else f"models.toml: {name} needs family, code and kw"
        )  # fmt: skip
    family = _family_values(data, spec["family"])
    fields = {**family, **spec}
    mppts, phases, battery, meter = fields["mppts"], fields["phases"], fields["battery"], fields["meter"]
    code = spec["code"]
    features = {f"mppt{n}" for n in range(1, mppts + 1)}
    features.add("three_phase" if phases == 3 else "single_phase")
    features.update(feature for feature, present in (("battery", battery), ("meter", meter)) if present)
    # Capabilities no count or flag says (a register set only some firmware has), as data.
    features.update(fields.get("features", ()))
    return Model(
        name=name,
        family=spec["family"],
        kind=family["kind"],
        type_code=code,
        nominal_power_kw=float(spec["kw"]),
        phases=phases,
        output_type=OUTPUT_TYPES[phases],
        mppts=mppts,
        strings_per_mppt=_strings(spec, mppts, name),
        battery=battery,
        meter=meter,
        serial=spec.get("serial", serial_of(code)),
        winet_dev_type=family["winet_dev_type"],
        arm_version=family["arm_version"],
        dsp_version=family["dsp_version"],
        input_blocks=tuple(tuple(b) for b in family["input_blocks"]),
        holding_blocks=tuple(tuple(b) for b in family["holding_blocks"]),
        aliases=tuple(spec.get("aliases", ())),
        guesses=tuple(dict.fromkeys(family["guess"] + spec.get("guess", []))),
        features=frozenset(features),
    )


# Input register 5002 (output type) by number of phases: single phase, three-phase four-wire (P2.1).
OUTPUT_TYPES = {1: 0, 3: 1}


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
                UndocumentedWords(row["table"].strip(), int(row["number"]), words, row["kind"].strip(), row.get("note", "").strip())
            )
        except (KeyError, ValueError) as error:
            raise CatalogueError(f"undocumented.csv line {line}: {error}") from None
    return tuple(result)


@cache
def _text() -> str:
    return resources.files(__package__).joinpath("data/models.toml").read_text(encoding="utf-8")


@cache
def _data() -> dict:
    """``models.toml``, parsed once."""
    return tomllib.loads(_text())


@cache
def _sections() -> tuple[dict, tuple[str, ...]]:
    """``models.toml`` without its ``[models]`` table, parsed (the kinds and families), and that
    table's lines: TOML writes an inline table on one line, so each model is one line, a TOML
    document of its own (decision §39)."""
    lines = _text().splitlines()
    header = lines.index("[models]")
    end = next((n for n in range(header + 1, len(lines)) if lines[n].startswith("[")), len(lines))
    rest = tomllib.loads("\n".join(lines[:header] + lines[end:]))
    return rest, tuple(line for line in lines[header + 1 : end] if line.strip() and not line.lstrip().startswith("#"))


@lru_cache(maxsize=256)  # every Inverter asks for its layout by name: a fleet of 1000 asked 1000 times
def _found_alone(upper: str) -> tuple[str, dict] | None:
    """The model named or aliased ``upper`` (upper case) and its entry, found by parsing only the
    lines of the ``[models]`` table that mention it; None when none does (or a line does not parse:
    the whole file's parse then says where). The last model naming it wins, as in :func:`_names`."""
    found = None
    for line in _sections()[1]:
        if upper in line.upper():
            try:
                entries = tomllib.loads(line)
            except tomllib.TOMLDecodeError:
                return None
            for name, spec in entries.items():
                if isinstance(spec, dict) and upper in (n.upper() for n in (name, *spec.get("aliases", ()))):
                    found = (name, spec)
    return found


_specs: dict[str, dict] = {}  # the entries of the models found one line at a time (model())


@cache
def _built(name: str) -> Model:
    """One model of the catalogue, built when first asked for: a mock builds only its own."""
    spec = _specs[name] if name in _specs else _data()["models"][name]
    return _model(_sections()[0], name, spec)


@cache
def models() -> dict[str, Model]:
    """The model catalogue, by model name."""
    result = {name: _built(name) for name in _data()["models"]}
    codes: dict[int, str] = {}
    for the_model in result.values():
        if the_model.type_code in codes:
            raise CatalogueError(
                f"models.toml: {the_model.name} and {codes[the_model.type_code]} share code 0x{the_model.type_code:04X}"
            )
        codes[the_model.type_code] = the_model.name
    return result


@cache
def families() -> dict[str, tuple[Model, ...]]:
    """The models of each product family, in catalogue order."""
    grouped: dict[str, list[Model]] = {}
    for the_model in models().values():
        grouped.setdefault(the_model.family, []).append(the_model)
    return {name: tuple(members) for name, members in grouped.items()}


@cache
def _names() -> dict[str, str]:
    """Every name and alias, upper case, to its model's name."""
    names = {}
    for model_name, spec in _data()["models"].items():
        for name in (model_name, *spec.get("aliases", ())):
            names[name.upper()] = model_name
    return names


def _type_code(text: str) -> int | None:
    """A device type code written as ``0x0E03`` or ``3587``, else None."""
    try:
        return int(text, 16) if text[:2].lower() == "0x" else int(text) if text.isdigit() else None
    except ValueError:
        return None


def model_by_code(code: int) -> Model | None:
    """The model that reports device type code ``code``, or None."""
    return next((m for m in models().values() if m.type_code == code), None)


def model(name: str | int) -> Model:
    """A model by name or alias (any case) or by device type code (``0x0E03`` or ``3587``).

    An unknown name fails naming the nearest names, an unknown code saying no model has it.
    """
    text = str(name).strip()
    code = name if isinstance(name, int) and not isinstance(name, bool) else _type_code(text)
    if code is not None:
        found = model_by_code(code)
        if found is None:
            raise CatalogueError(
                f"no model has device type code 0x{code:04X} ({code}); `sungrow-mock models` lists the "
                f"{len(models())} models and their codes"
            )
        return found
    found = _found_alone(text.upper())
    if found is not None:
        name, spec = found
        _specs.setdefault(name, spec)
        return _built(name)
    names = _names()
    if text.upper() in names:
        return _built(names[text.upper()])
    from difflib import get_close_matches  # only a refusal needs it

    close = get_close_matches(text.upper(), names, n=5, cutoff=0.4)
    hint = f"did you mean {', '.join(dict.fromkeys(names[c] for c in close))}?" if close else "no model name is close"
    raise CatalogueError(
        f"unknown model {text!r}; {hint} (a model name, or its device type code such as 0x0E03; "
        f"`sungrow-mock models` lists all {len(models())})"
    )


def layout(model_name: str) -> Layout:
    """The register layout of one model; raises if its registers overlap inside a table."""
    return _layout(model(model_name).name)


@cache
def _layout(model_name: str) -> Layout:
    the_model = _built(model_name)
    # A register of the model's kind that lies outside every block its family answers does not exist
    # on it (the SH statistics arrays on an SH-RS): it is not part of the layout.
    registers = tuple(r for r in _registers_of(the_model.kind) if the_model.answers(r))
    by_name: dict[str, Register] = {}
    by_start: dict[tuple[str, int], Register] = {}
    for register in registers:
        if register.name in by_name:
            raise CatalogueError(f"{the_model.name}: register name {register.name!r} is used twice")
        by_name[register.name] = register
        by_start[(register.table, register.number)] = register
    undocumented = tuple(w for w in undocumented_words() if w.kind in ("*", the_model.kind))
    for table in TABLES:
        spans = [(r.number, r.last, r.name) for r in registers if r.table == table]
        spans += [(w.number, w.last, f"undocumented words at {w.number}") for w in undocumented if w.table == table]
        for before, after in itertools.pairwise(sorted(spans)):
            if after[0] <= before[1]:
                raise CatalogueError(
                    f"{the_model.name}: {table} {before[2]} ({before[0]}..{before[1]}) and {after[2]} ({after[0]}) overlap"
                )
    return Layout(the_model, registers, by_name, by_start, undocumented)
