"""Which requests a fault applies to (:class:`Target`) and how often it fires (:class:`Dose`), and
what a door knows about a request when it asks (:class:`RequestInfo`)."""

from __future__ import annotations

import math
from enum import StrEnum

from ..errors import ChoiceError, FaultError
from ..records import MutableRecord, Record
from ..vocabulary import MODBUS_DOORS, Door, Table, choice


def choice_of(enum: type[StrEnum], value, key: str) -> str:
    """``value`` as the plain text of one of ``enum``'s members; a FaultError naming the valid ones."""
    try:
        return choice(enum, value).value
    except ChoiceError as error:
        raise FaultError(str(error), key=key) from None


class RequestInfo(Record):
    """What a transport knows about a request (or a connection) when it asks the engine.

    ``first`` is the documented (1-based) register number. ``open_connections`` (connections
    already open on the door, not counting this one) and ``answered`` (requests already answered
    on this connection) let ``connection_limit`` and ``close_after`` fire exactly when due;
    leave them ``None`` to have those kinds fire every time and check the counts yourself.
    """

    door: str
    unit: int | None
    function: int | None
    table: str | None
    first: int | None
    count: int | None
    service: str | None
    connecting: bool
    open_connections: int | None
    answered: int | None

    def __init__(
        self, door: str, unit: int | None = None, function: int | None = None, table: str | None = None,
        first: int | None = None, count: int | None = None, service: str | None = None, connecting: bool = False,
        open_connections: int | None = None, answered: int | None = None,
    ):  # fmt: skip
        self.__dict__.update(door=door, unit=unit, function=function, table=table, first=first, count=count,
                             service=service, connecting=connecting, open_connections=open_connections,
                             answered=answered)  # fmt: skip


def _check_int(name: str, value, low: int, high: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
        raise FaultError(f"target {name} must be a whole number between {low} and {high}, got {value!r}",
                         key=target_key(name))


def target_key(name: str) -> str:
    """The specification key of a target field (``first`` and ``last`` are written ``registers``)."""
    return "registers" if name in ("first", "last") else name


def is_http_path(service: str) -> bool:
    """A WiNet HTTP request's service is its path; a WebSocket message's is a service name."""
    return service.startswith("/")


class Target(Record):
    """Which requests a fault applies to; ``None`` fields match anything.

    ``first``..``last`` is an inclusive range of documented register numbers (a missing end is
    open); a request matches when the registers it touches overlap it.
    """

    door: str | None
    unit: int | None
    function: int | None
    table: str | None
    first: int | None
    last: int | None
    service: str | None

    def __init__(
        self, door: str | None = None, unit: int | None = None, function: int | None = None, table: str | None = None,
        first: int | None = None, last: int | None = None, service: str | None = None,
    ):  # fmt: skip
        self.__dict__.update(door=door, unit=unit, function=function, table=table, first=first, last=last,
                             service=service)  # fmt: skip
        self._check()

    def _check(self) -> None:
        if self.door is not None:
            object.__setattr__(self, "door", choice_of(Door, self.door, "door"))
        if self.table is not None:
            object.__setattr__(self, "table", choice_of(Table, self.table, "table"))
        _check_int("unit", self.unit, 0, 255)
        _check_int("function", self.function, 1, 127)
        _check_int("first", self.first, 1, 65536)
        _check_int("last", self.last, 1, 65536)
        if self.first is not None and self.last is not None and self.first > self.last:
            raise FaultError(f"register range {self.first}..{self.last} is empty: first is above last",
                             key="registers")
        if self.service is not None and (not isinstance(self.service, str) or not self.service):
            raise FaultError(f"target service must be a non-empty text, got {self.service!r}", key="service")
        if self.service is not None and self.door in MODBUS_DOORS:
            raise FaultError(f"a service targets WiNet requests; door {self.door!r} has none", key="service")

    def fields(self) -> dict:
        return {name: value for name, value in self.as_dict().items() if value is not None}

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
        return not (self.service is not None and self.service != request.service)

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


ANYWHERE = Target()


class Dose(MutableRecord):
    """How often a fault fires among the requests its target matches."""

    times: int | None
    after: int
    probability: float
    seed: int | None
    duration: float | None

    def __init__(self, times: int | None = None, after: int = 0, probability: float = 1.0, seed: int | None = None,
                 duration: float | None = None):  # fmt: skip
        self.__dict__.update(times=times, after=after, probability=probability, seed=seed, duration=duration)
        self.validate()

    def copy(self) -> Dose:
        return Dose(**self.as_dict())

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
