"""Clear-sky irradiance on the PV panel plane: pure, deterministic functions of time and place.

Times are epoch seconds (UTC). The sun's position depends only on UTC and the longitude; the
UTC offset matters for local *clock* time (and so for the local date and midnight), which is why
:func:`clear_sky_irradiance_local` takes both.

Simplifications (good enough for a mock, not for yield assessment):

* ``longitude`` defaults to 0. With the default UTC offset 0 as well, local clock time equals
  UTC equals mean solar time, so the sun peaks near 12:00 local (± the equation of time, up to
  ±16 min). If you set a UTC offset without a longitude, the sun still peaks near 12:00 *UTC*,
  i.e. at ``12 + utc_offset_hours`` local; pass the real longitude (or ``15 × utc_offset_hours``,
  the centre of the time zone) to move solar noon to about 12:00 local.
* Declination from Cooper's formula, equation of time from Spencer's series, no refraction.
* The panel faces the equator, tilted at the latitude (a classic fixed installation), so the
  beam's incidence cosine is ``cos(declination) × cos(hour angle)``.
* Direct normal irradiance from Meinel's air-mass model ``1361 × e0 × 0.7 ^ (AM ^ 0.678)`` with
  Kasten-Young air mass and the orbital eccentricity factor ``e0``; sky diffuse light is 10 % of
  the direct normal irradiance, isotropic, scaled by the tilt's sky view factor; no ground
  reflection. The result is 0 when the sun is below the horizon, > 0 whenever it is above, and
  about 950–1050 W/m² at high sun.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .clock import DAY_S, to_datetime

SOLAR_CONSTANT_W_M2 = 1361.0
DIFFUSE_FRACTION = 0.1


@dataclass(frozen=True)
class SolarPosition:
    """Where the sun is, in degrees; ``day_of_year`` and ``solar_hours`` are apparent solar time."""

    day_of_year: int
    solar_hours: float
    declination: float
    hour_angle: float
    elevation: float

    @property
    def zenith(self) -> float:
        return 90.0 - self.elevation


def declination(day_of_year: float) -> float:
    """Solar declination in degrees (Cooper): +23.45 at the June solstice, −23.45 in December."""
    return 23.45 * math.sin(2.0 * math.pi * (284.0 + day_of_year) / 365.0)


def equation_of_time(day_of_year: float) -> float:
    """Apparent minus mean solar time, in minutes (Spencer)."""
    b = 2.0 * math.pi * (day_of_year - 1.0) / 365.0
    return 229.18 * (
        0.000075
        + 0.001868 * math.cos(b)
        - 0.032077 * math.sin(b)
        - 0.014615 * math.cos(2.0 * b)
        - 0.040849 * math.sin(2.0 * b)
    )


def hour_angle(solar_hours: float) -> float:
    """Degrees from solar noon, negative in the morning."""
    return 15.0 * (solar_hours - 12.0)


def elevation(latitude: float, declination_deg: float, hour_angle_deg: float) -> float:
    """Sun elevation above the horizon in degrees."""
    phi, delta, omega = (math.radians(v) for v in (latitude, declination_deg, hour_angle_deg))
    sine = math.sin(phi) * math.sin(delta) + math.cos(phi) * math.cos(delta) * math.cos(omega)
    return math.degrees(math.asin(max(-1.0, min(1.0, sine))))


def air_mass(elevation_deg: float) -> float:
    """Relative optical air mass (Kasten-Young); infinite when the sun is below the horizon."""
    if elevation_deg <= 0.0:
        return math.inf
    return 1.0 / (math.sin(math.radians(elevation_deg)) + 0.50572 * (elevation_deg + 6.07995) ** -1.6364)


def solar_position(epoch_seconds: float, latitude: float, longitude: float = 0.0) -> SolarPosition:
    """The sun's position at an instant, seen from ``latitude``/``longitude`` (degrees, east positive)."""
    _check_place(latitude, longitude)
    mean_solar = float(epoch_seconds) + longitude / 15.0 * 3600.0
    days = math.floor(mean_solar / DAY_S)
    day_of_year = to_datetime(days * DAY_S).timetuple().tm_yday
    hours = (mean_solar - days * DAY_S) / 3600.0 + equation_of_time(day_of_year) / 60.0
    delta = declination(day_of_year)
    omega = hour_angle(hours)
    return SolarPosition(day_of_year, hours, delta, omega, elevation(latitude, delta, omega))


def plane_irradiance(day_of_year: float, solar_hours: float, latitude: float) -> float:
    """Clear-sky irradiance (W/m²) on an equator-facing panel tilted at ``latitude``.

    ``solar_hours`` is apparent solar time (12.0 = solar noon).
    """
    _check_place(latitude, 0.0)
    delta = declination(day_of_year)
    omega = hour_angle(solar_hours)
    sun_elevation = elevation(latitude, delta, omega)
    if sun_elevation <= 0.0:
        return 0.0
    eccentricity = 1.0 + 0.033 * math.cos(2.0 * math.pi * day_of_year / 365.0)
    direct_normal = SOLAR_CONSTANT_W_M2 * eccentricity * 0.7 ** (air_mass(sun_elevation) ** 0.678)
    incidence = max(0.0, math.cos(math.radians(delta)) * math.cos(math.radians(omega)))
    sky_view = (1.0 + math.cos(math.radians(latitude))) / 2.0
    return direct_normal * (incidence + DIFFUSE_FRACTION * sky_view)


def clear_sky_irradiance(epoch_seconds: float, latitude: float, longitude: float = 0.0) -> float:
    """Clear-sky irradiance (W/m²) on the panel plane at an instant (epoch seconds, UTC)."""
    position = solar_position(epoch_seconds, latitude, longitude)
    if position.elevation <= 0.0:
        return 0.0
    return plane_irradiance(position.day_of_year, position.solar_hours, latitude)


def local_to_epoch(local: datetime, utc_offset_hours: float = 0.0) -> float:
    """Epoch seconds of a naive local clock time in a zone ``utc_offset_hours`` ahead of UTC."""
    if local.tzinfo is not None:
        return local.timestamp()
    aware = local.replace(tzinfo=timezone(timedelta(hours=utc_offset_hours)))
    return aware.timestamp()


def clear_sky_irradiance_local(
    local: datetime, latitude: float, utc_offset_hours: float = 0.0, longitude: float = 0.0
) -> float:
    """Clear-sky irradiance for a local date and clock time (see the module notes on longitude)."""
    return clear_sky_irradiance(local_to_epoch(local, utc_offset_hours), latitude, longitude)


def _check_place(latitude: float, longitude: float) -> None:
    if not -90.0 <= latitude <= 90.0:
        raise ValueError(f"latitude must be within -90..90 degrees, got {latitude!r}")
    if not -180.0 <= longitude <= 180.0:
        raise ValueError(f"longitude must be within -180..180 degrees, got {longitude!r}")
