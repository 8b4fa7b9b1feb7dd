"""A fleet's plan: which inverter is where, of which model, with which plant. Pure: no sockets.

The spread is drawn from one seeded generator, inverter by inverter, so the same seed gives the
same fleet: models drawn from the fleet's list, a PV array of 0.9-1.4 times the model's nominal
power (string inverters and hybrids alike are often oversized), a house load profile of its own
(the simulation's load seed) and, with a battery, a state of charge of 20-90 % when its day
began (the simulation integrates each day from local midnight). Serials are
``F``, three digits of the seed's and the inverter's number (``F417000001``): ten characters as
every client reads them, distinct within a fleet, stable for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..device import catalogue
from ..transports.paths import dongle_devices
from ..vocabulary import UNIT_IDS, FleetLayout

PV_PEAK_RATIO = (0.9, 1.4)  # PV peak power / nominal AC power
SOC_RANGE = (0.2, 0.9)  # the batteries' state of charge at start, fractions
SERIAL_PREFIX = "F"
UNITS_PER_PORT = UNIT_IDS[1] - UNIT_IDS[0] + 1  # every unit id an inverter may have


@dataclass(frozen=True)
class InverterPlan:
    """One inverter of a fleet: its alias, model, serial, unit id, the mock that serves it
    (``group``, from 0) and its plant (PV peak power as a ratio of nominal, load seed, SOC)."""

    number: int  # 1-based, in the fleet
    alias: str
    model: str
    serial: str
    unit_id: int
    group: int
    pv_peak_ratio: float
    load_seed: int
    soc: float | None


@dataclass(frozen=True)
class FleetPlan:
    """Every inverter of a fleet, and the mocks (groups) that serve them, in order."""

    layout: FleetLayout
    inverters: tuple[InverterPlan, ...]
    groups: tuple[tuple[InverterPlan, ...], ...]


def per_mock(layout: FleetLayout) -> int:
    """How many inverters one mock serves on ``layout``: 247 unit ids, one, or a dongle's bus."""
    if layout is FleetLayout.units:
        return UNITS_PER_PORT
    if layout is FleetLayout.dongle:
        return dongle_devices()
    return 1


def plan_fleet(count: int, layout: FleetLayout, models: tuple[str, ...], seed: int, alias_prefix: str) -> FleetPlan:
    """The plan of ``count`` inverters on ``layout`` drawn from ``models`` with ``seed``."""
    rng = random.Random(seed)
    tag = rng.randrange(1000)
    size = per_mock(layout)
    batteries = {name: catalogue.model(name).battery for name in models}
    inverters = []
    for index in range(count):
        group, slot = divmod(index, size)
        # Every draw happens for every inverter, so that one's model never shifts another's plant.
        model = rng.choice(models)
        ratio = round(rng.uniform(*PV_PEAK_RATIO), 2)
        load_seed = rng.randrange(1 << 31)
        soc = round(rng.uniform(*SOC_RANGE), 2)
        inverters.append(
            InverterPlan(
                number=index + 1,
                alias=f"{alias_prefix}{index + 1}",
                model=model,
                serial=f"{SERIAL_PREFIX}{tag:03d}{index + 1:06d}",
                unit_id=UNIT_IDS[0] + slot,
                group=group,
                pv_peak_ratio=ratio,
                load_seed=load_seed,
                soc=soc if batteries[model] else None,
            )
        )
    groups: list[list[InverterPlan]] = []
    for inverter in inverters:
        if inverter.group == len(groups):
            groups.append([])
        groups[-1].append(inverter)
    return FleetPlan(layout, tuple(inverters), tuple(tuple(g) for g in groups))
