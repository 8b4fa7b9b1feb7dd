"""What a Modbus read or write range means in terms of the register catalogue.

:func:`describe` names the registers a range touches and flags the two mistakes clients make
most: an address off by one (documented numbers are 1-based, the wire is 0-based) and a range
that cuts a multi-word register in half. It runs for every journalled request, so the work per
(layout, table) is done once and a call is two bisections and a few dictionary lookups.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..records import Record
from .catalogue import TABLES, CatalogueError, Layout, Register


class _Index(Record):
    """The present registers of one table, sorted; registers never overlap, so ``lasts`` is sorted too."""

    registers: tuple[Register, ...]
    starts: tuple[int, ...]
    lasts: tuple[int, ...]
    names: tuple[str, ...]
    by_start: dict[int, Register]
    documented_starts: frozenset[int]

    def __init__(
        self, registers: tuple[Register, ...], starts: tuple[int, ...], lasts: tuple[int, ...], names: tuple[str, ...],
        by_start: dict[int, Register], documented_starts: frozenset[int],
    ):  # fmt: skip
        self.__dict__.update(registers=registers, starts=starts, lasts=lasts, names=names, by_start=by_start,
                             documented_starts=documented_starts)  # fmt: skip


# Layout holds dicts and so is unhashable; key by id and keep the layout in the value so the id
# cannot be reused by another object while the entry lives.
_indexes: dict[tuple[int, str], tuple[Layout, _Index]] = {}


def describe(layout: Layout, table: str, first: int, count: int) -> tuple[tuple[str, ...], str | None]:
    """Names of the present registers of ``table`` overlapping documented ``first..first+count-1``,
    in address order, and a hint about a probable client mistake (or None)."""
    index = _index(layout, table)
    if count < 1:
        return (), None
    end = first + count - 1
    low = bisect_left(index.lasts, first)
    high = bisect_right(index.starts, end)
    names = index.names[low:high]
    shifted = None if first in index.documented_starts else _off_by_one(index, first, count)
    notes = ([shifted] if shifted else []) + _splits(index, low, high, first, end)
    return names, "; ".join(notes) or None


def _index(layout: Layout, table: str) -> _Index:
    cached = _indexes.get((id(layout), table))
    if cached is not None and cached[0] is layout:
        return cached[1]
    index = _build(layout, table)
    _indexes[(id(layout), table)] = (layout, index)
    return index


def _build(layout: Layout, table: str) -> _Index:
    if table not in TABLES:
        raise CatalogueError(f"unknown table {table!r}; valid: {', '.join(TABLES)}")
    documented = sorted((r for r in layout.registers if r.table == table), key=lambda r: r.number)
    present = tuple(r for r in documented if layout.present(r))
    return _Index(
        registers=present,
        starts=tuple(r.number for r in present),
        lasts=tuple(r.last for r in present),
        names=tuple(r.name for r in present),
        by_start={r.number: r for r in present},
        # A range starting at a register the model lacks asks for a real documented register
        # (it reads the sentinel); that is not an off-by-one, so absent starts count here.
        documented_starts=frozenset(r.number for r in documented),
    )


def _off_by_one(index: _Index, first: int, count: int) -> str | None:
    candidates = [index.by_start[n] for n in (first + 1, first - 1) if n in index.by_start]
    if len(candidates) == 2:
        # A shifted range that then ends cleanly is the likelier intent.
        fitting = [r for r in candidates if _ends_cleanly(index, r.number + count - 1)]
        candidates = fitting or candidates
    if not candidates:
        return None
    guesses = " or ".join(f"{r.number} ({r.name}, wire address {r.number - 1})" for r in candidates)
    return (
        f"{first} is not a register start; did you mean {guesses}? "
        f"Documented numbers are 1-based: this request carried wire address {first - 1}"
    )


def _ends_cleanly(index: _Index, end: int) -> bool:
    position = bisect_left(index.lasts, end)
    return position == len(index.registers) or index.registers[position].number > end or index.lasts[position] == end


def _splits(index: _Index, low: int, high: int, first: int, end: int) -> list[str]:
    if low >= high:
        return []
    head, tail = index.registers[low], index.registers[high - 1]
    cut_head, cut_tail = head.number < first, tail.last > end
    if head is tail and cut_head and cut_tail:
        return [_partial(head, f"starts at {first} and ends at {end}, both inside it")]
    notes = []
    if cut_head:
        notes.append(_partial(head, f"starts at {first}, inside it"))
    if cut_tail:
        notes.append(_partial(tail, f"ends at {end}, before its last word {tail.last}"))
    return notes


def _partial(register: Register, where: str) -> str:
    return f"covers only part of {register.name} ({register.number}..{register.last}, {register.type}): {where}"
