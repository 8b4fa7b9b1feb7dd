"""The fault engine: which injected fault, if any, applies to a request.

The engine only decides. Each transport builds a :class:`RequestInfo`, asks :meth:`FaultEngine.decide`
and performs what the returned :class:`Fault` describes; the simulation asks
:meth:`FaultEngine.device_faults`. Every kind, the doors it applies to and the parameters it takes
live in :data:`KINDS`, so validation, documentation and the keywords all read the same table.

Transports run this on every request of a mock serving ~100k requests per second, so they should
test ``engine.empty`` before building a ``RequestInfo`` at all; ``decide`` itself returns at once
without taking the lock or allocating when no fault is live.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .simulation.simulator import DeviceCondition
from .errors import FaultError

__all__ = [
    "DOORS", "KINDS", "SCOPES", "TABLES", "Dose", "Fault", "FaultEngine", "FaultError", "KindSpec",
    "Param", "RequestInfo", "Target", "load_fault_file", "parse_fault",
]

MODBUS, ENCRYPTED, WINET = "modbus", "encrypted", "winet"
DOORS = (MODBUS, ENCRYPTED, WINET)
TABLES = ("input", "holding")
SCOPES = ("test", "suite", "global")
EXCEPTION_CODES = (1, 2, 3, 4, 6, 11)


class _Invalid(Exception):
    """A converter's complaint; the caller knows which kind and key it concerns and says so."""


# --- value converters: accept native values or the text a Robot keyword or a TOML file gives ---

