"""The words every layer shares: doors, tables, function codes, limits, scopes, states.

Each protocol fact is defined here once and imported everywhere; the register-level facts
(which values a register allows, the start/stop and EMS codes) live in the register catalogue
(``device/data/registers.csv``) instead, so a write is checked against the same table the
simulation reads. This module imports nothing of the package: every layer may use it.

The choices are ``StrEnum``s whose members are named as users type them: a member equals its
text (``Door.modbus == "modbus"``), Robot converts keyword arguments to them by name, and Libdoc
and Robot's conversion errors list the names users type.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import ChoiceError


class Door(StrEnum):
    """A door of a mock: ``modbus`` (plain Modbus TCP), ``encrypted`` (Sungrow's AES Modbus TCP)
    or ``winet`` (the WiNet-S dongle's WebSocket + HTTP API)."""

    modbus = "modbus"
    encrypted = "encrypted"
    winet = "winet"


MODBUS_DOORS = (Door.modbus, Door.encrypted)


class Endpoint(StrEnum):
    """An endpoint of a mock: ``modbus``, ``encrypted``, ``winet_ws`` (the WiNet-S WebSocket) or
    ``winet_http`` (the WiNet-S HTTP API)."""

    modbus = "modbus"
    encrypted = "encrypted"
    winet_ws = "winet_ws"
    winet_http = "winet_http"


class Table(StrEnum):
    """A register table: ``input`` (function 04) or ``holding`` (functions 03, 06, 16)."""

    input = "input"
    holding = "holding"


class Firmware(StrEnum):
    """WiNet-S firmware profile.

    - ``legacy``: WebSocket (standard port 8082) and HTTP (80), no login.
    - ``login``: the same ports; every service but ``connect`` answers 401 until ``login``.
    - ``tls``: WSS and HTTPS on one port (443) with a self-signed certificate; login required.
    """

    legacy = "legacy"
    login = "login"
    tls = "tls"


class ModbusPath(StrEnum):
    """How Modbus clients reach a mock (PROTOCOLS §1.7, §1.8).

    - ``direct``: the inverter's own LAN port; an SBR battery answers on unit 200.
    - ``winet``: a WiNet-S dongle's Modbus TCP server (port 502 on the dongle): it refuses what
      it does not forward (the statistics block 6100-6826 among them), answers the rest from its
      own copy of the inverter's data ("not available" reads 0), forwards the battery as unit 2,
      and register 13265 names the dongle. Its rules are the ``[modbus]`` table of
      ``transports/winet/data/dongle.toml``.
    """

    direct = "direct"
    winet = "winet"


class FleetLayout(StrEnum):
    """How a fleet's inverters are reached (docs/decisions.md, "Fleets").

    - ``units``: behind one Modbus port as unit ids 1..247 (a logger's RS-485 bus), several
      ports when there are more; no SBR battery on the bus.
    - ``ports``: each inverter on ports of its own, as on its own LAN port (a hybrid with its
      SBR battery on unit 200).
    - ``dongle``: behind WiNet-S dongles, each with its device list of a few inverters
      (``dev_id`` = unit id), its WebSocket + HTTP API and its Modbus TCP (``modbus_path=winet``).
    """

    units = "units"
    ports = "ports"
    dongle = "dongle"


class InverterState(StrEnum):
    """What `Set Inverter State` puts the simulated inverter in: ``running``, ``stopped``,
    ``fault`` or ``grid_lost``."""

    running = "running"
    stopped = "stopped"
    fault = "fault"
    grid_lost = "grid_lost"


# Made with the functional API because ``global`` is a Python keyword: ``Scope["global"]``.
Scope = StrEnum("Scope", [("test", "test"), ("suite", "suite"), ("global", "global")], module=__name__)
Scope.__doc__ = """How long a setting or a fault lasts: ``test`` (until the test ends), ``suite`` (until the
suite ends) or ``global`` (until the mock stops or the setting is changed back)."""


# -- Modbus (PROTOCOLS §1) ----------------------------------------------------------------------

READ_HOLDING, READ_INPUT, WRITE_SINGLE, WRITE_MULTIPLE = 3, 4, 6, 16
# Plain text values: these are looked up on every request, and an Enum member hashes in Python.
READ_TABLES = {READ_HOLDING: Table.holding.value, READ_INPUT: Table.input.value}
WRITE_FUNCTIONS = (WRITE_SINGLE, WRITE_MULTIPLE)
FUNCTION_TABLES = {**READ_TABLES, WRITE_SINGLE: Table.holding.value, WRITE_MULTIPLE: Table.holding.value}
MAX_READ = 125  # §1.6: the byte count of an FC 03/04 reply fits in one byte
MAX_WRITE = 123  # FC 16: the byte count of the request fits in one byte
ADDRESS_SPACE = 0x10000  # wire addresses 0..65535

ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE, DEVICE_FAILURE, DEVICE_BUSY, GATEWAY_NO_RESPONSE = 1, 2, 3, 4, 6, 11
EXCEPTION_BIT = 0x80  # set in a reply's function code when it carries an exception
EXCEPTION_CODES = (ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE, DEVICE_FAILURE, DEVICE_BUSY, GATEWAY_NO_RESPONSE)

BROADCAST_UNIT = 0
KEY_REQUEST_UNIT = 247  # §1.7, §3.2: the encryption key request
UNIT_IDS = (1, 247)  # the unit ids an inverter may have (inclusive)

PORTS = (0, 65535)  # 0 = a free port
STANDARD_PORTS = {
    "modbus_port": 502,
    "encrypted_port": 502,
    "winet_ws_port": 8082,
    "winet_http_port": 80,
    "winet_tls_port": 443,
}

DEFAULT_HOST = "127.0.0.1"
DEFAULT_MODEL = "SH10RT"


def choice(enum: type[StrEnum], value, what: str | None = None) -> StrEnum:
    """``value`` as a member of ``enum`` (by value or name, any case); the error names the valid ones."""
    if isinstance(value, enum):
        return value
    text = str(getattr(value, "value", value)).strip().lower().replace("-", "_").replace(" ", "_")
    for member in enum:
        if text in (member.value, member.name.lower()):
            return member
    what = what or _words(enum.__name__)
    raise ChoiceError(f"unknown {what} {value!r}; valid: {', '.join(m.value for m in enum)}")


def choices(enum: type[StrEnum], values, what: str | None = None) -> tuple:
    """Several members from ``"a,b"`` or an iterable, without duplicates; at least one."""
    items = values.split(",") if isinstance(values, str) else list(values)
    picked = tuple(dict.fromkeys(choice(enum, v, what) for v in items if str(v).strip()))
    if not picked:
        what = what or _words(enum.__name__)
        raise ChoiceError(f"no {what} given; valid: {', '.join(m.value for m in enum)}")
    return picked


def _words(name: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
