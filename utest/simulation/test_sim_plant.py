"""Plant physics: balance, exact integrals, monotonic counters, limits, states, determinism.

The central property test walks a random plant through random time with random control writes,
reading at every cell boundary, every local midnight, every control write and random moments
in between, and checks every operating point and every counter step against the powers reported.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.device.catalogue import model
from SungrowMockLibrary.simulation.plant import (
    COMMANDED_EMS_MODES,
    COUNTERS,
    ENERGY_COUNTERS,
    FLOW_THRESHOLD_W,
    MIN_BATTERY_POWER_W,
    NIGHT_IRRADIANCE_W_M2,
    Controls,
    Environment,
    OperatingPoint,
    PlantSpec,
    PlantState,
    advance,
    new_state,
    operating_point,
)
from SungrowMockLibrary.simulation.profiles import HouseLoad, TimeSeriesProfile

from .sim_strategies import SPECS, controls, environments, epochs, local_date, local_midnights, specs

W = 1e-6  # tolerance for powers (W)
WH = 1e-6  # tolerance for energies (Wh)
STEPS = [60.0, 137.5, 300.0, 900.0, 3600.0]


def utc(*args) -> float:
    from datetime import datetime

    return datetime(*args, tzinfo=UTC).timestamp()


def counter_rates(point: OperatingPoint) -> dict[str, float]:
    """Counter increments per second implied by an operating point (Wh/s, running time s/s)."""
    watts = {
        "pv": point.pv_power_w,
        "output": point.pv_power_w + point.discharge_w,
        "battery_charge": point.charge_w,
        "battery_charge_from_pv": point.battery_charge_from_pv_w,
        "battery_discharge": point.discharge_w,
        "grid_import": point.import_w,
        "grid_export": point.export_w,
        "pv_export": point.pv_export_w,
        "load": point.load_w,
        "direct_consumption": point.direct_consumption_w,
    }
    rates = {name: w / 3600.0 for name, w in watts.items()}
    rates["running_time"] = 1.0 if point.state in ("running", "off_grid") else 0.0
    assert set(rates) == set(COUNTERS)
    return rates


def check_operating_point(spec: PlantSpec, ctl: Controls, env: Environment, point: OperatingPoint) -> None:
    """Every rule that must hold at one instant."""
    assert point.state in ("running", "standby", "stop", "fault", "off_grid")
    # balance: PV + discharge + import = load + charge + export
    scale = 1.0 + point.pv_power_w + point.load_w + abs(point.battery_power_w)
    assert abs(point.balance_error_w) <= 1e-9 * scale
    assert point.import_w >= 0.0 and point.export_w >= 0.0
    assert min(point.import_w, point.export_w) <= W
    assert point.grid_power_w == point.import_w - point.export_w
    assert math.isclose(point.ac_power_w, point.pv_power_w - point.battery_power_w, rel_tol=1e-12, abs_tol=W)
    # limits
    ceiling = spec.nominal_ac_w if ctl.active_power_limit_w is None else min(spec.nominal_ac_w, ctl.active_power_limit_w)
    assert point.ac_power_w <= ceiling + W
    assert point.ac_power_w >= -spec.nominal_ac_w - W
    if ctl.export_limit_w is not None:
        assert point.export_w <= ctl.export_limit_w + W
    assert 0.0 <= point.soc <= 1.0
    # PV: conversion loses something, MPPT power is V x I and adds up to DC power
    assert 0.0 <= point.pv_power_w <= point.dc_power_w + W
    assert point.pv_power_w <= point.pv_available_w + W
    if point.dc_power_w > 1.0:
        assert point.pv_power_w / point.dc_power_w < 1.0
    assert len(point.mppt) == spec.mppts
    for mppt in point.mppt:
        assert mppt.voltage_v >= 0.0 and mppt.current_a >= 0.0
        assert math.isclose(mppt.voltage_v * mppt.current_a, mppt.power_w, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(sum(m.power_w for m in point.mppt), point.dc_power_w, rel_tol=1e-12, abs_tol=1e-9)
    # AC side
    assert len(point.phase_voltage_v) == len(point.phase_current_a) == spec.phases
    for volts, amps in zip(point.phase_voltage_v, point.phase_current_a):
        if volts > 0:
            assert math.isclose(abs(amps) * volts * spec.phases, point.apparent_power_va, rel_tol=1e-9, abs_tol=1e-9)
        else:
            assert amps == 0.0
    assert point.power_factor == ctl.power_factor
    assert math.isclose(point.apparent_power_va * abs(ctl.power_factor), abs(point.ac_power_w), rel_tol=1e-9, abs_tol=1e-9)
    if not ctl.grid_lost:
        assert abs(point.frequency_hz - env.grid_frequency_hz) < 0.05
        assert all(abs(v - env.grid_voltage_v) < 10.0 for v in point.phase_voltage_v)
    # battery
    if not spec.battery_usable:
        assert point.battery_power_w == 0.0 and point.battery_current_a == 0.0
    else:
        assert math.isclose(point.battery_voltage_v * point.battery_current_a, point.battery_power_w, rel_tol=1e-12, abs_tol=1e-9)
        assert point.charge_w <= min(spec.battery_max_power_w, ctl.max_charge_w or math.inf) + W
        assert point.discharge_w <= min(spec.battery_max_power_w, ctl.max_discharge_w or math.inf) + W
        assert point.battery_power_w == 0.0 or abs(point.battery_power_w) >= MIN_BATTERY_POWER_W
    # states
    night = point.irradiance_w_m2 < NIGHT_IRRADIANCE_W_M2
    if night:
        assert point.pv_power_w == 0.0 and point.dc_power_w == 0.0
        assert all(m.voltage_v == 0.0 for m in point.mppt)
    if ctl.fault is not None or (ctl.grid_lost and not spec.battery_usable):
        assert point.state == "fault"
        assert point.fault_code == (ctl.fault if ctl.fault is not None else 10)
    elif not ctl.running:
        assert point.state == "stop"
    elif ctl.grid_lost:
        assert point.state == "off_grid"
    else:
        idle = point.battery_power_w == 0.0
        assert point.state == ("standby" if night and idle else "running")
    if point.state in ("fault", "stop", "standby"):
        assert point.ac_power_w == point.dc_power_w == point.pv_power_w == point.battery_power_w == 0.0
    if point.state == "standby":
        assert night
    # grid
    if ctl.grid_lost:
        assert point.import_w == point.export_w == 0.0
        assert point.load_w <= point.load_demand_w + W
    else:
        assert point.load_w == point.load_demand_w
    # self-consumption charges only from PV and discharges only for the house
    assert point.battery_charge_from_pv_w <= point.charge_w + W
    assert point.pv_export_w <= point.export_w + W
    assert point.direct_consumption_w <= min(point.pv_power_w, point.load_w) + W
    if ctl.ems_mode not in COMMANDED_EMS_MODES or ctl.grid_lost:
        assert point.charge_w - point.battery_charge_from_pv_w <= W
        assert point.export_w - point.pv_export_w <= W
    if spec.battery_usable and ctl.ems_mode in COMMANDED_EMS_MODES and not ctl.grid_lost:
        command = ctl.forced_command
        assert (command == "charge" and point.battery_power_w >= 0) or (
            command == "discharge" and point.battery_power_w <= 0
        ) or point.battery_power_w == 0
    # power flow bits (PROTOCOLS 2.5.4)
    expected_bits = {
        0: point.pv_power_w >= FLOW_THRESHOLD_W,
        1: point.battery_power_w >= FLOW_THRESHOLD_W,
        2: point.battery_power_w <= -FLOW_THRESHOLD_W,
        3: point.load_w >= FLOW_THRESHOLD_W,
        4: point.export_w >= FLOW_THRESHOLD_W,
        5: point.import_w >= FLOW_THRESHOLD_W,
    }
    assert point.flow_bits == sum(1 << bit for bit, on in expected_bits.items() if on)


@st.composite
def scenarios(draw):
    spec = draw(specs)
    env = draw(environments)
    step = draw(st.sampled_from(STEPS))
    start = draw(epochs) + draw(st.floats(0.0, 86400.0))
    duration = draw(st.floats(0.0, 30 * 3600.0) | st.sampled_from([0.0, step, 86400.0]))
    duration = min(duration, 200 * step)
    end = start + duration
    writes = draw(st.lists(st.tuples(st.floats(0.0, 1.0), controls()), min_size=0, max_size=3))
    schedule = sorted(((start + f * duration, c) for f, c in writes), key=lambda item: item[0])
    extra = draw(st.lists(st.floats(0.0, 1.0), max_size=8))
    soc = draw(st.floats(0.0, 1.0) | st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    soh = draw(st.floats(0.5, 1.0) | st.just(1.0))
    return spec, env, step, start, end, draw(controls()), schedule, [start + f * duration for f in extra], soc, soh


def read_points(step: float, start: float, end: float, env: Environment, schedule, extra) -> list[float]:
    points = {start, end}
    k = math.floor(start / step) + 1
    while k * step < end:
        points.add(k * step)
        k += 1
    points.update(local_midnights(env, start, end))
    points.update(t for t, _ in schedule)
    points.update(t for t in extra if start <= t <= end)
    return sorted(points)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_random_walk_keeps_every_invariant(scenario):
    spec, env, step, start, end, first_controls, schedule, extra, soc, soh = scenario
    writes = dict(schedule)  # a later write at the same instant wins
    state = new_state(env, start, soc=soc, soh=soh)
    ctl = first_controls
    state, point = advance(spec, state, ctl, env, start, step)
    if start in writes:
        ctl = writes[start]
        state, point = advance(spec, state, ctl, env, start, step)
    check_operating_point(spec, ctl, env, point)
    energy_wh = spec.battery_capacity_wh * soh
    for t in read_points(step, start, end, env, schedule, extra)[1:]:
        before, held = state, point
        state, point = advance(spec, state, ctl, env, t, step)
        dt = t - before.last_time
        rates = counter_rates(held)
        new_day = local_date(env, t) != local_date(env, before.last_time)
        assert state.day == local_date(env, t)
        for name, rate in rates.items():
            total, daily = state.total(name), state.daily(name)
            # the counter is the integral of the power shown at the previous read
            assert math.isclose(total - before.total(name), rate * dt, rel_tol=1e-9, abs_tol=WH)
            assert total >= before.total(name)
            if new_day:
                # reads include every local midnight, so a new day starts exactly here
                assert daily == 0.0
            else:
                assert daily >= before.daily(name)
                assert math.isclose(daily - before.daily(name), rate * dt, rel_tol=1e-9, abs_tol=WH)
            assert daily <= total + WH
        # SOC follows the battery energy and respects min/max SOC (or at least moves towards them)
        if spec.battery_usable:
            charged = state.total("battery_charge") - before.total("battery_charge")
            discharged = state.total("battery_discharge") - before.total("battery_discharge")
            stored = charged * spec.battery_efficiency - discharged / spec.battery_efficiency
            assert math.isclose((state.soc - before.soc) * energy_wh, stored, rel_tol=1e-9, abs_tol=WH)
            assert min(before.soc, ctl.min_soc) - 1e-12 <= state.soc <= max(before.soc, ctl.max_soc) + 1e-12
        else:
            assert state.soc == before.soc
        # the internal temperature moves towards ambient + rise x throughput (first-order lag)
        throughput = max(held.dc_power_w, abs(held.ac_power_w), abs(held.battery_power_w))
        target = held.ambient_c + spec.temperature_rise_c * throughput / spec.nominal_ac_w
        low, high = sorted((before.temperature_c, target))
        assert low - 1e-9 <= state.temperature_c <= high + 1e-9
        if dt > 0 and before.temperature_c != target:
            assert abs(state.temperature_c - target) <= abs(before.temperature_c - target)
        check_operating_point(spec, ctl, env, point)
        if t in writes:
            ctl = writes[t]
            state, point = advance(spec, state, ctl, env, t, step)
            check_operating_point(spec, ctl, env, point)

    # additivity: the same run read only where the controls change ends bit-identical
    direct = new_state(env, start, soc=soc, soh=soh)
    ctl = first_controls
    for t, _new_controls in schedule:
        direct, _ = advance(spec, direct, ctl, env, t, step)
        ctl = writes[t]
    direct, direct_point = advance(spec, direct, ctl, env, end, step)
    assert direct == state
    assert direct_point == point


@settings(max_examples=40, deadline=None)
@given(specs, environments, controls(), epochs, st.floats(0.0, 86400.0), st.floats(0.0, 1.0), st.sampled_from(STEPS))
def test_same_inputs_give_identical_outputs(spec, env, ctl, epoch, duration, soc, step):
    runs = []
    for _ in range(2):
        state = new_state(env, epoch, soc=soc)
        state, _point = advance(spec, state, ctl, env, epoch + duration / 2, step)
        runs.append(advance(spec, state, ctl, env, epoch + duration, step))
    assert runs[0] == runs[1]


@settings(max_examples=40, deadline=None)
@given(specs, environments, controls(), epochs, st.floats(1.0, 86400.0))
def test_time_never_runs_backwards(spec, env, ctl, epoch, back):
    state, _ = advance(spec, new_state(env, epoch), ctl, env, epoch + 7200.0)
    again, point = advance(spec, state, ctl, env, state.last_time - back)
    assert again is state
    assert point == operating_point(spec, state, ctl, env)
    assert point.time == state.last_time


# -- scenarios ------------------------------------------------------------------------------


SH10RT, SG10RT, SH5RS = SPECS["SH10RT"], SPECS["SG10RT"], SPECS["SH5.0RS"]
MIDSUMMER = Environment(latitude=48.0)


def run_day(spec, env, ctl, day_start, soc=0.5, step=60.0, read_every=900.0):
    state = new_state(env, day_start, soc=soc)
    timeline = []
    t = day_start
    while t < day_start + 86400.0:
        state, point = advance(spec, state, ctl, env, t, step)
        timeline.append(point)
        t += read_every
    return advance(spec, state, ctl, env, day_start + 86400.0 - 1e-3, step)[0], timeline


def test_spec_from_catalogue_models():
    spec = PlantSpec.from_model(model("SH10RT"))
    assert (spec.nominal_ac_w, spec.phases, spec.mppts, spec.has_battery) == (10000.0, 3, 2, True)
    assert spec.pv_peak_w == pytest.approx(12000.0) and spec.battery_capacity_wh == 9600.0
    sg = PlantSpec.from_model(model("SG33CX"), pv_peak_w=40000.0)
    assert (sg.mppts, sg.strings_per_mppt, sg.has_battery, sg.battery_capacity_wh) == (3, (2, 2, 2), False, 0.0)
    assert sg.pv_peak_w == 40000.0
    assert PlantSpec.from_model(model("SG5.0RS")).phases == 1


@given(st.floats(0.0, 1.3))
def test_efficiency_is_below_one_and_invertible(fraction):
    spec = SH10RT
    dc = fraction * spec.nominal_ac_w
    ac = spec.ac_from_dc(dc)
    assert 0.0 <= ac < dc or dc == 0.0
    assert math.isclose(spec.dc_for_ac(ac), dc, rel_tol=1e-9, abs_tol=1e-6)


def test_clear_summer_day_on_a_hybrid():
    state, timeline = run_day(SH10RT, MIDSUMMER, Controls(), utc(2024, 6, 21), soc=0.3)
    assert 60_000 < state.pv_daily < 90_000  # 12 kWp, clear June day at 48° N
    assert state.pv_daily == pytest.approx(state.pv_total)
    assert state.load_daily > 5_000
    assert timeline[0].state == "running" and timeline[0].discharge_w > 0  # night, battery feeds the house
    noon = timeline[48]
    assert noon.state == "running" and noon.soc == 1.0 and noon.export_w > 5_000
    assert noon.flow_bits & 0b11001 == 0b11001  # PV, load, feed-in
    assert max(s.temperature_c for s in timeline) > 35.0
    # without load and with the battery at min SOC the night is standby
    quiet = Environment(latitude=48.0, load=0.0)
    _, timeline = run_day(SH10RT, quiet, Controls(), utc(2024, 6, 21), soc=0.1)
    assert timeline[0].state == "standby" and timeline[48].state == "running"


def test_string_inverter_at_night_is_standby_and_imports_the_load():
    state, timeline = run_day(SG10RT, MIDSUMMER, Controls(), utc(2024, 6, 21))
    night = timeline[4]  # 01:00
    assert night.state == "standby" and night.ac_power_w == 0.0 and night.import_w == night.load_w > 0
    assert all(m.voltage_v == 0.0 for m in night.mppt)
    assert state.battery_charge_total == 0.0
    # a SG10RT has two strings on MPPT1 and one on MPPT2: same voltage, double current
    noon = timeline[48]
    assert noon.mppt[0].voltage_v == noon.mppt[1].voltage_v
    assert noon.mppt[0].current_a == pytest.approx(2 * noon.mppt[1].current_a)


def test_active_power_limit_and_clipping():
    env = Environment(irradiance=1000.0, load=0.0, ambient_c=0.0)
    t = utc(2024, 6, 21, 12)
    _, point = advance(SG10RT, new_state(env, t), Controls(), env, t)
    assert point.ac_power_w == pytest.approx(SG10RT.nominal_ac_w)  # clipped at nominal
    assert point.pv_available_w > SG10RT.nominal_ac_w
    assert point.mppt[0].voltage_v > 0 and point.dc_power_w < SG10RT.pv_peak_w * 1.2
    _, limited = advance(SG10RT, new_state(env, t), Controls(active_power_limit_w=3000.0), env, t)
    assert limited.ac_power_w == pytest.approx(3000.0)
    assert limited.mppt[0].voltage_v > point.mppt[0].voltage_v  # curtailed: towards open circuit


def test_export_limit_curtails_pv():
    env = Environment(irradiance=900.0, load=1000.0)
    t = utc(2024, 6, 21, 12)
    ctl = Controls(export_limit_w=2000.0)
    _, sg = advance(SG10RT, new_state(env, t), ctl, env, t)
    assert sg.export_w == pytest.approx(2000.0) and sg.ac_power_w == pytest.approx(3000.0)
    _, sh = advance(SH10RT, new_state(env, t, soc=1.0), ctl, env, t)
    assert sh.export_w == pytest.approx(2000.0) and sh.charge_w == 0.0
    _, zero = advance(SH10RT, new_state(env, t, soc=1.0), Controls(export_limit_w=0.0), env, t)
    assert zero.export_w == pytest.approx(0.0, abs=W) and zero.pv_power_w == pytest.approx(1000.0)


def test_forced_charge_and_discharge():
    env = Environment(irradiance=0.0, load=500.0)
    t = utc(2024, 1, 10, 2)
    charge = Controls(ems_mode="forced", forced_command="charge", forced_power_w=3000.0)
    state, point = advance(SH10RT, new_state(env, t, soc=0.4), charge, env, t)
    assert point.state == "running" and point.battery_power_w == pytest.approx(3000.0)
    assert point.import_w == pytest.approx(3500.0) and point.ac_power_w == pytest.approx(-3000.0)
    assert point.flow_bits == 0b101010  # charging, load, import
    state, point = advance(SH10RT, state, charge, env, t + 3600.0)
    assert point.soc == pytest.approx(0.4 + 3000.0 * 0.96 / 9600.0)
    assert state.grid_import_daily == pytest.approx(3500.0)
    discharge = replace(charge, forced_command="discharge", forced_power_w=4000.0)
    _, point = advance(SH10RT, state, discharge, env, t + 3600.0)
    assert point.battery_power_w == pytest.approx(-4000.0) and point.export_w == pytest.approx(3500.0)
    limited = replace(discharge, export_limit_w=1000.0, max_discharge_w=2500.0)
    _, point = advance(SH10RT, state, limited, env, t + 3600.0)
    assert point.battery_power_w == pytest.approx(-1500.0) and point.export_w == pytest.approx(1000.0)
    _, point = advance(SH10RT, state, replace(charge, forced_command="stop"), env, t + 3600.0)
    assert point.battery_power_w == 0.0 and point.state == "standby"


def test_charge_stops_at_max_soc_and_discharge_at_min_soc():
    sunny = Environment(irradiance=800.0, load=300.0)
    t = utc(2024, 6, 21, 12)
    ctl = Controls(max_soc=0.8, min_soc=0.2)
    state, _ = advance(SH10RT, new_state(sunny, t, soc=0.7), ctl, sunny, t + 3 * 3600.0)
    assert state.soc == pytest.approx(0.8, abs=1e-9)
    _, point = advance(SH10RT, state, ctl, sunny, state.last_time)
    assert point.charge_w == 0.0 and point.export_w > 0
    dark = Environment(irradiance=0.0, load=2000.0)
    state, _ = advance(SH10RT, new_state(dark, t, soc=0.3), ctl, dark, t + 3 * 3600.0)
    assert state.soc == pytest.approx(0.2, abs=1e-6) and state.soc >= 0.2
    _, point = advance(SH10RT, state, ctl, dark, state.last_time)
    assert point.discharge_w == 0.0 and point.import_w == pytest.approx(2000.0)


def test_stopped_and_faulted_inverters_produce_nothing():
    env = Environment(irradiance=900.0, load=800.0)
    t = utc(2024, 6, 21, 12)
    for ctl, expected in ((Controls(running=False), "stop"), (Controls(fault=37), "fault")):
        for spec in (SG10RT, SH10RT):
            _, point = advance(spec, new_state(env, t, soc=0.8), ctl, env, t)
            assert point.state == expected
            assert point.ac_power_w == point.dc_power_w == point.battery_power_w == 0.0
            assert point.import_w == pytest.approx(800.0)
            assert all(m.current_a == 0.0 and m.voltage_v > 0 for m in point.mppt)  # open circuit


def test_grid_loss():
    env = Environment(irradiance=0.0, load=1500.0)
    t = utc(2024, 6, 21, 22)
    _, sg = advance(SG10RT, new_state(env, t), Controls(grid_lost=True), env, t)
    assert sg.state == "fault" and sg.fault_code == 10 and sg.load_w == 0.0 and sg.frequency_hz == 0.0
    _, sh = advance(SH5RS, new_state(env, t, soc=0.6), Controls(grid_lost=True), env, t)
    assert sh.state == "off_grid" and sh.discharge_w == pytest.approx(1500.0) and sh.grid_power_w == 0.0
    assert sh.frequency_hz == env.grid_frequency_hz and len(sh.phase_voltage_v) == 1
    _, empty = advance(SH5RS, new_state(env, t, soc=0.1), Controls(grid_lost=True), env, t)
    assert empty.state == "off_grid" and empty.load_w == 0.0 and empty.load_demand_w == 1500.0


def test_daily_counters_reset_at_local_midnight():
    env = Environment(latitude=48.0, utc_offset_hours=2.0, longitude=15.0)
    midnight = utc(2024, 6, 21, 22)  # 00:00 on 22 June at UTC+2
    state = new_state(env, midnight - 86400.0)
    state, _ = advance(SH10RT, state, Controls(), env, midnight - 1.0)
    assert state.pv_daily > 50_000 and state.load_daily > 0
    before = state
    state, _ = advance(SH10RT, state, Controls(), env, midnight + 1800.0)
    assert str(state.day) == "2024-06-22"
    for name in ENERGY_COUNTERS:
        since_midnight = state.total(name) - before.total(name)
        assert state.daily(name) <= since_midnight + WH
    assert state.load_daily > 0 and state.pv_daily == 0.0
    assert state.load_total > before.load_total
    # the same instant reached in one go gives the same state
    direct, _ = advance(SH10RT, new_state(env, midnight - 86400.0), Controls(), env, midnight + 1800.0)
    assert direct.counters() == state.counters()


def test_edited_state_is_taken_as_it_is():
    env = Environment(irradiance=0.0, load=1000.0)
    t = utc(2024, 6, 21, 23)
    state, point = advance(SH10RT, new_state(env, t, soc=0.5), Controls(), env, t + 600.0)
    state = replace(state, soc=0.1)  # e.g. "Set Battery SOC"
    state, point = advance(SH10RT, state, Controls(), env, state.last_time)
    assert point.soc == 0.1 and point.battery_power_w == 0.0 and point.import_w == pytest.approx(1000.0)
    rebased = replace(state, last_time=t - 7200.0)  # the caller re-bases after a clock jump back
    later, _ = advance(SH10RT, rebased, Controls(), env, t - 3600.0)
    assert later.load_total == pytest.approx(state.load_total + 1000.0)


def test_house_load_seed_changes_the_load_but_not_determinism():
    t = utc(2024, 6, 21, 19)
    values = {}
    for seed in (1, 2):
        env = Environment(seed=seed)
        _, point = advance(SG10RT, new_state(env, t), Controls(), env, t)
        values[seed] = point.load_w
        assert point.load_w == HouseLoad(seed=seed).at(t)
    assert values[1] != values[2]


def test_time_series_irradiance_profile():
    series = TimeSeriesProfile.from_points([(6 * 3600, 0.0), (12 * 3600, 1000.0), (18 * 3600, 0.0)], wrap=False)
    env = Environment(irradiance=series, load=0.0, utc_offset_hours=1.0)
    _, point = advance(SG10RT, new_state(env, utc(2024, 1, 1, 8)), Controls(), env, utc(2024, 1, 1, 8))
    assert point.irradiance_w_m2 == pytest.approx(500.0)  # 09:00 local


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Controls(min_soc=0.6, max_soc=0.5), "SOC limits"),
        (lambda: Controls(export_limit_w=-1.0), "export_limit_w"),
        (lambda: Controls(power_factor=0.0), "power factor"),
        (lambda: PlantSpec("x", 5000.0, has_battery=True, battery_capacity_wh=-1.0), "battery_capacity_wh"),
        (lambda: PlantSpec("x", 0.0), "nominal AC power"),
        (lambda: PlantSpec("x", 5000.0, mppts=2, strings_per_mppt=(1,)), "MPPTs"),
        (lambda: PlantSpec("x", 5000.0, efficiency_curve=((0.0, 0.9), (1.0, 1.2))), "within"),
        (lambda: PlantSpec("x", 5000.0, efficiency_curve=((0.0, 0.9), (0.1, 0.1))), "fall"),
        (lambda: PlantState(0.0, soc=1.2), "SOC"),
        (lambda: PlantState(0.0, soh=0.0), "SOH"),
        (lambda: Environment(latitude=91.0), "latitude"),
        (lambda: Environment(load=-5.0), "load"),
        (lambda: Environment(irradiance="sunny"), "expected a number"),
        (lambda: advance(SH10RT, PlantState(0.0), Controls(), Environment(), 10.0, step=0.0), "step"),
        (lambda: advance(SH10RT, PlantState(0.0), Controls(), Environment(), math.nan), "until"),
    ],
)
def test_impossible_settings_are_rejected(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()
