"""Drives an inverter's registers from the plant model, lazily: only when something is read.

Nothing ticks. Before a read, the plant is integrated from where it was to the simulated clock's
"now" (:func:`plant.advance`), and every mapped register that no test pinned is rewritten from
the result. An idle mock therefore costs nothing, and the same clock readings give the same
values. ``data/register_map.csv`` says which quantity drives which register.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..device import codec
from ..device.catalogue import Layout, Register
from ..limits import LONG_JUMP_S, SAMPLE_DAY_STEPS
from .clock import DAY_S, to_datetime
from .controls import read_controls
from .history import History, HistoryWriter
from .inverter import Inverter
from .plant import COUNTERS as PLANT_COUNTERS
from .plant import Controls, Environment, OperatingPoint, PlantSpec, PlantState, advance, new_state

MIN_INTERVAL = 1.0  # simulated seconds between two integrations; reads in between see the same values
MAX_STEPS = 240  # a jump of up to LONG_JUMP_S (the first read after midnight, a fast clock) is integrated in coarser steps

# Running-state codes clients accept (PROTOCOLS §2.5.1 and §2.5.3; pysungrow's SH subset).
# Plant states as the catalogue's labels of the state registers (registers.csv holds the codes).
SG_WORK_STATE = {"running": "run", "standby": "standby", "stop": "stop", "fault": "fault", "off_grid": "run"}
SH_SYSTEM_STATE = {"running": "running", "standby": "standby", "stop": "stop", "fault": "fault", "off_grid": "off-grid run"}
SH_FORCED_RUN = "forced run"
SG_DERATING_RUN = "derating run"
# Work state 2 bits (PROTOCOLS §2.5.2): run|total run, standby, stop, fault|total fault, derating|total run.
SG_WORK_STATE_2 = {"running": 0x20001, "standby": 0x10, "stop": 0x2, "fault": 0x40200, "off_grid": 0x20001}
SG_DERATING_RUN_BITS = 0x20800
GRID_ON, GRID_OFF = "on-grid", "off-grid"  # SH grid state (13030), as labelled in the catalogue
OVERHEAT_ALARM = 37  # "high ambient temperature" (PROTOCOLS §2.5.5)


@dataclass(frozen=True)
class DeviceCondition:
    """Faults the device is in: a fault code, an alarm code, grid loss, derating, a battery fault."""

    fault: int | None = None
    alarm: int | None = None
    grid_lost: bool = False
    derate: float | None = None  # fraction of nominal power
    battery_fault: int | None = None

# The plant's energy counters and the quantity names their registers carry in register_map.csv.
COUNTER_QUANTITIES = (
    ("pv", "pv"),
    ("output", "output"),
    ("grid_export", "export"),
    ("grid_import", "import"),
    ("direct_consumption", "direct"),
    ("pv_export", "pv_export"),
    ("battery_charge", "battery_charge"),
    ("battery_charge_from_pv", "battery_charge_pv"),
    ("battery_discharge", "battery_discharge"),
)


@cache
def _register_map() -> tuple[tuple[str, str, str], ...]:
    text = resources.files(__package__).joinpath("data/register_map.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple((row["register"], row["kind"], row["quantity"]) for row in rows)


def _targets(layout: Layout) -> tuple[tuple[Register, str], ...]:
    """The registers the simulation drives on a model, each with its quantity."""
    kind = layout.model.kind
    return tuple(
        (layout.by_name[name], quantity)
        for name, register_kind, quantity in _register_map()
        if register_kind in ("*", kind) and name in layout.by_name and layout.present(layout.by_name[name])
    )


def _plant_spec(layout: Layout) -> PlantSpec:
    return PlantSpec.from_model(layout.model)


def quantities(spec: PlantSpec, state: PlantState, point: OperatingPoint, controls: Controls) -> dict[str, float]:
    """The simulated quantities, each in the unit of the registers they drive."""
    values = {
        "temperature_c": point.temperature_c,
        "dc_w": point.dc_power_w,
        "ac_w": point.ac_power_w,
        "apparent_va": point.apparent_power_va,
        "reactive_var": point.reactive_power_var,
        "power_factor": point.power_factor,
        "frequency_hz": point.frequency_hz,
        "grid_w": point.grid_power_w,
        "meter_phase_w": point.grid_power_w / max(1, len(point.phase_voltage_v)),
        "export_w": -point.grid_power_w,
        "load_w": point.load_w,
        "battery_v": point.battery_voltage_v,
        "battery_a_abs": abs(point.battery_current_a),
        "battery_a_signed": point.battery_current_a,
        "battery_w_abs": abs(point.battery_power_w),
        "battery_discharge_w": -point.battery_power_w,
        "soc_pct": point.soc * 100,
        "soh_pct": point.soh * 100,
        "battery_temp_c": point.battery_temperature_c,
        "flow_bits": point.flow_bits,
        "battery_capacity_kwh": (spec.battery_capacity_wh or 0) / 1000,
        "running_minutes_daily": state.running_time_daily / 60,
        "sg_work_state": SG_WORK_STATE[point.state],
        "sh_system_state": SH_FORCED_RUN
        if point.state == "running" and controls.ems_mode == "forced"
        else SH_SYSTEM_STATE[point.state],
    }
    phases = max(1, len(point.phase_voltage_v))
    backup_w = point.load_w if point.state == "off_grid" else 0.0
    values["backup_w"] = backup_w
    values["backup_phase_w"] = backup_w / phases
    values["backup_phase_a"] = backup_w / phases / max(1.0, point.phase_voltage_v[0]) if point.phase_voltage_v else 0.0
    for counter, quantity in COUNTER_QUANTITIES:
        values[f"{quantity}_daily_kwh"] = state.daily(counter) / 1000
        values[f"{quantity}_total_kwh"] = state.total(counter) / 1000
    pv_daily = state.daily("pv")
    values["self_consumption_pct"] = 100 * state.daily("direct_consumption") / pv_daily if pv_daily else 0.0
    for n, mppt in enumerate(point.mppt, start=1):
        values[f"mppt{n}_v"] = mppt.voltage_v
        values[f"mppt{n}_a"] = mppt.current_a
    for phase, voltage, current in zip("abc", point.phase_voltage_v, point.phase_current_a):
        values[f"phase_{phase}_v"] = voltage
        values[f"phase_{phase}_a"] = current
        # The meter sits at the grid connection point: no grid, no voltage. Its phase current is
        # its phase power over its phase voltage, so V x I agrees with P (power factor 1).
        meter_v = 0.0 if point.state == "off_grid" else voltage
        values[f"meter_phase_{phase}_v"] = meter_v
        values[f"meter_phase_{phase}_a"] = abs(values["meter_phase_w"]) / meter_v if meter_v > 0 else 0.0
    return values


class Simulator:
    """The plant behind one inverter, integrated on demand up to the inverter's clock."""

    def __init__(self, inverter: Inverter, environment: Environment | None = None, step: float = 60.0,
                 now: float | None = None):  # fmt: skip
        self.inverter = inverter
        self.environment = environment or Environment()
        self.step = step
        # Per-model data, one copy for every inverter of the model (frozen or read-only).
        self.spec = inverter.layout.shared(_plant_spec)
        self._targets = inverter.layout.shared(_targets)
        self._history_writer = HistoryWriter(inverter)
        # ``now``: when the simulation began (the day it starts at), if before this is built.
        self.state = self._fresh_state(inverter.clock.timestamp() if now is None else now)
        self.controls = Controls()
        self.fault: int | None = None  # a fault code the test put the inverter in (Set Inverter State)
        self.grid_lost = False
        # Injected device faults, asked for at each integration (the mock's fault engine).
        self.condition_source: Callable[[], DeviceCondition] | None = None
        self.condition = DeviceCondition()
        self._fault_since: float | None = None
        self._integrated = False  # whether update() has integrated anything yet
        # The simulated times at which update() has nothing to do (strictly between): published so
        # that a read can tell without a call (Inverter.refresh). Empty while stale.
        self.fresh_after = self.fresh_before = 0.0

    def _fresh_state(self, now: float, soc: float | None = None) -> PlantState:
        """A state starting at the local midnight of ``now``, so daily counters cover the day so far."""
        # Totals start from what the registers hold, so a new mock does not read as a new inverter;
        # of several registers carrying one total, the finest resolution wins.
        totals = {}
        for counter, quantity in COUNTER_QUANTITIES:
            carriers = [r for r, q in self._targets if q == f"{quantity}_total_kwh"]
            if carriers:
                register = min(carriers, key=lambda r: r.scale)
                totals[f"{counter}_total"] = self._image_value(register.name) * 1000
        self.history = History(self._history_writer.counters)
        if soc is None:
            level = self._image_value("battery_level")
            soc = level / 100 if level is not None else 0.5
        return new_state(self.environment, self.environment.local_midnight(now), soc=soc, **totals)

    def _image_value(self, name: str) -> float | None:
        """A register's engineering value straight from the image (reading through the inverter would
        run the simulation again)."""
        register = self.inverter.layout.by_name.get(name)
        if register is None:
            return None
        return float(self.inverter.from_raw(register, self.inverter.image.get_raw(register)))

    def update(self) -> None:
        """Integrate to the clock's now and rewrite the unpinned registers (cheap when nothing moved)."""
        now = self.inverter.clock.timestamp()
        if self.fresh_after < now < self.fresh_before:
            return
        if now < self.state.last_time:  # the clock was set back: the day starts again from there
            self.state = self._fresh_state(now, soc=self.state.soc)
        condition = self._condition()
        self.controls = Controls(
            **read_controls(self.inverter),
            fault=condition.fault,
            grid_lost=condition.grid_lost,
            derate=condition.derate,
            battery_fault=condition.battery_fault,
        )
        book = self._book if self.history.counters else None
        if now - self.state.last_time > LONG_JUMP_S:
            self.state = self._skip(now, book)
        step = max(self.step, (now - self.state.last_time) / MAX_STEPS)
        self.state, point = advance(self.spec, self.state, self.controls, self.environment, now, step, book)
        values = quantities(self.spec, self.state, point, self.controls)
        self._fault_values(values, point, condition, now)
        self._write(values)
        if self.history.counters:
            self._history_writer.write(self.history)
        self._integrated = True
        last = self.state.last_time  # fresh only once the registers show the new state: a failure retries
        self.fresh_after, self.fresh_before = last - MIN_INTERVAL, last + MIN_INTERVAL

    def _skip(self, now: float, book: Callable | None) -> PlantState:
        """Carry the state over the whole days of a long clock jump at the cost of one day.

        The first day after the jump starts is simulated (in coarse steps, SAMPLE_DAY_STEPS of
        them); every whole day after it, up to less than a day before ``now``, is estimated in
        closed form as that day repeated: the counters gain the sampled day's energy per day (the
        statistics arrays book it at the sampled day's average rates, month by month), and SOC and
        temperatures are those the sampled day ended with. Its last, partial day is booked so that
        its day entry equals the daily counter. The caller then simulates the rest (under a day).
        """
        start = self.state
        sample_end = start.last_time + DAY_S
        sample_step = max(self.step, DAY_S / SAMPLE_DAY_STEPS)
        sampled, _ = advance(self.spec, start, self.controls, self.environment, sample_end, sample_step, book)
        days = math.floor((now - sample_end) / DAY_S)
        if days < 1:
            return sampled
        skip_end = sample_end + days * DAY_S  # the same time of day as the sampled day's end
        midnight = self.environment.local_midnight(skip_end)
        average = {name: (sampled.total(name) - start.total(name)) / DAY_S for name in PLANT_COUNTERS}
        whole = midnight - sample_end
        if book is not None:
            if whole > 0:
                book(sample_end, midnight, average)
            if skip_end > midnight:
                book(midnight, skip_end, {n: sampled.daily(n) / (skip_end - midnight) for n in PLANT_COUNTERS})
        totals = {f"{n}_total": sampled.total(n) + average[n] * whole + sampled.daily(n) for n in PLANT_COUNTERS}
        return dataclasses.replace(
            sampled, last_time=skip_end, day=self.environment.local_date(skip_end), flows=None, anchor=None, **totals
        )

    def _condition(self) -> DeviceCondition:
        """What Set Inverter State asked for, combined with the injected device faults."""
        injected = self.condition_source() if self.condition_source is not None else DeviceCondition()
        condition = DeviceCondition(
            fault=self.fault if self.fault is not None else injected.fault,
            alarm=injected.alarm,
            grid_lost=self.grid_lost or injected.grid_lost,
            derate=injected.derate,
            battery_fault=injected.battery_fault,
        )
        self.condition = condition
        return condition

    def _fault_values(self, values: dict, point: OperatingPoint, condition: DeviceCondition, now: float) -> None:
        """Fault and alarm codes, and when the fault began, as the status registers show them."""
        code = point.fault_code
        alarm = condition.alarm if condition.alarm is not None else (OVERHEAT_ALARM if condition.derate is not None else 0)
        if code is not None or alarm:
            if self._fault_since is None:
                self._fault_since = now
        else:
            self._fault_since = None
        values["sg_alarm_code"] = code if code is not None else alarm
        values["sh_system_fault"] = code if code is not None and point.state == "fault" else 0
        values["sh_inverter_alarm"] = alarm
        values["sh_battery_fault"] = condition.battery_fault or 0
        values["sg_work_state_2"] = SG_WORK_STATE_2[point.state]
        values["sh_grid_state"] = GRID_OFF if condition.grid_lost else GRID_ON
        if condition.derate is not None and point.state == "running":
            values["sg_work_state"] = SG_DERATING_RUN
            values["sg_work_state_2"] = SG_DERATING_RUN_BITS
        since = to_datetime(self._fault_since) if self._fault_since is not None else None
        for field in ("year", "month", "day", "hour", "minute", "second"):
            values[f"alarm_{field}"] = getattr(since, field) if since is not None else 0

    def _book(self, start: float, end: float, rates: dict[str, float]) -> None:
        local = self.environment.local_time
        self.history.book(local(start), local(end), rates)

    def invalidate(self) -> None:
        """An input changed (a control register, the environment, the SOC): show it on the next read
        even when the clock stands still."""
        self.fresh_after = self.fresh_before = 0.0
        self.inverter.quiet_until = 0.0

    def set_condition(self, fault: int | None, grid_lost: bool) -> None:
        self.update()
        self.fault, self.grid_lost = fault, grid_lost
        self.invalidate()

    def set_environment(self, environment: Environment) -> None:
        self.update()  # what happened so far happened under the old conditions
        self.environment = environment
        self.invalidate()

    def set_soc(self, soc: float) -> None:
        self.update()
        self.state = dataclasses.replace(self.state, soc=soc)
        self.invalidate()

    def vary(self, pv_peak_w: float | None = None, load_seed: int | None = None, soc: float | None = None) -> None:
        """Make this plant differ from its model's defaults from now on: its PV array's peak power
        (W), its house's load profile (the seed of its variations) and, with a battery, its state
        of charge (a fraction). A fleet spreads its inverters so; before the first read it costs
        nothing (no integration up to now)."""
        if self._integrated:
            self.update()  # what happened so far happened with the old plant
        if pv_peak_w is not None:
            self.spec = dataclasses.replace(self.spec, pv_peak_w=float(pv_peak_w))
        if load_seed is not None:
            self.environment = dataclasses.replace(self.environment, seed=int(load_seed))
        if soc is not None and self.spec.has_battery:
            self.state = dataclasses.replace(self.state, soc=float(soc))
        self.invalidate()

    def _write(self, values: dict[str, float | str]) -> None:
        inverter = self.inverter
        pinned = inverter.pinned
        for register, quantity in self._targets:
            if (register.table, register.number) in pinned or quantity not in values:
                continue
            value = values[quantity]
            if isinstance(value, str):  # a state, named by the catalogue's label
                inverter.image.put_raw(register, register.raw_of(value))
                continue
            raw = round(value / register.scale)
            low, high = codec.limits(register.type)
            inverter.image.put_raw(register, min(max(raw, low), high))
