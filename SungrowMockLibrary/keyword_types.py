"""Public argument and return types of the keywords (Libdoc documents them)."""

from __future__ import annotations

from enum import Enum
from typing import TypedDict


class Table(Enum):
    """Which register table: ``input`` (function 04) or ``holding`` (function 03, 06, 16)."""

    input = "input"
    holding = "holding"


class Endpoint(Enum):
    """An endpoint of a mock: ``modbus`` (plain Modbus TCP), ``encrypted`` (Sungrow's AES Modbus TCP),
    ``winet_ws`` (the WiNet-S WebSocket) or ``winet_http`` (the WiNet-S HTTP API)."""

    modbus = "modbus"
    encrypted = "encrypted"
    winet_ws = "winet_ws"
    winet_http = "winet_http"


class Firmware(Enum):
    """WiNet-S firmware profile.

    - ``legacy``: WebSocket (standard port 8082) and HTTP (80), no login.
    - ``login``: the same ports; every service but ``connect`` answers 401 until ``login``.
    - ``tls``: WSS and HTTPS on one port (443) with a self-signed certificate; login required.
    """

    legacy = "legacy"
    login = "login"
    tls = "tls"


class EndpointPart(Enum):
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
