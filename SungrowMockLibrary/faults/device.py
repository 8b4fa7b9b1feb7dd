"""Device faults as the simulation sees them: the condition they put an inverter in.

Device faults act at one stage, the simulated inverter; :data:`DEVICE_STAGE_ACTIONS` holds what each kind
changes, and the fault table's test checks that it covers exactly the table's device kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .engine import FaultEngine
from .kinds import Stage

if TYPE_CHECKING:
    from ..simulation.simulator import DeviceCondition

DEVICE_ACTIONS: dict[str, Callable[[dict], dict]] = {
    "inverter_fault": lambda params: {"fault": params["code"], "alarm": params.get("alarm")},
    "grid_loss": lambda params: {"grid_lost": True},
    "over_temperature": lambda params: {"derate": params["limit_percent"] / 100},
    "battery_fault": lambda params: {"battery_fault": params["code"]},
}
DEVICE_STAGE_ACTIONS = {Stage.DEVICE: DEVICE_ACTIONS}


def device_condition(engine: FaultEngine, unit: int) -> DeviceCondition:
    """The condition the active device faults put the inverter at ``unit`` in (latest fault wins)."""
    from ..simulation.simulator import DeviceCondition  # asked for by a running simulation alone

    changes: dict = {}
    for fault in engine.device_faults():
        if fault.target.unit in (None, unit):
            changes.update(DEVICE_ACTIONS[fault.kind](fault.params))
    return DeviceCondition(**changes)
