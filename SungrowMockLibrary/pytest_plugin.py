"""pytest fixtures: running mocks whose settings never leak from one test into the next.

- ``sungrow_mock``: one running mock per test (SH10RT unless the ``sungrow_mock`` marker says
  otherwise)::

      @pytest.mark.sungrow_mock(model="SG10RT", unit_id=3)
      def test_reads_serial(sungrow_mock):
          host, port = sungrow_mock.endpoint("modbus").split(":")

- ``sungrow_mock_factory``: call it with start options for more mocks; they stop when the test ends.
- ``sungrow_module_mock_factory``: the same for mocks shared by a module's tests; they stop when
  the module is done. Every test still starts clean on them: ``sungrow_mock_scope`` (used by
  every test) opens a ``test`` scope on every mock of the session, and closing it undoes what
  the test set (pins, irradiance, load, inverter state, clock speed, WiNet and encryption
  settings, faults). What evolves (counters, battery level, simulated time) goes on.
- ``sungrow_fleet_factory``: call it with ``MockSungrowFleet`` arguments (``count``, ``layout``,
  ``models``, start options) for a started fleet; it stops when the test ends, and what the test
  sets on its inverters is undone as on any mock.
- ``sungrow_mocks``: the session's mocks and fleets (a :class:`~.registry.MockRegistry`), for
  scopes of your own (``open_scope``/``close_scope``).
"""

from __future__ import annotations

import pytest

from .fleet import MockSungrowFleet
from .mock import MockSungrow
from .registry import MockRegistry
from .vocabulary import Scope


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sungrow_mock(**options): start options of the sungrow_mock fixture (model, unit_id, serial, ...)"
    )


@pytest.fixture(scope="session")
def sungrow_mocks():
    """Every mock and fleet the fixtures started in this session, with their open scopes."""
    registry = MockRegistry()
    yield registry
    registry.stop_all()


@pytest.fixture(scope="session")
def sungrow_fleet(sungrow_mocks):
    """The former name of ``sungrow_mocks`` (before fleets were fleets of inverters); kept so
    that existing tests run on."""
    return sungrow_mocks


def _starter(registry: MockRegistry):
    def start(**options) -> MockSungrow:
        mock = MockSungrow(**options).start()
        try:
            registry.add(mock)
        except Exception:
            mock.stop()
            raise
        return mock

    return start


@pytest.fixture(scope="module")
def sungrow_module_mock_factory(request, sungrow_mocks):
    """Call it with start options to get started mocks shared by the module's tests.

    They stop when the module is done, and what the module's tests set on them is undone after
    each test (see ``sungrow_mock_scope``)."""
    scope_id = sungrow_mocks.open_scope(Scope.suite, request.node.nodeid)
    yield _starter(sungrow_mocks)
    sungrow_mocks.close_scope(scope_id)


@pytest.fixture(autouse=True)
def sungrow_mock_scope(request, sungrow_mocks) -> int:
    """A ``test`` scope on every mock of the session (wider-scoped fixtures' mocks too); what the
    test sets on them is undone when it ends. Returns the scope id."""
    scope_id = sungrow_mocks.open_scope(Scope.test, request.node.nodeid)
    yield scope_id
    sungrow_mocks.close_scope(scope_id)


@pytest.fixture
def sungrow_mock_factory(sungrow_mocks, sungrow_mock_scope):
    """Call it with ``MockSungrow`` start options to get started mocks; all stop when the test ends."""
    return _starter(sungrow_mocks)


@pytest.fixture
def sungrow_fleet_factory(sungrow_mocks, sungrow_mock_scope):
    """Call it with ``MockSungrowFleet`` arguments to get a started fleet; it stops when the test ends."""

    def start(*args, alias: str | None = None, **options) -> MockSungrowFleet:
        fleet = MockSungrowFleet(*args, **options).start()
        try:
            sungrow_mocks.add_fleet(fleet, alias)
        except Exception:
            fleet.stop()
            raise
        return fleet

    return start


@pytest.fixture
def sungrow_mock(request, sungrow_mock_factory) -> MockSungrow:
    """A running mock (SH10RT unless the ``sungrow_mock`` marker says otherwise)."""
    marker = request.node.get_closest_marker("sungrow_mock")
    return sungrow_mock_factory(**(marker.kwargs if marker else {}))
