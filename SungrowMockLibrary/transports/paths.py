"""The Modbus path between a client and the devices: the inverter's own LAN port, or a WiNet-S.

A mock presents itself as reached one way or the other (:class:`~..vocabulary.ModbusPath`).
Directly, every device answers for itself and the SBR battery answers on its own unit (200).
Through a WiNet-S dongle's Modbus TCP server, the dongle forwards the battery under its own
unit id (2) and refuses what it does not forward; the rules are data, in the ``[modbus]`` table
of ``winet/data/dongle.toml`` (PROTOCOLS §1.7, §1.8). The dongle's data file is read here,
outside the ``winet`` package, so that a Modbus-only mock never imports the WebSocket stack.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..device.battery import pack
from ..vocabulary import ModbusPath
from .pdu import ModbusRequest, Screen

INVERTER, BATTERY = "inverter", "battery"


@cache
def dongle_facts() -> dict:
    """What the mock WiNet-S says about itself (``winet/data/dongle.toml``), loaded once."""
    text = resources.files(__package__).joinpath("winet", "data", "dongle.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def module_firmware() -> str:
    """The WiNet-S firmware: what its web API reports and what an inverter with it attached shows
    as its communication module's firmware (input 13265)."""
    return dongle_facts()["versions"]["appli_soft_version"]


def battery_unit(path: ModbusPath) -> int:
    """The unit id the SBR battery answers on when reached by ``path``."""
    return dongle_facts()["modbus"]["battery_unit"] if path is ModbusPath.winet else pack().unit


@dataclass(frozen=True)
class Refusal:
    """A band a WiNet-S does not forward: reads touching ``first..last`` of ``table`` on a
    ``device`` get exception ``code``."""

    device: str
    table: str
    first: int
    last: int
    code: int


@cache
def refusals() -> tuple[Refusal, ...]:
    return tuple(
        Refusal(r["device"], r["table"], int(r["first"]), int(r["last"]), int(r["code"]))
        for r in dongle_facts()["modbus"]["not_forwarded"]
    )


def screen(path: ModbusPath) -> Screen | None:
    """What stands between the client and the devices on ``path``: None directly, the dongle's
    forwarding rules through a WiNet-S."""
    if path is not ModbusPath.winet:
        return None
    battery = battery_unit(path)
    rules = {
        (device, table): tuple((r.first, r.last, r.code) for r in refusals() if (r.device, r.table) == (device, table))
        for device in (INVERTER, BATTERY) for table in ("input", "holding")
    }  # fmt: skip

    def forwarded(request: ModbusRequest) -> int | None:
        device = BATTERY if request.unit == battery else INVERTER
        last = request.first + request.count - 1
        for first_refused, last_refused, code in rules[(device, request.table)]:
            if request.first <= last_refused and last >= first_refused:
                return code
        return None

    return forwarded
