"""Fleets: many mock inverters in one process, on one event loop (docs/decisions.md, "Fleets").

:class:`MockSungrowFleet` is the Python API; :mod:`.plan` draws a fleet's inverters from its
models and seed, :mod:`.capacity` checks that the process can hold it, :mod:`.running` runs it.
"""

from .plan import FleetPlan, InverterPlan, per_mock, plan_fleet
from .running import PER_INVERTER, FleetInverter, MockSungrowFleet

__all__ = ["PER_INVERTER", "FleetInverter", "FleetPlan", "InverterPlan", "MockSungrowFleet", "per_mock", "plan_fleet"]
