"""Keywords that read and change register values.

Each keyword returns one type: numbers from number registers (`Get Register`, `Get Inverter
Value`), text from text registers (`Get Register Text`), so a test never has to check what it got.
"""

from __future__ import annotations

import fnmatch
import html
from datetime import timedelta
from typing import Any

from robot.api import logger
from robotlibcore import keyword

from ..device.catalogue import Register
from ..errors import CatalogueError
from ..keyword_types import Scope, Table
from ..mock import MockSungrow
from .assertions import AssertionOperator, get_verified
from .context import LibraryContext


def _table(table: Table | None) -> str | None:
    return table.value if table is not None else None


def _register(mock: MockSungrow, register: str | int, table: Table | None, unit_id: int | None) -> Register:
    # The layout is fixed once an inverter exists, so looking a register up needs no loop hop.
    return mock._device(unit_id).layout.find(register, _table(table))


def _numbers_only(found: Register, instead: str) -> None:
    if found.is_text:
        raise CatalogueError(
            f"{found.name} is a text register ({2 * found.words} bytes); use {instead} for text registers"
        )


def _text_only(found: Register, instead: str) -> None:
    if not found.is_text:
        raise CatalogueError(f"{found.name} is a number register ({found.type}); use {instead} for number registers")


def allowed_text(allowed: dict) -> str:
    """A register's allowed values as the register map shows them: ``0 -> stop``, ``[0, 1000]``."""
    if "enum" in allowed:
        return ", ".join(f"{raw} -> {label}" for raw, label in allowed["enum"].items())
    if "range" in allowed:
        low, high = allowed["range"]
        return f"[{low}, {high}]"
    if "text" in allowed:
        return f"text of at most {allowed['text']} bytes"
    return ""


MAP_COLUMNS = ("table", "number", "wire", "name", "type", "unit", "raw", "value", "rw", "allowed (raw)")


