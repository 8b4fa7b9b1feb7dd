"""The state one mock WiNet-S shares between its WebSocket and HTTP faces.

``devices`` is the mock's live mapping of dev_id (= Modbus unit id) to inverter, in devicelist
order; it is read at every request, so devices added later show up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...simulation.inverter import Inverter
from . import catalog, points
from .codes import DEVICE_NOT_FOUND, PARAM_ERROR, WinetError
from .replies import Replies
from .sessions import Sessions
from .settings import WinetSettings

_INTEGER = re.compile(r"-?[0-9]{1,9}")


class Dongle:
    def __init__(self, devices: Mapping[int, Inverter], settings: WinetSettings):
        self.devices = devices
        self.settings = settings
        self.sessions = Sessions(settings)
        self.wifi_scanned = False  # POST /wifi/updateStaScan was called (WS stalist then answers)
        self.replies = Replies()  # register replies, encoded once per change of the registers

    # -- devices ------------------------------------------------------------------------------

    def device(self, dev_id: Any) -> tuple[int, Inverter]:
        """The device a request names; ``dev_id`` may be text ("1") or a number."""
        number = parse_int(dev_id, "dev_id")
        inverter = self.devices.get(number)
        if inverter is None:
            known = ", ".join(str(k) for k in self.devices) or "none"
            raise WinetError(DEVICE_NOT_FOUND, f"no device with dev_id {number}; devices: {known}")
        return number, inverter

    def device_objects(self, with_list: bool = True) -> list[dict[str, Any]]:
        """The devicelist objects (PROTOCOLS §4.3 table, including the typo ``dev_procotol``)."""
        constants = catalog.dongle()["device"]
        objects = []
        for position, (dev_id, inverter) in enumerate(list(self.devices.items()), start=1):
            model = inverter.model
            item = {
                "id": position,
                "dev_id": dev_id,
                "dev_code": model.type_code,
                "dev_type": model.winet_dev_type,
                "dev_procotol": constants["dev_procotol"],
                "inv_type": constants["inv_type"],
                "dev_sn": inverter.serial,
                "dev_name": device_name(dev_id, inverter),
                "dev_model": model.name,
                "port_name": constants["port_name"],
                "phys_addr": str(dev_id),
                "logc_addr": str(dev_id),
                "link_status": 1,
                "init_status": 1,
                "dev_special": "0",
            }
            if with_list:
                item["list"] = []
            objects.append(item)
        return objects

    # -- dongle-wide values -------------------------------------------------------------------

    def now(self) -> datetime:
        """The dongle's clock: it follows the first inverter's clock (the system time it syncs)."""
        for inverter in list(self.devices.values()):
            return inverter.clock.now()
        return datetime.now().replace(microsecond=0)

    def fault_summary(self) -> tuple[int, int, list[dict[str, Any]]]:
        """(devices with a fault, devices with an alarm, the list of active faults and alarms)."""
        faulty = alarming = 0
        items = []
        for dev_id, inverter in list(self.devices.items()):
            found = points.active_faults(inverter)
            faulty += any(kind == "fault" for kind, _, _ in found)
            alarming += any(kind == "alarm" for kind, _, _ in found)
            for kind, name, code in found:
                items.append(
                    {
                        "dev_id": dev_id,
                        "dev_name": device_name(dev_id, inverter),
                        "fault_name": name,
                        "fault_code": code,
                        "fault_type": kind,
                        "fault_time": self.now().strftime("%Y-%m-%d %H:%M:%S"),
                    }
                )
        return faulty, alarming, items


def device_name(dev_id: int, inverter: Inverter) -> str:
    return f"{inverter.model.name}(COM1-{dev_id:03d})"


def parse_int(value: Any, field: str, low: int | None = None, high: int | None = None) -> int:
    """An integer request field given as a number or as decimal text; 402 otherwise."""
    if isinstance(value, str):  # the usual case first: query parameters are text
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 9:  # the usual "1", "5003": no regex
            number = int(text)
        else:
            number = int(text) if _INTEGER.fullmatch(text) else None
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = None
    if number is None:
        raise WinetError(PARAM_ERROR, f"{field} must be an integer, got {value!r}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise WinetError(PARAM_ERROR, f"{field} {number} is out of range {low}..{high}")
    return number
