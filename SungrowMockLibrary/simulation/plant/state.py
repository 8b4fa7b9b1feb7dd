"""What persists between reads (:class:`PlantState`) and what a read shows (:class:`OperatingPoint`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .inputs import Environment

if TYPE_CHECKING:
    from .integration import Flows

ENERGY_COUNTERS = (
    "pv",  # PV production, AC-equivalent (DC power × conversion efficiency)
    "output",  # PV + battery discharge (the SH "output energy"; equal to PV on SG models)
    "battery_charge",  # into the battery, from PV and grid
    "battery_charge_from_pv",
    "battery_discharge",
    "grid_import",
    "grid_export",  # PV + battery
    "pv_export",  # export that came from PV
    "load",  # consumption of the house (as served)
    "direct_consumption",  # PV used directly by the load
)
COUNTERS = (*ENERGY_COUNTERS, "running_time")
"""Every counter has ``<name>_total`` and ``<name>_daily`` fields: Wh, except running_time (s)."""

STATES = ("running", "standby", "stop", "fault", "off_grid")
"""What :attr:`OperatingPoint.state` can be."""
RUNNING_STATES = frozenset({"running", "off_grid"})
"""The states that produce and count as running time."""


@dataclass(frozen=True)
class PlantState:
    """Everything that persists between reads: SOC, SOH, temperatures, counters, time.

    Energy counters are Wh, ``running_time_*`` seconds. ``day`` is the local date the daily
    counters belong to (``None``: the date of ``last_time``). ``flows`` and ``anchor`` are the
    integration bookkeeping of :func:`advance`; leave them alone.
    """

    last_time: float
    soc: float = 0.5
    soh: float = 1.0
    temperature_c: float = 25.0
    battery_temperature_c: float = 25.0
    day: date | None = None
    pv_total: float = 0.0
    pv_daily: float = 0.0
    output_total: float = 0.0
    output_daily: float = 0.0
    battery_charge_total: float = 0.0
    battery_charge_daily: float = 0.0
    battery_charge_from_pv_total: float = 0.0
    battery_charge_from_pv_daily: float = 0.0
    battery_discharge_total: float = 0.0
    battery_discharge_daily: float = 0.0
    grid_import_total: float = 0.0
    grid_import_daily: float = 0.0
    grid_export_total: float = 0.0
    grid_export_daily: float = 0.0
    pv_export_total: float = 0.0
    pv_export_daily: float = 0.0
    load_total: float = 0.0
    load_daily: float = 0.0
    direct_consumption_total: float = 0.0
    direct_consumption_daily: float = 0.0
    running_time_total: float = 0.0
    running_time_daily: float = 0.0
    flows: Flows | None = field(default=None, repr=False)
    anchor: PlantState | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not math.isfinite(self.last_time):
            raise ValueError(f"last_time must be a finite epoch time, got {self.last_time!r}")
        if not 0.0 <= self.soc <= 1.0:
            raise ValueError(f"SOC must be within 0..1 (0..100 %), got {self.soc!r}")
        if not 0.0 < self.soh <= 1.0:
            raise ValueError(f"SOH must be within (0, 1], got {self.soh!r}")

    def total(self, name: str) -> float:
        return getattr(self, f"{name}_total")

    def daily(self, name: str) -> float:
        return getattr(self, f"{name}_daily")

    def counters(self) -> dict[str, float]:
        """Every counter field by name (``pv_total``, ``pv_daily``, ...)."""
        return {f"{n}_{kind}": getattr(self, f"{n}_{kind}") for n in COUNTERS for kind in ("total", "daily")}


def new_state(
    environment: Environment,
    time: float,
    soc: float = 0.5,
    soh: float = 1.0,
    **counters: float,
) -> PlantState:
    """A fresh state at ``time``: temperatures at ambient, daily counters belonging to that day."""
    ambient = environment.ambient_at(time)
    return PlantState(
        last_time=float(time),
        soc=soc,
        soh=soh,
        temperature_c=ambient,
        battery_temperature_c=ambient,
        day=environment.local_date(time),
        **counters,
    )


# -- what a read shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mppt:
    voltage_v: float
    current_a: float
    power_w: float


@dataclass(frozen=True)
class OperatingPoint:
    """The plant's instantaneous values at ``time``: the powers decided for the current cell and
    the levels (SOC, temperatures) reached by then. Powers in W, + import / − export, + charge /
    − discharge. The simulator writes the registers from it."""

    time: float
    local_date: date
    state: str
    fault_code: int | None
    irradiance_w_m2: float
    ambient_c: float
    mppt: tuple[Mppt, ...]
    dc_power_w: float
    pv_available_w: float
    pv_power_w: float
    ac_power_w: float
    phase_voltage_v: tuple[float, ...]
    phase_current_a: tuple[float, ...]
    frequency_hz: float
    power_factor: float
    reactive_power_var: float
    apparent_power_va: float
    temperature_c: float
    load_w: float
    load_demand_w: float
    battery_power_w: float
    battery_voltage_v: float
    battery_current_a: float
    battery_temperature_c: float
    soc: float
    soh: float
    grid_power_w: float
    import_w: float
    export_w: float
    direct_consumption_w: float
    battery_charge_from_pv_w: float
    pv_export_w: float
    output_w: float
    flow_bits: int

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def charge_w(self) -> float:
        return max(0.0, self.battery_power_w)

    @property
    def discharge_w(self) -> float:
        return max(0.0, -self.battery_power_w)

    @property
    def balance_error_w(self) -> float:
        """PV + discharge + import − (load + charge + export); 0 up to float rounding."""
        return (self.pv_power_w + self.discharge_w + self.import_w) - (self.load_w + self.charge_w + self.export_w)
