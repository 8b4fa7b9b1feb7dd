"""The Robot Framework library: keyword components plus a listener that scopes mocks."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from robotlibcore import DynamicCore

from .faults import FaultKind
from .keyword_types import Door, Endpoint, EndpointPart, Firmware, FleetLayout, InverterState, ModbusPath, Scope, Table
from .keywords import reporting
from .keywords.context import LibraryContext
from .keywords.doors import DoorKeywords
from .keywords.faults import FaultKeywords
from .keywords.journal import JournalKeywords
from .keywords.lifecycle import LifecycleKeywords
from .keywords.registers import RegisterKeywords
from .keywords.scopes import ScopeKeywords
from .keywords.simulation import SimulationKeywords
from .options import OPTIONS, StartOptions
from .vocabulary import choice

__version__ = "0.1.0"


class _ScopeListener:
    """Opens a mock scope per suite and per test and closes it at their end (the mocks undo what
    was set in it), and reports each test's traffic."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, context: LibraryContext):
        self.ctx = context
        self._open: list[int] = []  # the scope ids this listener opened, innermost last
        self._marks: dict[int, int] = {}  # id(mock) -> the journal's last seq when the test started

    def start_suite(self, data, result):
        self._open.append(self.ctx.registry.open_scope(Scope.suite, data.longname))

    def end_suite(self, data, result):
        self._close()

    def start_test(self, data, result):
        self._marks = {id(mock): mock.journal.last_seq for _, mock in self.ctx.registry.items()}
        self._open.append(self.ctx.registry.open_scope(Scope.test, data.longname))

    def end_test(self, data, result):
        for alias, mock in self.ctx.registry.items():
            mock.sync()
            reporting.report(data.longname, alias, mock.journal.requests(since=self._marks.get(id(mock), 0)))
        self._close()

    def _close(self) -> None:
        scope_id = self._open.pop()
        if self.ctx.registry.is_open(scope_id):  # `Close Mock Scope` may have closed it already
            self.ctx.registry.close_scope(scope_id)

    def close(self):
        self.ctx.registry.stop_all()


