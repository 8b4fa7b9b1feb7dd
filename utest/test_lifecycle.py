"""Start and stop: ports, threads and file descriptors are released; mocks never share state."""

import os
import socket
import threading

import pytest

from SungrowMockLibrary import MockSungrow, MockSungrowError
from SungrowMockLibrary.device.catalogue import CatalogueError


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_defaults_are_free_port_on_loopback():
    with MockSungrow() as mock:
        host, port = mock.endpoint("modbus").split(":")
        assert host == "127.0.0.1" and int(port) > 0
        assert mock.model == "SH10RT"


def test_stop_releases_the_port_and_ends_the_thread():
    mock = MockSungrow().start()
    port = int(mock.endpoint().split(":")[1])
    connection = socket.create_connection(("127.0.0.1", port), timeout=2)
    mock.stop()
    assert not any(name.startswith("sungrow-mock") for name in _threads())
    assert connection.recv(1) == b""  # open connections are closed too
    connection.close()
    # The closed connection may sit in TIME_WAIT (normal TCP); a server binds over it.
    with MockSungrow(modbus_port=port) as again:
        assert again.endpoint() == f"127.0.0.1:{port}"


def test_connections_made_just_before_stop_are_closed_not_leaked():
    MockSungrow().start().stop()
    fds = _open_fds()
    for _ in range(100):
        mock = MockSungrow().start()
        connection = socket.create_connection(("127.0.0.1", int(mock.endpoint().split(":")[1])), timeout=2)
        mock.stop()
        try:
            assert connection.recv(1) == b""
        except ConnectionResetError:
            pass
        connection.close()
    assert _open_fds() == fds


def test_stop_without_connections_frees_the_port_for_any_socket():
    mock = MockSungrow().start()
    port = int(mock.endpoint().split(":")[1])
    mock.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


def test_a_thousand_start_stop_cycles_leave_nothing_behind():
    MockSungrow().start().stop()  # warm caches (catalogue parsing) before counting
    fds, threads = _open_fds(), _threads()
    for _ in range(1000):
        mock = MockSungrow("SG10RT").start()
        mock.stop()
    assert _open_fds() == fds
    assert _threads() == threads


def test_stop_is_idempotent_and_restart_works():
    mock = MockSungrow()
    mock.stop()
    mock.start()
    mock.stop()
    mock.stop()
    mock.start()
    assert mock.running
    mock.stop()


def test_double_start_is_refused():
    with MockSungrow() as mock, pytest.raises(MockSungrowError, match="already running"):
        mock.start()


def test_endpoint_before_start_is_a_clear_error():
    with pytest.raises(MockSungrowError, match="not running"):
        MockSungrow().endpoint("modbus")


def test_busy_port_fails_cleanly_and_leaks_no_thread():
    with MockSungrow() as first:
        port = int(first.endpoint().split(":")[1])
        threads = _threads()
        with pytest.raises(OSError):
            MockSungrow(modbus_port=port).start()
        assert _threads() == threads


def test_two_mocks_never_share_state():
    with MockSungrow("SH10RT") as a, MockSungrow("SH10RT") as b:
        a.set_value("daily_power_yields", 1.5)
        b.set_value("daily_power_yields", 7.5)
        assert a.get_value("daily_power_yields") == 1.5
        assert b.get_value("daily_power_yields") == 7.5
        assert a.endpoint() != b.endpoint()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"model": "SH99"}, "valid: SH10RT, SH8.0RT, SH5.0RS, SG10RT, SG5.0RS, SG33CX"),
        ({"unit_id": 0}, "valid: 1..247"),
        ({"modbus_port": 70000}, "valid: 0..65535"),
        ({"serial": "X" * 21}, "at most 20 fit"),
    ],
)
def test_bad_options_name_the_valid_choices(options, message):
    with pytest.raises(CatalogueError, match=message):
        MockSungrow(**options)


def test_model_names_are_case_insensitive():
    assert MockSungrow("sh8.0rt").model == "SH8.0RT"