def _integer(value) -> int:
    if isinstance(value, bool):
        raise _Invalid(f"must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            if text.lower().startswith(("0x", "-0x")):
                return int(text, 16)
            return int(text, 10)
        except ValueError:
            pass
    raise _Invalid(f"must be a whole number, got {value!r}")


def _int_between(low: int, high: int | None = None) -> Callable[[object], int]:
    def convert(value) -> int:
        number = _integer(value)
        if number < low or (high is not None and number > high):
            expected = f"{low} or more" if high is None else f"between {low} and {high}"
            raise _Invalid(f"must be {expected}, got {number}")
        return number
    return convert


def _optional(convert: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if value is None else convert(value)


def _seconds(value) -> float:
    # Robot's time syntax ("2s", "1 min"), imported here so that serving never pays for Robot.
    from robot.utils import timestr_to_secs

    if isinstance(value, bool):
        raise _Invalid(f"must be a time such as 2s, 1.5 or 500ms, got {value!r}")
    try:
        seconds = float(timestr_to_secs(value, round_to=None))
    except (ValueError, TypeError):
        raise _Invalid(f"must be a time such as 2s, 1.5 or 500ms, got {value!r}") from None
    if not math.isfinite(seconds):
        raise _Invalid(f"must be a finite time, got {value!r}")
    return seconds


def _time_at_least_zero(value) -> float:
    seconds = _seconds(value)
    if seconds < 0:
        raise _Invalid(f"must be a time of 0 seconds or more, got {value!r}")
    return seconds


def _positive_time(value) -> float:
    seconds = _seconds(value)
    if seconds <= 0:
        raise _Invalid(f"must be a time above 0 seconds, got {value!r}")
    return seconds


def _exception_code(value) -> int:
    # Modbus documents write exception codes in hex ("0B"), so text with hex letters is hex;
    # plain digits stay decimal, which agrees with hex for every valid code except 11 ("0B").
    code = None
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.lower().startswith("0x"):
                code = int(text, 16)
            elif text.isdigit():
                code = int(text, 10)
            else:
                code = int(text, 16)
        except ValueError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        code = value
    if code not in EXCEPTION_CODES:
        valid = ", ".join(map(str, EXCEPTION_CODES))
        hexes = ", ".join(f"{c:02X}" for c in EXCEPTION_CODES)
        raise _Invalid(f"must be one of {valid} (hex {hexes}), got {value!r}")
    return code


def _failure_result_code(value) -> int:
    code = _int_between(0, 65535)(value)
    if code == 1:
        raise _Invalid("must be a failure code: 1 means success (106 is 'token expired')")
    return code


# --- the kind table ---

REQUIRED = object()


@dataclass(frozen=True)
class Param:
    """One parameter of a fault kind: how to read it, its default, and what it means."""

    convert: Callable[[object], object]
    default: object = REQUIRED
    help: str = ""
    seconds: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class KindSpec:
    """A fault kind. ``doors`` is empty for device faults, which the simulation applies.

    ``connecting`` kinds are decided when a client connects, all other wire kinds per request.
    ``check`` validates parameters together; ``gate`` lets a kind fire only when the request's
    own counters say so (``None`` counters mean the transport checks itself).
    """

    description: str
    doors: tuple[str, ...] = ()
    params: Mapping[str, Param] = field(default_factory=dict)
    connecting: bool = False
    check: Callable[[dict], None] | None = None
    gate: Callable[[dict, "RequestInfo"], bool] | None = None

    @property
    def device(self) -> bool:
        return not self.doors


def _check_delay_range(params: dict) -> None:
    if params["max_delay"] is not None and params["max_delay"] < params["delay"]:
        raise FaultError(
            f"fault kind 'delay': 'max_delay' ({params['max_delay']:g}s) must not be below "
            f"'delay' ({params['delay']:g}s)", key="max_delay")


def _limit_reached(params: dict, request: RequestInfo) -> bool:
    return request.open_connections is None or request.open_connections >= params["connections"]


def _last_request_of_connection(params: dict, request: RequestInfo) -> bool:
    return request.answered is None or request.answered + 1 >= params["requests"]


_WIRE = (MODBUS, ENCRYPTED)
_ANY_DOOR = DOORS
_CODE_U16 = _int_between(1, 65535)

KINDS: dict[str, KindSpec] = {
    # wire faults
    "exception": KindSpec(
        "answer with a well-formed Modbus exception reply", _WIRE,
        {"code": Param(_exception_code, 4, "exception code: 1, 2, 3, 4, 6 or 11 (hex 01..0B)")}),
    "no_response": KindSpec("read the request and never answer it", _WIRE),
    "delay": KindSpec(
        "answer after a delay (uniformly random up to max_delay when given)", _ANY_DOOR,
        {"delay": Param(_time_at_least_zero, help="seconds to wait before answering", seconds=True),
         "max_delay": Param(_optional(_time_at_least_zero), None,
                            help="upper bound of a random delay drawn from the fault's seed", seconds=True)},
        check=_check_delay_range),
    "late_response": KindSpec(
        "answer only after the client has given up, while it waits for its next reply", _WIRE,
        {"delay": Param(_positive_time, help="seconds to hold the reply back (beyond the client's timeout)",
                        seconds=True)}),
    "reset": KindSpec("reset the connection (TCP RST) instead of answering", _ANY_DOOR),
    "close_after": KindSpec(
        "close the connection once it has answered N requests", _WIRE,
        {"requests": Param(_int_between(1), 1, help="requests answered before the close")},
        gate=_last_request_of_connection),
    "refuse": KindSpec("refuse new connections", _ANY_DOOR, connecting=True),
    "garbage": KindSpec(
        "answer with random bytes drawn from the fault's seed", _WIRE,
        {"size": Param(_int_between(1, 65536), 8, help="number of random bytes")}),
    "truncate": KindSpec("send only the first part of the reply", _WIRE),
    "wrong_transaction_id": KindSpec("answer under a different MBAP transaction id", _WIRE),
    "wrong_unit_id": KindSpec("answer from a different unit id", _WIRE),
    "connection_limit": KindSpec(
        "accept only N connections at a time, like the dongle's single session", _ANY_DOOR,
        {"connections": Param(_int_between(1), 1, help="connections allowed at the same time")},
        connecting=True, gate=_limit_reached),
    # WiNet-S only
    "http_error": KindSpec(
        "answer an HTTP request with a server error status", (WINET,),
        {"status": Param(_int_between(500, 599), 503, help="HTTP status, 500..599")}),
    "result_code": KindSpec(
        "answer with a failure result_code instead of the data", (WINET,),
        {"code": Param(_failure_result_code, 106, help="WiNet result_code; 106 = token expired")}),
    "ws_close": KindSpec("close the WebSocket (close frame) instead of answering", (WINET,)),
    "malformed_json": KindSpec("answer with text that is not valid JSON", (WINET,)),
    "login_required": KindSpec("answer as firmware that demands a login first", (WINET,)),
    # encrypted Modbus only
    "key_not_answered": KindSpec("stay silent on the public-key request", (ENCRYPTED,)),
    "key_rotated": KindSpec(
        "switch to a new key mid-session: this reply and the client's later frames no longer decrypt", (ENCRYPTED,)),
    # device faults
    "inverter_fault": KindSpec(
        "the inverter reports a fault and stops producing", (),
        {"code": Param(_CODE_U16, 14, help="inverter fault code"),
         "alarm": Param(_optional(_CODE_U16), None, help="alarm code reported alongside")}),
    "grid_loss": KindSpec("the grid disappears: the inverter stops feeding in", ()),
    "over_temperature": KindSpec(
        "the inverter overheats and derates", (),
        {"limit_percent": Param(_int_between(0, 100), 50, help="output limit in percent of nominal power")}),
    "battery_fault": KindSpec(
        "the battery reports a fault and stops charging and discharging", (),
        {"code": Param(_CODE_U16, 703, help="battery fault code")}),
}


# The kinds as a choice (Libdoc lists it, Robot converts keyword arguments to it); made from the
# table, so a new kind is one table row.
FaultKind = StrEnum("FaultKind", {name.upper(): name for name in KINDS})
FaultKind.__doc__ = "A fault kind; see `Inject Fault` for what each does, where, and its parameters."


def _names(values) -> str:
    return ", ".join(values)


def _kind_spec(kind: str) -> tuple[str, KindSpec]:
    name = str(kind).strip().lower().replace(" ", "_").replace("-", "_")
    spec = KINDS.get(name)
    if spec is None:
        raise FaultError(f"unknown fault kind {kind!r}; valid: {_names(KINDS)}", key="kind")
    return name, spec


def _choice(what: str, value, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise FaultError(f"unknown {what} {value!r}; valid: {_names(valid)}", key=what)
    return value


# --- targets, requests and doses ---

@dataclass(frozen=True)
class RequestInfo:
    """What a transport knows about a request (or a connection) when it asks the engine.

    ``first`` is the documented (1-based) register number. ``open_connections`` (connections
    already open on the door, not counting this one) and ``answered`` (requests already answered
    on this connection) let ``connection_limit`` and ``close_after`` fire exactly when due;
    leave them ``None`` to have those kinds fire every time and check the counts yourself.
    """

    door: str
    unit: int | None = None
    function: int | None = None
    table: str | None = None
    first: int | None = None
    count: int | None = None
    service: str | None = None
    connecting: bool = False
    open_connections: int | None = None
    answered: int | None = None


def _check_int(name: str, value, low: int, high: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
        raise FaultError(f"target {name} must be a whole number between {low} and {high}, got {value!r}",
                         key="registers" if name in ("first", "last") else name)


@dataclass(frozen=True)
class Target:
    """Which requests a fault applies to; ``None`` fields match anything.

    ``first``..``last`` is an inclusive range of documented register numbers (a missing end is
    open); a request matches when the registers it touches overlap it.
    """

    door: str | None = None
    unit: int | None = None
    function: int | None = None
    table: str | None = None
    first: int | None = None
    last: int | None = None
    service: str | None = None

    def __post_init__(self):
        if self.door is not None:
            _choice("door", self.door, DOORS)
        if self.table is not None:
            _choice("table", self.table, TABLES)
        _check_int("unit", self.unit, 0, 255)
        _check_int("function", self.function, 1, 127)
        _check_int("first", self.first, 1, 65536)
        _check_int("last", self.last, 1, 65536)
        if self.first is not None and self.last is not None and self.first > self.last:
            raise FaultError(f"register range {self.first}..{self.last} is empty: first is above last",
                             key="registers")
        if self.service is not None and (not isinstance(self.service, str) or not self.service):
            raise FaultError(f"target service must be a non-empty text, got {self.service!r}", key="service")
        if self.service is not None and self.door in _WIRE:
            raise FaultError(f"a service targets WiNet requests; door {self.door!r} has none", key="service")

    def fields(self) -> dict:
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}

    def matches(self, request: RequestInfo) -> bool:
        if self.door is not None and self.door != request.door:
            return False
        if self.unit is not None and self.unit != request.unit:
            return False
        if self.function is not None and self.function != request.function:
            return False
        if self.table is not None and self.table != request.table:
            return False
        if self.first is not None or self.last is not None:
            first = request.first
            if first is None:
                return False
            if self.last is not None and first > self.last:
                return False
            if self.first is not None and first + max(request.count or 1, 1) - 1 < self.first:
                return False
        if self.service is not None and self.service != request.service:
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.door is not None:
            parts.append(self.door)
        if self.unit is not None:
            parts.append(f"unit {self.unit}")
        if self.function is not None:
            parts.append(f"function {self.function}")
        registers = None
        if self.first is not None and self.first == self.last:
            registers = f"register {self.first}"
        elif self.first is not None or self.last is not None:
            first = "" if self.first is None else self.first
            last = "" if self.last is None else self.last
            registers = f"registers {first}..{last}"
        if self.table is not None:
            parts.append(f"{self.table} {registers}" if registers else f"{self.table} registers")
        elif registers:
            parts.append(registers)
        if self.service is not None:
            parts.append(f"service {self.service}")
        return " ".join(parts)


_ANYWHERE = Target()


@dataclass
class Dose:
    """How often a fault fires among the requests its target matches."""

    times: int | None = None
    after: int = 0
    probability: float = 1.0
    seed: int | None = None
    duration: float | None = None

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        for name, low in (("times", 1), ("after", 0)):
            value = getattr(self, name)
            if value is None and name == "times":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise FaultError(f"{name} must be a whole number of {low} or more, got {value!r}", key=name)
        probability = self.probability
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            raise FaultError(f"probability must be between 0 and 1, got {probability!r}", key="probability")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise FaultError(f"seed must be a whole number, got {self.seed!r}", key="seed")
        duration = self.duration
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float))
                                     or not math.isfinite(duration) or duration <= 0):
            raise FaultError(f"duration must be a time above 0 seconds, got {duration!r}", key="duration")

    def describe(self, device: bool = False) -> str:
        if device:
            return f"for {self.duration:g}s" if self.duration is not None else "until cleared"
        if self.times is None:
            text = "every time"
        elif self.times == 1:
            text = "once"
        else:
            text = f"next {self.times} times"
        if self.after:
            text += f" after {self.after}"
        if self.probability < 1:
            text += f" with probability {self.probability:g} (seed {self.seed})"
        if self.duration is not None:
            text += f" for {self.duration:g}s"
        return text


