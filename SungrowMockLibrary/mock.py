"""One mock Sungrow installation and its doors: the Python API every face maps onto.

A mock holds one or more inverters (each at its own Modbus unit id, which is also its WiNet
``dev_id``) and serves them through the doors a real installation has: plain Modbus TCP, Sungrow's
encrypted Modbus TCP, and the WiNet-S dongle's WebSocket + HTTP API. A hybrid started with the
mock has its SBR battery beside it, a Modbus device on a unit of its own (200, or 2 when the mock
presents itself through a WiNet-S: ``modbus_path``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .device import catalogue, codec
from .errors import CatalogueError, MockSungrowError, OptionError, SungrowMockError
from .faults import KINDS, Fault, FaultEngine, device_condition, load_fault_file, parse_fault
from .journal import Journal
from .options import OPTIONS, StartOptions, flag, real_between, whole_between
from .runtime import EventLoopThread
from .scopes import OpenScope, SettingsStack
from .simulation.battery import BatteryDevice
from .simulation.clock import Clock
from .simulation.inverter import Inverter
from .transports import paths
from .transports.mbap import TcpDoor, serve_modbus, serve_tcp
from .transports.modbus import ModbusHandler
from .transports.wire import Wire
from .vocabulary import DEFAULT_HOST, DEFAULT_MODEL, Door, Endpoint, InverterState, ModbusPath, Scope, Table, choice

if TYPE_CHECKING:
    from .simulation.plant import Environment
    from .simulation.simulator import Simulator

__all__ = ["DEFAULT_HOST", "DEFAULT_MODEL", "MockSungrow", "MockSungrowError", "model_names"]

MODBUS, ENCRYPTED, WINET = Door.modbus.value, Door.encrypted.value, Door.winet.value

_numbers = itertools.count(1)
_unit = OPTIONS["unit_id"].parse
_irradiance = real_between("irradiance", 0, 1500, " W/m2")
_house_load = real_between("house load", 0, None, " W")
_soc = real_between("state of charge", 0, 100, " %")
_token_lifetime = real_between("token lifetime", 0.001, None, " s")
_session_limit = whole_between("session limit", 1)
_fault_code = whole_between("fault code", *codec.limits("U16"))
_scope_id = whole_between("scope id", 0)


class MockSungrow:
    """A simulated Sungrow installation: inverters behind plain Modbus, encrypted Modbus and WiNet-S.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with MockSungrow("SG10RT", doors="modbus") as mock:
            host, port = mock.endpoint("modbus").split(":")

    The start options are those of :class:`~.options.StartOptions` (``None``: the default), or
    ``options=`` a ready :class:`~.options.StartOptions` that the other arguments override.
    Register references are documented (1-based) numbers or catalogue names; wire addresses
    (documented - 1) exist only inside the transports. Port 0 picks a free port.

    Settings (pins, irradiance, house load, inverter state, clock speed, WiNet and encryption
    settings, faults) last as long as the scope they are made in: see :meth:`open_scope`.

    A mock runs on an event loop thread of its own, unless ``runtime`` is a running one it shares
    (a :class:`~.fleet.MockSungrowFleet` runs all its mocks on one): it then never stops that
    loop. ``clock`` is a simulated clock it shares likewise. ``battery=False`` leaves the SBR
    battery out beside a hybrid (a fleet's shared bus has none: docs/decisions.md, "Fleets").
    """

    def __init__(
        self,
        model: str | None = None,
        host: str | None = None,
        modbus_port: int | None = None,
        unit_id: int | None = None,
        serial: str | None = None,
        doors: str | Iterable[str] | None = None,
        encrypted_port: int | None = None,
        winet_ws_port: int | None = None,
        winet_http_port: int | None = None,
        winet_tls_port: int | None = None,
        firmware: str | None = None,
        encryption_key: str | bytes | None = None,
        clock_speed: float | None = None,
        start_time: str | None = None,
        simulate: bool | None = None,
        latitude: float | None = None,
        seed: int | None = None,
        snapshot: str | None = None,
        journal_capacity: int | None = None,
        standard_ports: bool | None = None,
        scenario: str | None = None,
        faults: str | None = None,
        idle_timeout: float | timedelta | None = None,
        max_connections: int | None = None,
        modbus_path: ModbusPath | str | None = None,
        *,
        options: StartOptions | None = None,
        runtime: EventLoopThread | None = None,
        clock: Clock | None = None,
        battery: bool = True,
    ):
        given = {
            name: value for name, value in locals().items() if name not in ("self", "options", "runtime", "clock", "battery")
        }
        options = self.options = StartOptions.of(options, **given)
        recording = None
        if options.snapshot:
            from .recording import Snapshot

            recording = Snapshot.load(options.snapshot)
        model = options.model or (recording.model if recording is not None else DEFAULT_MODEL)
        self.doors: tuple[Door, ...] = options.doors
        self.host = options.host
        self.firmware = options.firmware
        self.modbus_path: ModbusPath = options.modbus_path
        ports = options.ports
        self._ports = {MODBUS: ports["modbus_port"], ENCRYPTED: ports["encrypted_port"]}
        self.clock = clock if clock is not None else Clock(options.start_time, options.clock_speed)
        self.inverters: dict[int, Inverter] = {}
        # Every device the Modbus doors serve, by unit id: the inverters and the battery beside the
        # first one. A plain dict, kept by _attach, because every request looks its unit up (twice).
        self.units: dict[int, Inverter | BatteryDevice] = {}
        first = self._new_inverter(model, options.serial)
        if recording is not None:
            recording.apply(first)
            if options.serial:
                first.set_value("serial_number", options.serial)
                first.serial = options.serial
        self.journal = Journal(options.journal_capacity)
        self.faults = FaultEngine()
        self._attach(options.unit_id, first)
        # The battery beside the first inverter, if it is a hybrid (added inverters come alone).
        self.battery: BatteryDevice | None = None
        if first.model.battery and battery:
            unit = paths.battery_unit(self.modbus_path)
            if options.unit_id == unit:
                raise MockSungrowError(
                    f"unit id {unit} is where the {first.model.name}'s battery answers on the "
                    f"{self.modbus_path.value} Modbus path; give the inverter another unit id"
                )
            self.battery = self.units[unit] = BatteryDevice(first)
        self.encryption = None
        if Door.encrypted in self.doors:
            from .transports.encrypted import EncryptionKey

            self.encryption = EncryptionKey(options.encryption_key)
        self.winet_settings = None
        if Door.winet in self.doors:
            from .transports.winet import WinetSettings

            self.winet_settings = WinetSettings(
                firmware=self.firmware.value,
                host=self.host,
                ws_port=ports["winet_ws_port"],
                http_port=ports["winet_http_port"],
                tls_port=ports["winet_tls_port"],
            )
        self._runtime: EventLoopThread | None = None
        self._shared_runtime = runtime  # a fleet's loop: this mock runs on it but never stops it
        self._doors: dict[str, Any] = {}
        self._name = f"sungrow-mock-{next(_numbers)}-{self.model}"
        self._settings = SettingsStack()
        # Start-time files go through the same paths as the keywords, for the mock's whole life.
        if options.scenario:
            self.load_scenario(options.scenario, scope=Scope["global"])
        if options.faults:
            self.inject_fault_file(options.faults)

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

    @property
    def battery_unit_id(self) -> int | None:
        """The unit id the SBR battery answers on (200 directly, 2 through a WiNet-S), or None
        when the mock's inverter has no battery."""
        return next((unit for unit, device in self.units.items() if device is self.battery), None)

    def _new_inverter(self, model: str, serial: str | None) -> Inverter:
        inverter = Inverter(model, serial, self.clock)
        # A communication module names itself at input 13265 whether or not a client goes through
        # it [OBS fingerprints]: the WiNet-S is attached when a client is, or its door is open.
        module = inverter.layout.by_name.get("communication_module_firmware_version")
        if module is not None and (self.modbus_path is ModbusPath.winet or Door.winet in self.doors):
            inverter.image.put_raw(module, paths.module_firmware())
        return inverter

    def add_inverter(self, model: str, unit_id: int, serial: str | None = None) -> Inverter:
        """Put another inverter behind the mock at Modbus unit id (= WiNet ``dev_id``) ``unit_id``."""
        unit_id = _unit(unit_id)
        inverter = self._new_inverter(model, serial)

        def add() -> Inverter:
            if unit_id in self.units:
                raise MockSungrowError(f"unit id {unit_id} is taken by the {self.units[unit_id].model.name}")
            return self._attach(unit_id, inverter)

        return self._on_loop(add)

    @functools.cached_property
    def environment(self) -> Environment | None:
        """What the simulated inverters see (sun, house load), or None when the mock is not simulated;
        built, with the simulation's modules, when first used (decision §39)."""
        if not self.options.simulated:
            return None
        from .simulation.plant import Environment

        return Environment(latitude=self.options.latitude, seed=self.options.seed)

    def _attach(self, unit_id: int, inverter: Inverter) -> Inverter:
        if self.options.simulated:
            began = inverter.clock.timestamp()  # the simulation covers the day from here, however late it is built

            def simulator() -> Simulator:
                from .simulation.simulator import Simulator

                built = Simulator(inverter, self.environment, now=began)
                built.condition_source = lambda: device_condition(self.faults, unit_id)
                return built

            inverter.simulate_with(simulator)
        self.inverters[unit_id] = self.units[unit_id] = inverter
        return inverter

    def _inverter(self, unit_id: int | None) -> Inverter:
        if unit_id is None:
            return self.inverter
        try:
            return self.inverters[int(unit_id)]
        except KeyError:
            units = ", ".join(str(u) for u in self.inverters)
            if int(unit_id) in self.units:
                raise MockSungrowError(
                    f"unit id {unit_id} is the {self.units[int(unit_id)].model.name} battery, which follows its "
                    f"inverter: act on the inverter ({units})"
                ) from None
            raise MockSungrowError(f"no inverter at unit id {unit_id}; valid: {units}") from None

    def _device(self, unit_id: int | None) -> Inverter:
        """The inverter or the battery at ``unit_id`` (registers of both are read and pinned alike)."""
        if unit_id is None:
            return self.inverter
        try:
            return self.units[int(unit_id)]
        except KeyError:
            units = ", ".join(f"{unit} ({device.model.name})" for unit, device in sorted(self.units.items()))
            raise MockSungrowError(f"no device at unit id {unit_id}; valid: {units}") from None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._runtime is not None

    def start(self) -> MockSungrow:
        """Open every door; returns the mock itself."""
        if self._runtime is not None:
            raise MockSungrowError(f"{self._name} is already running")
        shared = self._shared_runtime
        runtime = shared if shared is not None else EventLoopThread(self._name).start()
        try:
            runtime.run(self._open_doors())
        except BaseException:
            runtime.run(self._close_doors())
            if shared is None:
                runtime.stop()
            raise
        self._runtime = runtime
        return self

    async def _open_doors(self) -> None:
        screen = None  # directly, every device answers for itself
        if self.modbus_path is ModbusPath.winet:
            from .transports import dongle_screen

            screen = dongle_screen.screen()
        handler = ModbusHandler(self.units, screen)
        limits = (self.options.max_connections, self.options.idle_timeout)
        if MODBUS in self.doors:
            wire = Wire(MODBUS, self.units, self.journal, self.faults, handler.kept)
            self._doors[MODBUS] = await serve_modbus(handler.handle, self.host, self._ports[MODBUS], wire, *limits)
        if ENCRYPTED in self.doors:
            from .transports.encrypted import EncryptedMbapProtocol

            key = self.encryption
            wire = Wire(ENCRYPTED, self.units, self.journal, self.faults, handler.kept)
            self._doors[ENCRYPTED] = await serve_tcp(
                lambda connections: EncryptedMbapProtocol(handler.handle, key, connections, wire),
                self.host,
                self._ports[ENCRYPTED],
                ENCRYPTED,
                *limits,
            )
        if WINET in self.doors:
            from .transports.winet import serve_winet

            self._doors[WINET] = await serve_winet(
                self.inverters, self.winet_settings, journal=self.journal, faults=self.faults,
                max_connections=self.options.max_connections, idle_timeout=self.options.idle_timeout,
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
            if runtime is not self._shared_runtime:
                runtime.stop()

    def __enter__(self) -> MockSungrow:
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

    def endpoint(self, door: Endpoint | str = Endpoint.modbus) -> str:
        """One endpoint's ``HOST:PORT``: ``modbus``, ``encrypted``, ``winet_ws`` or ``winet_http``."""
        door = choice(Endpoint, door, "endpoint").value
        if self._runtime is None:
            raise MockSungrowError(f"{self._name} is not running: start it before asking for its {door} endpoint")
        endpoints = self.endpoints
        if door not in endpoints:
            raise MockSungrowError(f"{self._name} has no {door} endpoint; open: {', '.join(endpoints)}")
        return endpoints[door]

    # -- scopes ---------------------------------------------------------------------------------

    def open_scope(self, scope: Scope | str, name: str = "") -> int:
        """Open a ``test`` or ``suite`` scope inside the innermost open one and return its id.

        Settings made from now on go to the innermost open scope (or to the innermost of the
        kind a setter's ``scope`` names) and are undone when it closes.
        """
        return self._settings.open(scope, name)

    def close_scope(self, scope_id: int) -> int:
        """Close a scope and every scope opened inside it, undoing their settings newest first;
        returns how many settings were undone. Every undo is tried; failures are reported together."""
        undos = self._settings.close(_scope_id(scope_id))
        failed = []
        for what, undo in undos:
            try:
                undo()
            except Exception as error:
                failed.append(f"{what}: {error}")
        if failed:
            raise MockSungrowError(f"{self._name} could not undo {len(failed)} setting(s): {'; '.join(failed)}")
        return len(undos)

    @contextlib.contextmanager
    def scope(self, scope: Scope | str = Scope.test, name: str = ""):
        """``with mock.scope("test"):`` every setting made inside is undone at the end."""
        scope_id = self.open_scope(scope, name)
        try:
            yield scope_id
        finally:
            self.close_scope(scope_id)

    @property
    def scopes(self) -> list[tuple[int, Scope, str]]:
        """The open scopes as (id, kind, name), the global one (id 0) first."""
        return [(s.id, s.kind, s.name) for s in self._settings.scopes]

    # -- encryption and WiNet controls ----------------------------------------------------------

    def _door(self, name: str):
        if (name == ENCRYPTED and self.encryption is None) or (name == WINET and self.winet_settings is None):
            raise MockSungrowError(f"{self._name} was started without the {name} door; doors: {', '.join(self.doors)}")
        return self._doors.get(name)

    def get_encryption_key(self) -> str:
        """The public key the encrypted door hands out, as 32 hex digits (all zero: disabled)."""
        self._door(ENCRYPTED)
        return self.encryption.public.hex()

    def set_encryption_key(self, key: str | bytes, scope: Scope | str | None = None) -> str:
        """Hand out ``key`` from now on; returns the previous key (hex)."""
        return self._change_key(lambda encryption: encryption.set(key), scope).hex()

    def rotate_encryption_key(self, scope: Scope | str | None = None) -> str:
        """Switch to a new random key (frames under the old one are refused); returns the new key (hex)."""
        self._change_key(lambda encryption: encryption.rotate(), scope)
        return self.get_encryption_key()

    def disable_encryption(self, scope: Scope | str | None = None) -> str:
        """Hand out the all-zero key so clients stay plain; returns the previous key (hex)."""
        return self._change_key(lambda encryption: encryption.disable(), scope).hex()

    def _change_key(self, change, scope) -> bytes:
        self._door(ENCRYPTED)
        target = self._settings.target(scope)
        encryption = self.encryption

        def apply() -> bytes:
            previous = encryption.public
            change(encryption)
            return previous

        previous = self._on_loop(apply)
        target.add("encryption key", lambda: self._on_loop(encryption.set, previous))
        return previous

    def _winet(self, function, *args):
        self._door(WINET)
        door = self._doors.get(WINET)
        if door is None:
            raise MockSungrowError(f"{self._name} is not running: start it first")
        return self._on_loop(function, door, *args)

    def expire_winet_tokens(self) -> int:
        """Expire every WiNet token issued so far (their next use gets result code 106); returns how many.

        An event, not a setting: nothing to undo."""
        return self._winet(lambda door: door.expire_tokens())

    def get_winet_login_required(self) -> bool:
        """Whether the WiNet door answers 401 until a ``login``."""
        self._door(WINET)
        door = self._doors.get(WINET)
        if door is None:  # not running: the door will start as its firmware says
            return self.winet_settings.login_by_default
        return self._on_loop(lambda: door.dongle.sessions.login_required)

    def require_winet_login(self, required: bool = True, scope: Scope | str | None = None) -> bool:
        """Require (or stop requiring) the WiNet ``login`` service; returns the previous setting."""
        required = flag("required")(required)
        target = self._settings.target(scope)
        previous = self._winet(lambda door, value: door.require_login(value), required)

        def undo() -> None:
            door = self._doors.get(WINET)  # a restarted mock has a new door, which starts afresh
            if door is not None:
                self._on_loop(door.require_login, previous)

        target.add("WiNet login requirement", undo)
        return previous

    def get_winet_token_lifetime(self) -> float:
        """How many seconds a WiNet token lives."""
        self._door(WINET)
        return self.winet_settings.token_lifetime

    def set_winet_token_lifetime(self, seconds: float | timedelta, scope: Scope | str | None = None) -> float:
        """Set how long a WiNet token lives (seconds or a timedelta); returns the previous lifetime in seconds."""
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return self._set_winet_setting("token_lifetime", _token_lifetime(seconds), scope)

    def get_winet_session_limit(self) -> int:
        """How many logged-in WiNet sessions may coexist."""
        self._door(WINET)
        return self.winet_settings.session_limit

    def set_winet_session_limit(self, sessions: int, scope: Scope | str | None = None) -> int:
        """Set how many logged-in WiNet sessions may coexist; returns the previous limit."""
        return self._set_winet_setting("session_limit", _session_limit(sessions), scope)

    def _set_winet_setting(self, name: str, value, scope):
        self._door(WINET)
        target = self._settings.target(scope)
        settings = self.winet_settings

        def swap(new):
            previous = getattr(settings, name)
            setattr(settings, name, new)
            return previous

        previous = self._on_loop(swap, value)
        target.add(f"WiNet {name.replace('_', ' ')}", lambda: self._on_loop(swap, previous))
        return previous

    # -- simulated time --------------------------------------------------------------------------

    def get_time(self) -> str:
        """The simulated local time, ISO 8601."""
        return self._on_loop(self.clock.now).isoformat()

    def set_time(self, moment: str) -> str:
        """Jump the simulated clock to ``moment`` (ISO 8601 local time); returns the previous time.

        Simulated time evolves: no scope puts it back."""
        return self._on_loop(self._clock_call, self.clock.set, moment).isoformat()

    def advance_clock(self, seconds: float | timedelta) -> str:
        """Move the simulated clock on by ``seconds`` (or a timedelta); returns the new time."""
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return self._on_loop(self._clock_call, self.clock.advance, float(seconds)).isoformat()

    def get_clock_speed(self) -> float:
        """Simulated seconds per real second (0: frozen)."""
        return self.clock.speed

    def set_clock_speed(self, speed: float, scope: Scope | str | None = None) -> float:
        """Run ``speed`` simulated seconds per real second (0 freezes the clock); returns the old speed."""
        speed = OPTIONS["clock_speed"].parse(speed)
        target = self._settings.target(scope)
        previous = self._on_loop(self.clock.set_speed, speed)
        target.add("clock speed", lambda: self._on_loop(self.clock.set_speed, previous))
        return previous

    @staticmethod
    def _clock_call(function, *args):
        try:
            return function(*args)
        except ValueError as error:
            raise OptionError(str(error)) from None

    # -- the simulated plant ---------------------------------------------------------------------

    def _simulators(self, unit_id: int | None):
        if self.environment is None:
            raise MockSungrowError(f"{self._name} is not simulated: start it with simulate=True")
        inverters = self.inverters.values() if unit_id is None else [self._inverter(unit_id)]
        return [inverter.simulator for inverter in inverters]

    def _hold(self, name: str, value: float | None, unit_id: int | None, scope) -> float | None:
        """Hold an environment input (``irradiance``, ``load``) at ``value`` on the chosen inverters."""
        target = self._settings.target(scope)

        def apply():
            simulators = self._simulators(unit_id)
            previous = [(simulator, getattr(simulator.environment, name)) for simulator in simulators]
            for simulator in simulators:
                simulator.set_environment(_environment_with(simulator.environment, **{name: value}))
            return previous

        previous = self._on_loop(apply)
        target.add(name, lambda: self._on_loop(_put_environment, name, previous))
        return _held(previous[0][1])

    def get_irradiance(self, unit_id: int | None = None) -> float | None:
        """The irradiance held by a test (W/m2), or None when it follows the clear-sky day or a scenario's profile."""
        return self._on_loop(lambda: _held(self._simulators(unit_id)[0].environment.irradiance))

    def set_irradiance(
        self, watts_per_m2: float | None, unit_id: int | None = None, scope: Scope | str | None = None
    ) -> float | None:
        """Hold the irradiance at ``watts_per_m2`` (None: back to the clear-sky day); returns the previous hold."""
        return self._hold("irradiance", None if watts_per_m2 is None else _irradiance(watts_per_m2), unit_id, scope)

    def get_house_load(self, unit_id: int | None = None) -> float | None:
        """The house load held by a test (W), or None when it follows the daily profile or a scenario's."""
        return self._on_loop(lambda: _held(self._simulators(unit_id)[0].environment.load))

    def set_house_load(
        self, watts: float | None, unit_id: int | None = None, scope: Scope | str | None = None
    ) -> float | None:
        """Hold the house load at ``watts`` (None: back to the daily load profile); returns the previous hold."""
        return self._hold("load", None if watts is None else _house_load(watts), unit_id, scope)

    def set_battery_soc(self, percent: float, unit_id: int | None = None) -> float:
        """Set the battery's state of charge (0..100 %) from now on; returns the previous one.

        The state of charge evolves: no scope puts it back."""
        percent = _soc(percent)

        def apply():
            simulators = self._simulators(unit_id)
            previous = simulators[0].state.soc * 100
            for simulator in simulators:
                if not simulator.spec.has_battery:
                    raise MockSungrowError(f"the {simulator.inverter.model.name} has no battery")
            for simulator in simulators:
                simulator.set_soc(percent / 100)
            return round(previous, 3)

        return self._on_loop(apply)

    def load_scenario(self, path: str, unit_id: int | None = None, scope: Scope | str | None = None) -> None:
        """Apply a scenario file (TOML: site, clock, battery, irradiance, load, registers), all or nothing.

        Its settings (site, irradiance, load, clock speed, registers) last as long as ``scope``;
        its start time and battery level are where the evolving clock and battery go on from."""
        from .simulation.scenario import ScenarioError, load_scenario

        scenario = load_scenario(path)
        target = self._settings.target(scope)
        changes = {
            name: getattr(scenario, name)
            for name in ("latitude", "seed", "irradiance", "load")
            if getattr(scenario, name) is not None
        }

        def apply() -> list[tuple[str, Callable[[], object]]]:
            simulators = self._simulators(unit_id)
            undo: list[tuple[str, Callable[[], object]]] = []
            try:
                for simulator in simulators:
                    for name, value in scenario.registers.items():
                        try:
                            _, pinned = _pin_now(
                                simulator.inverter, name, None, lambda i, r, v=value: i.set_value(r.number, v, r.table)
                            )
                        except CatalogueError as error:
                            raise ScenarioError(f"{path}: registers.{name}: {error}") from None
                        if pinned is not None:
                            undo.append(pinned)
                    for name in changes:
                        before = [(simulator, getattr(simulator.environment, name))]
                        undo.append((f"scenario {name}", functools.partial(_put_environment, name, before)))
                    simulator.set_environment(_environment_with(simulator.environment, **changes))
                if scenario.speed is not None:
                    speed = self.clock.set_speed(scenario.speed)
                    undo.append(("clock speed", functools.partial(self.clock.set_speed, speed)))
            except BaseException:
                for _, step in reversed(undo):  # all or nothing
                    step()
                raise
            # Where time and the battery go on from: they evolve, no scope puts them back.
            if scenario.start_time is not None:
                self.clock.set(scenario.start_time)
            for simulator in simulators:
                if scenario.soc is not None and simulator.spec.has_battery:
                    simulator.set_soc(scenario.soc / 100)
            return undo

        for what, step in self._on_loop(apply):
            target.add(what, lambda step=step: self._on_loop(step))

    def _state_of(self, simulator) -> InverterState:
        if simulator.fault is not None:
            return InverterState.fault
        if simulator.grid_lost:
            return InverterState.grid_lost
        command = simulator.inverter.layout.by_name["start_stop"]
        if simulator.inverter.get_raw(command.number, command.table) == command.raw_of("stop"):
            return InverterState.stopped
        return InverterState.running

    def get_inverter_state(self, unit_id: int | None = None) -> InverterState:
        """``running``, ``stopped`` (the start/stop register says stop), ``fault`` or ``grid_lost``
        (as `Set Inverter State` put it; injected device faults are faults, not states)."""
        return self._on_loop(lambda: self._state_of(self._simulators(unit_id)[0]))

    def set_inverter_state(
        self,
        state: InverterState | str,
        fault_code: int = 38,
        unit_id: int | None = None,
        scope: Scope | str | None = None,
    ) -> InverterState:
        """Put the inverter in ``running``, ``stopped`` (start/stop register = stop), ``fault`` (with
        ``fault_code``) or ``grid_lost``; ``running`` clears the fault and the grid loss and starts it.
        Returns the previous state."""
        state = choice(InverterState, state, "inverter state")
        fault_code = _fault_code(fault_code)
        target = self._settings.target(scope)

        def apply():
            simulators = self._simulators(unit_id)
            previous = [(simulator, _condition_restorer(simulator)) for simulator in simulators]
            before = self._state_of(simulators[0])
            for simulator in simulators:
                command = simulator.inverter.layout.by_name["start_stop"]
                # As a client would: the start/stop command goes through the register's rules.
                simulator.inverter.write(command.number - 1, [command.raw_of("stop" if state is InverterState.stopped else "start")])
                simulator.set_condition(fault_code if state is InverterState.fault else None, state is InverterState.grid_lost)
            return before, previous

        before, previous = self._on_loop(apply)

        def undo() -> None:
            for _, restore in previous:
                self._on_loop(restore)

        target.add("inverter state", undo)
        return before

    def release_register(
        self, register: str | int, table: str | None = None, unit_id: int | None = None, scope: Scope | str | None = None
    ) -> bool:
        """Let the simulation drive a register set by hand again; returns whether it was pinned.

        Releasing undoes a pin: a pin made in a wider scope comes back when ``scope`` closes."""
        target = self._settings.target(scope)
        inverter, table = self._device(unit_id), _table(table)

        def apply() -> bool:
            found = inverter.layout.find(register, table)
            restore = _restorer(inverter, found)
            if not inverter.release(found.number, found.table):
                return False
            target.add(f"release of {found.name}", lambda: self._on_loop(restore))
            return True

        return self._on_loop(apply)

    def release_all_registers(self, unit_id: int | None = None, scope: Scope | str | None = None) -> int:
        """Release every register pinned on an inverter; returns how many were pinned."""
        target = self._settings.target(scope)
        inverter = self._device(unit_id)

        def apply() -> int:
            restores = [_restorer(inverter, inverter.layout.find(number, table)) for table, number in inverter.pinned]
            count = inverter.release_all()
            for restore in restores:
                target.add("release of a pinned register", lambda restore=restore: self._on_loop(restore))
            return count

        return self._on_loop(apply)

    def sync(self) -> None:
        """Return once the mock has finished handling everything it received so far.

        A door journals a request in the same step as it answers it; a client may hold the reply
        a moment before that step ends, so read the journal after this.
        """
        if self._runtime is not None:
            self._on_loop(lambda: None)

    # -- faults ---------------------------------------------------------------------------------

    def inject_fault(self, kind: str, scope: Scope | str | None = None, **options) -> Fault:
        """Inject a fault (see :data:`faults.KINDS`); ``options`` are the target, dose and parameters
        as text or values: ``door``, ``unit``, ``function``, ``registers``, ``table``, ``service``,
        ``times``, ``after``, ``probability``, ``seed``, ``duration``, ``code``, ``delay``, ...

        The fault lasts until ``scope`` closes (default: the innermost open scope). A device fault
        (``inverter_fault``, ``grid_loss``, ``over_temperature``, ``battery_fault``) needs the
        simulation and shows from the next read on.
        """
        target = self._settings.target(scope)
        name, arguments = parse_fault({"kind": kind, **options, "scope": target.kind.value})
        return self._inject(name, arguments, target)

    def inject_fault_file(self, path: str, scope: Scope | str | None = Scope["global"]) -> list[Fault]:
        """Inject every ``[[fault]]`` table of a TOML file as :meth:`inject_fault` does, all or
        nothing, in ``scope`` (default global: for the mock's whole life)."""
        target = self._settings.target(scope)
        injected: list[Fault] = []
        try:
            for index, (name, arguments) in enumerate(load_fault_file(path), start=1):
                try:
                    injected.append(self._inject(name, {**arguments, "scope": target.kind.value}, target))
                except SungrowMockError as error:
                    raise type(error)(f"fault file {str(path)!r}, fault {index}: {error}") from None
        except BaseException:
            self.remove_faults([fault.id for fault in injected])
            raise
        return injected

    def _inject(self, name: str, arguments: dict, target: OpenScope) -> Fault:
        if not KINDS[name].device:
            fault = self._on_loop(lambda: self.faults.inject(name, **arguments))
        else:
            if self.environment is None:
                raise MockSungrowError(
                    f"fault kind {name!r} changes the simulated inverter, but {self._name} is not simulated: "
                    "start it with simulate on"
                )
            self._simulators(arguments["target"].unit)
            fault = self._changing_conditions(lambda: self.faults.inject(name, **arguments))
            fault.triggered = 1  # applied once, to the inverter itself
            runtime = self._runtime
            if fault.dose.duration is not None and runtime is not None:
                # Its end is a change too: nothing integrates while the clock stands still.
                runtime.loop.call_soon_threadsafe(runtime.loop.call_later, fault.dose.duration, self._device_faults_ended)
        target.add(f"fault {fault.id}", lambda: self.remove_faults([fault.id]))
        return fault

    def clear_faults(self, scope: str | None = None) -> int:
        """Remove the faults of ``scope`` (``test``, ``suite``, ``global``; all by default)."""
        return self._changing_conditions(lambda: self.faults.clear(scope))

    def remove_faults(self, fault_ids) -> int:
        """Remove the faults with these ids; returns how many existed."""
        return self._changing_conditions(lambda: self.faults.remove(list(fault_ids)))

    def _device_faults_ended(self) -> None:
        """A device fault's duration ran out (on the mock's loop): the next read shows the inverter
        without it, also while the clock stands still."""
        for inverter in list(self.inverters.values()):  # a copy in one call: Add Inverter runs on another thread
            if inverter.simulator is not None:
                inverter.simulator.invalidate()

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
        return self._on_loop(self._device(unit_id).get_raw, register, _table(table))

    def set_register(
        self,
        register: str | int,
        value: int | str,
        table: str | None = None,
        unit_id: int | None = None,
        scope: Scope | str | None = None,
    ) -> int | str:
        """Store a raw value and pin it until ``scope`` closes; returns the previous raw value."""
        return self._pin(register, table, unit_id, scope, lambda i, found: i.set_raw(found.number, value, found.table))

    def get_value(self, register: str | int, table: str | None = None, unit_id: int | None = None) -> int | float | str:
        """Value of a register in engineering units."""
        return self._on_loop(self._device(unit_id).get_value, register, _table(table))

    def set_value(
        self,
        register: str | int,
        value: Any,
        table: str | None = None,
        unit_id: int | None = None,
        scope: Scope | str | None = None,
    ) -> int | float | str:
        """Store a value in engineering units (or an enumeration label) and pin it until ``scope``
        closes; returns the previous value."""
        return self._pin(register, table, unit_id, scope, lambda i, found: i.set_value(found.number, value, found.table))

    def _pin(self, register, table, unit_id, scope, change):
        target = self._settings.target(scope)
        inverter, table = self._device(unit_id), _table(table)

        def apply():
            result, undo = _pin_now(inverter, register, table, change)
            if undo is not None:
                what, restore = undo
                target.add(what, lambda: self._on_loop(restore))
            return result

        return self._on_loop(apply)

    def register_map(self, table: str | None = None, unit_id: int | None = None) -> list[dict[str, Any]]:
        """Every register of the inverter's model with its current raw and engineering value."""
        table = _table(table)
        inverter = self._device(unit_id)

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


def _table(table: Table | str | None) -> str | None:
    if table is None or str(table).strip() in ("", "None"):
        return None
    return choice(Table, table, "table").value


def _held(value) -> float | None:
    """An environment input as a setting: the number a test holds, None when it follows a profile."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _environment_with(environment: Environment, **changes) -> Environment:
    import dataclasses  # imported with the simulation, which a start leaves out (decision §39)

    return dataclasses.replace(environment, **changes)


def _put_environment(name: str, values) -> None:
    for simulator, value in values:
        simulator.set_environment(_environment_with(simulator.environment, **{name: value}))


def _restorer(inverter: Inverter, register) -> Callable[[], None]:
    """What puts ``register`` back as it is now, its raw value and whether it is pinned (call both
    this and what it returns on the mock's loop)."""
    raw = inverter.get_raw(register.number, register.table)
    pinned = (register.table, register.number) in inverter.pinned

    def restore() -> None:
        inverter.set_raw(register.number, raw, register.table)
        if not pinned:
            inverter.release(register.number, register.table)  # shows the simulation's value at once

    return restore


def _pin_now(inverter: Inverter, register, table, change) -> tuple[Any, tuple[str, Callable[[], None]] | None]:
    """Apply ``change(inverter, found register)``; returns its result and, when it pinned the
    register, what undoes it. The clock registers are simulated time, never pinned: no undo."""
    found = inverter.layout.find(register, table)
    restore = _restorer(inverter, found)
    result = change(inverter, found)
    pinned = (found.table, found.number) in inverter.pinned
    return result, ((f"register {found.name}", restore) if pinned else None)


def _condition_restorer(simulator) -> Callable[[], None]:
    """What puts the inverter back in its present state: start/stop register, fault, grid."""
    command = simulator.inverter.layout.by_name["start_stop"]
    restore_command = _restorer(simulator.inverter, command)
    fault, grid_lost = simulator.fault, simulator.grid_lost

    def restore() -> None:
        restore_command()
        simulator.set_condition(fault, grid_lost)

    return restore


def model_names() -> list[str]:
    """Names of every model in the catalogue."""
    return list(catalogue.models())
