"""Record a real (or mock) inverter's registers over Modbus TCP and replay them in a mock.

:func:`record` reads every register block of the device's model (PROTOCOLS §1.3: FC 04 input,
FC 03 holding; §1.6: at most 125 registers per read) into a :class:`Snapshot`, which is saved as
JSON and applied to a mock's inverter later. Numbers are documented (1-based) throughout; the
wire address (documented - 1, §1.2) exists only in :class:`_ModbusClient`.

The client is a plain socket on purpose: a recorder must survive devices that misbehave (wrong
transaction ids, truncated frames, the WiNet-S short exception frame of §1.8) and tell the user
exactly what went wrong, and every step is bounded by the caller's timeout.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .device import catalogue, codec
from .device.catalogue import HOLDING, INPUT, TABLES, CatalogueError, Model
from .errors import RecordingError

FORMAT = "sungrow-mock-snapshot"
VERSION = 1
MAX_READ = 125  # PROTOCOLS §1.6: the byte count of an FC 03/04 reply must fit in one byte
TABLE_SIZE = 0x10000
TYPE_CODE_REGISTER = 5000  # input, PROTOCOLS §2.2
# Holding 5000..5005 always show the mock's own clock (PROTOCOLS §2.6.1), so pinning them would
# not hold the recorded time; the replay mock's clock decides what they read.
_CLOCK = (5000, 5005)
_WORDS_PER_LINE = 10
_FUNCTIONS = {INPUT: 4, HOLDING: 3}


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
    def load(cls, path: str | os.PathLike) -> "Snapshot":
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
        snapshot = cls._from_json(data, where)
        snapshot._validate(where)
        return snapshot

    @classmethod
    def _from_json(cls, data, where: str) -> "Snapshot":
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
                if not key.isdigit():
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
            serial=data["serial"],
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
        if not 0 <= self.unit <= 255:
            raise RecordingError(f"{where}: unit {self.unit} is out of range; valid: 0..255")
        for table, runs in self.tables.items():
            if table not in TABLES:
                raise RecordingError(f"{where}: unknown table {table!r}; valid: {', '.join(TABLES)}")
            end = 0
            for first, words in sorted(runs.items()):
                label = f"{where}: {table} run {first}"
                if not words:
                    raise RecordingError(f"{label} is empty")
                last = first + len(words) - 1
                if first < 1 or last > TABLE_SIZE:
                    raise RecordingError(f"{label} covers {first}..{last}, outside the registers 1..{TABLE_SIZE}")
                if first <= end:
                    raise RecordingError(f"{label} overlaps the run before it (which ends at {end})")
                bad = next((w for w in words if not _is_int(w) or not 0 <= w <= 0xFFFF), None)
                if bad is not None:
                    raise RecordingError(f"{label} holds {bad!r}, which is not a 16-bit word (0..65535)")
                end = last
        for table, ranges in self.unanswered.items():
            for first, last in ranges:
                if not 1 <= first <= last <= TABLE_SIZE:
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
        for register in inverter.layout.registers if pin else ():
            is_clock = register.table == HOLDING and register.number <= _CLOCK[1] and register.last >= _CLOCK[0]
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


# -- recording --------------------------------------------------------------------------------


class _Refused(Exception):
    """The device answered a read with a Modbus exception."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class _ModbusClient:
    """One Modbus TCP connection reading registers one request at a time.

    Each request must be answered completely within ``timeout`` (not per byte), so a device
    that trickles bytes cannot stretch a recording beyond its bound.
    """

    def __init__(self, host: str, port: int, unit: int, timeout: float):
        self.source = f"{host}:{port}"
        self.unit = unit
        self.timeout = timeout
        self._transaction = 0
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            raise RecordingError(f"cannot connect to {self.source}: no answer within {timeout:g} s") from None
        except OSError as error:
            raise RecordingError(f"cannot connect to {self.source}: {error.strerror or error}") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "_ModbusClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self, table: str, number: int, count: int) -> list[int]:
        """Words ``number..number+count-1`` of ``table``; raises :class:`_Refused` on an exception reply."""
        function = _FUNCTIONS[table]
        self._transaction = self._transaction % 0xFFFF + 1
        transaction = self._transaction
        what = f"FC {function:02d} {table} {number}..{number + count - 1}"
        deadline = time.monotonic() + self.timeout
        request = struct.pack(">HHHBBHH", transaction, 0, 6, self.unit, function, number - 1, count)
        self._io(lambda: self._sock.sendall(request), what, deadline)
        header = self._receive(7, what, deadline)
        reply_transaction, protocol, length, unit = struct.unpack(">HHHB", header)
        if protocol != 0 or not 2 <= length <= 254:
            raise RecordingError(f"{self.source} sent an invalid MBAP header ({header.hex(' ')}) in reply to {what}")
        body = self._receive(length - 1, what, deadline)
        if reply_transaction != transaction:
            raise RecordingError(
                f"{self.source} answered {what} with transaction id {reply_transaction}, expected {transaction}"
            )
        if unit != self.unit:
            raise RecordingError(f"{self.source} answered {what} for unit {unit}, expected unit {self.unit}")
        if body[0] == function | 0x80:
            if len(body) == 1:
                # WiNet-S firmware says length 2 but still sends the exception code (PROTOCOLS §1.8).
                body += self._receive(1, what, deadline)
            if len(body) != 2:
                raise RecordingError(f"{self.source} sent a malformed exception reply to {what}: {body.hex(' ')}")
            raise _Refused(body[1])
        if body[0] != function:
            raise RecordingError(f"{self.source} answered {what} with function code {body[0]:#04x}")
        if len(body) != 2 + 2 * count or body[1] != 2 * count:
            byte_count = body[1] if len(body) > 1 else "none"
            raise RecordingError(
                f"{self.source} answered {what} with {len(body[2:])} data bytes (byte count {byte_count}), "
                f"expected {2 * count}"
            )
        return list(struct.unpack(f">{count}H", body[2:]))

    def _receive(self, size: int, what: str, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._io(lambda: self._sock.recv(size - len(data)), what, deadline)
            if not chunk:
                raise RecordingError(
                    f"{self.source} closed the connection after {len(data)} of {size} bytes of its reply to {what}"
                )
            data += chunk
        return data

    def _io(self, operation, what: str, deadline: float):
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            return operation()
        except TimeoutError:
            raise RecordingError(
                f"no complete reply from {self.source} to {what} (unit {self.unit}) within {self.timeout:g} s; "
                "is the unit id right?"
            ) from None
        except OSError as error:
            reason = error.strerror or error
            raise RecordingError(f"connection to {self.source} failed during {what}: {reason}") from None


def _detect(client: _ModbusClient) -> Model:
    try:
        (code,) = client.read(INPUT, TYPE_CODE_REGISTER, 1)
    except _Refused as refused:
        raise RecordingError(
            f"{client.source} unit {client.unit} refused the device type code (input {TYPE_CODE_REGISTER}) "
            f"with exception {refused.code:02X}; give the model to record it anyway"
        ) from None
    for candidate in catalogue.models().values():
        if candidate.type_code == code:
            return candidate
    known = ", ".join(f"0x{m.type_code:04X} ({m.name})" for m in catalogue.models().values())
    raise RecordingError(
        f"unknown device type code 0x{code:04X} at {client.source} unit {client.unit}; known: {known}; "
        "give the model to record it as one of those"
    )


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _read_serial(client: _ModbusClient, the_model: Model, tables: dict[str, dict[int, list[int]]]) -> str | None:
    register = catalogue.layout(the_model.name).by_name.get("serial_number")
    if register is None:
        return None
    recorded = Snapshot(the_model.name, None, client.unit, client.source, "", tables)
    words = recorded.words(register.table, register.number, register.words)
    if words is None:
        try:
            words = client.read(register.table, register.number, register.words)
        except _Refused:
            return None
    return codec.decode(register.type, words) or None


def record(
    host: str,
    port: int,
    unit: int = 1,
    model: str | None = None,
    timeout: float = 3.0,
    chunk: int = 100,
) -> Snapshot:
    """Read every register block of a device's model over Modbus TCP into a :class:`Snapshot`.

    The model comes from the device type code (input 5000) unless ``model`` is given. Each block
    is read in requests of at most ``chunk`` registers; a request answered with an exception is
    noted in ``unanswered`` and the recording goes on. Any other failure (no connection, no
    reply within ``timeout`` seconds, a malformed reply) raises :class:`RecordingError`.
    """
    port, unit, chunk, timeout = int(port), int(unit), int(chunk), float(timeout)
    if not 1 <= chunk <= MAX_READ:
        raise RecordingError(f"chunk {chunk} is out of range; valid: 1..{MAX_READ} registers per read")
    if not 0 <= unit <= 255:
        raise RecordingError(f"unit {unit} is out of range; valid: 0..255")
    if not 0 < port <= 65535:
        raise RecordingError(f"port {port} is out of range; valid: 1..65535")
    if not timeout > 0:
        raise RecordingError(f"timeout {timeout:g} is out of range; valid: more than 0 seconds")
    the_model = None
    if model is not None:
        try:
            the_model = catalogue.model(model)
        except CatalogueError as error:
            raise RecordingError(str(error)) from None
    with _ModbusClient(str(host), port, unit, timeout) as client:
        if the_model is None:
            the_model = _detect(client)
        tables: dict[str, dict[int, list[int]]] = {}
        unanswered: dict[str, list[tuple[int, int]]] = {}
        for table in TABLES:
            runs: dict[int, list[int]] = {}
            refused: list[tuple[int, int]] = []
            run_first, run_end = None, None  # run_end: number just after the current run
            for first, last in the_model.blocks(table):
                for start in range(first, last + 1, chunk):
                    count = min(chunk, last - start + 1)
                    try:
                        words = client.read(table, start, count)
                    except _Refused:
                        refused.append((start, start + count - 1))
                        run_first = None
                        continue
                    if run_first is None or run_end != start:
                        run_first = start
                        runs[start] = []
                    runs[run_first].extend(words)
                    run_end = start + count
            tables[table] = runs
            unanswered[table] = _merge(refused)
        serial = _read_serial(client, the_model, tables)
    return Snapshot(
        model=the_model.name,
        serial=serial,
        unit=unit,
        source=f"{host}:{port}",
        recorded_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tables=tables,
        unanswered=unanswered,
    )
