"""The Robot Framework library: keyword components plus a listener that scopes mocks."""

from __future__ import annotations

from datetime import timedelta

from robotlibcore import DynamicCore

from .device import catalogue
from .keywords.context import LibraryContext
from .keywords import reporting
from .keywords.doors import DoorKeywords
from .keywords.faults import FaultKeywords
from .keywords.journal import JournalKeywords
from .keywords.lifecycle import LifecycleKeywords
from .keywords.registers import RegisterKeywords
from .keywords.simulation import SimulationKeywords
from .device.catalogue import CatalogueError
from .mock import DEFAULT_HOST, DEFAULT_MODEL, DOORS, parse_doors
from .simulation.clock import Clock

__version__ = "0.1.0"


class _ScopeListener:
    """Scopes mocks and faults to suites and tests, and reports each test's traffic."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, context: LibraryContext):
        self.ctx = context
        self._marks: dict[int, int] = {}  # id(mock) -> the journal's last seq when the test started

    def start_suite(self, data, result):
        self.ctx.suites.append(data.longname)
        self.ctx.fleet.open_scope(("suite", data.longname))

    def end_suite(self, data, result):
        for mock, fault_id in self.ctx.suite_faults.pop(data.longname, []):
            if mock.running:
                mock.remove_faults([fault_id])
        self.ctx.fleet.close_scope(("suite", data.longname))
        if self.ctx.suites:
            self.ctx.suites.pop()

    def start_test(self, data, result):
        self.ctx.in_test = True
        self._marks = {id(mock): mock.journal.last_seq for _, mock in self.ctx.fleet.items()}
        self.ctx.fleet.open_scope(("test", data.longname))

    def end_test(self, data, result):
        for alias, mock in self.ctx.fleet.items():
            mock.sync()
            reporting.report(data.longname, alias, mock.journal.requests(since=self._marks.get(id(mock), 0)))
            if mock.running:
                mock.clear_faults("test")
        self.ctx.fleet.close_scope(("test", data.longname))
        self.ctx.in_test = False

    def close(self):
        self.ctx.fleet.stop_all()


class SungrowMockLibrary(DynamicCore):
    """SungrowMockLibrary serves mock Sungrow solar inverters that real client software cannot
    tell from the real thing, and gives Robot Framework keywords to drive them.

    = Starting a mock =

    `Start Mock Sungrow` starts one simulated inverter of a catalogue model and returns its
    endpoints. Each mock runs on its own event loop thread; several mocks in one process never
    share state.

    = Doors =

    A mock is reachable through every door a real installation has, each on its own port:

    - ``modbus``: plain Modbus TCP, as on the inverter's LAN port or a WiNet-S with Modbus on.
    - ``encrypted``: Sungrow's AES "encrypted" Modbus TCP of the older Wi-Fi dongles. The key
      request (unit 247) gets the mock's public key (`Get Encryption Key`); plain frames are
      understood on the same port.
    - ``winet``: the WiNet-S dongle's WebSocket (``winet_ws``) and HTTP API (``winet_http``), in
      the firmware profile chosen with ``firmware`` (`Firmware`): ``legacy``, ``login`` or
      ``tls``. `Add Inverter` puts more inverters behind the same dongle.

    All doors read and write the same inverter state: a value set with `Set Inverter Value` or
    written over Modbus is what the WiNet API reports. Ports default to ``0`` (a free port) and the host to
    ``127.0.0.1``, so parallel runs (pabot) never collide; `Get Mock Sungrow Endpoint` tells
    where a mock listens.

    = Addressing =

    Keywords speak documented register numbers: the 1-based numbers of Sungrow's protocol
    documents and of SunGather's register file (``5000`` = device type code), or register
    names (``device_type_code``). On the wire, Modbus carries documented - 1 (wire ``4999`` for
    documented ``5000``); that translation happens only inside the mock. Input registers
    (function 04) and holding registers (function 03, 06, 16) are separate tables: input 5000
    is the device type, holding 5000 is the clock's year. Give ``table=`` when a number exists
    in both.

    = Values =

    `Set Register` and `Get Register` work on raw values (what the wire carries);
    `Set Inverter Value` and `Get Inverter Value` on engineering units (raw times scale, e.g.
    kWh, V, %). `Log Register Map` lists every register of the model with both.

    = Scopes =

    A mock started in a test stops when that test ends; a mock started in a suite setup
    stops when that suite ends. `Stop Mock Sungrow` and `Stop All Mock Sungrows` stop them
    earlier. When a mock stops, its ports are released and its thread has ended.

    = Several mocks =

    Give ``alias=`` to `Start Mock Sungrow`; the last started mock is the current one, and
    `Switch Mock Sungrow` changes it. Keywords that take ``alias`` act on the current mock by
    default.

    = Example =

    | *** Settings ***
    | Library    SungrowMockLibrary
    |
    | *** Test Cases ***
    | Daily Yield Is Served
    |     ${endpoints} =    Start Mock Sungrow    SH10RT
    |     Set Inverter Value    daily_power_yields    12.3
    |     ${raw} =    Get Register    5003    table=input
    |     Should Be Equal As Integers    ${raw}    123
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        host: str = DEFAULT_HOST,
        doors: str = ",".join(DOORS),
        simulate: bool = True,
        clock_speed: float = 1.0,
        start_time: str | None = None,
        assertion_timeout: timedelta = timedelta(seconds=5),
    ):
        """``model``, ``host``, ``doors``, ``simulate``, ``clock_speed`` and ``start_time`` are the
        defaults of `Start Mock Sungrow`; each start may override them.

        ``assertion_timeout`` is how long a getter given an assertion operator (`Get Inverter
        Value`, `Get Register`) retries by default before it fails.

        A suite that compares what a client decoded with `Get Inverter Value` wants values that
        hold still: import with ``clock_speed=0`` and a ``start_time``, and every mock of the
        suite starts frozen at that moment. ``simulate=False`` serves the catalogue's static
        values instead of a living inverter.

        Examples:
        | Library | SungrowMockLibrary | model=SG10RT | doors=modbus |
        | Library | SungrowMockLibrary | clock_speed=0 | start_time=2026-06-21T12:00:00 |
        | Library | SungrowMockLibrary | assertion_timeout=10s |
        """
        try:
            Clock(start_time, clock_speed)
        except ValueError as error:
            raise CatalogueError(str(error)) from None
        self._context = LibraryContext(
            default_model=catalogue.model(model).name,
            default_host=host,
            default_doors=",".join(parse_doors(doors)),
            default_simulate=simulate,
            default_clock_speed=clock_speed,
            default_start_time=start_time,
            assertion_timeout=assertion_timeout,
        )
        self.ROBOT_LIBRARY_LISTENER = _ScopeListener(self._context)
        components = [
            LifecycleKeywords(self._context),
            RegisterKeywords(self._context),
            DoorKeywords(self._context),
            SimulationKeywords(self._context),
            FaultKeywords(self._context),
            JournalKeywords(self._context),
        ]
        DynamicCore.__init__(self, components)

    # Not keywords: for faces that serve the library outside a Robot run (remote/).

    def adopt_mock(self, mock, alias: str) -> str:
        """Track an already running mock under ``alias`` as the current one; it stays until stopped."""
        return self._context.fleet.add(mock, alias)

    def stop_all_mocks(self) -> None:
        self._context.fleet.stop_all()