# --- faults ---

@dataclass(eq=False)
class Fault:
    """One injected fault and its statistics.

    ``matched`` counts the requests its target matched while it was active, ``triggered`` the
    times it was applied. The private fields tie it to its engine's clock, lock and seeded RNG.
    """

    id: int
    kind: str
    params: dict
    target: Target
    dose: Dose
    scope: str
    created: float
    matched: int = 0
    triggered: int = 0
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def device(self) -> bool:
        return self.spec.device

    @property
    def expires(self) -> float | None:
        return None if self.dose.duration is None else self.created + self.dose.duration

    @property
    def exhausted(self) -> bool:
        return self.dose.times is not None and self.triggered >= self.dose.times

    def active_at(self, now: float) -> bool:
        expires = self.expires
        return not self.exhausted and (expires is None or now < expires)

    @property
    def active(self) -> bool:
        return self.active_at(self._clock())

    def draw_delay(self) -> float:
        """The delay to apply this time: ``delay``, or uniform in delay..max_delay from the seed."""
        delay = self.params["delay"]
        high = self.params.get("max_delay")
        if high is None or high == delay:
            return delay
        with self._lock:
            return self._rng.uniform(delay, high)

    def draw_bytes(self, size: int | None = None) -> bytes:
        """Random bytes from the fault's seed (``size`` defaults to the ``size`` parameter)."""
        with self._lock:
            return self._rng.randbytes(self.params.get("size", 8) if size is None else size)

    def describe(self) -> str:
        spec = self.spec
        words = [self.kind]
        for name, param in spec.params.items():
            value = self.params.get(name)
            if value is None:
                continue
            words.append(f"{name}={value:g}s" if param.seconds else f"{name}={value}")
        where = self.target.describe()
        if spec.device:
            words.append(f"on {where}" if where else "on every inverter")
            return " ".join(words) + f" {self.dose.describe(device=True)}"
        if not self.target.door:
            where = " ".join(filter(None, ["/".join(spec.doors), where]))
        if spec.connecting:
            where += " connections"
        return " ".join(words) + f" on {where}, {self.dose.describe()}"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "params": dict(self.params),
            "target": self.target.fields(),
            "dose": dataclasses.asdict(self.dose),
            "scope": self.scope,
            "created": self.created,
            "matched": self.matched,
            "triggered": self.triggered,
            "active": self.active,
            "description": self.describe(),
        }


