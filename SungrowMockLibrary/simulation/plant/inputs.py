"""What the plant's behaviour is decided from: what it is, what it is asked, where it stands.

:class:`PlantSpec` (ratings, PV array, battery), :class:`Controls` (what the control registers
ask for), :class:`Environment` (place, time zone, sun, house load, weather) and the integration
step together make the :class:`PlantInputs` that :mod:`.integration` decides powers from.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ...device import battery
from .. import sun
from ..clock import DAY_S, to_datetime
from ..profiles import Constant, HouseLoad, Profile, as_profile

# EMS modes (labels of the register catalogue's ems_mode) in which the battery follows the forced
# charge/discharge command; in every other mode, microgrid and unknown codes included, it serves
# the house first (self-consumption).
COMMANDED_EMS_MODES = frozenset({"forced", "external", "vpp"})
SELF_CONSUMPTION = "self-consumption"

DEFAULT_EFFICIENCY = (
    (0.0, 0.80),
    (0.05, 0.92),
    (0.1, 0.95),
    (0.2, 0.97),
    (0.5, 0.978),
    (1.0, 0.975),
    (1.2, 0.972),
)
"""Conversion efficiency (AC / DC) against DC power as a fraction of nominal AC power."""


@dataclass(frozen=True)
class PlantSpec:
    """What the plant is: inverter ratings, PV array and battery.

    ``None`` fields take defaults derived from the others in ``__post_init__``: PV peak 1.2 ×
    nominal, battery 9.6 kWh and battery power = nominal for models with a battery, string MPP
    voltage 600 V (three-phase) or 360 V (single-phase).
    """

    name: str
    nominal_ac_w: float
    phases: int = 3
    mppts: int = 2
    strings_per_mppt: tuple[int, ...] = (1, 1)
    has_battery: bool = False
    pv_peak_w: float | None = None
    battery_capacity_wh: float | None = None
    battery_nominal_v: float = 192.0
    battery_max_power_w: float | None = None
    battery_efficiency: float = 0.96
    efficiency_curve: tuple[tuple[float, float], ...] = DEFAULT_EFFICIENCY
    string_vmp_v: float | None = None
    temperature_rise_c: float = 25.0
    thermal_time_constant_s: float = 900.0
    battery_thermal_time_constant_s: float = 3600.0

    def __post_init__(self) -> None:
        def fail(message: str):
            raise ValueError(f"plant {self.name}: {message}")

        if not (math.isfinite(self.nominal_ac_w) and self.nominal_ac_w > 0):
            fail(f"nominal AC power must be > 0 W, got {self.nominal_ac_w!r}")
        if self.phases not in (1, 3):
            fail(f"phases must be 1 or 3, got {self.phases!r}")
        strings = tuple(int(n) for n in self.strings_per_mppt)
        if self.mppts < 1 or len(strings) != self.mppts or any(n < 1 for n in strings):
            fail(f"{self.mppts} MPPTs need as many string counts >= 1, got {self.strings_per_mppt!r}")
        object.__setattr__(self, "strings_per_mppt", strings)
        defaults = {
            "pv_peak_w": 1.2 * self.nominal_ac_w,
            "battery_capacity_wh": 9600.0 if self.has_battery else 0.0,
            "battery_max_power_w": self.nominal_ac_w if self.has_battery else 0.0,
            "string_vmp_v": 600.0 if self.phases == 3 else 360.0,
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        for name in ("pv_peak_w", "battery_capacity_wh", "battery_max_power_w"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                fail(f"{name} must be a finite number >= 0, got {value!r}")
        for name in ("battery_nominal_v", "string_vmp_v", "thermal_time_constant_s", "battery_thermal_time_constant_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                fail(f"{name} must be > 0, got {value!r}")
        if not 0.0 < self.battery_efficiency <= 1.0:
            fail(f"battery efficiency must be within (0, 1], got {self.battery_efficiency!r}")
        curve = tuple((float(x), float(e)) for x, e in self.efficiency_curve)
        if not curve or curve[0][0] != 0.0:
            fail("the efficiency curve must start at DC fraction 0.0")
        for (x0, e0), (x1, e1) in itertools.pairwise(curve):
            if x1 <= x0:
                fail("efficiency curve fractions must increase strictly")
            slope = (e1 - e0) / (x1 - x0)
            # AC = DC × eff(DC) must increase with DC: its derivative e + slope × x is linear per segment
            if e0 + slope * x0 <= 0 or e1 + slope * x1 <= 0:
                fail(f"efficiency curve makes AC power fall with rising DC power between {x0:g} and {x1:g}")
        if any(not 0.0 < e < 1.0 for _, e in curve):
            fail("efficiencies must be within (0, 1)")
        object.__setattr__(self, "efficiency_curve", curve)

    @classmethod
    def from_model(cls, model, **overrides) -> PlantSpec:
        """A spec from a catalogue ``Model`` (``SungrowMockLibrary.device.catalogue.model(name)``)."""
        values = {
            "name": model.name,
            "nominal_ac_w": float(model.nominal_power_kw) * 1000.0,
            "phases": int(model.phases),
            "mppts": int(model.mppts),
            "strings_per_mppt": tuple(model.strings_per_mppt),
            "has_battery": bool(model.battery),
        }
        if model.battery:  # the SBR pack beside the hybrid is its battery (device/data/battery.toml)
            the_pack = battery.pack()
            values["battery_capacity_wh"] = the_pack.capacity_kwh * 1000.0
            values["battery_nominal_v"] = the_pack.nominal_voltage_v
        values.update(overrides)
        return cls(**values)

    @property
    def battery_usable(self) -> bool:
        return self.has_battery and self.battery_capacity_wh > 0 and self.battery_max_power_w > 0

    def efficiency(self, dc_w: float) -> float:
        """AC/DC conversion efficiency at ``dc_w`` of DC power."""
        x = max(0.0, dc_w) / self.nominal_ac_w
        curve = self.efficiency_curve
        if x >= curve[-1][0]:
            return curve[-1][1]
        for (x0, e0), (x1, e1) in itertools.pairwise(curve):
            if x < x1:
                return e0 + (e1 - e0) * (x - x0) / (x1 - x0)
        return curve[-1][1]  # pragma: no cover

    def ac_from_dc(self, dc_w: float) -> float:
        """AC-equivalent power converted from ``dc_w``."""
        return max(0.0, dc_w) * self.efficiency(dc_w)

    def dc_for_ac(self, ac_w: float) -> float:
        """The DC power that converts to ``ac_w`` (inverse of :meth:`ac_from_dc`)."""
        y = max(0.0, ac_w) / self.nominal_ac_w
        if y == 0.0:
            return 0.0
        curve = self.efficiency_curve
        for (x0, e0), (x1, e1) in itertools.pairwise(curve):
            if y <= x1 * e1:
                slope = (e1 - e0) / (x1 - x0)
                # x × (e0 + slope × (x − x0)) = y  →  slope x² + b x − y = 0
                b = e0 - slope * x0
                x = 2.0 * y / (b + math.sqrt(b * b + 4.0 * slope * y))
                return min(max(x, x0), x1) * self.nominal_ac_w
        return y / curve[-1][1] * self.nominal_ac_w


@dataclass(frozen=True)
class Controls:
    """What the control registers ask for (engineering units; SOC as fractions).

    ``None`` limits are off. ``ems_mode`` and ``forced_command`` are the catalogue's labels of
    the EMS mode and forced-command registers: the modes in :data:`COMMANDED_EMS_MODES` follow
    the ``charge`` or ``discharge`` command (any other command stops the battery); every other
    mode is self-consumption. A ``fault`` code makes the inverter produce nothing; ``grid_lost``
    islands the plant: a hybrid runs off-grid from PV and battery, a string inverter stops with
    fault 10 (grid power outage). ``derate`` caps AC power at that fraction of nominal and heats
    the inverter (over-temperature derating); a ``battery_fault`` code takes the battery out.
    """

    running: bool = True
    active_power_limit_w: float | None = None
    export_limit_w: float | None = None
    ems_mode: str = SELF_CONSUMPTION
    forced_command: str = "stop"
    forced_power_w: float = 1000.0
    min_soc: float = 0.10
    max_soc: float = 1.0
    max_charge_w: float | None = None
    max_discharge_w: float | None = None
    power_factor: float = 1.0
    fault: int | None = None
    grid_lost: bool = False
    derate: float | None = None
    battery_fault: int | None = None

    def __post_init__(self) -> None:
        if self.derate is not None and not 0.0 <= self.derate <= 1.0:
            raise ValueError(f"derate must be a fraction of nominal power within 0..1, got {self.derate!r}")
        for name in ("active_power_limit_w", "export_limit_w", "max_charge_w", "max_discharge_w", "forced_power_w"):
            value = getattr(self, name)
            if value is not None and not (value >= 0 and not math.isnan(value)):
                raise ValueError(f"{name} must be >= 0 W (or None for no limit), got {value!r}")
        if not 0.0 <= self.min_soc <= self.max_soc <= 1.0:
            raise ValueError(
                f"SOC limits must satisfy 0 <= min_soc <= max_soc <= 1, got min {self.min_soc!r}, max {self.max_soc!r}"
            )
        if not (0.0 < abs(self.power_factor) <= 1.0):
            raise ValueError(f"power factor must be within -1..1 and not 0, got {self.power_factor!r}")


@dataclass(frozen=True)
class Environment:
    """The plant's surroundings: place, local time zone, sun, house load, weather, seed.

    ``irradiance`` / ``load`` / ``ambient_c``: a number overrides (constant), a
    :class:`~.profiles.Profile` gives a time profile (evaluated at local time); ``None`` means the
    clear-sky sun of :mod:`.sun` and a :class:`~.profiles.HouseLoad` with this ``seed``. See
    :mod:`.sun` on ``longitude`` (default 0) and the UTC offset.
    """

    latitude: float = 50.0
    longitude: float = 0.0
    utc_offset_hours: float = 0.0
    irradiance: float | Profile | None = None
    load: float | Profile | None = None
    ambient_c: float | Profile = 20.0
    seed: int = 0
    grid_voltage_v: float = 230.0
    grid_frequency_hz: float = 50.0

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude <= 90.0:
            raise ValueError(f"latitude must be within -90..90 degrees, got {self.latitude!r}")
        if not -180.0 <= self.longitude <= 180.0:
            raise ValueError(f"longitude must be within -180..180 degrees, got {self.longitude!r}")
        if not -14.0 <= self.utc_offset_hours <= 14.0:
            raise ValueError(f"UTC offset must be within -14..14 hours, got {self.utc_offset_hours!r}")
        for name in ("irradiance", "load"):
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} override must be a finite number >= 0, got {value!r}")
        for name in ("grid_voltage_v", "grid_frequency_hz"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        as_profile(self.irradiance, Constant(0.0))  # type checks
        as_profile(self.load, Constant(0.0))
        as_profile(self.ambient_c, Constant(0.0))

    # -- local time ---------------------------------------------------------------------------

    def local_time(self, t: float) -> float:
        """Seconds since 1970-01-01 00:00 *local* clock time."""
        return t + self.utc_offset_hours * 3600.0

    def local_date(self, t: float) -> date:
        return to_datetime(self.local_time(t)).date()

    def local_midnight(self, t: float) -> float:
        """Epoch seconds of the local midnight that starts the local day of ``t``."""
        return math.floor(self.local_time(t) / DAY_S) * DAY_S - self.utc_offset_hours * 3600.0

    # -- inputs -------------------------------------------------------------------------------

    def irradiance_at(self, t: float) -> float:
        if self.irradiance is None:
            return sun.clear_sky_irradiance(t, self.latitude, self.longitude)
        return max(0.0, as_profile(self.irradiance, Constant(0.0)).at(self.local_time(t)))

    def load_at(self, t: float) -> float:
        return max(0.0, as_profile(self.load, HouseLoad(seed=self.seed)).at(self.local_time(t)))

    def ambient_at(self, t: float) -> float:
        return as_profile(self.ambient_c, Constant(20.0)).at(self.local_time(t))


class PlantInputs(NamedTuple):
    """Everything a decision of the plant's powers depends on; equal inputs decide equal powers,
    so :func:`~.integration.advance` decides afresh only when they change."""

    spec: PlantSpec
    controls: Controls
    environment: Environment
    step: float  # seconds: the length of a cell (see :mod:`.integration`)
