"""The WiNet-S dongle's Modbus screen: what it refuses to forward and how it rewrites what it answers.

The rules are data, the ``[modbus]`` table of ``winet/data/dongle.toml`` (:func:`.paths.dongle_facts`,
PROTOCOLS §1.7, §1.8). Only a mock reached through a WiNet-S (``modbus_path`` winet) imports this
module: a direct start does not build its rules (decision §39).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..device import codec
from ..device.catalogue import Layout, Register
from ..errors import CatalogueError
from ..simulation.battery import BatteryDevice
from .paths import dongle_facts
from .pdu import ModbusRequest

INVERTER, BATTERY = "inverter", "battery"
TOUCHING, STARTING = "touching", "starting"  # which reads a band refuses
# Words no register covers that read "not available": the U16 sentinel, and the S16 one (the high
# word of an S32 sentinel) (PROTOCOLS §1.5).
_UNAVAILABLE_WORDS = frozenset((codec.sentinel("U16"), codec.sentinel("S16")))


@dataclass(frozen=True)
class Rule:
    """Which device a dongle rule is about: ``device`` (inverter or battery), ``kind`` (the
    inverters' register set; None: every kind) and ``table``."""

    device: str
    kind: str | None
    table: str

    def about(self, device: str, kind: str | None, table: str) -> bool:
        return (self.device, self.table) == (device, table) and self.kind in (None, kind)


@dataclass(frozen=True)
class Refusal(Rule):
    """A band the dongle does not forward: reads touching ``first..last`` (or, with ``starting``,
    reads whose first register is in it) get exception ``code``."""

    first: int
    last: int
    code: int
    starting: bool = False

    def refuses(self, first: int, last: int) -> bool:
        if self.starting:
            return self.first <= first <= self.last
        return first <= self.last and last >= self.first


@dataclass(frozen=True)
class ZeroRule(Rule):
    """Where the device reads "not available", the dongle reads 0, except in ``keep``."""

    keep: tuple[tuple[int, int], ...]

    def keeps(self, number: int) -> bool:
        return any(low <= number <= high for low, high in self.keep)


@dataclass(frozen=True)
class OwnWords(Rule):
    """Words from ``number`` on that the dongle answers itself: ``words``, or the raw words of the
    device's register named ``copy``."""

    number: int
    words: tuple[int, ...] = ()
    copy: str | None = None


def _rule(row: dict) -> dict:
    device, table = row["device"], row["table"]
    if device not in (INVERTER, BATTERY) or table not in ("input", "holding"):
        raise CatalogueError(f"dongle.toml [modbus]: unknown device {device!r} or table {table!r}")
    return {"device": device, "kind": row.get("kind"), "table": table}


@cache
def refusals() -> tuple[Refusal, ...]:
    """The dongle's ``[[modbus.not_forwarded]]`` bands."""
    found = []
    for row in dongle_facts()["modbus"]["not_forwarded"]:
        reads = row.get("reads", TOUCHING)
        if reads not in (TOUCHING, STARTING):
            raise CatalogueError(f"dongle.toml [modbus]: reads {reads!r}; valid: {TOUCHING}, {STARTING}")
        found.append(Refusal(**_rule(row), first=int(row["first"]), last=int(row["last"]), code=int(row["code"]),
                             starting=reads == STARTING))  # fmt: skip
    return tuple(found)


@cache
def zero_rules() -> tuple[ZeroRule, ...]:
    """The dongle's ``[[modbus.unavailable_as_zero]]`` rules."""
    return tuple(
        ZeroRule(**_rule(row), keep=tuple((int(low), int(high)) for low, high in row.get("keep", ())))
        for row in dongle_facts()["modbus"].get("unavailable_as_zero", ())
    )


@cache
def own_words() -> tuple[OwnWords, ...]:
    """The dongle's ``[[modbus.own_words]]``."""
    found = []
    for row in dongle_facts()["modbus"].get("own_words", ()):
        words, copy = tuple(int(w) for w in row.get("words", ())), row.get("copy")
        if bool(words) == bool(copy):
            raise CatalogueError(f"dongle.toml [modbus]: own words at {row.get('number')} need words or copy, not both")
        found.append(OwnWords(**_rule(row), number=int(row["number"]), words=words, copy=copy))
    return tuple(found)


@dataclass(frozen=True)
class _Plan:
    """The rules about one kind of device and one table."""

    refusals: tuple[Refusal, ...]
    zero: ZeroRule | None
    own: tuple[OwnWords, ...]


class Dongle:
    """The WiNet-S between the client and the devices (a :class:`~.pdu.Screen`): it refuses what it
    does not forward and rewrites what it answers, by the rules of ``dongle.toml``'s ``[modbus]``.
    The battery rules apply to the SBR pack, the inverter rules to every inverter, whatever unit
    each answers on (a dongle with several inverters has one on unit 2 and no pack)."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, str | None, str], _Plan] = {}
        self._covering: dict[int, tuple[Layout, dict]] = {}

    def _plan(self, request: ModbusRequest, device) -> _Plan:
        role = BATTERY if isinstance(device, BatteryDevice) else INVERTER
        key = (role, getattr(device.model, "kind", None) if role == INVERTER else None, request.table)
        plan = self._plans.get(key)
        if plan is None:
            zero = [rule for rule in zero_rules() if rule.about(*key)]
            plan = self._plans[key] = _Plan(
                tuple(rule for rule in refusals() if rule.about(*key)),
                zero[0] if zero else None,
                tuple(rule for rule in own_words() if rule.about(*key)),
            )
        return plan

    def refusal(self, request: ModbusRequest, device) -> int | None:
        last = request.first + request.count - 1
        for rule in self._plan(request, device).refusals:
            if rule.refuses(request.first, last):
                return rule.code
        return None

    def reply(self, request: ModbusRequest, device, payload: bytes) -> bytes:
        plan = self._plan(request, device)
        if plan.zero is None and not plan.own:
            return payload
        first, count = request.first, request.count
        words = [int.from_bytes(payload[i : i + 2], "big") for i in range(0, len(payload), 2)]
        if plan.zero is not None:
            covering = self._registers(device.layout, request.table)
            for offset, number in enumerate(range(first, first + count)):
                if plan.zero.keeps(number):
                    continue
                register = covering.get(number)
                if register is None:
                    unavailable = words[offset] in _UNAVAILABLE_WORDS
                else:
                    unavailable = _reads_sentinel(device, register)
                if unavailable:
                    words[offset] = 0
        for own in plan.own:
            values = own.words if own.copy is None else _copied(device, own.copy)
            for index, value in enumerate(values):
                if 0 <= own.number + index - first < count:
                    words[own.number + index - first] = value
        return b"".join(word.to_bytes(2, "big") for word in words)

    def _registers(self, layout: Layout, table: str) -> dict[int, Register]:
        """Each word of ``table`` that a numeric register of ``layout`` covers -> that register."""
        cached = self._covering.get(id(layout))
        if cached is None or cached[0] is not layout:
            covering: dict[str, dict[int, Register]] = {"input": {}, "holding": {}}
            for register in layout.registers:
                if not register.is_text:
                    covering[register.table].update((n, register) for n in range(register.number, register.last + 1))
            cached = self._covering[id(layout)] = (layout, covering)
        return cached[1][table]


def _reads_sentinel(device, register: Register) -> bool:
    return device.image.words(register.table, register.number, register.words) == codec.encode(
        register.type, codec.sentinel(register.type)
    )


def _copied(device, name: str) -> list[int]:
    """The raw words of ``device``'s register ``name`` as the dongle serves them ("not available": 0)."""
    register = device.layout.by_name.get(name)
    if register is None or _reads_sentinel(device, register):
        return [0] * (register.words if register is not None else 1)
    return device.image.words(register.table, register.number, register.words)


@cache
def screen() -> Dongle:
    """The dongle between the client and the devices (one for every mock: its plans depend on the
    rules and the models only)."""
    return Dongle()
