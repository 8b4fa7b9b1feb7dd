"""Keywords that start, stop, find and switch mocks."""

from __future__ import annotations

from robot.api import logger
from robotlibcore import keyword

from ..keyword_types import Door, EndpointPart, Endpoints
from ..mock import MockSungrow
from .context import LibraryContext


class LifecycleKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def start_mock_sungrow(
        self,
        model: str | None = None,
        host: str | None = None,
        modbus_port: int = 0,
        unit_id: int = 1,
        serial: str | None = None,
        alias: str | None = None,
    ) -> Endpoints:
        """Starts a mock inverter and returns its endpoints, e.g. ``{'modbus': '127.0.0.1:40123'}``.

        Arguments:
        - ``model``: a catalogue model (``SH10RT``, ``SH8.0RT``, ``SH5.0RS``, ``SG10RT``,
          ``SG5.0RS``, ``SG33CX``); defaults to the library import's ``model``.
        - ``host``: address to bind; defaults to the library import's ``host`` (``127.0.0.1``).
          Give ``0.0.0.0`` to be reachable from other machines.
        - ``modbus_port``: plain Modbus TCP port; ``0`` (default) picks a free port.
        - ``unit_id``: the Modbus unit id the inverter answers (1..247, default 1).
        - ``serial``: serial number (at most 20 bytes; 10 characters suit every client);
          defaults to the model's.
        - ``alias``: name to refer to this mock later (default ``mock1``, ``mock2``, ...).

        The new mock becomes the current one. A mock started in a test is stopped when the test
        ends; one started in a suite setup is stopped when the suite ends.

        Example:
        | ${endpoints} = | Start Mock Sungrow | SG10RT | unit_id=3 |
        | Log | ${endpoints}[modbus] |

        See also `Get Mock Sungrow Endpoint`, `Stop Mock Sungrow`, `Switch Mock Sungrow`.
        """
        mock = MockSungrow(
            model=model or self.ctx.default_model,
            host=host or self.ctx.default_host,
            modbus_port=modbus_port,
            unit_id=unit_id,
            serial=serial,
        )
        mock.start()
        try:
            alias = self.ctx.fleet.add(mock, alias)
        except Exception:
            mock.stop()
            raise
        logger.info(f"Started mock {alias}: {mock.model} serial {mock.inverter.serial} unit {mock.unit_id} at {mock.endpoints}")
        return Endpoints(**mock.endpoints)

    @keyword
    def stop_mock_sungrow(self, alias: str | None = None) -> None:
        """Stops a mock (the current one by default) and releases its ports.

        When the keyword returns, the ports are free and the mock's thread has ended. After
        stopping the current mock, the most recently started mock still running becomes current.
        """
        self.ctx.fleet.stop(alias)

    @keyword
    def stop_all_mock_sungrows(self) -> None:
        """Stops every mock this library instance started, whatever its scope."""
        self.ctx.fleet.stop_all()

    @keyword
    def switch_mock_sungrow(self, alias: str) -> str | None:
        """Makes the mock ``alias`` the current one and returns the previous current alias.

        Keywords that take no ``alias`` act on the current mock.

        Example:
        | Start Mock Sungrow | SH10RT | alias=house |
        | Start Mock Sungrow | SG10RT | alias=garage |
        | ${previous} = | Switch Mock Sungrow | house |
        """
        return self.ctx.fleet.switch(alias)

    @keyword
    def get_mock_sungrow_endpoint(
        self, door: Door = Door.modbus, part: EndpointPart = EndpointPart.address, alias: str | None = None
    ) -> str | int:
        """Returns where a door of a mock listens: ``HOST:PORT``, or just the host or the port.

        Example:
        | ${port} = | Get Mock Sungrow Endpoint | modbus | part=port |
        | ${address} = | Get Mock Sungrow Endpoint |
        """
        address = self.ctx.fleet.get(alias).endpoint(door.value)
        host, _, port = address.rpartition(":")
        if part is EndpointPart.host:
            return host
        if part is EndpointPart.port:
            return int(port)
        return address
