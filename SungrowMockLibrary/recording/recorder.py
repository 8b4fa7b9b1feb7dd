"""Record a device: detect its model, read every register block of it, note the blocks it refuses.

:func:`record` reads the device type code to learn the model (unless told), then every block
the model's catalogue entry lists (PROTOCOLS §1.3: input with FC 04, holding with FC 03; §1.6:
at most 125 registers per read) in chunks, and returns a :class:`~.snapshot.Snapshot`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..device import catalogue, codec
from ..device.catalogue import TABLES, CatalogueError, Model
from ..errors import RecordingError
from ..vocabulary import MAX_READ, PORTS
from .client import ModbusClient, Refused
from .snapshot import UNIT_BYTE, Snapshot

DEFAULT_CHUNK = 100  # registers per request: what most clients ask for, well inside MAX_READ
TYPE_CODE = "device_type_code"  # the register that names the model (input 5000, PROTOCOLS §2.2)
SERIAL = "serial_number"


def record(
    host: str,
    port: int,
    unit: int = 1,
    model: str | None = None,
    timeout: float = 3.0,
    chunk: int = DEFAULT_CHUNK,
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
    if not UNIT_BYTE[0] <= unit <= UNIT_BYTE[1]:
        raise RecordingError(f"unit {unit} is out of range; valid: {UNIT_BYTE[0]}..{UNIT_BYTE[1]}")
    if not 1 <= port <= PORTS[1]:
        raise RecordingError(f"port {port} is out of range; valid: 1..{PORTS[1]}")
    if not timeout > 0:
        raise RecordingError(f"timeout {timeout:g} is out of range; valid: more than 0 seconds")
    the_model = None
    if model is not None:
        try:
            the_model = catalogue.model(model)
        except CatalogueError as error:
            raise RecordingError(str(error)) from None
    with ModbusClient(str(host), port, unit, timeout) as client:
        if the_model is None:
            the_model = _detect(client)
        tables: dict[str, dict[int, list[int]]] = {}
        unanswered: dict[str, list[tuple[int, int]]] = {}
        for table in TABLES:
            tables[table], unanswered[table] = _read_table(client, table, the_model.blocks(table), chunk)
        serial = _read_serial(client, the_model, tables)
    return Snapshot(
        model=the_model.name,
        serial=serial,
        unit=unit,
        source=client.source,
        recorded_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tables=tables,
        unanswered=unanswered,
    )


def _read_table(
    client: ModbusClient, table: str, blocks: tuple[tuple[int, int], ...], chunk: int
) -> tuple[dict[int, list[int]], list[tuple[int, int]]]:
    """The runs of words answered in ``blocks`` (adjacent chunks joined) and the refused ranges."""
    runs: dict[int, list[int]] = {}
    refused: list[tuple[int, int]] = []
    run_first, run_end = None, None  # run_end: the number just after the current run
    for first, last in blocks:
        for start in range(first, last + 1, chunk):
            count = min(chunk, last - start + 1)
            try:
                words = client.read(table, start, count)
            except Refused:
                refused.append((start, start + count - 1))
                run_first = None
                continue
            if run_first is None or run_end != start:
                run_first = start
                runs[start] = []
            runs[run_first].extend(words)
            run_end = start + count
    return runs, _merge(refused)


def _type_code_register() -> catalogue.Register:
    # Every family has it at the same place, so it can be read before the model is known.
    return next(r for r in catalogue.all_registers() if r.name == TYPE_CODE)


def _detect(client: ModbusClient) -> Model:
    register = _type_code_register()
    try:
        (code,) = client.read(register.table, register.number, register.words)
    except Refused as refused:
        raise RecordingError(
            f"{client.source} unit {client.unit} refused the device type code ({register.table} {register.number}) "
            f"with exception {refused.code:02X}; give the model to record it anyway"
        ) from None
    found = catalogue.model_by_code(code)
    if found is not None:
        return found
    raise RecordingError(
        f"unknown device type code 0x{code:04X} at {client.source} unit {client.unit}: no catalogue model has it "
        "(`sungrow-mock models` lists them); give the model to record it as one of those"
    )


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _read_serial(client: ModbusClient, the_model: Model, tables: dict[str, dict[int, list[int]]]) -> str | None:
    """The serial number from the recorded words, or read on its own when the blocks missed it."""
    register = catalogue.layout(the_model.name).by_name.get(SERIAL)
    if register is None:
        return None
    recorded = Snapshot(the_model.name, None, client.unit, client.source, "", tables)
    words = recorded.words(register.table, register.number, register.words)
    if words is None:
        try:
            words = client.read(register.table, register.number, register.words)
        except Refused:
            return None
    return codec.decode(register.type, words) or None
