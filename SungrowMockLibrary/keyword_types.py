"""Public argument and return types of the keywords (Libdoc documents them).

The choices themselves (doors, tables, scopes, states, firmware) are the package's one vocabulary
(:mod:`.vocabulary`); fault kinds come from the fault table. This module adds what only the
keywords need.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict

from .vocabulary import Door, Endpoint, Firmware, FleetLayout, InverterState, ModbusPath, Scope, Table

__all__ = [
    "Door", "Endpoint", "EndpointPart", "Endpoints", "FaultStatistics", "Firmware", "FleetInverter", "FleetLayout",
    "InverterState", "ModbusPath", "Scope", "Table",
]


class EndpointPart(StrEnum):
    """Which part of an endpoint to return: ``address`` (``HOST:PORT``), ``host`` or ``port`` (an integer)."""

    address = "address"
    host = "host"
    port = "port"


class Endpoints(TypedDict, total=False):
    """Open endpoints of a mock, each as ``HOST:PORT``."""

    modbus: str
    encrypted: str
    winet_ws: str
    winet_http: str


class FleetInverter(TypedDict):
    """One inverter of a fleet, as `Start Mock Sungrow Fleet` returns it: ``alias`` (what keywords
    take as ``alias``), ``model``, ``serial``, ``unit_id`` (its Modbus unit id and WiNet ``dev_id``)
    and ``endpoints`` (its mock's, as `Get Mock Sungrow Endpoints` returns them)."""

    alias: str
    model: str
    serial: str
    unit_id: int
    endpoints: Endpoints


class FaultStatistics(TypedDict):
    """An injected fault and what it did, as `Get Fault Statistics` returns it.

    ``id``, ``kind``, ``params`` (the kind's parameters, times in seconds), ``target`` (the
    target keys given), ``dose`` (``times``, ``after``, ``probability``, ``seed``, ``duration``),
    ``scope``, ``created`` (monotonic seconds), ``matched`` (requests its target matched while
    active), ``triggered`` (times it was applied), ``active`` (whether it can still fire) and
    ``description`` (one line of text).
    """

    id: int
    kind: str
    params: dict
    target: dict
    dose: dict
    scope: str
    created: float
    matched: int
    triggered: int
    active: bool
    description: str
