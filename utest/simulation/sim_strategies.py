"""Hypothesis strategies and helpers shared by the simulation tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from SungrowMockLibrary.device.catalogue import layout, model, models
from SungrowMockLibrary.simulation.plant import Controls, Environment, PlantSpec
from SungrowMockLibrary.simulation.profiles import HouseLoad, TimeSeriesProfile

# The labels a client can write (the register catalogue's), so the plant is tested on every one.
EMS_MODES = tuple(layout("SH10RT").by_name["ems_mode"].enum.values())
FORCED_COMMANDS = tuple(layout("SH10RT").by_name["battery_forced_charge_discharge_cmd"].enum.values())

MODEL_NAMES = sorted(models())
SPECS = {name: PlantSpec.from_model(model(name)) for name in MODEL_NAMES}
EPOCH_2000 = 946684800
EPOCH_2040 = 2208988800

specs = st.sampled_from(MODEL_NAMES).map(SPECS.__getitem__)
epochs = st.integers(EPOCH_2000, EPOCH_2040).map(float)
offsets = st.sampled_from([0.0, 0.0, 1.0, 2.0, -5.0, 5.75, 9.5, -3.5, 12.0, 14.0, -11.0])


def time_series(maximum: float):
    points = st.lists(
        st.tuples(st.floats(0.0, 86399.0), st.floats(0.0, maximum)), min_size=1, max_size=6, unique_by=lambda p: p[0]
    )
    return st.builds(TimeSeriesProfile.from_points, points.map(sorted), st.booleans())


irradiances = st.one_of(st.none(), st.none(), st.floats(0.0, 1100.0), time_series(1100.0))
loads = st.one_of(
    st.none(),
    st.floats(0.0, 15000.0),
    time_series(15000.0),
    st.builds(HouseLoad, seed=st.integers(0, 2**31), variation=st.floats(0.0, 1.0)),
)
environments = st.builds(
    Environment,
    latitude=st.floats(-90.0, 90.0),
    longitude=st.floats(-180.0, 180.0),
    utc_offset_hours=offsets,
    irradiance=irradiances,
    load=loads,
    ambient_c=st.floats(-25.0, 45.0),
    seed=st.integers(0, 2**31),
)
optional_watts = st.one_of(st.none(), st.none(), st.floats(0.0, 15000.0), st.sampled_from([0.0, 100.0, 3000.0]))


@st.composite
def controls(draw) -> Controls:
    min_soc = draw(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.5]) | st.floats(0.0, 0.5))
    max_soc = draw(st.sampled_from([0.5, 0.8, 0.9, 1.0]) | st.floats(0.5, 1.0))
    return Controls(
        running=draw(st.sampled_from([True, True, True, True, False])),
        active_power_limit_w=draw(optional_watts),
        export_limit_w=draw(optional_watts),
        ems_mode=draw(st.sampled_from(EMS_MODES)),
        forced_command=draw(st.sampled_from(FORCED_COMMANDS)),
        forced_power_w=draw(st.floats(0.0, 12000.0) | st.sampled_from([0.0, 0.5, 1000.0, 5000.0])),
        min_soc=min_soc,
        max_soc=max_soc,
        max_charge_w=draw(optional_watts),
        max_discharge_w=draw(optional_watts),
        power_factor=draw(st.sampled_from([1.0, 1.0, 0.95, -0.9, 0.8])),
        fault=draw(st.sampled_from([None] * 8 + [37, 10])),
        grid_lost=draw(st.sampled_from([False] * 6 + [True])),
    )


def local_midnights(environment: Environment, start: float, end: float) -> list[float]:
    """Epoch seconds of the local midnights in (start, end], computed with datetime."""
    zone = timezone(timedelta(hours=environment.utc_offset_hours))
    day = datetime.fromtimestamp(start, zone).date()
    result = []
    while True:
        day = day + timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
        if moment > end:
            return result
        result.append(moment)


def local_date(environment: Environment, t: float) -> date:
    return datetime.fromtimestamp(t, timezone(timedelta(hours=environment.utc_offset_hours))).date()
