"""pytest fixtures: ``sungrow_mock`` (one running mock per test) and ``sungrow_mock_factory``.

Choose the model with a marker::

    @pytest.mark.sungrow_mock(model="SG10RT", unit_id=3)
    def test_reads_serial(sungrow_mock):
        host, port = sungrow_mock.endpoint("modbus").split(":")
"""

from __future__ import annotations

import pytest

from .mock import MockSungrow


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sungrow_mock(**options): options of the sungrow_mock fixture (model, unit_id, serial, ...)"
    )


@pytest.fixture
def sungrow_mock_factory():
    """Call it with ``MockSungrow`` options to get started mocks; all stop when the test ends."""
    started: list[MockSungrow] = []

    def start(**options) -> MockSungrow:
        mock = MockSungrow(**options).start()
        started.append(mock)
        return mock

    yield start
    for mock in started:
        mock.stop()


@pytest.fixture
def sungrow_mock(request, sungrow_mock_factory) -> MockSungrow:
    """A running mock (SH10RT unless the ``sungrow_mock`` marker says otherwise)."""
    marker = request.node.get_closest_marker("sungrow_mock")
    return sungrow_mock_factory(**(marker.kwargs if marker else {}))
