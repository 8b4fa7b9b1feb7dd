"""Questions about what clients did to a mock, answered from its journal.

Registers are named as everywhere else (documented number or name); a number that starts no
register is allowed, so a test can assert on the off-by-one read it expects a client to make.
"""

from __future__ import annotations

from dataclasses import dataclass

from .device import codec
from .device.catalogue import TABLES, Register
from .journal import Request
from .mock import MockSungrow
from .numbers import whole_number


@dataclass(frozen=True)
class RegisterQuery:
    number: int
    table: str | None
    register: Register | None  # None for a bare number that starts no register
    unit: int | None

    def describe(self) -> str:
        name = f" ({self.register.name})" if self.register is not None else ""
        table = f"{self.table} " if self.table else ""
        return f"{table}register {self.number}{name}"


def query(mock: MockSungrow, register: str | int, table: str | None = None, unit_id: int | None = None) -> RegisterQuery:
    """Resolve ``register`` on the device at ``unit_id`` (default: the first inverter; an unknown unit fails)."""
    inverter = mock._device(unit_id)
    text = str(register).strip()
    if not (text.isdigit() or text.lower().startswith("0x")):
        found = inverter.layout.find(text, table)
        return RegisterQuery(found.number, found.table, found, unit_id)
    number = whole_number(text)
    starts = [inverter.layout.by_start[(t, number)] for t in ((table,) if table else TABLES) if (t, number) in inverter.layout.by_start]
    if len(starts) == 1:
        return RegisterQuery(number, starts[0].table, starts[0], unit_id)
    return RegisterQuery(number, table, None, unit_id)  # no register, or one in each table: match by number


def requests(mock: MockSungrow, door: str | None = None, unit_id: int | None = None, function: int | None = None,
             register: RegisterQuery | None = None, table: str | None = None, service: str | None = None,
             writes: bool | None = None, fault: str | None = None) -> list[Request]:  # fmt: skip
    """The journalled requests matching every filter given (``fault``: the kind applied, or ``any``)."""
    if register is not None:
        table = table or register.table
        unit_id = unit_id if unit_id is not None else register.unit
    mock.sync()
    found = mock.journal.requests(
        door=door, unit=None if unit_id is None else int(unit_id), function=None if function is None else int(function),
        service=service, table=table, register=None if register is None else register.number, writes=writes,
    )  # fmt: skip
    if fault is not None:
        found = [r for r in found if r.fault is not None and fault in ("any", r.fault)]
    return found


def reads(mock: MockSungrow, register: RegisterQuery, door: str | None = None) -> list[Request]:
    return requests(mock, door=door, register=register, writes=False)


def written_value(request: Request, register: RegisterQuery) -> int | str | None:
    """The raw value a write request put into ``register`` (None if it wrote only part of it)."""
    offset = register.number - request.address
    words = register.register.words if register.register is not None else 1
    values = request.values[offset : offset + words]
    if len(values) < words:
        return None
    if register.register is None:
        return values[0]
    return codec.decode(register.register.type, list(values))


def writes(mock: MockSungrow, register: RegisterQuery, door: str | None = None) -> list[tuple[Request, int | str | None]]:
    return [(request, written_value(request, register)) for request in requests(mock, door=door, register=register, writes=True)]
