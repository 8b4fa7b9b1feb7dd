"""The start options of a mock: one validated description that every face uses.

``MockSungrow(...)``, `Start Mock Sungrow`, the library import (defaults of every start), the
control endpoint (which starts mocks through `Start Mock Sungrow`) and ``sungrow-mock serve``
(whose flags are generated from :data:`OPTIONS`) all build a :class:`StartOptions`, so they
accept and refuse the same values with the same message. Each option's parser takes a native
value or the text a Robot argument, a command-line flag or a file gives; ``None`` or empty text
means "not given": the default applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar

from .device import catalogue
from .errors import CatalogueError, OptionError
from .limits import IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_FLEET
from .numbers import finite_number, whole_number
from .records import Record
from .simulation.clock import check_speed, parse_moment
from .vocabulary import (
    DEFAULT_HOST,
    DEFAULT_MODEL,
    PORTS,
    STANDARD_PORTS,
    UNIT_IDS,
    Door,
    Firmware,
    FleetLayout,
    ModbusPath,
    choice,
    choices,
)

# -- parsers: a native value or text in, the option's value out, or an error naming the valid ones --


def _whole(what: str, value) -> int:
    try:
        return whole_number(value)
    except ValueError:
        raise OptionError(f"{what} {value!r} is not a whole number") from None


def _real(what: str, value) -> float:
    try:
        return finite_number(value)
    except ValueError:
        raise OptionError(f"{what} {value!r} is not a finite number") from None


def whole_between(what: str, low: int, high: int | None = None, note: str = "") -> Callable[[object], int]:
    """A parser of a whole number in ``low..high`` (no upper end when ``high`` is None)."""
    valid = f"{low}..{high}" if high is not None else f"{low} or more"

    def parse(value) -> int:
        number = _whole(what, value)
        if number < low or (high is not None and number > high):
            raise OptionError(f"{what} {number} is out of range; valid: {valid}{note}")
        return number

    return parse


def real_between(what: str, low: float, high: float | None = None, unit: str = "") -> Callable[[object], float]:
    """A parser of a finite number in ``low..high`` (no upper end when ``high`` is None)."""
    valid = f"{low:g}..{high:g}" if high is not None else f"{low:g} or more"

    def parse(value) -> float:
        number = _real(what, value)
        if number < low or (high is not None and number > high):
            raise OptionError(f"{what} {number:g}{unit} is out of range; valid: {valid}{unit}")
        return number

    return parse


def duration(what: str) -> Callable[[object], float]:
    """A parser of a time of 0 seconds or more: seconds, a timedelta, or Robot's time text (``5 min``)."""

    def parse(value) -> float:
        number = None
        if isinstance(value, timedelta):
            number = value.total_seconds()
        elif not isinstance(value, bool):
            try:
                number = finite_number(value)
            except ValueError:
                from robot.utils import timestr_to_secs  # only for text such as "5 min": serving never pays for Robot

                try:
                    number = finite_number(timestr_to_secs(value, round_to=None))
                except (TypeError, ValueError):
                    pass
        if number is None:
            raise OptionError(f"{what} {value!r} is not a time; give seconds or a time such as 5 min")
        if number < 0:
            raise OptionError(f"{what} {number:g} s is out of range; valid: 0 s or more (0 = none)")
        return number

    return parse


_SWITCHES: set[Callable] = set()
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0", "none", "")


def flag(what: str) -> Callable[[object], bool]:
    """A parser of yes/no: a bool, or text such as ``True``, ``false``, ``yes``, ``off``."""

    def parse(value) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise OptionError(f"{what} {value!r} is not yes or no; valid: true, false")

    _SWITCHES.add(parse)
    return parse


def _port(name: str) -> Callable[[object], int]:
    return whole_between(name, PORTS[0], PORTS[1], " (0 = a free port)")


def _text(what: str) -> Callable[[object], str]:
    def parse(value) -> str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise OptionError(f"{what} {value!r} is not text")
        return str(value).strip()

    return parse


def _model(value) -> str:
    return catalogue.model(value).name


