"""Keywords that start, stop, find and switch mocks."""

from __future__ import annotations

from datetime import timedelta

from robot.api import logger
from robot.utils import timestr_to_secs
from robotlibcore import keyword

from ..fleet import PER_INVERTER, MockSungrowFleet
from ..keyword_types import Endpoint, EndpointPart, Endpoints, Firmware, FleetInverter, FleetLayout, ModbusPath
from ..mock import MockSungrow
from ..netutil import free_loopback_address, reachable_address
from ..options import FLEET_OPTIONS, OPTIONS, StartOptions
from ..recording import record
from .context import LibraryContext


def _options_doc(options=OPTIONS, leave_out: tuple[str, ...] = ()) -> str:
    """Options as a Libdoc list, from the options model (the docstring is indented)."""
    return "\n".join(
        f"        - ``{o.name}``: {o.help}; default {o.default_words}." for o in options.values() if o.name not in leave_out
    )


# Library import defaults meant for single mocks that a fleet leaves out: what it decides per
# inverter, and standard ports (a fleet's ports are ranges; a fleet asks for them itself).
NOT_FOR_FLEETS = (*PER_INVERTER, "standard_ports")


class LifecycleKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def start_mock_sungrow(
        self,
        model: str | None = None,
        host: str | None = None,
        modbus_port: int | None = None,
        unit_id: int | None = None,
        serial: str | None = None,
        alias: str | None = None,
        doors: str | None = None,
        encrypted_port: int | None = None,
        winet_ws_port: int | None = None,
        winet_http_port: int | None = None,
        winet_tls_port: int | None = None,
        firmware: Firmware = None,
        encryption_key: str | None = None,
        clock_speed: float | None = None,
        start_time: str | None = None,
        simulate: bool | None = None,
        latitude: float | None = None,
        seed: int | None = None,
        snapshot: str | None = None,
        standard_ports: bool | None = None,
        scenario: str | None = None,
        faults: str | None = None,
        journal_capacity: int | None = None,
        idle_timeout: timedelta | None = None,
        max_connections: int | None = None,
        modbus_path: ModbusPath = None,
    ) -> Endpoints:
        """Starts a mock inverter and returns its endpoints, e.g. ``{'modbus': '127.0.0.1:40123', ...}``.

        Every argument but ``alias`` is a start option; one not given takes the library
        import's value, else its default:
%OPTIONS%

        ``model`` is a model of the catalogue, by name or by device type code: every hybrid (SH)
        and string (SG) inverter clients know, in product families; ``sungrow-mock models`` lists them.

        A hybrid model has its SBR battery beside it: a Modbus device of its own on unit 200, or
        on unit 2 with ``modbus_path=winet`` (`ModbusPath`), whose voltage, current, temperature,
        SOC and energy totals are those of the inverter's battery (`Get Battery Unit Id`).

        ``alias`` names the mock for later keywords (default ``mock1``, ``mock2``, ...). The
        options are checked as in ``sungrow-mock serve`` and ``MockSungrow``, with the same
        messages naming the valid choices.

        With ``simulate`` on, a clear-sky day at ``latitude`` drives PV, a daily load profile
        (varied by ``seed``) drives consumption, the battery charges and discharges, every
        energy counter integrates its power, and control registers act (see `Set Irradiance`,
        `Set House Load`, `Set Battery SOC`, `Set Clock Speed`). Values set with
        `Set Register` or `Set Inverter Value` stay pinned until `Release Register` or the end
        of their scope. A ``snapshot`` (made by `Record Inverter Snapshot`) replays the recorded
        inverter: its model, serial and every register, static unless ``simulate=True``. A
        ``scenario`` (see `Load Scenario`) and the faults of a ``faults`` file (the
        `Inject Fault` keys, one ``[[fault]]`` table each) apply for the mock's whole life.

        The new mock becomes the current one. A mock started in a test is stopped when the test
        ends; one started in a suite setup is stopped when the suite ends.

        Through the control endpoint of ``sungrow-mock serve``, the ``snapshot``, ``scenario``
        and ``faults`` files are paths inside its data directory (``--data-dir``), and ``host``
        must be loopback unless the endpoint was started with ``--allow-public-doors``.

        Example:
        | ${endpoints} = | Start Mock Sungrow | SG10RT | unit_id=3 |
        | Log | ${endpoints}[modbus] |
        | Start Mock Sungrow | SH10RT | doors=winet | firmware=tls |
        | Start Mock Sungrow | 0x2C06 | doors=modbus | # an SG110CX, by its device type code |
        | ${host} = | Find Free Loopback Address | 502 | 8082 | 80 |
        | Start Mock Sungrow | host=${host} | standard_ports=${True} | doors=modbus,winet | faults=${CURDIR}/faults.toml |
        | Start Mock Sungrow | doors=modbus | idle_timeout=30 s | max_connections=4 |
        | Start Mock Sungrow | SH10RT | modbus_path=winet | alias=through-dongle |

        See also `Get Mock Sungrow Endpoint`, `Add Inverter`, `Find Free Loopback Address`,
        `Stop Mock Sungrow`, `Switch Mock Sungrow`.
        """
        given = {name: value for name, value in locals().items() if name not in ("self", "alias")}
        options = self.ctx.access.start_options(StartOptions.of(self.ctx.defaults, **given))
        mock = MockSungrow(options=options)
        mock.start()
        try:
            alias = self.ctx.registry.add(mock, alias)
        except Exception:
            mock.stop()
            raise
        logger.info(f"Started mock {alias}: {mock.model} serial {mock.inverter.serial} unit {mock.unit_id} at {mock.endpoints}")
        return Endpoints(**mock.endpoints)

    start_mock_sungrow.__doc__ = start_mock_sungrow.__doc__.replace("%OPTIONS%", _options_doc())

    @keyword
    def start_mock_sungrow_fleet(
        self,
        count: int,
        layout: FleetLayout = FleetLayout.units,
        models: str | None = None,
        seed: int | None = None,
        alias_prefix: str | None = None,
        alias: str | None = None,
        doors: str | None = None,
        host: str | None = None,
        modbus_port: int | None = None,
        encrypted_port: int | None = None,
        winet_ws_port: int | None = None,
        winet_http_port: int | None = None,
        winet_tls_port: int | None = None,
        firmware: Firmware = None,
        encryption_key: str | None = None,
        clock_speed: float | None = None,
        start_time: str | None = None,
        simulate: bool | None = None,
        latitude: float | None = None,
        scenario: str | None = None,
        faults: str | None = None,
        journal_capacity: int | None = None,
        idle_timeout: timedelta | None = None,
        max_connections: int | None = None,
        modbus_path: ModbusPath = None,
    ) -> list[FleetInverter]:
        """Starts ``count`` mock inverters in this process on one event loop and returns them: alias, model, serial, unit id, endpoints.

        ``layout`` (`FleetLayout`) says how clients reach them:
        - ``units``: behind one Modbus port as unit ids 1..247 (a logger's RS-485 bus), one
          more port per 247 inverters. The bus carries no SBR battery.
        - ``ports``: each inverter on ports of its own, at unit id 1 (a hybrid with its SBR
          battery on unit 200), as when each is reached on its own LAN port.
        - ``dongle``: behind WiNet-S dongles, a few inverters each (unit id = WiNet ``dev_id``
          1, 2, ...): each dongle's device list, WebSocket and HTTP API, and its Modbus TCP
          (``modbus_path=winet``).

        Fleet options:
%FLEET%

        ``seed`` (a start option) draws the fleet: each inverter's model from ``models``, its
        serial (``F``, three digits from the seed, its number: ``F417000007``), its PV array
        (0.9-1.4 times its nominal power), its house load profile and its battery's state of
        charge; the same seed gives the same fleet.

        The other arguments are start options every mock of the fleet shares, as in
        `Start Mock Sungrow` (defaults from the library import); a port given is the base of a
        range: the fleet's K-th port, inverter or dongle takes base + K - 1. By default the
        units and ports layouts open the ``modbus`` door, the dongle layout ``modbus,winet``.
        All the fleet's inverters share one simulated clock.

        ``alias`` names the fleet (default ``fleet1``, ``fleet2``, ...); its mocks are
        ``ALIAS.1``, ``ALIAS.2``, ... and its first one becomes the current mock. Every keyword
        that takes ``alias`` also takes an inverter's alias (``inv7``): it then acts on that
        inverter (its mock and unit id), and ``alias=ALIAS  unit_id=7`` finds it too where the
        unit id is unique in the fleet. `Stop Mock Sungrow` with the fleet's alias stops it; a
        fleet started in a test stops when the test ends, and what a test set on its inverters
        is undone then, as on any mock.

        A fleet the process cannot hold fails before anything listens, naming the limit:
        ports beyond 65535 or overlapping ranges, more free ports than the kernel's ephemeral
        range, more file descriptors than the process may open. If a mock fails while the fleet
        starts (a port taken), the ones already started are stopped before the error.

        Example:
        | ${inverters} = | Start Mock Sungrow Fleet | 3 | models=SG-RT | seed=7 |
        | Should Be Equal As Integers | ${inverters}[2][unit_id] | 3 |
        | Set Inverter Value | daily_power_yields | 12.3 | alias=inv2 |
        | Get Inverter Value | daily_power_yields | == | 12.3 | unit_id=2 |
        | Start Mock Sungrow Fleet | 2 | layout=ports | alias=homes | alias_prefix=home |
        | ${endpoint} = | Get Mock Sungrow Endpoint | alias=home2 |
        | Stop Mock Sungrow | homes |

        See also `FleetLayout`, `Start Mock Sungrow`, `Switch Mock Sungrow`, `Stop Mock Sungrow`.
        """
        given = {name: value for name, value in locals().items() if name in OPTIONS and value is not None}
        # the library's defaults without what a fleet decides, before the access policy sees them
        defaults = StartOptions.of(self.ctx.defaults).replaced(**{name: OPTIONS[name].default for name in NOT_FOR_FLEETS})
        base = self.ctx.access.start_options(StartOptions.of(defaults, **given))
        fleet = MockSungrowFleet(count, layout, models, alias_prefix, options=base)
        fleet.start()
        try:
            alias = self.ctx.registry.add_fleet(fleet, alias)
        except Exception:
            fleet.stop()
            raise
        logger.info(
            f"Started fleet {alias}: {len(fleet)} inverters ({fleet.layout.value} layout, {len(fleet.mocks)} mocks, "
            f"models {', '.join(fleet.models)}), inverters {fleet.aliases_text()}"
        )
        return [FleetInverter(**inverter.as_dict()) for inverter in fleet.inverters]

    start_mock_sungrow_fleet.__doc__ = start_mock_sungrow_fleet.__doc__.replace(
        "%FLEET%", _options_doc(FLEET_OPTIONS, leave_out=("count",))
    )

    @keyword
    def add_inverter(self, model: str, unit_id: int, serial: str | None = None, alias: str | None = None) -> None:
        """Puts another inverter behind a mock (the current one by default), as behind one WiNet-S dongle.

        The inverter answers Modbus requests for ``unit_id`` on the mock's Modbus doors and is
        listed by the WiNet ``devicelist`` with ``dev_id`` = ``unit_id``. Register keywords reach
        it with their ``unit_id`` argument. ``model`` is taken as by `Start Mock Sungrow`: a
        catalogue model's name or its device type code.

        Example:
        | Start Mock Sungrow | SH10RT |
        | Add Inverter | SG5.0RS | 2 | serial=B000000002 |
        | Set Inverter Value | daily_power_yields | 4.2 | unit_id=2 |
        """
        inverter = self.ctx.registry.get(alias).add_inverter(model, unit_id, serial)
        logger.info(f"Added {inverter.model.name} serial {inverter.serial} at unit id {unit_id}")

    @keyword
    def find_free_loopback_address(self, *ports: int) -> str:
        """Returns an address of 127.0.0.0/8 on which every given port can be bound now.

        For clients that hard-code their ports (SungrowModbusWebClient and sungrow-websocket
        always use HTTP port 80, SunGather's ``http`` mode WebSocket port 8082): start each
        mock on its own loopback address with the standard ports, and parallel tests never
        collide. Ports below 1024 need root (or ``sysctl net.ipv4.ip_unprivileged_port_start``);
        the keyword fails with that explanation otherwise.

        Example:
        | ${host} = | Find Free Loopback Address | 80 | 8082 |
        | Start Mock Sungrow | host=${host} | winet_http_port=80 | winet_ws_port=8082 |
        """
        return free_loopback_address(list(ports) or [0])

    @keyword
    def find_reachable_address(self, towards: str) -> str:
        """Returns this machine's address on the route to ``towards``, where a system under test elsewhere can reach a mock.

        Start the mock on ``0.0.0.0`` (or on the returned address) and give the system under
        test this address. ``towards`` is any host on the other side: a Kubernetes API server,
        a pod, the gateway of a lab network. Fails with a clear message when there is no route.

        Example:
        | ${address} = | Find Reachable Address | 10.152.183.1 |
        | Start Mock Sungrow | host=0.0.0.0 |
        | Log | inverter-host for the charm: ${address} |

        Through the control endpoint of ``sungrow-mock serve``, ``towards`` is loopback or a host of
        ``--allow-recording-from``: the answer tells the daemon's network addresses.

        See also `Get Mock Sungrow Endpoint`, `Find Free Loopback Address`.
        """
        self.ctx.access.recording_host(towards, "the route towards")
        return reachable_address(towards)

    @keyword
    def stop_mock_sungrow(self, alias: str | None = None) -> None:
        """Stops a mock or a fleet (the current mock, or the fleet it belongs to, by default) and releases its ports.

        When the keyword returns, the ports are free and the mock's thread has ended. After
        stopping the current mock, the most recently started mock still running becomes current.
        A fleet stops whole: given one of its inverters' or mocks' aliases, the keyword fails
        naming the fleet.

        Example:
        | Start Mock Sungrow | SH10RT | alias=house |
        | Start Mock Sungrow | SG10RT | alias=garage |
        | Stop Mock Sungrow | house |
        | Start Mock Sungrow Fleet | 3 | alias=farm |
        | Stop Mock Sungrow | farm |

        See also `Stop All Mock Sungrows`, `Start Mock Sungrow`, `Switch Mock Sungrow`.
        """
        self.ctx.registry.stop(alias)

    @keyword
    def stop_all_mock_sungrows(self) -> None:
        """Stops every mock and fleet this library instance started, whatever its scope.

        Use it in a teardown (``[Teardown]    Stop All Mock Sungrows``) to leave nothing running
        whatever the test started.

        Example:
        | Start Mock Sungrow | SG10RT | alias=garage |
        | Stop All Mock Sungrows |

        See also `Stop Mock Sungrow`.
        """
        self.ctx.registry.stop_all()

    @keyword
    def switch_mock_sungrow(self, alias: str) -> str | None:
        """Makes the mock ``alias`` the current one and returns the previous current alias.

        Keywords that take no ``alias`` act on the current mock. ``alias`` may name a fleet (its
        first mock) or one of a fleet's inverters (``inv7``): keywords given neither ``alias``
        nor ``unit_id`` then act on that inverter.

        Example:
        | Start Mock Sungrow | SH10RT | alias=house |
        | Start Mock Sungrow | SG10RT | alias=garage |
        | ${previous} = | Switch Mock Sungrow | house |
        | Start Mock Sungrow Fleet | 3 | models=SG10RT |
        | Switch Mock Sungrow | inv2 |
        | Set Inverter Value | daily_power_yields | 4.2 |
        | Get Inverter Value | daily_power_yields | == | 4.2 | alias=inv2 |
        """
        return self.ctx.registry.switch(alias)

    @keyword
    def get_mock_sungrow_endpoint(
        self, door: Endpoint = Endpoint.modbus, part: EndpointPart = EndpointPart.address, alias: str | None = None
    ) -> str | int:
        """Returns where an endpoint of a mock listens: ``HOST:PORT``, or just the host or the port.

        ``door`` is one of `Endpoint`: ``modbus``, ``encrypted``, ``winet_ws``, ``winet_http``.
        ``alias`` may name a fleet's inverter (``inv7``): the endpoint it is reached at.

        Example:
        | ${port} = | Get Mock Sungrow Endpoint | modbus | part=port |
        | ${address} = | Get Mock Sungrow Endpoint | winet_http |
        | Start Mock Sungrow Fleet | 2 | layout=ports |
        | ${second} = | Get Mock Sungrow Endpoint | alias=inv2 |
        """
        address = self.ctx.registry.get(alias).endpoint(door)
        host, _, port = address.rpartition(":")
        if part is EndpointPart.host:
            return host
        if part is EndpointPart.port:
            return int(port)
        return address

    @keyword
    def get_mock_sungrow_endpoints(self, alias: str | None = None) -> Endpoints:
        """Returns every open endpoint of a mock as a dictionary of ``HOST:PORT`` (as `Start Mock Sungrow` does).

        Example:
        | ${endpoints} = | Get Mock Sungrow Endpoints |
        | Log | ${endpoints}[modbus] |

        See also `Get Mock Sungrow Endpoint`.
        """
        return Endpoints(**self.ctx.registry.get(alias).endpoints)

    @keyword
    def record_inverter_snapshot(
        self, endpoint: str, path: str, unit_id: int = 1, model: str | None = None, timeout: str = "3s"
    ) -> str:
        """Records every register of a real inverter (or a mock) at ``endpoint`` into the snapshot file ``path``.

        ``endpoint`` is ``HOST:PORT`` of a plain Modbus TCP server. The model is detected from the
        device type code (input register 5000) unless ``model`` is given; then every register
        block of the model is read (function 04 for input, 03 for holding registers, at most 100
        registers per request, ``timeout`` per request). Blocks the device refuses are noted in
        the file. Returns ``path``; `Start Mock Sungrow` with ``snapshot=path`` replays it.

        Point it at a real inverter (``192.168.1.50:502``) to replay that inverter in tests; the
        example records a running mock. Through the control endpoint of ``sungrow-mock serve``,
        ``path`` is inside its data directory (``--data-dir``) and ``endpoint`` is on loopback
        or a host of ``--allow-recording-from``.

        Example:
        | ${endpoint} = | Get Mock Sungrow Endpoint | modbus |
        | Record Inverter Snapshot | ${endpoint} | ${OUTPUT DIR}/inverter.json |
        | Start Mock Sungrow | snapshot=${OUTPUT DIR}/inverter.json | alias=replay |
        """
        host, _, port = str(endpoint).rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"endpoint {endpoint!r} is not HOST:PORT")
        target = self.ctx.access.file(path, "snapshot file")
        self.ctx.access.recording_host(host)
        snapshot = record(host.strip("[]"), int(port), unit=int(unit_id), model=model, timeout=timestr_to_secs(timeout))
        snapshot.save(target)
        logger.info(f"Recorded {snapshot.word_count} registers of a {snapshot.model} (serial {snapshot.serial}) from {endpoint} to {path}")
        return str(path)
