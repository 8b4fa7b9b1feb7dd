"""The snapshot file: one device's register words at one moment, saved, loaded, checked, applied.

A snapshot holds runs of raw words per table keyed by documented (1-based) numbers, and the
ranges the device refused. :meth:`Snapshot.save` writes diffable JSON; :meth:`Snapshot.load`
refuses anything that would corrupt a register image and names the file and the fault;
:meth:`Snapshot.apply` writes the words into a mock's inverter. :mod:`.recorder` makes them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..device import catalogue, codec
from ..device.catalogue import HOLDING, TABLES, CatalogueError
from ..errors import RecordingError
from ..simulation.inverter import CLOCK_FIELDS
from ..vocabulary import ADDRESS_SPACE

FORMAT = "sungrow-mock-snapshot"
VERSION = 1
UNIT_BYTE = (0, 255)  # a recording may come from any unit id the MBAP header can carry
_WORDS_PER_LINE = 10


@dataclass
class Snapshot:
    """The register words of one device at one moment, as answered over Modbus.

    ``tables`` maps each table to contiguous runs of words keyed by the documented number of the
    run's first word; ``unanswered`` lists the documented, inclusive ranges the device refused
    with a Modbus exception (those keep the replay mock's own values when applied).
    """

    model: str
    serial: str | None
    unit: int
    source: str
    recorded_at: str
    tables: dict[str, dict[int, list[int]]]
    unanswered: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def word_count(self) -> int:
        return sum(len(words) for runs in self.tables.values() for words in runs.values())

    def words(self, table: str, number: int, count: int = 1) -> list[int] | None:
        """Recorded words ``number..number+count-1`` of ``table``, or None if not all were recorded."""
        for first, words in self.tables.get(table, {}).items():
            if first <= number and number + count <= first + len(words):
                return words[number - first : number - first + count]
        return None

    # -- file ---------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the snapshot as JSON: a header, then each run with ten words per line.

        Tables, runs and keys always come in the same order and a run's line ``k`` always holds
        numbers ``first + 10k`` onwards, so two recordings of one device diff line by line.
        """
        self._validate("snapshot")
        header = {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model,
            "serial": self.serial,
            "unit": self.unit,
            "source": self.source,
            "recorded_at": self.recorded_at,
        }
        lines = ["{"]
        lines += [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
        lines.append('  "unanswered": {')
        ranges = {table: [list(r) for r in sorted(self.unanswered.get(table, []))] for table in TABLES}
        lines += _join([f'    "{table}": {json.dumps(ranges[table])}' for table in TABLES])
        lines.append("  },")
        lines.append('  "tables": {')
        table_parts = []
        for table in TABLES:
            runs = sorted(self.tables.get(table, {}).items())
            if not runs:
                table_parts.append(f'    "{table}": {{}}')
                continue
            run_parts = []
            for first, words in runs:
                rows = [
                    "        " + ", ".join(str(w) for w in words[i : i + _WORDS_PER_LINE])
                    for i in range(0, len(words), _WORDS_PER_LINE)
                ]
                run_parts.append(f'      "{first}": [\n' + ",\n".join(rows) + "\n      ]")
            table_parts.append(f'    "{table}": {{\n' + ",\n".join(run_parts) + "\n    }")
        lines += _join(table_parts)
        lines.append("  }")
        lines.append("}")
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as error:
            raise RecordingError(f"snapshot file {path} cannot be written: {error.strerror or error}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> Snapshot:
        """Read a snapshot written by :meth:`save`; the error names the file and what is wrong."""
        where = f"snapshot file {path}"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RecordingError(f"{where} does not exist") from None
        except (OSError, UnicodeDecodeError) as error:
            raise RecordingError(f"{where} cannot be read: {getattr(error, 'strerror', None) or error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecordingError(
                f"{where} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
            ) from None
        except RecursionError:
            raise RecordingError(f"{where} is not valid JSON: it is nested too deeply") from None
        snapshot = cls._from_json(data, where)
        snapshot._validate(where)
        return snapshot

    @classmethod
    def _from_json(cls, data, where: str) -> Snapshot:
        def fail(what: str):
            raise RecordingError(f"{where}: {what}")

        if not isinstance(data, dict):
            fail(f"expected a JSON object, found {type(data).__name__}")
        if data.get("format") != FORMAT:
            fail(f'is not a Sungrow mock snapshot ("format" is {data.get("format")!r}, expected {FORMAT!r})')
        if data.get("version") != VERSION:
            fail(f"snapshot version {data.get('version')!r} is not supported; this library reads version {VERSION}")
        for key, kinds in (("model", str), ("serial", (str, type(None))), ("source", str), ("recorded_at", str)):
            if not isinstance(data.get(key), kinds):
                fail(f'"{key}" is missing or not text')
        unit = data.get("unit")
        if isinstance(unit, bool) or not isinstance(unit, int):
            fail('"unit" is missing or not an integer')
        raw_tables = data.get("tables")
        raw_unanswered = data.get("unanswered", {})
        for key, value in (("tables", raw_tables), ("unanswered", raw_unanswered)):
            if not isinstance(value, dict):
                fail(f'"{key}" is missing or not an object')
            unknown = [t for t in value if t not in TABLES]
            if unknown:
                fail(f'"{key}" has unknown table {unknown[0]!r}; valid: {", ".join(TABLES)}')
        tables: dict[str, dict[int, list[int]]] = {}
        for table in TABLES:
            runs = raw_tables.get(table, {})
            if not isinstance(runs, dict):
                fail(f"tables.{table} is not an object of runs")
            tables[table] = {}
            for key, words in runs.items():
                if not (key.isascii() and key.isdigit()):
                    fail(f"tables.{table}: run key {key!r} is not a documented register number")
                if not isinstance(words, list):
                    fail(f"tables.{table}.{key} is not a list of words")
                tables[table][int(key)] = words
        unanswered: dict[str, list[tuple[int, int]]] = {}
        for table in TABLES:
            ranges = raw_unanswered.get(table, [])
            if not isinstance(ranges, list) or not all(
                isinstance(r, list) and len(r) == 2 and all(_is_int(n) for n in r) for r in ranges
            ):
                fail(f"unanswered.{table} is not a list of [first, last] pairs")
            unanswered[table] = [(first, last) for first, last in ranges]
        return cls(
            model=data["model"],
            serial=data.get("serial"),
            unit=unit,
            source=data["source"],
            recorded_at=data["recorded_at"],
            tables=tables,
            unanswered=unanswered,
        )

    def _validate(self, where: str) -> None:
        """Refuse content that would corrupt a register image (words out of range, runs overlapping).

        Also spells the model as the catalogue does, so ``"sh10rt"`` compares equal to an inverter's.
        """
        try:
            self.model = catalogue.model(self.model).name
        except CatalogueError as error:
            raise RecordingError(f"{where}: {error}") from None
        if not UNIT_BYTE[0] <= self.unit <= UNIT_BYTE[1]:
            raise RecordingError(f"{where}: unit {self.unit} is out of range; valid: {UNIT_BYTE[0]}..{UNIT_BYTE[1]}")
        low, high = codec.limits("U16")
        for table, runs in self.tables.items():
            if table not in TABLES:
                raise RecordingError(f"{where}: unknown table {table!r}; valid: {', '.join(TABLES)}")
            end = 0
            for first, words in sorted(runs.items()):
                label = f"{where}: {table} run {first}"
                if not words:
                    raise RecordingError(f"{label} is empty")
                last = first + len(words) - 1
                if first < 1 or last > ADDRESS_SPACE:
                    raise RecordingError(f"{label} covers {first}..{last}, outside the registers 1..{ADDRESS_SPACE}")
                if first <= end:
                    raise RecordingError(f"{label} overlaps the run before it (which ends at {end})")
                bad = next((w for w in words if not _is_int(w) or not low <= w <= high), None)
                if bad is not None:
                    raise RecordingError(f"{label} holds {bad!r}, which is not a 16-bit word ({low}..{high})")
                end = last
        for table, ranges in self.unanswered.items():
            for first, last in ranges:
                if not 1 <= first <= last <= ADDRESS_SPACE:
                    raise RecordingError(f"{where}: unanswered {table} range {first}..{last} is not a valid range")

    # -- replay -------------------------------------------------------------------------------

    def apply(self, inverter, pin: bool = False) -> int:
        """Write every recorded word into ``inverter``'s image; returns how many words were written.

        With ``pin``, registers entirely covered by the recording are pinned, so a simulated mock
        shows the recorded values until they are released; without, a simulation starts from them.
        The clock registers keep following the mock's clock. Run it on the mock's loop (or before
        the mock starts) so no read sees half of it.
        """
        self._validate("snapshot")
        if inverter.model.name != self.model:
            raise RecordingError(
                f"snapshot of a {self.model} (recorded from {self.source}) cannot be applied to a "
                f"{inverter.model.name}; start the mock as a {self.model}"
            )
        written = 0
        for table in TABLES:
            for first, words in sorted(self.tables.get(table, {}).items()):
                inverter.image.put_words(table, first, words)
                written += len(words)
        inverter.show_clock()  # the recorded time was written over the clock registers
        for register in inverter.layout.registers if pin else ():
            # The clock registers always show the mock's own clock (PROTOCOLS §2.6.1): pinning
            # them would not hold the recorded time, so the replay mock's clock decides.
            is_clock = register.table == HOLDING and register.name in CLOCK_FIELDS
            if not is_clock and self.words(register.table, register.number, register.words) is not None:
                inverter.pinned.add((register.table, register.number))
        if self.serial:
            # Doors that report the serial outside the registers (WiNet dev_sn) must agree with them.
            inverter.serial = self.serial
        return written


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _join(parts: list[str]) -> list[str]:
    return [part + ("," if i < len(parts) - 1 else "") for i, part in enumerate(parts)]