def _converter(enum):
    """Robot converts arguments of the vocabulary's types with the vocabulary's own parser, so a
    wrong choice fails with the message every other face gives."""

    def convert(value: str):
        return choice(enum, value)

    convert.__doc__ = enum.__doc__
    return convert


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

    = The battery and the Modbus path =

    A hybrid has its SBR battery beside it, a Modbus device of its own on unit 200 (the
    inverter's LAN port) whose registers follow the inverter's battery; the register keywords
    reach it with ``unit_id`` (`Get Battery Unit Id`). ``modbus_path=winet`` (`ModbusPath`)
    presents the Modbus door as a WiNet-S dongle's instead: the statistics block 6100-6826 and
    the other bands real dongles refused are not forwarded, "not available" reads 0, the battery
    answers on unit 2, input 13265 names the dongle (`Get Modbus Path`).

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

    Every test starts clean. A mock started in a test stops when that test ends; a mock
    started in a suite setup stops when that suite ends. `Stop Mock Sungrow` and
    `Stop All Mock Sungrows` stop them earlier; when a mock stops, its ports are released and
    its thread has ended.

    Settings made on a running mock last as long as the scope they are made in, like Browser's
    settings: a setting made in a test is undone when the test ends, one made in a suite setup
    when the suite ends, whichever mock it is made on. The settings are pinned registers
    (`Set Register`, `Set Inverter Value`, `Release Register`, `Load Scenario`), the
    irradiance and the house load, the inverter state, the clock speed, the WiNet login
    requirement, token lifetime and session limit, the encryption key, and injected faults.
    Setters take ``scope`` (`Scope`): ``test``, ``suite``, or ``global`` (until the mock
    stops); by default the innermost open scope. Closing a scope undoes its settings newest
    first; every setter returns the previous value, and every setting has a getter.

    What evolves on its own is not a setting and goes on: energy counters, the battery's state
    of charge (`Set Battery SOC`) and simulated time (`Set Mock Time`, `Advance Mock Clock`).

    Outside a Robot run (through Robot's Remote library, for one) nothing opens scopes by
    itself: `Open Mock Scope` and `Close Mock Scope` do it by hand.

    = Several mocks =

    Give ``alias=`` to `Start Mock Sungrow`; the last started mock is the current one, and
    `Switch Mock Sungrow` changes it. Keywords that take ``alias`` act on the current mock by
    default.

    = Fleets =

    `Start Mock Sungrow Fleet` starts many inverters in this process on one event loop (a
    thousand cost one thread, and nothing ticks while they are idle), laid out as a solar farm
    or a street of homes is reached (`FleetLayout`): behind one Modbus port as unit ids
    (``units``), each on ports of its own (``ports``), or behind WiNet-S dongles (``dongle``).
    Their models, serials and plants (PV size, house load, battery level) are drawn from a seed,
    so a farm's inverters differ and the same seed gives the same farm. Each inverter has an
    alias (``inv1``, ``inv2``, ...) that every keyword's ``alias`` takes: ``Set Register  5003
    123  alias=inv7`` acts on that inverter, on its mock and unit id. Scopes reach fleets as
    they reach mocks: what a test sets on a fleet's inverters is undone when it ends.

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

    ROBOT_LIBRARY_CONVERTERS: ClassVar[dict] = {
        enum: _converter(enum)
        for enum in (Door, Endpoint, EndpointPart, FaultKind, Firmware, FleetLayout, InverterState, ModbusPath, Scope, Table)
    }

    def __init__(self, *, assertion_timeout: timedelta = timedelta(seconds=5), **defaults):
        """Any start option of `Start Mock Sungrow` given here is the default of every start;
        each start may override it. Valid: %OPTIONS%.

        ``assertion_timeout`` is how long a getter given an assertion operator (`Get Inverter
        Value`, `Get Register`) retries by default before it fails.

        A suite that compares what a client decoded with `Get Inverter Value` wants values that
        hold still: import with ``clock_speed=0`` and a ``start_time``, and every mock of the
        suite starts frozen at that moment. ``simulate=False`` serves the catalogue's static
        values instead of a living inverter. The options are checked here, with the messages
        `Start Mock Sungrow` gives.

        Examples:
        | Library | SungrowMockLibrary | model=SG10RT | doors=modbus |
        | Library | SungrowMockLibrary | clock_speed=0 | start_time=2026-06-21T12:00:00 |
        | Library | SungrowMockLibrary | host=0.0.0.0 | standard_ports=True |
        | Library | SungrowMockLibrary | assertion_timeout=10s |
        """
        self._context = LibraryContext(
            defaults=StartOptions.of(**defaults), assertion_timeout=assertion_timeout
        )
        self.ROBOT_LIBRARY_LISTENER = _ScopeListener(self._context)
        components = [
            LifecycleKeywords(self._context),
            ScopeKeywords(self._context),
            RegisterKeywords(self._context),
            DoorKeywords(self._context),
            SimulationKeywords(self._context),
            FaultKeywords(self._context),
            JournalKeywords(self._context),
        ]
        DynamicCore.__init__(self, components)

    __init__.__doc__ = __init__.__doc__.replace("%OPTIONS%", ", ".join(f"``{name}``" for name in OPTIONS))

    # Not keywords: for faces that serve the library outside a Robot run (remote/).

    def adopt_mock(self, mock, alias: str) -> str:
        """Track an already running mock under ``alias`` as the current one; it stays until stopped."""
        return self._context.registry.add(mock, alias)

    def adopt_fleet(self, fleet, alias: str) -> str:
        """Track an already running fleet under ``alias``; its first mock becomes current."""
        return self._context.registry.add_fleet(fleet, alias)

    def stop_all_mocks(self) -> None:
        self._context.registry.stop_all()

    def restrict_access(self, policy) -> None:
        """Which files and hosts the keywords may use from now on (a :class:`~.keywords.access.AccessPolicy`)."""
        self._context.access = policy
