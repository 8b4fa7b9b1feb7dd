"""The SBR battery pack beside a hybrid inverter, loaded once from ``data/battery.toml`` and
``data/sbr_registers.csv``.

The pack is a device of its own: it answers on its own Modbus unit with its own register map
(:func:`battery_layout`), so everything that serves, journals and pins an inverter's registers
serves the pack's too. What drives its registers (the inverter's battery) is in
``simulation/battery.py``.
"""

from __future__ import annotations

import csv
import itertools
import tomllib
from functools import cache
from importlib import resources

from ..errors import CatalogueError
from ..records import Record
from ..vocabulary import ILLEGAL_ADDRESS
from .catalogue import INPUT, TABLES, Layout, Register, _parse_register
from .catalogue import layout as catalogue_layout

REGISTERS_FILE = "sbr_registers.csv"


class BatteryPack(Record):
    """One SBR pack: what it is, where it answers and how its cell values spread.

    It has the attributes of a catalogue model that a register layout and image use (``name``,
    ``serial``, ``features``, :meth:`blocks`, :meth:`field_value`): the pack's filled module
    slots are its features (``module1`` .. ``module3``), so an empty slot reads the sentinel.
    """

    name: str
    unit: int
    serial: str
    firmware: str
    modules: int
    module_capacity_kwh: float
    module_slots: int
    cells_per_module: int
    cell_nominal_v: float
    cell_spread_v: float
    module_temperature_spread_c: float
    input_blocks: tuple[tuple[int, int], ...]
    holding_blocks: tuple[tuple[int, int], ...]
    reply_outside_blocks: bool
    features: frozenset[str]

    def __init__(
        self, name: str, unit: int, serial: str, firmware: str, modules: int, module_capacity_kwh: float,
        module_slots: int, cells_per_module: int, cell_nominal_v: float, cell_spread_v: float,
        module_temperature_spread_c: float, input_blocks: tuple[tuple[int, int], ...],
        holding_blocks: tuple[tuple[int, int], ...], reply_outside_blocks: bool, features: frozenset[str],
    ):  # fmt: skip
        self.__dict__.update(
            name=name, unit=unit, serial=serial, firmware=firmware, modules=modules,
            module_capacity_kwh=module_capacity_kwh, module_slots=module_slots, cells_per_module=cells_per_module,
            cell_nominal_v=cell_nominal_v, cell_spread_v=cell_spread_v,
            module_temperature_spread_c=module_temperature_spread_c, input_blocks=input_blocks,
            holding_blocks=holding_blocks, reply_outside_blocks=reply_outside_blocks, features=features,
        )  # fmt: skip

    @property
    def outside_blocks(self) -> int | None:
        """The exception code of a read outside the blocks; None: no reply."""
        return ILLEGAL_ADDRESS if self.reply_outside_blocks else None

    @property
    def cells(self) -> int:
        """Cells in series."""
        return self.modules * self.cells_per_module

    @property
    def capacity_kwh(self) -> float:
        return round(self.modules * self.module_capacity_kwh, 3)

    @property
    def nominal_voltage_v(self) -> float:
        return round(self.cells * self.cell_nominal_v, 3)

    def blocks(self, table: str) -> tuple[tuple[int, int], ...]:
        return self.input_blocks if table == INPUT else self.holding_blocks

    def field_value(self, name: str):
        """A pack attribute, as ``@name`` defaults in the register file refer to it."""
        try:
            return getattr(self, name)
        except AttributeError:
            raise CatalogueError(f"{REGISTERS_FILE}: a default refers to unknown pack field @{name}") from None


def _text(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


@cache
def pack() -> BatteryPack:
    """The SBR pack of ``data/battery.toml``."""
    data = tomllib.loads(_text("battery.toml"))
    try:
        modules, slots = int(data["modules"]), int(data["module_slots"])
        if not 1 <= modules <= slots:
            raise ValueError(f"modules {modules} is not within 1..{slots} module slots")
        return BatteryPack(
            name=data["model"],
            unit=int(data["unit"]),
            serial=data["serial"],
            firmware=data["firmware"],
            modules=modules,
            module_capacity_kwh=float(data["module_capacity_kwh"]),
            module_slots=slots,
            cells_per_module=int(data["cells_per_module"]),
            cell_nominal_v=float(data["cell_nominal_v"]),
            cell_spread_v=float(data["cell_spread_v"]),
            module_temperature_spread_c=float(data["module_temperature_spread_c"]),
            input_blocks=tuple(tuple(b) for b in data["input_blocks"]),
            holding_blocks=tuple(tuple(b) for b in data["holding_blocks"]),
            reply_outside_blocks=bool(data["reply_outside_blocks"]),
            features=frozenset(f"module{n}" for n in range(1, modules + 1)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CatalogueError(f"battery.toml: {error}") from None


@cache
def _rows() -> tuple[tuple[Register, str], ...]:
    lines = (line for line in _text(REGISTERS_FILE).splitlines() if line.strip() and not line.startswith("#"))
    return tuple(
        (_parse_register(row, n), (row.get("source") or "").strip()) for n, row in enumerate(csv.DictReader(lines), start=2)
    )


@cache
def sources() -> dict[str, str]:
    """What drives each pack register that something drives: register name -> an inverter register
    name, or ``=derived`` (see ``sbr_registers.csv``)."""
    return {register.name: source for register, source in _rows() if source}


@cache
def battery_layout() -> Layout:
    """The pack's register layout; raises if two registers share a name or overlap."""
    registers = tuple(register for register, _ in _rows())
    by_name: dict[str, Register] = {}
    for register in registers:
        if register.name in by_name:
            raise CatalogueError(f"{REGISTERS_FILE}: register name {register.name!r} is used twice")
        by_name[register.name] = register
    for table in TABLES:
        ordered = sorted((r for r in registers if r.table == table), key=lambda r: r.number)
        for before, after in itertools.pairwise(ordered):
            if after.number <= before.last:
                raise CatalogueError(f"{REGISTERS_FILE}: {before.name} and {after.name} overlap")
    return Layout(pack(), registers, by_name, {(r.table, r.number): r for r in registers})


def device_layout(model_name: str) -> Layout:
    """The layout of a Modbus device by its model name: the SBR pack's, else a catalogue model's."""
    if model_name == pack().name:
        return battery_layout()
    return catalogue_layout(model_name)
