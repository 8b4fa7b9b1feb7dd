"""One mock Sungrow inverter and its doors: the Python API every face maps onto."""

from __future__ import annotations

import itertools
from typing import Any

from .device import catalogue
from .device.catalogue import TABLES, CatalogueError
from .runtime import EventLoopThread
from .simulation.inverter import Inverter
from .transports.mbap import TcpDoor, serve_modbus
from .transports.modbus import ModbusHandler

DEFAULT_MODEL = "SH10RT"
DEFAULT_HOST = "127.0.0.1"
MODBUS = "modbus"
DOORS = (MODBUS,)

_numbers = itertools.count(1)


class MockSungrowError(RuntimeError):
    """A mock used in a way its state does not allow (for example reading an endpoint before start)."""

    ROBOT_SUPPRESS_NAME = True


class MockSungrow:
    """A simulated Sungrow inverter served on plain Modbus TCP.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with MockSungrow("SG10RT") as mock:
            host, port = mock.endpoint("modbus").split(":")

    Register references are documented (1-based) numbers or catalogue names; wire addresses
    (documented - 1) exist only inside the transports.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        host: str = DEFAULT_HOST,
        modbus_port: int = 0,
        unit_id: int = 1,
        serial: str | None = None,
    ):
        unit_id = int(unit_id)
        if not 1 <= unit_id <= 247:
            raise CatalogueError(f"unit id {unit_id} is out of range; valid: 1..247")
        modbus_port = int(modbus_port)
        if not 0 <= modbus_port <= 65535:
            raise CatalogueError(f"port {modbus_port} is out of range; valid: 0..65535 (0 = a free port)")
        self.inverter = Inverter(model, serial)
        self.model = self.inverter.model.name
        self.host = host
        self.unit_id = unit_id
        self._ports = {MODBUS: modbus_port}
        self._handler = ModbusHandler(self.inverter, unit_id)
        self._runtime: EventLoopThread | None = None
        self._doors: dict[str, TcpDoor] = {}
        self._name = f"sungrow-mock-{next(_numbers)}-{self.model}"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._runtime is not None

    def start(self) -> "MockSungrow":
        """Open every door; returns the mock itself."""
        if self._runtime is not None:
            raise MockSungrowError(f"{self._name} is already running")
        runtime = EventLoopThread(self._name).start()
        try:
            self._doors[MODBUS] = runtime.run(serve_modbus(self._handler.handle, self.host, self._ports[MODBUS]))
        except BaseException:
            runtime.stop()
            self._doors.clear()
            raise
        self._runtime = runtime
        return self

    def stop(self) -> None:
        """Close every door and connection and end the mock's thread; safe to call twice."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        try:
            for door in self._doors.values():
                runtime.run(door.stop())
        finally:
            self._doors.clear()
            runtime.stop()

    def __enter__(self) -> "MockSungrow":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- endpoints ------------------------------------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        """Every open door as ``{"modbus": "HOST:PORT"}``."""
        return {name: door.address for name, door in self._doors.items()}

    def endpoint(self, door: str = MODBUS) -> str:
        """One door's ``HOST:PORT``."""
        if door not in DOORS:
            raise CatalogueError(f"unknown door {door!r}; valid: {', '.join(DOORS)}")
        if door not in self._doors:
            raise MockSungrowError(f"{self._name} is not running: start it before asking for its {door} endpoint")
        return self._doors[door].address

    # -- registers ------------------------------------------------------------------------------

    def _on_loop(self, function, *args):
        """Run device access on the mock's loop so it never races a request being served."""
        return self._runtime.call(function, *args) if self._runtime else function(*args)

    def get_register(self, register: str | int, table: str | None = None) -> int | str:
        """Raw value of a register (by documented number or name)."""
        return self._on_loop(self.inverter.get_raw, register, _table(table))

    def set_register(self, register: str | int, value: int | str, table: str | None = None) -> int | str:
        """Store a raw value; returns the previous raw value."""
        return self._on_loop(self.inverter.set_raw, register, value, _table(table))

    def get_value(self, register: str | int, table: str | None = None) -> int | float | str:
        """Value of a register in engineering units."""
        return self._on_loop(self.inverter.get_value, register, _table(table))

    def set_value(self, register: str | int, value: Any, table: str | None = None) -> int | float | str:
        """Store a value in engineering units (or an enumeration label); returns the previous value."""
        return self._on_loop(self.inverter.set_value, register, value, _table(table))

    def register_map(self, table: str | None = None) -> list[dict[str, Any]]:
        """Every register of the model with its current raw and engineering value."""
        table = _table(table)

        def snapshot() -> list[dict[str, Any]]:
            rows = []
            for register in sorted(self.inverter.layout.registers, key=lambda r: (r.table, r.number)):
                if table and register.table != table:
                    continue
                raw = self.inverter.get_raw(register.number, register.table)
                rows.append(
                    {
                        "table": register.table,
                        "number": register.number,
                        "wire": register.number - 1,
                        "name": register.name,
                        "type": register.type,
                        "unit": register.unit,
                        "raw": raw,
                        "value": self.inverter.from_raw(register, raw),
                        "writable": register.writable,
                        "present": self.inverter.layout.present(register),
                    }
                )
            return rows

        return self._on_loop(snapshot)

    def __repr__(self) -> str:
        state = ", ".join(f"{k}={v}" for k, v in self.endpoints.items()) or "stopped"
        return f"<MockSungrow {self.model} {state}>"


def _table(table: str | None) -> str | None:
    if table in (None, "", "None"):
        return None
    text = str(table).strip().lower()
    if text not in TABLES:
        raise CatalogueError(f"unknown table {table!r}; valid: {', '.join(TABLES)}")
    return text


def model_names() -> list[str]:
    """Names of every model in the catalogue."""
    return list(catalogue.models())
