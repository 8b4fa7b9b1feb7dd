"""Keywords that read and change register values."""

from __future__ import annotations

import fnmatch
import html

from robot.api import logger
from robotlibcore import keyword

from ..keyword_types import Table
from .context import LibraryContext


def _table(table: Table | None) -> str | None:
    return table.value if table is not None else None


class RegisterKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def set_register(self, register: str, value: int | str, table: Table = None, unit_id: int | None = None, alias: str | None = None) -> int | str:
        """Stores a raw value in a register and returns the previous raw value.

        ``register`` is a documented (1-based) number such as ``13023`` or a name such as
        ``battery_level``. ``value`` is the raw integer the wire carries (``0xAA`` works) or, for
        text registers such as ``serial_number``, the text. 32-bit registers take the whole
        value; the mock splits it low word first. ``table`` (``input`` or ``holding``) is needed
        only when a number exists in both tables (for example 5000). ``unit_id`` picks an
        inverter added with `Add Inverter` (default: the mock's first inverter).

        Any value that fits the datatype is stored, even one the inverter would refuse over
        Modbus, so that tests can show clients odd values. Use `Set Inverter Value` for
        engineering units with the device's rules applied.

        Example:
        | Set Register | 13023 | 655 |
        | ${old} = | Set Register | 5000 | 2030 | table=holding |
        | Set Register | serial_number | B123456789 |
        """
        return self.ctx.fleet.get(alias).set_register(register, value, _table(table), unit_id)

    @keyword
    def get_register(self, register: str, table: Table = None, unit_id: int | None = None, alias: str | None = None) -> int | str:
        """Returns the raw value of a register (an integer, or text for text registers).

        Arguments as in `Set Register`.

        Example:
        | ${code} = | Get Register | device_type_code |
        | Should Be Equal As Integers | ${code} | 0x0E03 |
        """
        return self.ctx.fleet.get(alias).get_register(register, _table(table), unit_id)

    @keyword
    def set_inverter_value(
        self, name: str, value: int | float | str, table: Table = None, unit_id: int | None = None, alias: str | None = None
    ) -> int | float | str:
        """Stores a value in engineering units and returns the previous value.

        ``name`` is a register name (or documented number); ``value`` is in the register's unit:
        ``daily_power_yields  12.3`` stores raw 123 because the register counts 0.1 kWh.
        Enumerated registers also take their labels (``ems_mode  forced``). The value is checked
        against the register's allowed values and ranges; the error lists the valid ones.

        Example:
        | Set Inverter Value | daily_power_yields | 12.3 |
        | Set Inverter Value | battery_level | 80 |
        """
        return self.ctx.fleet.get(alias).set_value(name, value, _table(table), unit_id)

    @keyword
    def get_inverter_value(self, name: str, table: Table = None, unit_id: int | None = None, alias: str | None = None) -> int | float | str:
        """Returns a register's value in engineering units (raw value times scale).

        Example:
        | ${kwh} = | Get Inverter Value | daily_power_yields |
        """
        return self.ctx.fleet.get(alias).get_value(name, _table(table), unit_id)

    @keyword
    def log_register_map(
        self, table: Table = None, pattern: str = "*", unit_id: int | None = None, alias: str | None = None
    ) -> int:
        """Logs every register of the mock's model as a table and returns how many were logged.

        Columns: table, documented number, wire address (documented - 1), name, type, unit,
        raw value, engineering value, and whether the register is writable. ``pattern`` is a
        glob on the name (``battery_*``). Registers the model lacks show the "not available"
        sentinel (0xFFFF and friends).

        Example:
        | ${count} = | Log Register Map |
        | Log Register Map | pattern=battery_* |
        | Log Register Map | table=holding |

        See also `Get Register`, `Get Inverter Value`.
        """
        rows = [
            row
            for row in self.ctx.fleet.get(alias).register_map(_table(table), unit_id)
            if fnmatch.fnmatchcase(row["name"], pattern)
        ]
        head = "".join(f"<th>{h}</th>" for h in ("table", "number", "wire", "name", "type", "unit", "raw", "value", "rw"))
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    r["table"], r["number"], r["wire"], r["name"], r["type"], r["unit"],
                    r["raw"], r["value"] if r["present"] else "n/a", "rw" if r["writable"] else "",
                )
            )
            + "</tr>"
            for r in rows
        )
        logger.info(f"<table><tr>{head}</tr>{body}</table>", html=True)
        return len(rows)
