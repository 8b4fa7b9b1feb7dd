"""Keywords that control simulated time and which registers the simulation drives."""

from __future__ import annotations

from robot.utils import timestr_to_secs
from robotlibcore import keyword

from ..keyword_types import Table
from .context import LibraryContext


class SimulationKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def get_mock_time(self, alias: str | None = None) -> str:
        """Returns the mock's simulated local time as ISO 8601 (``2026-06-21T12:00:00``).

        This is the time the inverter's clock registers (holding 5000-5005) show.

        Example:
        | Start Mock Sungrow | SG10RT | start_time=2026-06-21T12:00:00 | clock_speed=0 |
        | ${now} = | Get Mock Time |
        | Should Be Equal | ${now} | 2026-06-21T12:00:00 |

        See also `Set Mock Time`, `Advance Mock Clock`, `Set Clock Speed`.
        """
        return self.ctx.fleet.get(alias).get_time()

    @keyword
    def set_mock_time(self, moment: str, alias: str | None = None) -> str:
        """Sets the simulated local time and returns the previous one (ISO 8601).

        The clock keeps its speed: it runs on from ``moment`` (or stays there when frozen with
        `Set Clock Speed` 0). Clients writing the clock registers move it the same way.

        Example:
        | Set Mock Time | 2026-06-21T11:59:00 |
        """
        return self.ctx.fleet.get(alias).set_time(moment)

    @keyword
    def advance_mock_clock(self, duration: str, alias: str | None = None) -> str:
        """Moves the simulated clock forward by ``duration`` and returns the new time.

        ``duration`` is a Robot Framework time string (``90 s``, ``1 hour 30 min``, ``1d``) or a
        number of seconds. Works whether the clock runs or is frozen.

        Example:
        | Set Clock Speed | 0 |
        | ${now} = | Advance Mock Clock | 1 hour |
        """
        return self.ctx.fleet.get(alias).advance_clock(timestr_to_secs(duration))

    @keyword
    def set_clock_speed(self, speed: float, alias: str | None = None) -> float:
        """Runs the simulated clock ``speed`` times as fast as real time and returns the previous speed.

        ``1`` is real time (the default), ``60`` makes a simulated hour pass in a real minute,
        ``0`` freezes the clock (move it with `Advance Mock Clock`).

        Example:
        | Set Clock Speed | 60 |
        | ${previous} = | Set Clock Speed | 0 |

        See also `Get Mock Time`, `Set Mock Time`.
        """
        return self.ctx.fleet.get(alias).set_clock_speed(speed)

    @keyword
    def set_irradiance(self, watts_per_m2: float | None, unit_id: int | None = None, alias: str | None = None) -> None:
        """Holds the irradiance on the panels at ``watts_per_m2`` (0..1500); ``None`` returns to the clear-sky day.

        PV power, MPPT currents, AC power, export and the energy counters follow from the next
        read on. Needs a mock started with ``simulate=True``.

        Example:
        | Set Irradiance | 800 |
        | Set Irradiance | ${None} |
        """
        self.ctx.fleet.get(alias).set_irradiance(watts_per_m2, unit_id)

    @keyword
    def set_house_load(self, watts: float | None, unit_id: int | None = None, alias: str | None = None) -> None:
        """Holds the house's consumption at ``watts``; ``None`` returns to the daily load profile.

        Load is served by PV first, then the battery (hybrids), then the grid.

        Example:
        | Set House Load | 3000 |
        | Set House Load | ${None} |

        See also `Set Irradiance`, `Set Battery SOC`, `Load Scenario`.
        """
        self.ctx.fleet.get(alias).set_house_load(watts, unit_id)

    @keyword
    def set_battery_soc(self, percent: float, unit_id: int | None = None, alias: str | None = None) -> None:
        """Sets the battery's state of charge (0..100 %); it charges and discharges on from there.

        Example:
        | Start Mock Sungrow | SH10RT | clock_speed=0 |
        | Set Battery SOC | 50 |
        | ${soc} = | Get Inverter Value | battery_level |

        See also `Set House Load`, `Set Irradiance`, `Load Scenario`.
        """
        self.ctx.fleet.get(alias).set_battery_soc(percent, unit_id)

    @keyword
    def load_scenario(self, path: str, unit_id: int | None = None, alias: str | None = None) -> None:
        """Applies a scenario file to a simulated mock: site, clock, battery, irradiance, load, registers.

        The file is TOML; every section and field is optional:
        | [site]
        | latitude = 48.1
        | seed = 3
        | [clock]
        | start_time = "2026-06-21T04:00:00"
        | speed = 600
        | [battery]
        | soc = 40
        | [irradiance]
        | points = [["06:00", 0], ["12:00", 900], ["18:00", 0]]
        | [load]
        | value = 1200
        | [registers]
        | ems_mode = "forced"

        ``irradiance`` (W/m2) and ``load`` (W) take a constant ``value`` or ``points`` over the
        day (linear in between). ``registers`` are set as with `Set Inverter Value` (pinned).
        A bad file fails naming the line and the field.

        Example:
        | Start Mock Sungrow | SH10RT | simulate=True |
        | Load Scenario | ${CURDIR}/sunny_day.toml |

        See also `Set Mock Time`, `Set Clock Speed`, `Set Battery SOC`, `Set Irradiance`,
        `Set House Load`.
        """
        self.ctx.fleet.get(alias).load_scenario(path, unit_id)

    @keyword
    def set_inverter_state(
        self, state: str, fault_code: int = 38, unit_id: int | None = None, alias: str | None = None
    ) -> None:
        """Puts the simulated inverter in ``running``, ``stopped``, ``fault`` or ``grid_lost``.

        ``stopped`` writes the stop command to the start/stop register, as a client would;
        ``running`` writes start and clears a fault or grid loss. ``fault`` stops production
        with ``fault_code`` and the fault work state; ``grid_lost`` takes the grid away (a
        hybrid runs off-grid, a string inverter faults). Running, work and system state
        registers follow.

        Example:
        | Set Inverter State | stopped |
        | Set Inverter State | fault | fault_code=38 |
        """
        self.ctx.fleet.get(alias).set_inverter_state(state, fault_code, unit_id)

    @keyword
    def release_register(
        self, register: str, table: Table = None, unit_id: int | None = None, alias: str | None = None
    ) -> bool:
        """Lets the simulation drive a register again after `Set Register` or `Set Inverter Value` pinned it.

        Returns whether the register was pinned. Arguments as in `Set Register`.

        Example:
        | Set Inverter Value | battery_level | 80 |
        | ${was_pinned} = | Release Register | battery_level |
        | Release Register | 5003 | table=input |

        See also `Release All Registers`.
        """
        return self.ctx.fleet.get(alias).release_register(register, table.value if table else None, unit_id)

    @keyword
    def release_all_registers(self, unit_id: int | None = None, alias: str | None = None) -> int:
        """Releases every register pinned on an inverter and returns how many were pinned.

        Example:
        | ${count} = | Release All Registers |
        | Release All Registers | unit_id=2 |

        See also `Release Register`, `Set Register`, `Set Inverter Value`.
        """
        return self.ctx.fleet.get(alias).release_all_registers(unit_id)