def _validate(kind: str, scope: str, target: Target, dose: Dose, params: Mapping) -> tuple[str, dict]:
    """Check a fault as a whole; returns the canonical kind name and the complete parameters."""
    name, spec = _kind_spec(kind)
    _choice("scope", scope, SCOPES)
    if not isinstance(target, Target):
        raise FaultError(f"target must be a Target, got {target!r}", key="target")
    if not isinstance(dose, Dose):
        raise FaultError(f"dose must be a Dose, got {dose!r}", key="dose")
    dose.validate()
    unknown = [key for key in params if key not in spec.params]
    if unknown:
        takes = _names(spec.params) if spec.params else "none"
        raise FaultError(f"fault kind '{name}' takes no parameter {unknown[0]!r}; valid: {takes}", key=unknown[0])
    values = {}
    for key, param in spec.params.items():
        if key in params and params[key] is not None:
            try:
                values[key] = param.convert(params[key])
            except _Invalid as error:
                raise FaultError(f"fault kind '{name}': {key!r} {error}", key=key) from None
        elif param.required:
            raise FaultError(f"fault kind '{name}' needs parameter {key!r} ({param.help})", key=key)
        else:
            values[key] = param.default
    if spec.check is not None:
        spec.check(values)
    extra = [key for key, value in target.fields().items() if key != "unit"] if spec.device else []
    if spec.device and extra:
        raise FaultError(f"device fault '{name}' applies to the simulation, not to requests: "
                         f"target it by unit only, not by {extra[0]}", key=_target_key(extra[0]))
    if spec.device:
        for key, idle in (("times", None), ("after", 0), ("probability", 1.0)):
            if getattr(dose, key) != idle:
                raise FaultError(f"device fault '{name}' is not dosed per request: "
                                 f"it takes a duration but no {key}", key=key)
        return name, values
    if target.door is not None and target.door not in spec.doors:
        raise FaultError(f"fault kind '{name}' does not apply to door {target.door!r}; "
                         f"it applies to: {_names(spec.doors)}", key="door")
    if spec.connecting:
        extra = [key for key in target.fields() if key != "door"]
        if extra:
            raise FaultError(f"fault kind '{name}' acts when a client connects: "
                             f"target it by door only, not by {extra[0]}", key=_target_key(extra[0]))
    return name, values


