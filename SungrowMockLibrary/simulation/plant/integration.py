"""The physics of a living inverter: pure functions from (spec, state, controls, environment, time).

No threads, timers, I/O or registers here. :func:`advance` integrates a :class:`~.state.PlantState`
from its ``last_time`` to a later instant and returns the new state and the
:class:`~.state.OperatingPoint` (the instantaneous values) at that instant.

Integration scheme
------------------
Time is cut into *cells* ``[k × step, (k + 1) × step)`` aligned to epoch multiples of ``step``.
At the start of a cell (or when :func:`advance` starts with inputs that differ from those the
current powers were decided with) the plant *decides* its powers (:class:`Flows`): every power is fixed
from the state at that instant and held constant until the next cell boundary. Within a cell,
every level is computed in closed form from the state at the decision point (the *anchor*):

* energy counters: ``anchor + P × (t − t_anchor) / 3600`` — the exact integral of the
  piecewise-constant powers; daily counters restart from 0 at local midnight (a cell that
  crosses midnight is split there);
* SOC: linear in time at the decided battery power (charge scaled by the battery efficiency,
  discharge divided by it); the power is limited so that SOC cannot pass min/max SOC within one
  ``step``, so SOC reaches a bound after one full step and never crosses it;
* temperatures: exact first-order lag towards the decided target.

Because the levels at time *t* depend only on the anchor and *t*, advancing A→C gives a state
identical (``==``, bit for bit) to advancing A→B→C with the same inputs, however often the
state is read in between. The operating point at *t* shows the powers that hold from *t* on, so a
client that reads power at t1 and energy at t1 and t2 (same cell, same inputs) sees
``E(t2) − E(t1) = P(t1) × (t2 − t1)``.

Edit a state with :func:`dataclasses.replace` (e.g. to set SOC or re-base the clock):
:func:`advance` notices that it no longer matches its anchor and decides afresh from it.

Power flow (decided per cell)
-----------------------------
``AC = PV − charge + discharge`` and ``grid = load − AC``, with AC ≤ min(nominal, active power
limit), export ≤ export limit (PV is curtailed to meet both) and AC ≥ −nominal. PV is the
array's DC power at its maximum power point times the conversion efficiency (AC-equivalent),
or less when curtailed. Self-consumption: PV serves the load (through the AC port), the surplus
charges the battery (DC-coupled, so not limited by the AC port), the rest is exported; a deficit
is discharged from the battery, the rest imported. Forced/external/VPP: the battery follows the
command at the forced power within its limits, PV and grid make up the rest. Stopped or faulted:
nothing is produced, the grid feeds the house. Grid lost: a hybrid islands (PV + battery feed the
house, EMS commands are ignored, unserved load is dropped), a string inverter stops with fault 10.

Bookkeeping of who feeds whom (for the "from PV" counters): PV charges the battery first (on the
DC bus), the rest of the PV and the battery discharge pass the AC port to the load, then to the
grid; the grid covers the rest of the load and of the charge. ``direct_consumption`` is PV used
by the load, ``pv_export`` PV sent to the grid, ``battery_charge_from_pv`` PV into the battery.

Sign conventions: battery power + charging / − discharging; grid power + import / − export;
AC power + delivered by the inverter (a hybrid charging from the grid has negative AC power).
Phase currents carry the sign of the AC power; their magnitude is the apparent power per phase
over the phase voltage (so with power factor 1, ``current = P / phases / V``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .inputs import COMMANDED_EMS_MODES, Controls, Environment, PlantInputs, PlantSpec
from .state import COUNTERS, RUNNING_STATES, Mppt, OperatingPoint, PlantState

NIGHT_IRRADIANCE_W_M2 = 1.0
"""Below this irradiance the PV array produces nothing and the inverter may go to standby."""
MIN_BATTERY_POWER_W = 1.0
"""Battery flows below this are not started (avoids endless creeping towards an SOC bound)."""
FLOW_THRESHOLD_W = 0.5
"""A power-flow bit is set when its power reaches half a watt (the registers' resolution is 1 W)."""
GRID_OUTAGE_FAULT = 10
"""Fault code a string inverter reports when the grid is lost (PROTOCOLS §2.5.5)."""
OVERHEAT_C = 45.0
"""How much hotter a derating inverter runs than its load explains."""


# -- the decided powers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Flows:
    """The powers decided at ``time`` from ``inputs``, held until the end of cell ``cell``."""

    inputs: PlantInputs
    time: float
    cell: int
    state: str
    fault_code: int | None
    irradiance: float
    ambient_c: float
    pv_available_w: float
    dc_w: float
    pv_w: float
    ac_w: float
    load_demand_w: float
    load_w: float
    battery_w: float
    import_w: float
    export_w: float
    direct_w: float
    pv_to_battery_w: float
    pv_export_w: float
    mppt: tuple[tuple[float, float, float], ...]
    soc_rate: float  # per second
    soc_low: float
    soc_high: float
    temperature_target_c: float
    battery_temperature_target_c: float

    @property
    def charge_w(self) -> float:
        return max(0.0, self.battery_w)

    @property
    def discharge_w(self) -> float:
        return max(0.0, -self.battery_w)

    def rates(self) -> dict[str, float]:
        """Counter increments per second (Wh/s for energy, s/s for running time)."""
        watts = {
            "pv": self.pv_w,
            "output": self.pv_w + self.discharge_w,
            "battery_charge": self.charge_w,
            "battery_charge_from_pv": self.pv_to_battery_w,
            "battery_discharge": self.discharge_w,
            "grid_import": self.import_w,
            "grid_export": self.export_w,
            "pv_export": self.pv_export_w,
            "load": self.load_w,
            "direct_consumption": self.direct_w,
        }
        rates = {name: w / 3600.0 for name, w in watts.items()}
        rates["running_time"] = 1.0 if self.state in RUNNING_STATES else 0.0
        return rates


# -- the operating point ----------------------------------------------------------------------


def _flow_bits(pv: float, battery: float, load: float, export: float, import_: float) -> int:
    bits = 0
    for bit, on in (
        (0, pv >= FLOW_THRESHOLD_W),
        (1, battery >= FLOW_THRESHOLD_W),
        (2, battery <= -FLOW_THRESHOLD_W),
        (3, load >= FLOW_THRESHOLD_W),
        (4, export >= FLOW_THRESHOLD_W),
        (5, import_ >= FLOW_THRESHOLD_W),
    ):
        if on:
            bits |= 1 << bit
    return bits


def _wobble(t: float, seed: int, period: float, phase: float) -> float:
    """A deterministic slow oscillation in -1..1."""
    return math.sin(2.0 * math.pi * t / period + phase + (seed % 997) * 0.37)


def _operating_point(state: PlantState) -> OperatingPoint:
    f = state.flows
    t = state.last_time
    spec, controls, environment, _ = f.inputs
    grid_up = not controls.grid_lost
    islanded = f.state == "off_grid"
    if grid_up:
        frequency = environment.grid_frequency_hz + 0.03 * _wobble(t, environment.seed, 313.0, 0.0) + 0.01 * _wobble(
            t, environment.seed, 47.0, 1.3
        )
        # the grid voltage rises with export and sags with import, by up to 2 %
        rise = 0.02 * environment.grid_voltage_v * max(-1.0, min(1.0, (f.export_w - f.import_w) / spec.nominal_ac_w))
        voltages = tuple(
            environment.grid_voltage_v + 1.5 * _wobble(t, environment.seed, 241.0, 2.1 * k) + rise
            for k in range(spec.phases)
        )
    elif islanded:
        frequency = environment.grid_frequency_hz
        voltages = (environment.grid_voltage_v,) * spec.phases
    else:
        frequency = 0.0
        voltages = (0.0,) * spec.phases
    pf = controls.power_factor
    apparent = abs(f.ac_w) / abs(pf)
    reactive = math.copysign(math.sqrt(max(0.0, apparent * apparent - f.ac_w * f.ac_w)), pf)
    currents = tuple(
        math.copysign(apparent / spec.phases / v, f.ac_w) if v > 0 else 0.0 for v in voltages
    )
    if spec.battery_usable:
        open_circuit = spec.battery_nominal_v * (0.90 + 0.18 * state.soc)
        battery_v = open_circuit * (1.0 + 0.02 * f.battery_w / spec.battery_max_power_w)
        battery_a = f.battery_w / battery_v
    else:
        battery_v = battery_a = 0.0
    return OperatingPoint(
        time=t,
        local_date=state.day,
        state=f.state,
        fault_code=f.fault_code,
        irradiance_w_m2=f.irradiance,
        ambient_c=f.ambient_c,
        mppt=tuple(Mppt(v, i, p) for v, i, p in f.mppt),
        dc_power_w=f.dc_w,
        pv_available_w=f.pv_available_w,
        pv_power_w=f.pv_w,
        ac_power_w=f.ac_w,
        phase_voltage_v=voltages,
        phase_current_a=currents,
        frequency_hz=frequency,
        power_factor=pf,
        reactive_power_var=reactive,
        apparent_power_va=apparent,
        temperature_c=state.temperature_c,
        load_w=f.load_w,
        load_demand_w=f.load_demand_w,
        battery_power_w=f.battery_w,
        battery_voltage_v=battery_v,
        battery_current_a=battery_a,
        battery_temperature_c=state.battery_temperature_c,
        soc=state.soc,
        soh=state.soh,
        grid_power_w=f.import_w - f.export_w,
        import_w=f.import_w,
        export_w=f.export_w,
        direct_consumption_w=f.direct_w,
        battery_charge_from_pv_w=f.pv_to_battery_w,
        pv_export_w=f.pv_export_w,
        output_w=f.pv_w + f.discharge_w,
        flow_bits=_flow_bits(f.pv_w, f.battery_w, f.load_w, f.export_w, f.import_w),
    )


# -- decision: the powers of a cell ------------------------------------------------------------


def _cell(t: float, step: float) -> int:
    k = math.floor(t / step)
    if (k + 1) * step <= t:
        k += 1
    elif k * step > t:
        k -= 1
    return k


def _next_boundary(t: float, step: float) -> float:
    boundary = (_cell(t, step) + 1) * step
    return boundary if boundary > t else math.nextafter(t, math.inf)


def _decide(state: PlantState, inputs: PlantInputs, t: float) -> Flows:
    spec, controls, environment, step = inputs
    irradiance = environment.irradiance_at(t)
    ambient = environment.ambient_at(t)
    demand = environment.load_at(t)

    fault_code = controls.fault
    if fault_code is None and controls.grid_lost and not spec.battery_usable:
        fault_code = GRID_OUTAGE_FAULT

    # PV at its maximum power point (DC): linear in irradiance, −0.37 %/K above 25 °C cell temperature
    cell_temperature = ambient + irradiance * 0.03125
    if irradiance >= NIGHT_IRRADIANCE_W_M2:
        dc_available = spec.pv_peak_w * irradiance / 1000.0 * max(0.0, 1.0 - 0.0037 * (cell_temperature - 25.0))
    else:
        dc_available = 0.0
    pv_available = spec.ac_from_dc(dc_available)

    ceiling = spec.nominal_ac_w
    if controls.active_power_limit_w is not None:
        ceiling = min(ceiling, controls.active_power_limit_w)
    if controls.derate is not None:
        ceiling = min(ceiling, spec.nominal_ac_w * controls.derate)
    export_room = math.inf if controls.export_limit_w is None else controls.export_limit_w

    # battery limits for this cell; SOC-bound limits spread the remaining headroom over one step
    charge_max = discharge_max = 0.0
    energy_wh = spec.battery_capacity_wh * state.soh
    eta = spec.battery_efficiency
    if spec.battery_usable and controls.battery_fault is None:
        charge_max = spec.battery_max_power_w
        discharge_max = spec.battery_max_power_w
        if controls.max_charge_w is not None:
            charge_max = min(charge_max, controls.max_charge_w)
        if controls.max_discharge_w is not None:
            discharge_max = min(discharge_max, controls.max_discharge_w)
        if controls.derate is not None:  # an overheated inverter converts less on every port
            charge_max = min(charge_max, spec.nominal_ac_w * controls.derate)
            discharge_max = min(discharge_max, spec.nominal_ac_w * controls.derate)
        charge_max = min(charge_max, max(0.0, controls.max_soc - state.soc) * energy_wh * 3600.0 / (step * eta))
        discharge_max = min(discharge_max, max(0.0, state.soc - controls.min_soc) * energy_wh * 3600.0 * eta / step)
        if charge_max < MIN_BATTERY_POWER_W:
            charge_max = 0.0
        if discharge_max < MIN_BATTERY_POWER_W:
            discharge_max = 0.0

    charge = discharge = pv_target = 0.0
    served = demand if not controls.grid_lost else 0.0
    if fault_code is not None:
        mode = "fault"
    elif not controls.running:
        mode = "stop"
    elif controls.grid_lost:
        # hybrid islanded: PV and battery feed the house, nothing else
        mode = "off_grid"
        pv_to_load = min(pv_available, demand, ceiling)
        charge = min(pv_available - pv_to_load, charge_max)
        if charge < MIN_BATTERY_POWER_W:
            charge = 0.0
            discharge = max(0.0, min(demand - pv_to_load, discharge_max, ceiling - pv_to_load))
            if discharge < MIN_BATTERY_POWER_W:
                discharge = 0.0
        pv_target = pv_to_load + charge
    else:
        if controls.ems_mode not in COMMANDED_EMS_MODES or not spec.battery_usable:
            pv_to_load = min(pv_available, demand, ceiling)
            charge = min(max(0.0, pv_available - pv_to_load), charge_max)
            discharge = max(0.0, min(demand - pv_to_load, discharge_max, ceiling - pv_to_load))
        elif controls.forced_command == "charge":
            charge = min(controls.forced_power_w, charge_max, spec.nominal_ac_w + pv_available)
        elif controls.forced_command == "discharge":
            discharge = min(controls.forced_power_w, discharge_max, ceiling, demand + export_room)
        if charge < MIN_BATTERY_POWER_W:
            charge = 0.0
        if discharge < MIN_BATTERY_POWER_W:
            discharge = 0.0
        pv_target = max(0.0, min(pv_available, charge - discharge + ceiling, charge - discharge + demand + export_room))
        night = irradiance < NIGHT_IRRADIANCE_W_M2
        mode = "standby" if night and charge == 0.0 and discharge == 0.0 else "running"

    if pv_target >= pv_available:
        dc, pv = dc_available, pv_available
    else:
        dc = min(spec.dc_for_ac(pv_target), dc_available)
        pv = min(spec.ac_from_dc(dc), pv_target)
    if mode == "off_grid":
        charge = min(charge, pv)
        served = pv - charge + discharge

    # who feeds whom (DC-coupled): PV charges the battery on the DC bus first; the rest of the PV
    # and the battery discharge pass the AC port to the load, then to the grid; the grid covers
    # the rest of the load and of the charge
    pv_to_battery = min(pv, charge)
    pv_through_port = pv - pv_to_battery
    pv_to_load = min(pv_through_port, served)
    battery_to_load = min(discharge, served - pv_to_load)
    if mode == "off_grid":
        import_w = export_w = pv_export = 0.0
    else:
        pv_export = pv_through_port - pv_to_load
        import_w = (served - pv_to_load - battery_to_load) + (charge - pv_to_battery)
        export_w = pv_export + (discharge - battery_to_load)
    ac = pv - charge + discharge

    # MPPT operating points: power shared by string count; voltage rises towards open circuit
    # (1.2 × Vmp) as the inverter curtails; 0 V in the dark
    strings = spec.strings_per_mppt
    total_strings = sum(strings)
    mppt = []
    for count in strings:
        if irradiance < NIGHT_IRRADIANCE_W_M2:
            mppt.append((0.0, 0.0, 0.0))
            continue
        vmp = spec.string_vmp_v * max(0.5, 1.0 + 0.06 * math.log(irradiance / 1000.0))
        vmp *= max(0.5, 1.0 - 0.0035 * (cell_temperature - 25.0))
        used = dc / dc_available if dc_available > 0 else 0.0
        voltage = vmp * (1.0 + 0.2 * (1.0 - used))
        power = dc * count / total_strings
        mppt.append((voltage, power / voltage, power))

    battery = charge - discharge
    soc_rate = 0.0
    if spec.battery_usable:
        soc_rate = (charge * eta - discharge / eta) / (3600.0 * energy_wh)
    throughput = max(dc, abs(ac), abs(battery))
    battery_heat = abs(battery) / spec.battery_max_power_w if spec.battery_usable else 0.0
    return Flows(
        inputs=inputs,
        time=t,
        cell=_cell(t, step),
        state=mode,
        fault_code=fault_code,
        irradiance=irradiance,
        ambient_c=ambient,
        pv_available_w=pv_available,
        dc_w=dc,
        pv_w=pv,
        ac_w=ac,
        load_demand_w=demand,
        load_w=served,
        battery_w=battery,
        import_w=import_w,
        export_w=export_w,
        direct_w=pv_to_load,
        pv_to_battery_w=pv_to_battery,
        pv_export_w=pv_export,
        mppt=tuple(mppt),
        soc_rate=soc_rate,
        soc_low=max(0.0, min(state.soc, controls.min_soc)),
        soc_high=min(1.0, max(state.soc, controls.max_soc)),
        temperature_target_c=ambient + spec.temperature_rise_c * throughput / spec.nominal_ac_w
        + (OVERHEAT_C if controls.derate is not None else 0.0),
        battery_temperature_target_c=ambient + 8.0 * battery_heat,
    )


# -- integration ------------------------------------------------------------------------------


def _evolve(state: PlantState, **changes) -> PlantState:
    """``dataclasses.replace`` without re-validation, for values this module computed itself."""
    new = object.__new__(PlantState)
    new.__dict__.update(state.__dict__)
    new.__dict__.update(changes)
    return new


def _levels(anchor: PlantState, flows: Flows, t: float, keep: bool = True) -> PlantState:
    """The state at ``t`` (within the anchor's cell), in closed form from the anchor.

    With ``keep`` the result carries ``flows`` and ``anchor`` (to go on within the cell),
    otherwise neither (to become the anchor of the next decision).
    """
    spec, environment = flows.inputs.spec, flows.inputs.environment
    bookkeeping = {"flows": flows, "anchor": anchor} if keep else {"flows": None, "anchor": None}
    dt = t - anchor.last_time
    if dt == 0.0:
        return _evolve(anchor, **bookkeeping)
    today = environment.local_date(t)
    same_day = today == anchor.day
    since_midnight = 0.0 if same_day else max(0.0, t - max(anchor.last_time, environment.local_midnight(t)))
    values = {}
    for name, rate in flows.rates().items():
        values[f"{name}_total"] = getattr(anchor, f"{name}_total") + rate * dt
        values[f"{name}_daily"] = (getattr(anchor, f"{name}_daily") + rate * dt) if same_day else rate * since_midnight
    soc = min(flows.soc_high, max(flows.soc_low, anchor.soc + flows.soc_rate * dt))
    decay = math.exp(-dt / spec.thermal_time_constant_s)
    battery_decay = math.exp(-dt / spec.battery_thermal_time_constant_s)
    target, battery_target = flows.temperature_target_c, flows.battery_temperature_target_c
    return _evolve(
        anchor,
        last_time=t,
        day=today,
        soc=soc,
        temperature_c=target + (anchor.temperature_c - target) * decay,
        battery_temperature_c=battery_target + (anchor.battery_temperature_c - battery_target) * battery_decay,
        **bookkeeping,
        **values,
    )


def _anchor(state: PlantState, inputs: PlantInputs) -> PlantState:
    """Make ``state`` the anchor of a fresh decision at its own time."""
    environment = inputs.environment
    changes = {"flows": None, "anchor": None}
    today = environment.local_date(state.last_time)
    if state.day != today:
        changes["day"] = today
        if state.day is not None:
            changes.update({f"{name}_daily": 0.0 for name in COUNTERS})
    base = _evolve(state, **changes)
    return _evolve(base, flows=_decide(base, inputs, base.last_time), anchor=base)


def _current(state: PlantState, inputs: PlantInputs) -> PlantState:
    """``state`` itself if its held powers still apply, else a fresh decision."""
    flows, anchor = state.flows, state.anchor
    if (
        flows is not None
        and anchor is not None
        and flows.inputs == inputs
        and anchor.last_time <= state.last_time
        and flows.cell == _cell(state.last_time, inputs.step)
        and _levels(anchor, flows, state.last_time) == state
    ):
        return state
    return _anchor(state, inputs)


def advance(
    spec: PlantSpec,
    state: PlantState,
    controls: Controls,
    environment: Environment,
    until: float,
    step: float = 60.0,
    observer: Callable[[float, float, dict[str, float]], None] | None = None,
) -> tuple[PlantState, OperatingPoint]:
    """Integrate ``state`` to ``until`` (epoch seconds); return the new state and the operating point there.

    ``until`` before ``state.last_time`` returns ``state`` unchanged, with the operating point at its
    own time (the caller re-bases the state on clock jumps backwards). ``observer(start, end,
    rates)`` hears of every stretch integrated at constant rates (counter increments per second).
    """
    if not (math.isfinite(step) and step >= 1e-3):
        raise ValueError(f"step must be a finite number of seconds >= 0.001, got {step!r}")
    if not math.isfinite(until):
        raise ValueError(f"until must be a finite epoch time, got {until!r}")
    inputs = PlantInputs(spec, controls, environment, float(step))
    current = _current(state, inputs)
    if until < state.last_time:
        return state, _operating_point(current)
    while current.last_time < until:
        boundary = _next_boundary(current.last_time, step)
        end = min(boundary, until)
        if observer is not None:
            observer(current.last_time, end, current.flows.rates())
        if end == boundary:
            current = _anchor(_levels(current.anchor, current.flows, end, keep=False), inputs)
        else:
            current = _levels(current.anchor, current.flows, end)
    return current, _operating_point(current)


def operating_point(
    spec: PlantSpec, state: PlantState, controls: Controls, environment: Environment, step: float = 60.0
) -> OperatingPoint:
    """The operating point at ``state.last_time`` without advancing (``advance(..., until=last_time)``)."""
    return advance(spec, state, controls, environment, state.last_time, step)[1]