def register_map_html(rows: list[dict]) -> str:
    """The rows of :meth:`MockSungrow.register_map` as the HTML table `Log Register Map` logs."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in MAP_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                r["table"], r["number"], r["wire"], r["name"], r["type"], r["unit"], r["raw"],
                r["value"] if r["present"] else "n/a", "rw" if r["writable"] else "", allowed_text(r["allowed"]),
            )
        )
        + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><tr>{head}</tr>{body}</table>"


class RegisterKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    def _timeout(self, timeout: timedelta | None) -> timedelta:
        return self.ctx.assertion_timeout if timeout is None else timeout

    def _read_verified(self, alias, register, table, unit_id, text: bool, read: str, what: str, assertion):
        """Read ``register`` with the mock's ``read`` method (``get_register`` or ``get_value``)
        and verify it as the getters do; ``assertion`` is (operator, expected, message, timeout)."""
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        found = _register(mock, register, table, unit_id)
        if text:
            _text_only(found, "Get Register")
        else:
            _numbers_only(found, "Get Register Text")
        operator, expected, message, timeout = assertion
        reader = getattr(mock, read)
        return get_verified(
            lambda: reader(register, _table(table), unit_id),
            operator, expected, message, self._timeout(timeout), f"{what} {found.name}",
        )  # fmt: skip

    @keyword
    def set_register(
        self,
        register: str,
        value: int,
        table: Table = None,
        unit_id: int | None = None,
        scope: Scope = None,
        alias: str | None = None,
    ) -> int:
        """Stores a raw value in a number register and returns the previous raw value.

        ``register`` is a documented (1-based) number such as ``13023`` or a name such as
        ``battery_level``. ``value`` is the raw integer the wire carries (``0xAA`` works).
        32-bit registers take the whole value; the mock splits it low word first. ``table``
        (``input`` or ``holding``) is needed only when a number exists in both tables (for
        example 5000). ``unit_id`` picks an inverter added with `Add Inverter` (default: the
        mock's first inverter); ``alias`` a mock, or an inverter of a fleet by its own alias
        (``inv7``, see `Start Mock Sungrow Fleet`).

        Any value that fits the datatype is stored, even one the inverter would refuse over
        Modbus, so that tests can show clients odd values. Use `Set Inverter Value` for
        engineering units with the device's rules applied, and `Set Register Text` for text
        registers such as ``serial_number``.

        The value lasts until the scope it was set in closes (``scope``: ``test``, ``suite`` or
        ``global``; by default the innermost open one: the test inside a test): then the previous
        value and pin come back.

        Example:
        | Set Register | 13023 | 655 |
        | ${old} = | Set Register | export_power_limit | 0x0BB8 |
        | Should Be Equal As Integers | ${old} | 5000 |

        See also `Get Register`, `Release Register`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        _numbers_only(_register(mock, register, table, unit_id), "Set Register Text")
        return mock.set_register(register, value, _table(table), unit_id, scope)

    @keyword
    def set_register_text(
        self,
        register: str,
        text: str,
        table: Table = None,
        unit_id: int | None = None,
        scope: Scope = None,
        alias: str | None = None,
    ) -> str:
        """Stores text in a text register (``serial_number``, ``arm_software_version`` ...) and returns the previous text.

        The text is encoded as the wire carries it (UTF-8, zero padded); it must fit the
        register. Arguments as in `Set Register`.

        Example:
        | ${old} = | Set Register Text | serial_number | B123456789 |
        | Get Register Text | serial_number | == | B123456789 |

        See also `Get Register Text`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        _text_only(_register(mock, register, table, unit_id), "Set Register")
        return mock.set_register(register, str(text), _table(table), unit_id, scope)

    @keyword
    def get_register(
        self,
        register: str,
        assertion_operator: AssertionOperator = None,
        assertion_expected: Any = None,
        message: str | None = None,
        timeout: timedelta | None = None,
        table: Table = None,
        unit_id: int | None = None,
        alias: str | None = None,
    ) -> int:
        """Returns the raw value of a number register, optionally asserting on it until ``timeout``.

        Without ``assertion_operator`` the value is returned as it is now. With one (``==``,
        ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``contains``, ``validate`` ..., see
        `AssertionOperator`), the value is read again until it passes the assertion against
        ``assertion_expected`` (a number; ``0x`` hex works) or ``timeout`` passes (default: the
        library's ``assertion_timeout``), and then returned; values move with the mock's clock.
        ``message`` replaces the failure message (``{value}``, ``{expected}`` are filled in).
        Other arguments as in `Set Register`; text registers have `Get Register Text`.

        Example:
        | ${code} = | Get Register | device_type_code |
        | Get Register | device_type_code | == | 0x0E03 |
        | Get Register | daily_power_yields | >= | 10 | timeout=2s |
        | Get Register | 5000 | > | 2020 | table=holding | message=the clock is set |

        See also `Get Inverter Value`.
        """
        assertion = (assertion_operator, assertion_expected, message, timeout)
        return self._read_verified(alias, register, table, unit_id, False, "get_register", "Register", assertion)

    @keyword
    def get_register_text(
        self,
        register: str,
        assertion_operator: AssertionOperator = None,
        assertion_expected: Any = None,
        message: str | None = None,
        timeout: timedelta | None = None,
        table: Table = None,
        unit_id: int | None = None,
        alias: str | None = None,
    ) -> str:
        """Returns the text of a text register, optionally asserting on it as `Get Register` does.

        Example:
        | ${serial} = | Get Register Text | serial_number |
        | Get Register Text | arm_software_version | contains | SAPPHIRE |

        See also `Set Register Text`.
        """
        assertion = (assertion_operator, assertion_expected, message, timeout)
        return self._read_verified(alias, register, table, unit_id, True, "get_register", "Register", assertion)

    @keyword
    def set_inverter_value(
        self,
        name: str,
        value: int | float | str,
        table: Table = None,
        unit_id: int | None = None,
        scope: Scope = None,
        alias: str | None = None,
    ) -> float:
        """Stores a value in engineering units and returns the previous value (a number).

        ``name`` is a register name (or documented number); ``value`` is in the register's unit:
        ``daily_power_yields  12.3`` stores raw 123 because the register counts 0.1 kWh.
        Enumerated registers also take their labels (``ems_mode  forced``). The value is checked
        against the register's allowed values and ranges; the error lists the valid ones.
        Text registers have `Set Register Text`.

        The value lasts until the scope it was set in closes (``scope``: ``test``, ``suite`` or
        ``global``; by default the innermost open one: the test inside a test): then the previous
        value and pin come back.

        Example:
        | Set Inverter Value | daily_power_yields | 12.3 |
        | ${old} = | Set Inverter Value | ems_mode | forced |
        | Should Be Equal As Numbers | ${old} | 0 |

        See also `Get Inverter Value`, `Log Register Map` (the allowed values).
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        _numbers_only(_register(mock, name, table, unit_id), "Set Register Text")
        return mock.set_value(name, value, _table(table), unit_id, scope)

    @keyword
    def get_inverter_value(
        self,
        name: str,
        assertion_operator: AssertionOperator = None,
        assertion_expected: Any = None,
        message: str | None = None,
        timeout: timedelta | None = None,
        table: Table = None,
        unit_id: int | None = None,
        alias: str | None = None,
    ) -> float:
        """Returns a register's value in engineering units (raw value times scale), optionally asserting on it.

        The value is a number: a whole number for registers without a scale (and enumerations,
        whose raw value it is), a decimal otherwise. With ``assertion_operator`` the value is
        read again until it passes the assertion against ``assertion_expected`` or ``timeout``
        passes (default: the library's ``assertion_timeout``), as in `Get Register`: use it
        for values that move with the mock's clock. Text registers have `Get Register Text`.

        Example:
        | ${kwh} = | Get Inverter Value | daily_power_yields |
        | Get Inverter Value | daily_power_yields | >= | 5 |
        | Get Inverter Value | battery_level | validate | 0 <= value <= 100 |
        | Get Inverter Value | total_dc_power | > | 0 | timeout=10s | message=no PV power: {value} W |

        See also `Set Inverter Value`, `Get Register`.
        """
        assertion = (assertion_operator, assertion_expected, message, timeout)
        return self._read_verified(alias, name, table, unit_id, False, "get_value", "Inverter value", assertion)

    @keyword
    def log_register_map(
        self, table: Table = None, pattern: str = "*", unit_id: int | None = None, alias: str | None = None
    ) -> int:
        """Logs every register of the mock's model as a table and returns how many were logged.

        Columns: table, documented number, wire address (documented - 1), name, type, unit,
        raw value, engineering value, whether the register is writable, and the raw values it
        allows: each value of an enumeration with its label (``0 -> self-consumption, 2 ->
        forced``), a range (``[500, 1000]``), or the length of a text. ``pattern`` is a glob on
        the name (``battery_*``). Registers the model lacks show the "not available" sentinel
        (0xFFFF and friends).

        Example:
        | ${count} = | Log Register Map |
        | Log Register Map | pattern=battery_* |
        | Log Register Map | table=holding | pattern=ems_mode |

        See also `Get Register`, `Get Inverter Value`, `Set Inverter Value`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        rows = [
            row
            for row in mock.register_map(_table(table), unit_id)
            if fnmatch.fnmatchcase(row["name"], pattern)
        ]
        logger.info(register_map_html(rows), html=True)
        return len(rows)
