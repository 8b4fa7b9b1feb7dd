"""A fleet of mock inverters in one process, on one event loop: the Python API.

The fleet's mocks (:class:`~..mock.MockSungrow`) share one event loop thread and one simulated
clock, so a thousand inverters cost one thread and nothing ticks: every value is computed from
elapsed simulated time when it is read. Which mock serves which inverter is the layout's
(:class:`~..vocabulary.FleetLayout`); :mod:`.plan` draws the inverters, :mod:`.capacity` checks
the process can hold them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..device import catalogue
from ..errors import MockSungrowError, OptionError, SungrowMockError
from ..mock import MockSungrow
from ..options import FleetOptions, StartOptions, default_fleet_family
from ..runtime import EventLoopThread
from ..simulation.clock import Clock
from ..vocabulary import Door, FleetLayout, ModbusPath
from . import capacity
from .plan import FleetPlan, plan_fleet

# The doors and Modbus path of a layout when the start options leave them at their defaults.
LAYOUT_DOORS = {
    FleetLayout.units: (Door.modbus,),
    FleetLayout.ports: (Door.modbus,),
    FleetLayout.dongle: (Door.modbus, Door.winet),
}
LAYOUT_PATHS = {FleetLayout.units: ModbusPath.direct, FleetLayout.ports: ModbusPath.direct, FleetLayout.dongle: ModbusPath.winet}
# Start options the fleet decides per inverter: they cannot be given for the whole fleet.
PER_INVERTER = ("unit_id", "serial", "snapshot")

_numbers = itertools.count(1)


@dataclass(frozen=True)
class FleetInverter:
    """One inverter of a running fleet: its alias, model, serial, unit id, and the mock that serves
    it (whose endpoints are the inverter's)."""

    alias: str
    model: str
    serial: str
    unit_id: int
    mock: MockSungrow = field(repr=False, compare=False)

    @property
    def endpoints(self) -> dict[str, str]:
        return self.mock.endpoints

    def as_dict(self) -> dict:
        """What the ready line and `Start Mock Sungrow Fleet` say about the inverter."""
        return {"alias": self.alias, "model": self.model, "serial": self.serial, "unit_id": self.unit_id,
                "endpoints": self.endpoints}  # fmt: skip


class MockSungrowFleet:
    """``count`` simulated inverters in this process, on one event loop, laid out as ``layout``.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with MockSungrowFleet(300, "units", models="SG-RT", seed=7) as fleet:
            first = fleet.inverter("inv1")        # or by unit id: fleet.inverter(1)
            host, port = first.endpoints["modbus"].split(":")

    ``layout``: ``units`` (unit ids 1..247 behind one Modbus port, one more port per 247 inverters,
    no SBR battery on the bus), ``ports`` (each inverter its own ports, a hybrid with its battery)
    or ``dongle`` (a few inverters behind each WiNet-S dongle, ``dev_id`` = unit id). ``models``:
    model names or codes and product families to draw from (default: the ``model`` option, else
    the SH10RT's family). The start option ``seed`` draws models, serials and plants (same seed,
    same fleet). ``alias_prefix`` names the inverters (``inv1``, ``inv2``, ...).

    The other arguments are the start options every mock of the fleet shares (``doors``, ``host``,
    ``clock_speed``, ...; ``unit_id``, ``serial`` and ``snapshot`` are the fleet's to decide); a
    port given is the base of a range (the k-th mock takes base + k). By default the units and
    ports layouts open the Modbus door, the dongle layout Modbus (through the dongle) and WiNet.

    A fleet the process cannot hold (ports, file descriptors) fails at :meth:`start` naming the
    limit; if anything fails while starting, every mock already started is stopped before the
    error is raised.
    """

    def __init__(
        self,
        count: int | None = None,
        layout: FleetLayout | str | None = None,
        models: str | tuple[str, ...] | None = None,
        alias_prefix: str | None = None,
        *,
        fleet: FleetOptions | None = None,
        options: StartOptions | None = None,
        **start_options,
    ):
        self.fleet_options = FleetOptions.of(fleet, count=count, layout=layout, models=models, alias_prefix=alias_prefix)
        refused = [name for name in PER_INVERTER if start_options.get(name) is not None]
        if refused:
            raise OptionError(
                f"a fleet decides {', '.join(PER_INVERTER[:2])} per inverter and replays no snapshot; "
                f"leave out {', '.join(refused)}"
            )
        base = StartOptions.of(options, **start_options)
        if base.snapshot:
            raise OptionError("a fleet replays no snapshot: its inverters are drawn from its models and seed")
        layout = self.fleet_options.layout
        defaults = {}
        if not base.chosen("doors"):
            defaults["doors"] = LAYOUT_DOORS[layout]
        if not base.chosen("modbus_path"):
            defaults["modbus_path"] = LAYOUT_PATHS[layout]
        self.options = StartOptions.of(base, **defaults)
        if layout is FleetLayout.dongle and Door.winet not in self.options.doors:
            raise OptionError("the dongle layout serves its inverters behind WiNet-S dongles: doors must include winet")
        models = self.fleet_options.models
        if models is None:
            models = (self.options.model,) if self.options.model else tuple(
                m.name for m in catalogue.families()[default_fleet_family()]
            )
        self.models: tuple[str, ...] = models
        self.plan: FleetPlan = plan_fleet(
            self.fleet_options.count, layout, models, self.options.seed, self.fleet_options.alias_prefix
        )
        capacity.check_port_ranges(self.options, len(self.plan.groups), layout.value)
        self.name = f"sungrow-mock-fleet-{next(_numbers)}"
        self._runtime: EventLoopThread | None = None
        self.mocks: list[MockSungrow] = []
        self.inverters: list[FleetInverter] = []
        self._by_alias: dict[str, FleetInverter] = {}
        self._by_unit: dict[int, list[FleetInverter]] = {}

    @property
    def layout(self) -> FleetLayout:
        return self.fleet_options.layout

    @property
    def running(self) -> bool:
        return self._runtime is not None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> MockSungrowFleet:
        """Open every mock's doors on one event loop; returns the fleet itself. All or nothing."""
        if self._runtime is not None:
            raise MockSungrowError(f"{self.name} is already running")
        mocks = len(self.plan.groups)
        sockets = mocks * len(capacity.port_options(self.options))
        what = f"a fleet of {len(self.plan.inverters)} inverters ({self.layout.value} layout, {mocks} mocks)"
        capacity.check_free_ports(self.options, mocks)
        capacity.ensure_descriptors(sockets, what)
        clock = Clock(self.options.start_time, self.options.clock_speed)
        runtime = EventLoopThread(self.name).start()  # after everything that can fail outside the try
        started: list[MockSungrow] = []
        try:
            for index, group in enumerate(self.plan.groups):
                mock = self._build(index, group, runtime, clock)
                mock.start()
                started.append(mock)
        except BaseException as error:
            for mock in reversed(started):
                mock.stop()
            runtime.stop()
            if not isinstance(error, Exception):
                raise
            first, last = group[0].alias, group[-1].alias
            names = first if first == last else f"{first}..{last}"
            cause = f"cannot listen: {error}" if isinstance(error, OSError) else str(error)
            message = (
                f"{what} did not start: its mock {index + 1} ({names}) failed: {cause}; "
                f"the {len(started)} mock(s) started before it were stopped"
            )
            raise (type(error)(message) if isinstance(error, SungrowMockError) else MockSungrowError(message)) from error
        self._runtime = runtime
        self.mocks = started
        self._index()
        return self

    def _build(self, index: int, group, runtime: EventLoopThread, clock: Clock) -> MockSungrow:
        first = group[0]
        options = StartOptions.of(
            self.options, model=first.model, serial=first.serial, unit_id=first.unit_id,
            **capacity.group_ports(self.options, index),
        )  # fmt: skip
        # A shared bus (units, dongle) carries the inverters only: each hybrid's SBR pack sits on
        # its own LAN port, out of a logger's reach (PROTOCOLS 1.7).
        mock = MockSungrow(options=options, runtime=runtime, clock=clock, battery=self.layout is FleetLayout.ports)
        for inverter in group[1:]:
            mock.add_inverter(inverter.model, inverter.unit_id, inverter.serial)
        for inverter in group:
            simulator = mock.inverters[inverter.unit_id].simulator
            if simulator is not None:
                nominal = simulator.spec.nominal_ac_w
                simulator.vary(pv_peak_w=nominal * inverter.pv_peak_ratio, load_seed=inverter.load_seed, soc=inverter.soc)
        return mock

    def _index(self) -> None:
        self.inverters = [
            FleetInverter(p.alias, p.model, p.serial, p.unit_id, self.mocks[p.group]) for p in self.plan.inverters
        ]
        self._by_alias = {inverter.alias: inverter for inverter in self.inverters}
        self._by_unit = {}
        for inverter in self.inverters:
            self._by_unit.setdefault(inverter.unit_id, []).append(inverter)

    def stop(self) -> None:
        """Close every mock's doors and end the fleet's thread; safe to call twice."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        try:
            for mock in self.mocks:
                mock.stop()
        finally:
            runtime.stop()

    def __enter__(self) -> MockSungrowFleet:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- inverters ------------------------------------------------------------------------------

    def inverter(self, ref: str | int) -> FleetInverter:
        """An inverter by alias (``inv7``) or unit id (``7``; a unit id that several ports share
        is refused, naming the aliases)."""
        if not self.inverters:
            raise MockSungrowError(f"{self.name} is not running: start it first")
        if isinstance(ref, str):
            found = self._by_alias.get(ref.strip())
            if found is not None:
                return found
            if not ref.strip().isdigit():
                raise MockSungrowError(f"no inverter with alias {ref!r} in the fleet; valid: {self.aliases_text()}")
        unit = int(ref)
        found_at = self._by_unit.get(unit, [])
        if len(found_at) == 1:
            return found_at[0]
        if not found_at:
            units = sorted(self._by_unit)
            raise MockSungrowError(
                f"no inverter at unit id {unit} in the fleet; valid: {_span(units)}, or an alias: {self.aliases_text()}"
            )
        raise MockSungrowError(
            f"unit id {unit} names {len(found_at)} inverters of the fleet ({self.layout.value} layout: one per "
            f"{'port' if self.layout is FleetLayout.units else 'mock'}); give an alias: {_names(a.alias for a in found_at)}"
        )

    __getitem__ = inverter

    def __len__(self) -> int:
        return len(self.plan.inverters)

    def __iter__(self) -> Iterator[FleetInverter]:
        return iter(self.inverters)

    def aliases_text(self) -> str:
        """The inverters' aliases in a line: ``inv1, inv2, ..., inv1000 (1000)``."""
        return _names(p.alias for p in self.plan.inverters)

    def describe(self) -> list[dict]:
        """Every inverter as the ready line lists it (alias, model, serial, unit id, endpoints)."""
        return [inverter.as_dict() for inverter in self.inverters]

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<MockSungrowFleet {len(self)} inverters, {self.layout.value} layout, {len(self.plan.groups)} mocks, {state}>"


def _names(names) -> str:
    names = list(names)
    if len(names) <= 6:
        return ", ".join(names)
    return f"{', '.join(names[:3])}, ..., {names[-1]} ({len(names)})"


def _span(numbers: list[int]) -> str:
    return f"{numbers[0]}..{numbers[-1]}" if numbers == list(range(numbers[0], numbers[-1] + 1)) else _names(map(str, numbers))
