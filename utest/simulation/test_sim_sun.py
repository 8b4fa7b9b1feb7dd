"""Clear-sky sun model: night is dark, high sun gives about 1000 W/m², everything is deterministic."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.simulation import sun

from .sim_strategies import epochs

latitudes = st.floats(-90.0, 90.0)
longitudes = st.floats(-180.0, 180.0)


def utc(*args) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


@settings(max_examples=300, deadline=None)
@given(epochs, latitudes, longitudes, st.floats(0.0, 86400.0))
def test_irradiance_is_zero_exactly_when_the_sun_is_down(epoch, latitude, longitude, offset):
    t = epoch + offset
    position = sun.solar_position(t, latitude, longitude)
    value = sun.clear_sky_irradiance(t, latitude, longitude)
    assert -90.0 <= position.elevation <= 90.0
    assert abs(position.declination) <= 23.45 + 1e-9
    if position.elevation <= 0.0:
        assert value == 0.0
    else:
        assert 0.0 < value <= 1100.0
    assert value == sun.clear_sky_irradiance(t, latitude, longitude)  # deterministic


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 365), st.floats(0.0, 6.0), latitudes)
def test_symmetric_about_solar_noon_and_highest_at_noon(day, hours, latitude):
    before = sun.plane_irradiance(day, 12.0 - hours, latitude)
    after = sun.plane_irradiance(day, 12.0 + hours, latitude)
    assert math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-9)
    # Kasten-Young's air mass has its minimum a hair below the zenith, so where the noon sun is
    # overhead the peak sits a few milliseconds off noon, higher by about a part in a billion.
    assert sun.plane_irradiance(day, 12.0, latitude) >= before * (1 - 1e-8)


@settings(max_examples=200, deadline=None)
@given(epochs, st.floats(-60.0, 60.0))
def test_solar_midnight_is_dark_below_the_polar_circles(epoch, latitude):
    day_start = math.floor(epoch / 86400.0) * 86400.0
    # apparent solar midnight at longitude 0 is 00:00 UTC minus the equation of time
    position = sun.solar_position(day_start, latitude)
    midnight = day_start - sun.equation_of_time(position.day_of_year) * 60.0
    assert sun.clear_sky_irradiance(midnight, latitude) == 0.0


def test_high_sun_gives_about_1000_w_per_m2():
    assert 950.0 <= sun.clear_sky_irradiance(utc(2024, 3, 20, 12, 7), 0.0) <= 1100.0
    assert 850.0 <= sun.clear_sky_irradiance(utc(2024, 6, 21, 12, 2), 48.0) <= 1050.0
    winter = sun.clear_sky_irradiance(utc(2024, 12, 21, 11, 58), 48.0)
    assert 300.0 <= winter < sun.clear_sky_irradiance(utc(2024, 6, 21, 12, 2), 48.0)


def test_declination_at_solstices_and_equinox():
    assert sun.declination(172) == pytest.approx(23.45, abs=0.1)
    assert sun.declination(355) == pytest.approx(-23.45, abs=0.1)
    assert abs(sun.declination(81)) < 1.0


def test_polar_night_and_midnight_sun():
    for hour in range(24):
        assert sun.clear_sky_irradiance(utc(2024, 12, 21, hour), 80.0) == 0.0
    assert sun.clear_sky_irradiance(utc(2024, 6, 21, 0), 80.0) > 0.0


def test_daily_course_rises_and_falls():
    values = [sun.clear_sky_irradiance(utc(2024, 6, 21, h), 48.0) for h in range(24)]
    assert values[0] == values[1] == values[23] == 0.0
    assert values.index(max(values)) == 12
    assert values[8] < values[10] < values[12] and values[16] < values[14] < values[12]


def test_longitude_shifts_solar_noon():
    # 15° east: the sun peaks an hour earlier in UTC
    east = [sun.clear_sky_irradiance(utc(2024, 6, 21, h), 48.0, 15.0) for h in range(24)]
    assert east.index(max(east)) == 11


def test_local_time_helper_uses_offset_and_longitude():
    local = datetime(2024, 6, 21, 13, 30)
    expected = sun.clear_sky_irradiance(utc(2024, 6, 21, 11, 30), 48.0, 15.0)
    assert sun.clear_sky_irradiance_local(local, 48.0, utc_offset_hours=2.0, longitude=15.0) == expected
    assert sun.local_to_epoch(local, 2.0) == utc(2024, 6, 21, 11, 30)


def test_air_mass():
    assert sun.air_mass(90.0) == pytest.approx(1.0, abs=0.01)
    assert sun.air_mass(30.0) == pytest.approx(2.0, abs=0.02)
    assert sun.air_mass(0.0) == math.inf


@pytest.mark.parametrize("latitude, longitude", [(91.0, 0.0), (-90.5, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_bad_place_is_rejected(latitude, longitude):
    with pytest.raises(ValueError, match="latitude|longitude"):
        sun.clear_sky_irradiance(0.0, latitude, longitude)
