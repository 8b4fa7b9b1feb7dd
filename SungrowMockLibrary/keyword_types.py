"""Public argument and return types of the keywords (Libdoc documents them)."""

from __future__ import annotations

from enum import Enum
from typing import TypedDict


class Table(Enum):
    """Which register table: ``input`` (function 04) or ``holding`` (function 03, 06, 16)."""

    input = "input"
    holding = "holding"


class Door(Enum):
    """A way into the mock. ``modbus`` is plain Modbus TCP."""

    modbus = "modbus"


class EndpointPart(Enum):
    """Which part of an endpoint to return: ``address`` (``HOST:PORT``), ``host`` or ``port`` (an integer)."""

    address = "address"
    host = "host"
    port = "port"


class Endpoints(TypedDict, total=False):
    """Open doors of a mock, each as ``HOST:PORT``."""

    modbus: str
