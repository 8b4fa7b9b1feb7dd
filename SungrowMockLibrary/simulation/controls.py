"""What the inverter's control registers ask for (PROTOCOLS §2.6), read as plant controls.

Several registers can ask for the same thing (the SG and SH power limitation, the SH export limit
and the feed-in limitation at 31221/31222 that sungrow-http-config and the WiNet API write); the
strictest enabled limit wins, as on a device where each one caps the output.
"""

from __future__ import annotations

from ..device.catalogue import HOLDING
from .inverter import Inverter
from .plant import SELF_CONSUMPTION

# Register labels (the catalogue's ``values`` column) these controls act on.
STOP, ENABLE = "stop", "enable"


def _label(inverter: Inverter, name: str) -> str | None:
    """The catalogue's label of a holding register's raw value (None: no such register or no label)."""
    register = inverter.layout.by_name.get(name)
    if register is None or register.table != HOLDING or not register.enum:
        return None
    return register.enum.get(inverter.image.get_raw(register))


def _value(inverter: Inverter, name: str) -> float | None:
    register = inverter.layout.by_name.get(name)
    if register is None or register.table != HOLDING:
        return None
    return inverter.from_raw(register, inverter.image.get_raw(register))


def _limit(inverter: Inverter, switch: str, value: str, factor: float = 1.0) -> float | None:
    if _label(inverter, switch) != ENABLE:
        return None
    amount = _value(inverter, value)
    return None if amount is None else amount * factor


def _strictest(*limits: float | None) -> float | None:
    enabled = [limit for limit in limits if limit is not None]
    return min(enabled) if enabled else None


def read_controls(inverter: Inverter) -> dict:
    """Keyword arguments for the plant's ``Controls`` from the inverter's holding registers."""
    nominal_w = inverter.model.nominal_power_kw * 1000
    percent_of_nominal = nominal_w / 100
    controls = {
        "running": _label(inverter, "start_stop") != STOP,
        "active_power_limit_w": _strictest(
            _limit(inverter, "power_limitation_switch", "power_limitation_setting", percent_of_nominal),
            _limit(inverter, "active_power_limitation_switch", "active_power_limitation_ratio", percent_of_nominal),
        ),
        "export_limit_w": _strictest(
            _limit(inverter, "export_power_limitation", "export_power_limitation_value"),
            _limit(inverter, "export_power_limit_mode", "export_power_limit"),
            _limit(inverter, "feed_in_limitation_switch", "feed_in_limitation_value", 1000.0),
        ),
    }
    if inverter.model.battery:
        max_charge = _value(inverter, "battery_max_charge_power")
        max_discharge = _value(inverter, "battery_max_discharge_power")
        controls.update(
            ems_mode=_label(inverter, "ems_mode") or SELF_CONSUMPTION,
            forced_command=_label(inverter, "battery_forced_charge_discharge_cmd") or STOP,
            forced_power_w=float(_value(inverter, "battery_forced_charge_discharge_power") or 0),
            min_soc=(_value(inverter, "min_soc") or 0) / 100,
            max_soc=(_value(inverter, "max_soc") or 100) / 100,
            max_charge_w=None if max_charge is None else max_charge * 1000,
            max_discharge_w=None if max_discharge is None else max_discharge * 1000,
        )
    return controls