def _doors(value) -> tuple[Door, ...]:
    return choices(Door, value, "door")


def _firmware(value) -> Firmware:
    return choice(Firmware, value, "firmware")


def _modbus_path(value) -> ModbusPath:
    return choice(ModbusPath, value, "modbus path")


def _model_help() -> str:
    return (
        "catalogue model: its name (SH10RT, SG33CX, ... any case) or its device type code (0x0E03 or 3587); "
        f"`sungrow-mock models` lists all {len(catalogue.models())}"
    )


def _modbus_path_help() -> str:
    from .device.battery import pack
    from .transports import dongle_screen, paths

    refused = ", ".join(
        f"{r.table} {r.first} read alone" if r.starting else f"{r.table} {r.first}-{r.last}"
        for r in dongle_screen.refusals() if r.device == dongle_screen.INVERTER
    )  # fmt: skip
    return (
        f"how Modbus clients reach the mock: direct (the inverter's LAN port; a hybrid's SBR battery on unit "
        f"{pack().unit}) or winet (a WiNet-S dongle's Modbus TCP: on a hybrid {refused} not forwarded and "
        f"'not available' read as 0, the battery on unit {paths.battery_unit(ModbusPath.winet)} with its pack "
        "data only, 13265 names the dongle)"
    )


def _encryption_key(value) -> str:
    from .transports.encrypted import parse_key  # imports cryptography: only when a key is given

    return parse_key(value).hex()


def _start_time(value) -> str:
    try:
        return parse_moment(value).isoformat()
    except ValueError as error:
        raise OptionError(f"start_time {error}") from None


def _clock_speed(value) -> float:
    try:
        return check_speed(_real("clock speed", value))
    except ValueError as error:
        raise OptionError(str(error)) from None


# -- the options -----------------------------------------------------------------------------------


def _parse_given(options: object, described: dict[str, Option]) -> None:
    """Parse each option given to a set of options in place; one not given (None or blank text)
    takes its default."""
    for option in described.values():
        value = getattr(options, option.name)
        given = value is not None and not (isinstance(value, str) and not value.strip())
        object.__setattr__(options, option.name, option.parse(value) if given else option.default)


class Option(Record):
    """One start option: its parser, help, and the default as words for the documentation."""

    name: str
    default: object
    parse: Callable[[object], object]
    about: str | Callable[[], str]  # a function where the text needs data files: only help reads it
    default_text: str | None
    metavar: str | None
    choices: type[StrEnum] | None
    switch: bool  # yes or no: --simulate / --no-simulate
    cli: str | None  # the flag's name where it is not the option's (``--fleet`` for ``count``)

    def __init__(
        self, name: str, default: object, parse: Callable[[object], object], about: str | Callable[[], str],
        default_text: str | None = None, metavar: str | None = None, choices: type[StrEnum] | None = None,
        switch: bool = False, cli: str | None = None,
    ):  # fmt: skip
        self.__dict__.update(name=name, default=default, parse=parse, about=about, default_text=default_text,
                             metavar=metavar, choices=choices, switch=switch, cli=cli)  # fmt: skip

    @property
    def flag(self) -> str:
        """The command-line flag: ``--modbus-port`` for ``modbus_port``."""
        return "--" + (self.cli or self.name).replace("_", "-")

    @property
    def help(self) -> str:
        """What the option does, in one sentence (without its default)."""
        return self.about() if callable(self.about) else self.about

    @property
    def default_words(self) -> str:
        if self.default_text is not None:
            return self.default_text
        if isinstance(self.default, tuple):
            return ",".join(self.default)
        if isinstance(self.default, float):
            return f"{self.default:g}"
        return str(self.default)


class _Declared:
    """An option as an options class declares it (:func:`_option`): its default and its other facts."""

    __slots__ = ("default", "facts")

    def __init__(self, default: object, facts: dict[str, object]):
        self.default, self.facts = default, facts


