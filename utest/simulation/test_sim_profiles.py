"""Load and time-series profiles: deterministic per (seed, time), interpolation, validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.simulation import profiles
from SungrowMockLibrary.simulation.profiles import Constant, HouseLoad, TimeSeriesProfile, as_profile

from .sim_strategies import time_series

local_times = st.floats(-1e6, 3e9)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**40), st.lists(local_times, min_size=1, max_size=20))
def test_house_load_depends_only_on_seed_and_time(seed, times):
    forward = [HouseLoad(seed=seed).at(t) for t in times]
    profiles._slot_noise.cache_clear()
    backward = [HouseLoad(seed=seed).at(t) for t in reversed(times)]
    assert forward == backward[::-1]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**31), local_times, st.floats(0.0, 1.0))
def test_house_load_stays_within_its_variation(seed, t, variation):
    load = HouseLoad(seed=seed, variation=variation)
    shape = load.shape(t)
    assert shape >= load.base_w
    assert shape * (1 - variation) - 1e-9 <= load.at(t) <= shape * (1 + variation) + 1e-9
    assert load.at(t) >= 0.0


def test_house_load_has_peaks_and_depends_on_seed():
    load = HouseLoad(seed=1, variation=0.0)
    hour = 3600.0
    assert load.at(19 * hour) > load.at(7.25 * hour) > load.at(3 * hour)
    assert load.at(19 * hour) > 1500.0 and load.at(3 * hour) < 400.0
    a = [HouseLoad(seed=1).at(t * 900.0) for t in range(96)]
    b = [HouseLoad(seed=2).at(t * 900.0) for t in range(96)]
    assert a != b


def test_house_load_is_continuous_at_midnight_and_between_slots():
    load = HouseLoad(seed=5)
    for t in (86400.0 * 20000, 86400.0 * 20000 + 900.0):
        assert abs(load.at(t - 1e-3) - load.at(t + 1e-3)) < 0.1


def test_time_series_interpolates_linearly():
    series = TimeSeriesProfile.from_points([(0, 0.0), (3600, 100.0), (7200, 50.0)], wrap=False)
    assert series.at(0) == 0.0
    assert series.at(1800) == 50.0
    assert series.at(3600) == 100.0
    assert series.at(5400) == 75.0
    assert series.at(50000) == 50.0  # holds the last value
    assert series.at(86400 * 3 + 1800) == 50.0  # repeats every day


def test_time_series_wraps_around_midnight():
    series = TimeSeriesProfile.from_points([(21600, 0.0), (64800, 1000.0)])
    assert series.at(43200) == 500.0
    assert series.at(0) == 500.0  # halfway from 18:00 to 06:00 of the next day
    assert series.at(86400 - 1e-6) == pytest.approx(500.0, abs=1e-3)
    held = TimeSeriesProfile.from_points([(21600, 0.0), (64800, 1000.0)], wrap=False)
    assert held.at(0) == 0.0 and held.at(80000) == 1000.0


@settings(max_examples=200, deadline=None)
@given(time_series(1000.0), local_times)
def test_time_series_stays_between_its_points(series, t):
    values = [v for _, v in series.points]
    assert min(values) - 1e-9 <= series.at(t) <= max(values) + 1e-9
    for second, value in series.points:
        assert math.isclose(series.at(second), value, abs_tol=1e-9)


@pytest.mark.parametrize(
    "points, message",
    [
        ([], "at least one"),
        ([(0, 1.0), (0, 2.0)], "point 1: seconds must increase"),
        ([(100, 1.0), (50, 2.0)], "point 1: seconds must increase"),
        ([(86400, 1.0)], "point 0: second of day"),
        ([(-1, 1.0)], "point 0: second of day"),
        ([(0, float("nan"))], "point 0: value"),
        ([(0, 1.0), ("x", 2.0)], "point 1: expected"),
        ([(0, 1.0, 2.0)], "point 0: expected"),
    ],
)
def test_time_series_rejects_malformed_points(points, message):
    with pytest.raises(ValueError, match=message):
        TimeSeriesProfile.from_points(points)


def test_constant_and_as_profile():
    default = HouseLoad()
    assert as_profile(None, default) is default
    assert as_profile(1500, default) == Constant(1500.0)
    assert as_profile(1500.0, default).at(123456.0) == 1500.0
    series = TimeSeriesProfile(((0.0, 1.0),))
    assert as_profile(series, default) is series
    with pytest.raises(TypeError):
        as_profile("1500", default)
    with pytest.raises(ValueError):
        Constant(float("inf"))
    with pytest.raises(ValueError, match="variation"):
        HouseLoad(variation=1.5)
    with pytest.raises(ValueError, match="base_w"):
        HouseLoad(base_w=-1.0)
