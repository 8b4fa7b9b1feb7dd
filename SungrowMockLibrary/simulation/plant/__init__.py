"""The plant model: the physics of a living inverter, as pure functions of time.

- :mod:`.inputs`: what the plant is (:class:`PlantSpec`), what its controls ask for
  (:class:`Controls`), where it stands (:class:`Environment`): together its :class:`PlantInputs`;
- :mod:`.state`: what persists between reads (:class:`PlantState`) and what a read shows
  (:class:`OperatingPoint`);
- :mod:`.integration`: :func:`advance`, which decides the powers of each cell and integrates
  the state in closed form (the scheme, the power flow and the sign conventions are there).
"""

from .inputs import (
    COMMANDED_EMS_MODES,
    DEFAULT_EFFICIENCY,
    SELF_CONSUMPTION,
    Controls,
    Environment,
    PlantInputs,
    PlantSpec,
)
from .integration import (
    FLOW_THRESHOLD_W,
    GRID_OUTAGE_FAULT,
    MIN_BATTERY_POWER_W,
    NIGHT_IRRADIANCE_W_M2,
    OVERHEAT_C,
    advance,
    operating_point,
)
from .state import (
    COUNTERS,
    ENERGY_COUNTERS,
    RUNNING_STATES,
    STATES,
    Mppt,
    OperatingPoint,
    PlantState,
    new_state,
)

__all__ = [
    "COMMANDED_EMS_MODES", "COUNTERS", "DEFAULT_EFFICIENCY", "ENERGY_COUNTERS", "FLOW_THRESHOLD_W", "GRID_OUTAGE_FAULT",
    "MIN_BATTERY_POWER_W", "NIGHT_IRRADIANCE_W_M2", "OVERHEAT_C", "RUNNING_STATES", "SELF_CONSUMPTION", "STATES",
    "Controls", "Environment", "Mppt", "OperatingPoint", "PlantInputs", "PlantSpec", "PlantState", "advance",
    "new_state", "operating_point",
]  # fmt: skip
