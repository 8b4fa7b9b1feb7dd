"""The Modbus path between a client and the devices: the inverter's own LAN port, or a WiNet-S.

A mock presents itself as reached one way or the other (:class:`~..vocabulary.ModbusPath`).
Directly, every device answers for itself and the SBR battery answers on its own unit (200).
Through a WiNet-S dongle's Modbus TCP server, the dongle forwards the battery under its own
unit id (2), refuses what it does not forward and answers the rest from its own copy of the
inverter's data: "not available" reads 0, and a few words are its own. The rules are data, in
the ``[modbus]`` table of ``winet/data/dongle.toml`` (PROTOCOLS §1.7, §1.8; the device
fingerprints named there). The dongle's data file is read here, outside the ``winet`` package,
so that a Modbus-only mock never imports the WebSocket stack; the dongle's rules are applied by
:mod:`.dongle_screen`, imported only by a mock reached through a WiNet-S.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from ..device.battery import pack
from ..vocabulary import ModbusPath


@cache
def dongle_facts() -> dict:
    """What the mock WiNet-S says about itself (``winet/data/dongle.toml``), loaded once."""
    text = resources.files(__package__).joinpath("winet", "data", "dongle.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def module_firmware() -> str:
    """The WiNet-S firmware: what its web API reports and what an inverter with it attached shows
    as its communication module's firmware (input 13265)."""
    return dongle_facts()["versions"]["appli_soft_version"]


def dongle_devices() -> int:
    """How many inverters one WiNet-S dongle serves on its bus (``[bus] max_devices``, a [GUESS])."""
    return int(dongle_facts()["bus"]["max_devices"])


def battery_unit(path: ModbusPath) -> int:
    """The unit id the SBR battery answers on when reached by ``path``."""
    return dongle_facts()["modbus"]["battery_unit"] if path is ModbusPath.winet else pack().unit
