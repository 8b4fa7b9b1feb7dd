"""One mock Sungrow installation and its doors: the Python API every face maps onto.

A mock holds one or more inverters (each at its own Modbus unit id, which is also its WiNet
``dev_id``) and serves them through the doors a real installation has: plain Modbus TCP, Sungrow's
encrypted Modbus TCP, and the WiNet-S dongle's WebSocket + HTTP API.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from typing import Any

from .device import catalogue
from .device.catalogue import TABLES, CatalogueError
from .faults import KINDS, Fault, FaultEngine, device_condition, parse_fault
from .journal import Journal
from .runtime import EventLoopThread
from .simulation.clock import Clock
from .simulation.inverter import Inverter
from .transports.mbap import TcpDoor, serve_modbus, serve_tcp
from .transports.modbus import ModbusHandler
from .transports.wire import Wire
from .errors import MockSungrowError

DEFAULT_MODEL = "SH10RT"
DEFAULT_HOST = "127.0.0.1"
MODBUS, ENCRYPTED, WINET = "modbus", "encrypted", "winet"
DOORS = (MODBUS, ENCRYPTED, WINET)
ENDPOINTS = (MODBUS, ENCRYPTED, "winet_ws", "winet_http")
FIRMWARES = ("legacy", "login", "tls")
INVERTER_STATES = ("running", "stopped", "fault", "grid_lost")
STANDARD_PORTS = {"modbus_port": 502, "encrypted_port": 502, "winet_ws_port": 8082, "winet_http_port": 80, "winet_tls_port": 443}

_numbers = itertools.count(1)


def parse_doors(doors: str | Iterable[str]) -> tuple[str, ...]:
    """Doors from ``"modbus,encrypted"`` or a list; the error names the valid ones."""
    names = [d.strip().lower() for d in (doors.split(",") if isinstance(doors, str) else doors) if d.strip()]
    unknown = [d for d in names if d not in DOORS]
    if unknown or not names:
        raise CatalogueError(f"unknown door {', '.join(unknown) or '(none)'}; valid: {', '.join(DOORS)}")
    return tuple(dict.fromkeys(names))


def _port(name: str, value: int) -> int:
    value = int(value)
    if not 0 <= value <= 65535:
        raise CatalogueError(f"{name} {value} is out of range; valid: 0..65535 (0 = a free port)")
    return value


def _unit(value: int) -> int:
    value = int(value)
    if not 1 <= value <= 247:
        raise CatalogueError(f"unit id {value} is out of range; valid: 1..247")
    return value


class MockSungrow:
    """A simulated Sungrow installation: inverters behind plain Modbus, encrypted Modbus and WiNet-S.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with MockSungrow("SG10RT", doors="modbus") as mock:
            host, port = mock.endpoint("modbus").split(":")

    Register references are documented (1-based) numbers or catalogue names; wire addresses
    (documented - 1) exist only inside the transports. Port 0 picks a free port.
    """

    def __init__(
        self,
        model: str | None = None,
        host: str = DEFAULT_HOST,
        modbus_port: int = 0,
        unit_id: int = 1,
        serial: str | None = None,
        doors: str | Iterable[str] = DOORS,
        encrypted_port: int = 0,
        winet_ws_port: int = 0,
        winet_http_port: int = 0,
        winet_tls_port: int = 0,
        firmware: str = "legacy",
        encryption_key: str | bytes | None = None,
        clock_speed: float = 1.0,
        start_time: str | None = None,
        simulate: bool | None = None,
        latitude: float = 50.0,
        seed: int = 0,
        snapshot: str | None = None,
        journal_capacity: int = 100_000,
    ):
        recording = None
        if snapshot:
            from .recording import Snapshot

            recording = Snapshot.load(snapshot)
            model = model or recording.model
        model = model or DEFAULT_MODEL
        if simulate is None:  # a replay shows the recording unless the simulation is asked for
            simulate = recording is None
        self.doors = parse_doors(doors)
        self.host = host
        self._ports = {
            MODBUS: _port("modbus_port", modbus_port),
            ENCRYPTED: _port("encrypted_port", encrypted_port),
        }
        firmware = str(firmware).strip().lower()
        if firmware not in FIRMWARES:
            raise CatalogueError(f"unknown firmware {firmware!r}; valid: {', '.join(FIRMWARES)}")
        self.firmware = firmware
        try:
            self.clock = Clock(start_time, clock_speed)
        except ValueError as error:
            raise CatalogueError(str(error)) from None
        self.environment = None
        if simulate:
            from .simulation.plant import Environment

            try:
                self.environment = Environment(latitude=float(latitude), seed=int(seed))
            except ValueError as error:
                raise CatalogueError(str(error)) from None
        self.inverters: dict[int, Inverter] = {}
        first = Inverter(model, serial, self.clock)
        if recording is not None:
            recording.apply(first)
            if serial:
                first.set_value("serial_number", serial)
                first.serial = serial
        self._attach(_unit(unit_id), first)
        self.journal = Journal(journal_capacity)
        self.faults = FaultEngine()
        self.encryption = None
        if ENCRYPTED in self.doors:
            from .transports.encrypted import EncryptionKey

            self.encryption = EncryptionKey(encryption_key)
        self.winet_settings = None
        if WINET in self.doors:
            from .transports.winet import WinetSettings

            self.winet_settings = WinetSettings(
                firmware=firmware,
                host=host,
                ws_port=_port("winet_ws_port", winet_ws_port),
                http_port=_port("winet_http_port", winet_http_port),
                tls_port=_port("winet_tls_port", winet_tls_port),
            )
        self._runtime: EventLoopThread | None = None
        self._doors: dict[str, Any] = {}
        self._name = f"sungrow-mock-{next(_numbers)}-{self.model}"

    # -- inverters ------------------------------------------------------------------------------

    @property
    def inverter(self) -> Inverter:
        """The first inverter (the one keywords act on when no unit id is given)."""
        return next(iter(self.inverters.values()))

    @property
    def model(self) -> str:
        return self.inverter.model.name

    @property
    def unit_id(self) -> int:
        return next(iter(self.inverters))

    def add_inverter(self, model: str, unit_id: int, serial: str | None = None) -> Inverter:
        """Put another inverter behind the mock at Modbus unit id (= WiNet ``dev_id``) ``unit_id``."""
        unit_id = _unit(unit_id)
        inverter = Inverter(model, serial, self.clock)

        def add() -> Inverter:
            if unit_id in self.inverters:
                raise MockSungrowError(f"unit id {unit_id} is taken by the {self.inverters[unit_id].model.name}")
            return self._attach(unit_id, inverter)

        return self._on_loop(add)

    def _attach(self, unit_id: int, inverter: Inverter) -> Inverter:
        if self.environment is not None:
            from .simulation.simulator import Simulator

            inverter.simulator = Simulator(inverter, self.environment)
            inverter.simulator.condition_source = lambda: device_condition(self.faults, unit_id)
        self.inverters[unit_id] = inverter
        return inverter

    def _inverter(self, unit_id: int | None) -> Inverter:
        if unit_id is None:
            return self.inverter
        try:
            return self.inverters[int(unit_id)]
        except KeyError:
            units = ", ".join(str(u) for u in self.inverters)
            raise MockSungrowError(f"no inverter at unit id {unit_id}; valid: {units}") from None

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
            runtime.run(self._open_doors())
        except BaseException:
            runtime.run(self._close_doors())
            runtime.stop()
            raise
        self._runtime = runtime
        return self

    async def _open_doors(self) -> None:
        handler = ModbusHandler(self.inverters)
        if MODBUS in self.doors:
            wire = Wire(MODBUS, self.inverters, self.journal, self.faults)
            self._doors[MODBUS] = await serve_modbus(handler.handle, self.host, self._ports[MODBUS], wire)
        if ENCRYPTED in self.doors:
            from .transports.encrypted import EncryptedMbapProtocol

            key = self.encryption
            wire = Wire(ENCRYPTED, self.inverters, self.journal, self.faults)
            self._doors[ENCRYPTED] = await serve_tcp(
                lambda connections: EncryptedMbapProtocol(handler.handle, key, connections, wire),
                self.host,
                self._ports[ENCRYPTED],
            )
        if WINET in self.doors:
            from .transports.winet import serve_winet

            self._doors[WINET] = await serve_winet(
                self.inverters, self.winet_settings, journal=self.journal, faults=self.faults
            )

    async def _close_doors(self) -> None:
        doors, self._doors = self._doors, {}
        for door in doors.values():
            await door.stop()

    def stop(self) -> None:
        """Close every door and connection and end the mock's thread; safe to call twice."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        try:
            runtime.run(self._close_doors())
        finally:
            runtime.stop()

    def __enter__(self) -> "MockSungrow":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- endpoints ------------------------------------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        """Every open door as ``HOST:PORT``: keys ``modbus``, ``encrypted``, ``winet_ws``, ``winet_http``."""
        result: dict[str, str] = {}
        for name, door in self._doors.items():
            if isinstance(door, TcpDoor):
                result[name] = door.address
            else:
                result.update(door.endpoints)
        return result

    def endpoint(self, door: str = MODBUS) -> str:
        """One door's ``HOST:PORT``."""
        if door not in ENDPOINTS:
            raise CatalogueError(f"unknown endpoint {door!r}; valid: {', '.join(ENDPOINTS)}")
        if self._runtime is None:
            raise MockSungrowError(f"{self._name} is not running: start it before asking for its {door} endpoint")
        endpoints = self.endpoints
        if door not in endpoints:
            raise MockSungrowError(f"{self._name} has no {door} endpoint; open: {', '.join(endpoints)}")
        return endpoints[door]

    # -- encryption and WiNet controls ----------------------------------------------------------

    def _door(self, name: str):
        if name == ENCRYPTED and self.encryption is None or name == WINET and self.winet_settings is None:
            raise MockSungrowError(f"{self._name} was started without the {name} door; doors: {', '.join(self.doors)}")
        return self._doors.get(name)

    def get_encryption_key(self) -> str:
        """The public key the encrypted door hands out, as 32 hex digits (all zero: disabled)."""
        self._door(ENCRYPTED)
        return self.encryption.public.hex()

    def set_encryption_key(self, key: str | bytes) -> str:
        """Hand out ``key`` from now on; returns the previous key (hex)."""
        self._door(ENCRYPTED)
        return self._on_loop(self.encryption.set, key).hex()

    def rotate_encryption_key(self) -> str:
        """Switch to a new random key (frames under the old one are refused); returns it (hex)."""
        self._door(ENCRYPTED)
        return self._on_loop(self.encryption.rotate).hex()

    def disable_encryption(self) -> str:
        """Hand out the all-zero key so clients stay plain; returns the previous key (hex)."""
        self._door(ENCRYPTED)
        return self._on_loop(self.encryption.disable).hex()

    def _winet(self, function, *args):
        self._door(WINET)
        door = self._doors.get(WINET)
        if door is None:
            raise MockSungrowError(f"{self._name} is not running: start it first")
        return self._on_loop(function, door, *args)

    def expire_winet_tokens(self) -> int:
        """Expire every WiNet token issued so far (their next use gets result code 106)."""
        return self._winet(lambda door: door.expire_tokens())

    def require_winet_login(self, required: bool = True) -> bool:
        """Require (or stop requiring) the WiNet ``login`` service; returns the previous setting."""
        return self._winet(lambda door, flag: door.require_login(flag), bool(required))

    def set_winet_token_lifetime(self, seconds: float) -> float:
        """Set how long a WiNet token lives; returns the previous lifetime."""
        return self._set_winet_setting("token_lifetime", float(seconds))

    def set_winet_session_limit(self, sessions: int) -> int:
        """Set how many logged-in WiNet sessions may coexist; returns the previous limit."""
        if int(sessions) < 1:
            raise CatalogueError(f"session limit {sessions} is out of range; valid: 1 or more")
        return self._set_winet_setting("session_limit", int(sessions))

    def _set_winet_setting(self, name: str, value):
        self._door(WINET)

        def swap():
            previous = getattr(self.winet_settings, name)
            setattr(self.winet_settings, name, value)
            return previous

        return self._on_loop(swap)

    # -- simulated time --------------------------------------------------------------------------

    def get_time(self) -> str:
        """The simulated local time, ISO 8601."""
        return self._on_loop(self.clock.now).isoformat()

    def set_time(self, moment: str) -> str:
        """Jump the simulated clock to ``moment`` (ISO 8601 local time); returns the previous time."""
        return self._on_loop(self._clock_call, self.clock.set, moment).isoformat()

    def advance_clock(self, seconds: float) -> str:
        """Move the simulated clock on by ``seconds``; returns the new time."""
        return self._on_loop(self._clock_call, self.clock.advance, float(seconds)).isoformat()

    def set_clock_speed(self, speed: float) -> float:
        """Run ``speed`` simulated seconds per real second (0 freezes the clock); returns the old speed."""
        return self._on_loop(self._clock_call, self.clock.set_speed, speed)

    @staticmethod
    def _clock_call(function, *args):
        try:
            return function(*args)
        except ValueError as error:
            raise CatalogueError(str(error)) from None

    def _simulators(self, unit_id: int | None):
        if self.environment is None:
            raise MockSungrowError(f"{self._name} is not simulated: start it with simulate=True")
        inverters = self.inverters.values() if unit_id is None else [self._inverter(unit_id)]
        return [inverter.simulator for inverter in inverters]

    def _set_environment(self, unit_id: int | None, **changes) -> None:
        def apply():
            for simulator in self._simulators(unit_id):
                try:
                    environment = dataclasses.replace(simulator.environment, **changes)
                except ValueError as error:
                    raise CatalogueError(str(error)) from None
                simulator.set_environment(environment)

        self._on_loop(apply)

    def set_irradiance(self, watts_per_m2: float | None, unit_id: int | None = None) -> None:
        """Hold the irradiance at ``watts_per_m2`` (None: back to the clear-sky day)."""
        if watts_per_m2 is not None and not 0 <= float(watts_per_m2) <= 1500:
            raise CatalogueError(f"irradiance {watts_per_m2} W/m2 is out of range; valid: 0..1500")
        self._set_environment(unit_id, irradiance=None if watts_per_m2 is None else float(watts_per_m2))

    def set_house_load(self, watts: float | None, unit_id: int | None = None) -> None:
        """Hold the house load at ``watts`` (None: back to the daily load profile)."""
        if watts is not None and float(watts) < 0:
            raise CatalogueError(f"house load {watts} W is out of range; valid: 0 or more")
        self._set_environment(unit_id, load=None if watts is None else float(watts))

    def set_battery_soc(self, percent: float, unit_id: int | None = None) -> None:
        """Set the battery's state of charge (0..100 %) from now on."""
        percent = float(percent)
        if not 0 <= percent <= 100:
            raise CatalogueError(f"state of charge {percent:g} % is out of range; valid: 0..100")

        def apply():
            for simulator in self._simulators(unit_id):
                if not simulator.spec.has_battery:
                    raise MockSungrowError(f"the {simulator.inverter.model.name} has no battery")
                simulator.set_soc(percent / 100)

        self._on_loop(apply)

    def load_scenario(self, path: str, unit_id: int | None = None) -> None:
        """Apply a scenario file (TOML: site, clock, battery, irradiance, load, registers)."""
        from .simulation.scenario import ScenarioError, load_scenario

        scenario = load_scenario(path)
        changes = {
            name: getattr(scenario, name)
            for name in ("latitude", "seed", "irradiance", "load")
            if getattr(scenario, name) is not None
        }

        def apply():
            simulators = self._simulators(unit_id)
            if scenario.start_time is not None:
                self.clock.set(scenario.start_time)
            if scenario.speed is not None:
                self.clock.set_speed(scenario.speed)
            for simulator in simulators:
                simulator.set_environment(dataclasses.replace(simulator.environment, **changes))
                if scenario.soc is not None and simulator.spec.has_battery:
                    simulator.set_soc(scenario.soc / 100)
                for name, value in scenario.registers.items():
                    try:
                        simulator.inverter.set_value(name, value)
                    except CatalogueError as error:
                        raise ScenarioError(f"{path}: registers.{name}: {error}") from None

        self._on_loop(apply)

    def set_inverter_state(self, state: str, fault_code: int = 38, unit_id: int | None = None) -> None:
        """Put the inverter in ``running``, ``stopped`` (start/stop register = stop), ``fault`` (with
        ``fault_code``) or ``grid_lost``; ``running`` clears the fault and the grid loss and starts it."""
        state = str(state).strip().lower()
        if state not in INVERTER_STATES:
            raise CatalogueError(f"unknown inverter state {state!r}; valid: {', '.join(INVERTER_STATES)}")

        def apply():
            for simulator in self._simulators(unit_id):
                inverter = simulator.inverter
                command = inverter.layout.by_name["start_stop"]
                inverter.write(command.number - 1, [command.raw_of("stop" if state == "stopped" else "start")])
                simulator.set_condition(int(fault_code) if state == "fault" else None, state == "grid_lost")

        self._on_loop(apply)

    def release_register(self, register: str | int, table: str | None = None, unit_id: int | None = None) -> bool:
        """Let the simulation drive a register set by hand again; returns whether it was pinned."""
        return self._on_loop(self._inverter(unit_id).release, register, _table(table))

    def release_all_registers(self, unit_id: int | None = None) -> int:
        """Release every register pinned on an inverter; returns how many were pinned."""
        return self._on_loop(self._inverter(unit_id).release_all)

    def sync(self) -> None:
        """Return once the mock has finished handling everything it received so far.

        A door journals a request in the same step as it answers it; a client may hold the reply
        a moment before that step ends, so read the journal after this.
        """
        if self._runtime is not None:
            self._on_loop(lambda: None)

    # -- faults ---------------------------------------------------------------------------------

    def inject_fault(self, kind: str, scope: str = "test", **options) -> Fault:
        """Inject a fault (see :data:`faults.KINDS`); ``options`` are the target, dose and parameters
        as text or values: ``door``, ``unit``, ``function``, ``registers``, ``table``, ``service``,
        ``times``, ``after``, ``probability``, ``seed``, ``duration``, ``code``, ``delay``, ...

        A device fault (``inverter_fault``, ``grid_loss``, ``over_temperature``, ``battery_fault``)
        needs the simulation and shows from the next read on.
        """
        name, arguments = parse_fault({"kind": kind, "scope": scope, **options})
        if not KINDS[name].device:
            return self._on_loop(lambda: self.faults.inject(name, **arguments))
        self._simulators(arguments["target"].unit)
        fault = self._changing_conditions(lambda: self.faults.inject(name, **arguments))
        fault.triggered = 1  # applied once, to the inverter itself
        return fault

    def clear_faults(self, scope: str | None = None) -> int:
        """Remove the faults of ``scope`` (``test``, ``suite``, ``global``; all by default)."""
        return self._changing_conditions(lambda: self.faults.clear(scope))

    def remove_faults(self, fault_ids) -> int:
        """Remove the faults with these ids; returns how many existed."""
        return self._changing_conditions(lambda: self.faults.remove(list(fault_ids)))

    def _changing_conditions(self, change):
        """Apply ``change`` to the faults at the clock's now: what happened so far happened under
        the old conditions, and the new ones show from this moment (their alarm time too)."""

        def apply():
            simulators = [i.simulator for i in self.inverters.values() if i.simulator is not None]
            for simulator in simulators:
                simulator.update()
            result = change()
            for simulator in simulators:
                simulator.invalidate()
                simulator.update()
            return result

        return self._on_loop(apply)

    # -- registers ------------------------------------------------------------------------------

    def _on_loop(self, function, *args):
        """Run device access on the mock's loop so it never races a request being served."""
        return self._runtime.call(function, *args) if self._runtime else function(*args)

    def get_register(self, register: str | int, table: str | None = None, unit_id: int | None = None) -> int | str:
        """Raw value of a register (by documented number or name)."""
        return self._on_loop(self._inverter(unit_id).get_raw, register, _table(table))

    def set_register(
        self, register: str | int, value: int | str, table: str | None = None, unit_id: int | None = None
    ) -> int | str:
        """Store a raw value; returns the previous raw value."""
        return self._on_loop(self._inverter(unit_id).set_raw, register, value, _table(table))

    def get_value(self, register: str | int, table: str | None = None, unit_id: int | None = None) -> int | float | str:
        """Value of a register in engineering units."""
        return self._on_loop(self._inverter(unit_id).get_value, register, _table(table))

    def set_value(
        self, register: str | int, value: Any, table: str | None = None, unit_id: int | None = None
    ) -> int | float | str:
        """Store a value in engineering units (or an enumeration label); returns the previous value."""
        return self._on_loop(self._inverter(unit_id).set_value, register, value, _table(table))

    def register_map(self, table: str | None = None, unit_id: int | None = None) -> list[dict[str, Any]]:
        """Every register of the inverter's model with its current raw and engineering value."""
        table = _table(table)
        inverter = self._inverter(unit_id)

        def snapshot() -> list[dict[str, Any]]:
            rows = []
            for register in sorted(inverter.layout.registers, key=lambda r: (r.table, r.number)):
                if table and register.table != table:
                    continue
                raw = inverter.get_raw(register.number, register.table)
                rows.append(
                    {
                        "table": register.table,
                        "number": register.number,
                        "wire": register.number - 1,
                        "name": register.name,
                        "type": register.type,
                        "unit": register.unit,
                        "raw": raw,
                        "value": inverter.from_raw(register, raw),
                        "writable": register.writable,
                        "allowed": register.allowed_values(),
                        "present": inverter.layout.present(register),
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