def _option(default, parse, help: str | Callable[[], str], default_text: str | None = None, metavar: str | None = None,
            choices: type[StrEnum] | None = None, cli: str | None = None) -> Any:  # fmt: skip
    facts = {"parse": parse, "about": help, "default_text": default_text, "metavar": metavar, "choices": choices,
             "switch": parse in _SWITCHES, "cli": cli}  # fmt: skip
    return _Declared(default, facts)


class _Options(Record):
    """A set of options, each an annotated class attribute made by :func:`_option` (the class then
    holds its default, as a dataclass's would), built with every value checked: keyword arguments
    only; one not given (or None, or blank text) takes its default. A :class:`~.records.Record`,
    not a dataclass (decision §40)."""

    _described: ClassVar[dict[str, Option]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        described = {}
        for name, value in list(vars(cls).items()):
            if isinstance(value, _Declared):
                described[name] = Option(name=name, default=value.default, **value.facts)
                setattr(cls, name, value.default)
        cls._described = described

    def __init__(self, **given) -> None:
        unknown = [name for name in given if name not in self._described]
        if unknown:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {unknown[0]!r}")
        self.__dict__.update({name: given.get(name) for name in self._described})
        _parse_given(self, self._described)

    def _state(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._described}

    def replaced(self, **changes):
        """These options with ``changes``, checked again (as ``dataclasses.replace`` would)."""
        return type(self)(**{**self._state(), **changes})


_standard = STANDARD_PORTS


class StartOptions(_Options):
    """What a mock is started with, every value checked. Build it with :meth:`of`.

    Fields left ``None`` take their default when the mock starts: ``model`` the snapshot's (or
    SH10RT), ports a free port (or the standard one with ``standard_ports``), ``simulate`` on
    unless a snapshot is replayed.
    """

    model: str | None = _option(None, _model, _model_help, f"{DEFAULT_MODEL}, or the snapshot's model", "MODEL")
    host: str = _option(DEFAULT_HOST, _text("host"), "address to bind; 0.0.0.0 for every interface", metavar="HOST")
    unit_id: int = _option(
        1, whole_between("unit id", *UNIT_IDS), f"Modbus unit id (and WiNet dev_id) of the inverter, {UNIT_IDS[0]}..{UNIT_IDS[1]}",
        metavar="UNIT",
    )  # fmt: skip
    serial: str | None = _option(
        None, _text("serial"), "serial number (at most 20 bytes; 10 characters suit every client)", "the model's", "SERIAL"
    )
    doors: tuple[Door, ...] = _option(
        tuple(Door), _doors,
        "doors to open, comma-separated: modbus (plain Modbus TCP), encrypted (Sungrow's AES Modbus TCP), "
        "winet (the WiNet-S WebSocket + HTTP API)",
        metavar="DOOR[,DOOR...]", choices=Door,
    )  # fmt: skip
    modbus_path: ModbusPath = _option(
        ModbusPath.direct, _modbus_path, _modbus_path_help, choices=ModbusPath,
    )  # fmt: skip
    modbus_port: int | None = _option(None, _port("modbus_port"), "plain Modbus TCP port", "a free port", "PORT")
    encrypted_port: int | None = _option(None, _port("encrypted_port"), "encrypted Modbus TCP port", "a free port", "PORT")
    winet_ws_port: int | None = _option(None, _port("winet_ws_port"), "WiNet-S WebSocket port", "a free port", "PORT")
    winet_http_port: int | None = _option(None, _port("winet_http_port"), "WiNet-S HTTP port", "a free port", "PORT")
    winet_tls_port: int | None = _option(
        None, _port("winet_tls_port"), "WiNet-S WSS + HTTPS port of the tls firmware", "a free port", "PORT"
    )
    standard_ports: bool = _option(
        False, flag("standard_ports"),
        f"use the real device's ports where none is given: Modbus {_standard['modbus_port']}, WiNet "
        f"{_standard['winet_ws_port']} and {_standard['winet_http_port']}, TLS {_standard['winet_tls_port']} "
        f"(the encrypted door takes {_standard['encrypted_port']} only when the plain Modbus door is closed)",
        "off",
    )  # fmt: skip
    firmware: Firmware = _option(
        Firmware.legacy, _firmware, "WiNet-S firmware profile: legacy (no login), login (login required), "
        "tls (WSS + HTTPS on one port, login required)", choices=Firmware,
    )  # fmt: skip
    encryption_key: str | None = _option(
        None, _encryption_key, "public key of the encrypted door, 32 hex digits", "random, stable for the mock's life", "HEX"
    )
    simulate: bool | None = _option(
        None, flag("simulate"),
        "a living inverter: sun, house load, battery and energy counters move with the clock and control "
        "registers act; off serves static values",
        "on, off when replaying a snapshot",
    )  # fmt: skip
    clock_speed: float = _option(1.0, _clock_speed, "simulated seconds per real second, 0 = frozen", metavar="SPEED")
    start_time: str | None = _option(None, _start_time, "simulated local start time, ISO 8601", "now", "TIME")
    latitude: float = _option(
        50.0, real_between("latitude", -90, 90), "latitude of the simulated site (degrees)", metavar="DEGREES"
    )
    seed: int = _option(0, whole_between("seed", 0), "seed of the simulated load profile's variations", metavar="SEED")
    scenario: str | None = _option(
        None, _text("scenario"), "a scenario file (TOML) applied at start, for the mock's whole life; needs the simulation",
        "none", "FILE",
    )  # fmt: skip
    snapshot: str | None = _option(None, _text("snapshot"), "a snapshot file (JSON) to replay", "none", "FILE")
    faults: str | None = _option(
        None, _text("faults"), "a fault file (TOML, [[fault]] tables) injected at start, for the mock's whole life",
        "none", "FILE",
    )  # fmt: skip
    journal_capacity: int = _option(
        100_000, whole_between("journal_capacity", 1), "how many requests the journal keeps", metavar="COUNT"
    )
    idle_timeout: float = _option(
        IDLE_TIMEOUT, duration("idle_timeout"),
        "seconds (or a time such as 5 min) a connection may go without a request before its door closes it; "
        "WiNet HTTP keep-alive and WebSockets alike; 0 = never",
        f"{IDLE_TIMEOUT:g} s", "SECONDS",
    )  # fmt: skip
    max_connections: int = _option(
        MAX_CONNECTIONS, whole_between("max_connections", 0),
        "open connections per door (WiNet: WebSocket and HTTP together); one more is closed at once while "
        "the others keep being served; 0 = no cap",
        metavar="COUNT",
    )  # fmt: skip

    def __init__(self, named: frozenset[str] | None = None, **given) -> None:
        super().__init__(**given)
        # The options named by whoever built these with :meth:`of` (kept across bases); None when
        # built directly; not compared, not shown. A named option equal to its default is still a
        # choice: a fleet keeps an explicit ``doors`` of every door rather than its layout's doors.
        self.__dict__["_named"] = named
        if self.scenario and not self.simulated:
            raise OptionError(f"scenario {self.scenario!r} needs the simulation, and simulate is off")

    @property
    def named(self) -> frozenset[str] | None:
        return self._named

    def _state(self) -> dict[str, object]:
        return {**super()._state(), "named": self.named}

    @classmethod
    def of(cls, base: StartOptions | None = None, **given) -> StartOptions:
        """``base`` (default: every default) with the options ``given``; ``None`` = not given."""
        unknown = [name for name in given if name not in OPTIONS]
        if unknown:
            raise OptionError(f"unknown start option {unknown[0]!r}; valid: {', '.join(OPTIONS)}")
        values = {name: value for name, value in given.items() if value is not None}
        before = frozenset() if base is None else base.named if base.named is not None else frozenset(base.given())
        named = before | {name for name, value in values.items() if not (isinstance(value, str) and not value.strip())}
        return (base or cls()).replaced(**values, named=named)

    def chosen(self, name: str) -> bool:
        """Whether option ``name`` was chosen rather than left to its default (named to :meth:`of`)."""
        return name in (self.named if self.named is not None else self.given())

    @property
    def simulated(self) -> bool:
        """Whether the mock simulates: ``simulate``, else on unless a snapshot is replayed."""
        return self.simulate if self.simulate is not None else self.snapshot is None

    @property
    def ports(self) -> dict[str, int]:
        """Every port option resolved: the one given, else the standard one with
        ``standard_ports`` (502 only for one Modbus door), else 0 (a free port)."""
        resolved = {}
        for name, standard in STANDARD_PORTS.items():
            port = getattr(self, name)
            if port is None and self.standard_ports and not (name == "encrypted_port" and Door.modbus in self.doors):
                port = standard
            resolved[name] = port or 0
        return resolved

    def given(self) -> dict[str, object]:
        """The options that differ from their defaults, e.g. to show or to pass on."""
        return {name: getattr(self, name) for name, option in OPTIONS.items() if getattr(self, name) != option.default}


OPTIONS: dict[str, Option] = StartOptions._described


# -- fleets -----------------------------------------------------------------------------------------


def _fleet_models(value) -> tuple[str, ...]:
    """Model names from ``"SH10RT,SG-RT"``: catalogue models (by name or type code) and product
    families (every model of the family), in order, without duplicates."""
    families = catalogue.families()
    by_upper = {name.upper(): name for name in families}
    items = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        family = by_upper.get(text.upper())
        if family is not None:
            names.extend(m.name for m in families[family])
            continue
        try:
            names.append(catalogue.model(text).name)
        except CatalogueError as error:
            raise CatalogueError(f"{error}; or a product family: {', '.join(families)}") from None
    if not names:
        raise OptionError(f"no fleet models given; give models or product families ({', '.join(families)})")
    return tuple(dict.fromkeys(names))


def _fleet_layout(value) -> FleetLayout:
    return choice(FleetLayout, value, "fleet layout")


def _alias_prefix(value) -> str:
    text = _text("alias prefix")(value)
    if not (1 <= len(text) <= 40) or not all(c.isalnum() or c in "-_." for c in text):
        raise OptionError(f"alias prefix {text!r} must be 1-40 letters, digits, '-', '_' or '.'")
    return text


def default_fleet_family() -> str:
    """The product family a fleet draws its models from when neither ``models`` nor ``model`` is given."""
    return catalogue.model(DEFAULT_MODEL).family


class FleetOptions(_Options):
    """What a fleet is, beyond the start options each of its mocks shares: how many inverters,
    how they are reached, which models, how they are named. Build it with :meth:`of`. The start
    option ``seed`` seeds the fleet's spread of models, serials and plants."""

    count: int = _option(
        1, whole_between("fleet size", 1, MAX_FLEET), f"inverters in the fleet, 1..{MAX_FLEET}", metavar="N", cli="fleet"
    )
    layout: FleetLayout = _option(
        FleetLayout.units, _fleet_layout,
        "how the fleet's inverters are reached: units (unit ids 1..247 behind one Modbus port, a port per 247), "
        "ports (each inverter on ports of its own), dongle (a few inverters behind each WiNet-S dongle)",
        choices=FleetLayout,
    )  # fmt: skip
    models: tuple[str, ...] | None = _option(
        None, _fleet_models,
        "the models the fleet's inverters are drawn from (seeded), comma-separated: model names or codes, or "
        "product families (SG-RT, SH-RS, ...; `sungrow-mock models` lists them)",
        "the model option's, else the SH10RT's family", "MODEL|FAMILY[,...]", cli="fleet_models",
    )  # fmt: skip
    alias_prefix: str = _option(
        "inv", _alias_prefix, "the inverters' aliases are this prefix and their number (inv1, inv2, ...)", metavar="PREFIX"
    )

    @classmethod
    def of(cls, base: FleetOptions | None = None, **given) -> FleetOptions:
        """``base`` (default: every default) with the options ``given``; ``None`` = not given."""
        unknown = [name for name in given if name not in FLEET_OPTIONS]
        if unknown:
            raise OptionError(f"unknown fleet option {unknown[0]!r}; valid: {', '.join(FLEET_OPTIONS)}")
        return (base or cls()).replaced(**{name: value for name, value in given.items() if value is not None})


FLEET_OPTIONS: dict[str, Option] = FleetOptions._described
