"""The fault engine: which injected fault, if any, applies to a request.

The engine only decides. Each transport builds a :class:`RequestInfo`, asks :meth:`FaultEngine.decide`
for the kinds it performs at that stage (:func:`~.kinds.kinds_at`) and performs what the returned
:class:`Fault` describes; the simulation asks :meth:`FaultEngine.device_faults`.

Transports run this on every request of a mock serving ~100k requests per second, so they should
test ``engine.empty`` before building a ``RequestInfo`` at all; ``decide`` itself returns at once
without taking the lock or allocating when no fault is live.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping

from ..errors import FaultError
from ..records import MutableRecord
from ..vocabulary import Scope
from .kinds import KINDS, KindSpec, Stage, kind_spec
from .targets import (
    ANYWHERE,
    Dose,
    RequestInfo,
    Target,
    choice_of,
    is_http_path,
    target_key,
)
from .values import Invalid

# --- faults ---


class Fault(MutableRecord):
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
    matched: int
    triggered: int

    # One fault is one fault: equal only to itself (its statistics change), as a dataclass(eq=False).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __init__(
        self, id: int, kind: str, params: dict, target: Target, dose: Dose, scope: str, created: float, matched: int = 0,
        triggered: int = 0, _clock: Callable[[], float] = time.monotonic, _lock: threading.Lock | None = None,
        _rng: random.Random | None = None,
    ):  # fmt: skip
        self.__dict__.update(
            id=id, kind=kind, params=params, target=target, dose=dose, scope=scope, created=created, matched=matched,
            triggered=triggered, _clock=_clock, _lock=threading.Lock() if _lock is None else _lock,
            _rng=random.Random() if _rng is None else _rng,
        )  # fmt: skip

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
            "dose": self.dose.as_dict(),
            "scope": self.scope,
            "created": self.created,
            "matched": self.matched,
            "triggered": self.triggered,
            "active": self.active,
            "description": self.describe(),
        }



def validate(kind, scope, target: Target, dose: Dose, params: Mapping) -> tuple[str, str, dict]:
    """Check a fault as a whole; returns the canonical kind name, the scope and the complete parameters."""
    name, spec = kind_spec(kind)
    scope = choice_of(Scope, scope, "scope")
    if not isinstance(target, Target):
        raise FaultError(f"target must be a Target, got {target!r}", key="target")
    if not isinstance(dose, Dose):
        raise FaultError(f"dose must be a Dose, got {dose!r}", key="dose")
    dose.validate()
    unknown = [key for key in params if key not in spec.params]
    if unknown:
        takes = ", ".join(spec.params) if spec.params else "none"
        raise FaultError(f"fault kind '{name}' takes no parameter {unknown[0]!r}; valid: {takes}", key=unknown[0])
    values = {}
    for key, param in spec.params.items():
        if key in params and params[key] is not None:
            try:
                values[key] = param.convert(params[key])
            except Invalid as error:
                raise FaultError(f"fault kind '{name}': {key!r} {error}", key=key) from None
        elif param.required:
            raise FaultError(f"fault kind '{name}' needs parameter {key!r} ({param.help})", key=key)
        else:
            values[key] = param.default
    if spec.check is not None:
        spec.check(values)
    _check_place(name, spec, target, dose)
    return name, scope, values


def _check_place(name: str, spec: KindSpec, target: Target, dose: Dose) -> None:
    """Refuse a target the kind can never fire on, naming where the kind applies."""
    if spec.device:
        extra = [key for key in target.fields() if key != "unit"]
        if extra:
            raise FaultError(f"device fault '{name}' applies to the simulation, not to requests: "
                             f"target it by unit only, not by {extra[0]}", key=target_key(extra[0]))
        for key, idle in (("times", None), ("after", 0), ("probability", 1.0)):
            if getattr(dose, key) != idle:
                raise FaultError(f"device fault '{name}' is not dosed per request: "
                                 f"it takes a duration but no {key}", key=key)
        return
    if target.door is not None and target.door not in spec.doors:
        raise FaultError(f"fault kind '{name}' does not apply to door {target.door!r}; "
                         f"it applies to: {spec.where()}", key="door")
    if spec.connecting:
        extra = [key for key in target.fields() if key != "door"]
        if extra:
            raise FaultError(f"fault kind '{name}' acts when a client connects: "
                             f"target it by door only, not by {extra[0]}", key=target_key(extra[0]))
        return
    if target.service is not None:
        http = is_http_path(target.service)
        stage = Stage.WINET_HTTP if http else Stage.WINET_MESSAGE
        if stage not in spec.stages:
            what = "an HTTP path" if http else "a WebSocket service"
            raise FaultError(f"fault kind '{name}' does not act on service {target.service!r} ({what}); "
                             f"it applies to: {spec.where()}", key="service")


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
        target = ANYWHERE if target is None else target
        dose = Dose() if dose is None else dose.copy()
        name, scope, values = validate(kind, scope, target, dose, params)
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
            scope = choice_of(Scope, scope, "scope")
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

