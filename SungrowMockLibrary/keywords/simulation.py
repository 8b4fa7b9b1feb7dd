"""Keywords that control simulated time, the simulated plant and which registers the simulation drives."""

from __future__ import annotations

from datetime import timedelta

from robotlibcore import keyword

from ..keyword_types import InverterState, Scope, Table
from .context import LibraryContext


def _table(table: Table | None) -> str | None:
    return None if table is None else str(table)


class SimulationKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    # -- time: it evolves, no scope puts it back ---------------------------------------------------

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
        return self.ctx.registry.get(alias).get_time()

    @keyword
    def set_mock_time(self, moment: str, alias: str | None = None) -> str:
        """Sets the simulated local time and returns the previous one (ISO 8601).

        The clock keeps its speed: it runs on from ``moment`` (or stays there when frozen with
        `Set Clock Speed` 0). Clients writing the clock registers move it the same way.
        Simulated time evolves: the end of a test does not put it back. The clock shows the
        years its register takes, 2000 to 2099; a time outside them is refused.

        Example:
        | ${previous} = | Set Mock Time | 2026-06-21T11:59:00 |

        See also `Get Mock Time`, `Advance Mock Clock`.
        """
        return self.ctx.registry.get(alias).set_time(moment)

    @keyword
    def advance_mock_clock(self, duration: timedelta, alias: str | None = None) -> str:
        """Moves the simulated clock forward by ``duration`` and returns the new time.

        ``duration`` is a Robot Framework time (``90 s``, ``1 hour 30 min``, ``1d``) or a
        number of seconds. Works whether the clock runs or is frozen; like all simulated time,
        the end of a test does not put it back. A jump of any length is answered at once: past
        two days, the first day is simulated and the whole days after it repeat its energy.
        The clock cannot pass 2099-12-31T23:59:59 (the last time its register takes).

        Example:
        | Set Clock Speed | 0 |
        | ${now} = | Advance Mock Clock | 1 hour |

        See also `Get Mock Time`, `Set Mock Time`.
        """
        return self.ctx.registry.get(alias).advance_clock(duration)

    @keyword
    def get_clock_speed(self, alias: str | None = None) -> float:
        """Returns how many simulated seconds pass per real second (``0``: frozen).

        Example:
        | ${speed} = | Get Clock Speed |
        | Should Be Equal As Numbers | ${speed} | 1 |

        See also `Set Clock Speed`.
        """
        return self.ctx.registry.get(alias).get_clock_speed()

    @keyword
    def set_clock_speed(self, speed: float, scope: Scope = None, alias: str | None = None) -> float:
        """Runs the simulated clock ``speed`` times as fast as real time and returns the previous speed.

        ``1`` is real time (the default), ``60`` makes a simulated hour pass in a real minute,
        ``0`` freezes the clock (move it with `Advance Mock Clock`). The speed goes back when
        ``scope`` (`Scope`, default: the current test or suite) ends.

        Example:
        | Set Clock Speed | 60 |
        | ${previous} = | Set Clock Speed | 0 | scope=suite |

        See also `Get Clock Speed`, `Get Mock Time`, `Set Mock Time`.
        """
        return self.ctx.registry.get(alias).set_clock_speed(speed, scope)

    # -- the plant ---------------------------------------------------------------------------------

    @keyword
    def get_irradiance(self, unit_id: int | None = None, alias: str | None = None) -> float | None:
        """Returns the irradiance held by `Set Irradiance` (W/m2), or ``None`` when it follows the clear-sky day (or a scenario's profile).

        Example:
        | Set Irradiance | 800 |
        | ${held} = | Get Irradiance |
        | Should Be Equal As Numbers | ${held} | 800 |

        See also `Set Irradiance`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.get_irradiance(unit_id)

    @keyword
    def set_irradiance(
        self, watts_per_m2: float | None, unit_id: int | None = None, scope: Scope = None, alias: str | None = None
    ) -> float | None:
        """Holds the irradiance on the panels at ``watts_per_m2`` (0..1500) and returns the previous hold; ``None`` returns to the clear-sky day.

        PV power, MPPT currents, AC power, export and the energy counters follow from the next
        read on. Needs a mock started with ``simulate=True``. The hold ends with ``scope``
        (`Scope`, default: the current test or suite); ``unit_id`` picks one inverter (default:
        all of the mock's).

        Example:
        | Set Irradiance | 800 |
        | Set Irradiance | ${None} |
        | Set Irradiance | 200 | scope=suite |

        See also `Get Irradiance`, `Set House Load`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.set_irradiance(watts_per_m2, unit_id, scope)

    @keyword
    def get_house_load(self, unit_id: int | None = None, alias: str | None = None) -> float | None:
        """Returns the house load held by `Set House Load` (W), or ``None`` when it follows the daily load profile (or a scenario's).

        Example:
        | ${held} = | Get House Load |
        | Should Be Equal | ${held} | ${None} |

        See also `Set House Load`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.get_house_load(unit_id)

    @keyword
    def set_house_load(
        self, watts: float | None, unit_id: int | None = None, scope: Scope = None, alias: str | None = None
    ) -> float | None:
        """Holds the house's consumption at ``watts`` and returns the previous hold; ``None`` returns to the daily load profile.

        Load is served by PV first, then the battery (hybrids), then the grid. The hold ends
        with ``scope`` (`Scope`, default: the current test or suite).

        Example:
        | Set House Load | 3000 |
        | Set House Load | ${None} |

        See also `Get House Load`, `Set Irradiance`, `Set Battery SOC`, `Load Scenario`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.set_house_load(watts, unit_id, scope)

    @keyword
    def set_battery_soc(self, percent: float, unit_id: int | None = None, alias: str | None = None) -> float:
        """Sets the battery's state of charge (0..100 %) and returns the previous one; it charges and discharges on from there.

        The state of charge evolves: the end of a test does not put it back.

        Example:
        | Start Mock Sungrow | SH10RT | clock_speed=0 |
        | ${previous} = | Set Battery SOC | 50 |
        | ${soc} = | Get Inverter Value | battery_level |

        See also `Set House Load`, `Set Irradiance`, `Load Scenario`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.set_battery_soc(percent, unit_id)

    @keyword
    def load_scenario(
        self, path: str, unit_id: int | None = None, scope: Scope = None, alias: str | None = None
    ) -> None:
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
        A bad file fails naming the line and the field, and changes nothing. The site,
        irradiance, load, clock speed and registers go back when ``scope`` (`Scope`, default:
        the current test or suite) ends; the start time and the battery level are where the
        evolving clock and battery go on from. Through the control endpoint of ``sungrow-mock
        serve``, ``path`` is inside its data directory (``--data-dir``).

        Example:
        | Start Mock Sungrow | SH10RT | simulate=True |
        | Load Scenario | ${CURDIR}/sunny_day.toml |

        See also `Set Mock Time`, `Set Clock Speed`, `Set Battery SOC`, `Set Irradiance`,
        `Set House Load`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        mock.load_scenario(self.ctx.access.file(path, "scenario"), unit_id, scope)

    @keyword
    def get_inverter_state(self, unit_id: int | None = None, alias: str | None = None) -> InverterState:
        """Returns the simulated inverter's state as `Set Inverter State` sets it: ``running``, ``stopped``, ``fault`` or ``grid_lost``.

        ``stopped`` means the start/stop register holds the stop command, whoever wrote it.
        Injected device faults (`Inject Fault`) do not change this state.

        Example:
        | Set Inverter State | stopped |
        | ${state} = | Get Inverter State |
        | Should Be Equal | ${state} | stopped |

        See also `Set Inverter State`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.get_inverter_state(unit_id)

    @keyword
    def set_inverter_state(
        self,
        state: InverterState,
        fault_code: int = 38,
        unit_id: int | None = None,
        scope: Scope = None,
        alias: str | None = None,
    ) -> InverterState:
        """Puts the simulated inverter in a `InverterState` and returns the previous state.

        ``stopped`` writes the stop command to the start/stop register, as a client would;
        ``running`` writes start and clears a fault or grid loss. ``fault`` stops production
        with ``fault_code`` and the fault work state; ``grid_lost`` takes the grid away (a
        hybrid runs off-grid, a string inverter faults). Running, work and system state
        registers follow. The previous state comes back when ``scope`` (`Scope`, default: the
        current test or suite) ends.

        Example:
        | ${previous} = | Set Inverter State | stopped |
        | Set Inverter State | fault | fault_code=38 |

        See also `Get Inverter State`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.set_inverter_state(state, fault_code, unit_id, scope)

    # -- pins --------------------------------------------------------------------------------------

    @keyword
    def release_register(
        self,
        register: str,
        table: Table = None,
        unit_id: int | None = None,
        scope: Scope = None,
        alias: str | None = None,
    ) -> bool:
        """Lets the simulation drive a register again after `Set Register` or `Set Inverter Value` pinned it.

        Returns whether the register was pinned. Arguments as in `Set Register`. A pin made in
        a wider scope than ``scope`` (`Scope`, default: the current test or suite) comes back
        when ``scope`` ends.

        Example:
        | Set Inverter Value | battery_level | 80 |
        | ${was_pinned} = | Release Register | battery_level |
        | Release Register | 5003 | table=input |

        See also `Release All Registers`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.release_register(register, _table(table), unit_id, scope)

    @keyword
    def release_all_registers(self, unit_id: int | None = None, scope: Scope = None, alias: str | None = None) -> int:
        """Releases every register pinned on an inverter and returns how many were pinned.

        Example:
        | ${count} = | Release All Registers |
        | Add Inverter | SG5.0RS | 2 |
        | Release All Registers | unit_id=2 |

        See also `Release Register`, `Set Register`, `Set Inverter Value`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        return mock.release_all_registers(unit_id, scope)