def _target_key(name: str) -> str:
    return "registers" if name in ("first", "last") else name


# --- the engine ---

class FaultEngine:
    """Holds the injected faults of one mock and decides which one applies to each request.

    ``empty`` is true while no wire fault can fire; it is read without the lock (a fault injected
    concurrently may miss the request in flight, which is harmless) and keeps ``decide`` free of
    locking and allocation when there is nothing to do.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: dict[int, Fault] = {}
        self._live: list[Fault] = []  # wire faults not yet known to be exhausted or expired, oldest first
        self._next_id = 1
        self.empty = True

    def inject(self, kind: str, *, scope: str = "test", target: Target | None = None,
               dose: Dose | None = None, **params) -> Fault:
        target = _ANYWHERE if target is None else target
        dose = Dose() if dose is None else dataclasses.replace(dose)
        name, values = _validate(kind, scope, target, dose, params)
        with self._lock:
            fault_id = self._next_id
            self._next_id += 1
            if dose.seed is None:
                dose.seed = fault_id  # reproducible runs without having to pick a seed
            fault = Fault(fault_id, name, values, target, dose, scope, self._clock(),
                          _clock=self._clock, _lock=self._lock, _rng=random.Random(dose.seed))
            self._faults[fault_id] = fault
            if not fault.device:
                self._live.append(fault)
                self.empty = False
        return fault

    def decide(self, request: RequestInfo, kinds: frozenset[str] | set[str] | None = None) -> Fault | None:
        """The oldest active fault whose target matches ``request`` and whose dose fires, if any.

        ``kinds`` optionally limits the answer to the kinds the caller can perform (an HTTP handler
        cannot close a WebSocket); faults of other kinds neither match nor fire.
        """
        if self.empty:
            return None
        with self._lock:
            now = None
            dead = False
            chosen = None
            door = request.door
            connecting = request.connecting
            for fault in self._live:
                dose = fault.dose
                if dose.times is not None and fault.triggered >= dose.times:
                    dead = True
                    continue
                if dose.duration is not None:
                    if now is None:
                        now = self._clock()
                    if now >= fault.created + dose.duration:
                        dead = True
                        continue
                spec = KINDS[fault.kind]
                if spec.connecting != connecting or door not in spec.doors:
                    continue
                if kinds is not None and fault.kind not in kinds:
                    continue
                if not fault.target.matches(request):
                    continue
                if spec.gate is not None and not spec.gate(fault.params, request):
                    continue
                fault.matched += 1
                if fault.matched <= dose.after:
                    continue
                if dose.probability < 1 and fault._rng.random() >= dose.probability:
                    continue
                fault.triggered += 1
                if dose.times is not None and fault.triggered >= dose.times:
                    dead = True
                chosen = fault
                break
            if dead:
                self._prune()
            return chosen

    def _prune(self) -> None:
        now = self._clock()
        self._live = [fault for fault in self._live if fault.active_at(now)]
        self.empty = not self._live

    def faults(self, include_inactive: bool = False) -> list[Fault]:
        with self._lock:
            faults = list(self._faults.values())
        if include_inactive:
            return faults
        now = self._clock()
        return [fault for fault in faults if fault.active_at(now)]

    def device_faults(self) -> list[Fault]:
        return [fault for fault in self.faults() if fault.device]

    def clear(self, scope: str | None = None) -> int:
        """Remove the faults of ``scope`` (all faults when ``None``); returns how many were removed."""
        if scope is not None:
            _choice("scope", scope, SCOPES)
        with self._lock:
            doomed = [fid for fid, fault in self._faults.items() if scope is None or fault.scope == scope]
            for fid in doomed:
                del self._faults[fid]
            self._live = [fault for fault in self._live if fault.id in self._faults]
            self.empty = not self._live
        return len(doomed)

    def remove(self, fault_ids) -> int:
        """Remove the faults with these ids (unknown ids are ignored); returns how many were removed."""
        wanted = set(fault_ids)
        with self._lock:
            doomed = [fid for fid in self._faults if fid in wanted]
            for fid in doomed:
                del self._faults[fid]
            self._live = [fault for fault in self._live if fault.id in self._faults]
            self.empty = not self._live
        return len(doomed)

    def get(self, fault_id: int) -> Fault:
        with self._lock:
            fault = self._faults.get(fault_id)
            known = list(self._faults)
        if fault is None:
            listed = ", ".join(map(str, known)) if known else "none"
            raise FaultError(f"no fault with id {fault_id!r}; injected: {listed}")
        return fault


# --- specifications from text: Robot keywords and fault files ---

_TARGET_KEYS = ("door", "unit", "function", "table", "registers", "service")
_DOSE_KEYS = ("times", "after", "probability", "seed", "duration")
_COMMON_KEYS = ("kind", "scope") + _TARGET_KEYS + _DOSE_KEYS


def _registers(value) -> tuple[int, int]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = (_integer(v) for v in value)
    elif isinstance(value, (list, tuple)):
        raise _Invalid(f"must be one register or a pair [first, last], got {value!r}")
    elif isinstance(value, str):
        text = value.strip()
        for separator in ("..", "-"):
            head, found, tail = text.partition(separator)
            if found and head.strip():
                first, last = _integer(head), _integer(tail)
                break
        else:
            first = last = _integer(text)
    else:
        first = last = _integer(value)
    return first, last


def _probability(value) -> float:
    if isinstance(value, bool):
        raise _Invalid(f"must be a number between 0 and 1, got {value!r}")
    try:
        return float(value.strip().rstrip("%")) / 100 if isinstance(value, str) and value.strip().endswith("%") \
            else float(value)
    except (TypeError, ValueError):
        raise _Invalid(f"must be a number between 0 and 1, got {value!r}") from None


def _text(value) -> str:
    return str(value).strip()


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "door": lambda v: _text(v).lower(),
    "unit": _integer,
    "function": _integer,
    "table": lambda v: _text(v).lower(),
    "registers": _registers,
    "service": _text,
    "times": _integer,
    "after": _integer,
    "probability": _probability,
    "seed": _integer,
    "duration": _positive_time,
    "scope": lambda v: _text(v).lower(),
}


def parse_fault(spec: Mapping) -> tuple[str, dict]:
    """A fault from a flat mapping of (usually text) values: ``(kind, keyword arguments for inject)``.

    Keys are ``kind``, ``scope``, the target keys (``door``, ``unit``, ``function``, ``table``,
    ``registers`` as ``"5003"``, ``"5000-5010"`` or ``"5000..5010"``, ``service``), the dose keys
    (``times``, ``after``, ``probability``, ``seed``, ``duration`` as a Robot time string) and the
    kind's own parameters. Empty values count as not given. The result is validated as ``inject``
    would validate it, so a bad fault fails where it is written.
    """
    given = {}
    for key, value in spec.items():
        name = str(key).strip().lower().replace(" ", "_").replace("-", "_")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        given[name] = value
    if "kind" not in given:
        raise FaultError(f"a fault needs a 'kind'; valid kinds: {_names(KINDS)}", key="kind")
    kind, kind_spec = _kind_spec(given.pop("kind"))
    values = {}
    for key, value in given.items():
        if key in _CONVERTERS:
            try:
                values[key] = _CONVERTERS[key](value)
            except _Invalid as error:
                raise FaultError(f"{key!r} {error}", key=key) from None
        elif key not in kind_spec.params:
            valid = _names(_COMMON_KEYS + tuple(kind_spec.params))
            raise FaultError(f"unknown key {key!r} for fault kind '{kind}'; valid: {valid}", key=key)
    first, last = values.pop("registers", (None, None))
    target = Target(**{key: values.pop(key) for key in _TARGET_KEYS if key in values}, first=first, last=last)
    dose = Dose(**{key: values.pop(key) for key in _DOSE_KEYS if key in values})
    kwargs = {key: value for key, value in given.items() if key in kind_spec.params}
    scope = values.pop("scope", "test")
    _, converted = _validate(kind, scope, target, dose, kwargs)
    params = {key: converted[key] for key in kwargs}
    return kind, {"scope": scope, "target": target, "dose": dose, **params}


def load_fault_file(path) -> list[tuple[str, dict]]:
    """The faults of a TOML file's ``[[fault]]`` tables, each parsed as :func:`parse_fault` does."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as error:
        raise FaultError(f"cannot read fault file {str(path)!r}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise FaultError(f"fault file {str(path)!r} is not valid TOML: {error}") from None
    unknown = [key for key in document if key != "fault"]
    if unknown:
        raise FaultError(f"fault file {str(path)!r}: unknown top-level key {unknown[0]!r}; "
                         "write each fault as a [[fault]] table", key=unknown[0])
    tables = document.get("fault", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise FaultError(f"fault file {str(path)!r}: 'fault' must be an array of tables: write [[fault]]",
                         key="fault")
    faults = []
    for index, table in enumerate(tables, start=1):
        nested = [key for key, value in table.items() if isinstance(value, dict)]
        try:
            if nested:
                raise FaultError(f"key {nested[0]!r} is a table; fault keys take plain values", key=nested[0])
            faults.append(parse_fault(table))
        except FaultError as error:
            where = f"fault file {str(path)!r}, fault {index}"
            if error.key is not None:
                where += f", key {error.key!r}"
            raise FaultError(f"{where}: {error}", key=error.key) from None
    return faults


# --- device faults as the simulation sees them ---


def device_condition(engine: FaultEngine, unit: int) -> DeviceCondition:
    """The condition the active device faults put the inverter at ``unit`` in (latest fault wins)."""
    changes: dict = {}
    for fault in engine.device_faults():
        if fault.target.unit not in (None, unit):
            continue
        params = fault.params
        if fault.kind == "inverter_fault":
            changes["fault"] = params["code"]
            changes["alarm"] = params.get("alarm")
        elif fault.kind == "grid_loss":
            changes["grid_lost"] = True
        elif fault.kind == "over_temperature":
            changes["derate"] = params["limit_percent"] / 100
        elif fault.kind == "battery_fault":
            changes["battery_fault"] = params["code"]
    return DeviceCondition(**changes)
