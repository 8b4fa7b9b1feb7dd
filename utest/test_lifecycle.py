"""Start and stop: ports, threads and file descriptors are released; mocks never share state."""

import os
import socket
import threading

import pytest

from SungrowMockLibrary import MockSungrow, MockSungrowError
from SungrowMockLibrary.errors import SungrowMockError


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def assert_closed_by_peer(connection: socket.socket) -> None:
    try:
        assert connection.recv(1) == b""
    except ConnectionResetError:
        pass
    connection.close()


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_defaults_are_free_port_on_loopback():
    with MockSungrow(doors="modbus") as mock:
        host, port = mock.endpoint("modbus").split(":")
        assert host == "127.0.0.1" and int(port) > 0
        assert mock.model == "SH10RT"


def test_stop_releases_the_port_and_ends_the_thread():
    mock = MockSungrow(doors="modbus").start()
    port = int(mock.endpoint().split(":")[1])
    connection = socket.create_connection(("127.0.0.1", port), timeout=2)
    mock.stop()
    assert not any(name.startswith("sungrow-mock") for name in _threads())
    assert connection.recv(1) == b""  # open connections are closed too
    connection.close()
    # The closed connection may sit in TIME_WAIT (normal TCP); a server binds over it.
    with MockSungrow(doors="modbus", modbus_port=port) as again:
        assert again.endpoint() == f"127.0.0.1:{port}"


def test_connections_made_just_before_stop_are_closed_not_leaked():
    MockSungrow(doors="modbus").start().stop()
    fds = _open_fds()
    for _ in range(100):
        mock = MockSungrow(doors="modbus").start()
        connection = socket.create_connection(("127.0.0.1", int(mock.endpoint().split(":")[1])), timeout=2)
        mock.stop()
        assert_closed_by_peer(connection)
    assert _open_fds() == fds


def test_stop_without_connections_frees_the_port_for_any_socket():
    mock = MockSungrow(doors="modbus").start()
    port = int(mock.endpoint().split(":")[1])
    mock.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


def test_a_thousand_start_stop_cycles_leave_nothing_behind():
    MockSungrow(doors="modbus").start().stop()  # warm caches (catalogue parsing) before counting
    fds, threads = _open_fds(), _threads()
    for _ in range(1000):
        mock = MockSungrow("SG10RT", doors="modbus").start()
        mock.stop()
    assert _open_fds() == fds
    assert _threads() == threads


def test_every_door_is_released_on_stop():
    MockSungrow().start().stop()  # warm imports and caches before counting
    fds, threads = _open_fds(), _threads()
    for firmware in ("legacy", "login", "tls") * 10:
        mock = MockSungrow(firmware=firmware).start()
        assert set(mock.endpoints) == {"modbus", "encrypted", "winet_ws", "winet_http"}
        connections = [
            socket.create_connection(tuple_address(address), timeout=2) for address in set(mock.endpoints.values())
        ]
        mock.stop()
        for connection in connections:
            assert_closed_by_peer(connection)
    assert _open_fds() == fds
    assert _threads() == threads


def tuple_address(address: str) -> tuple[str, int]:
    host, port = address.rsplit(":", 1)
    return host, int(port)


def test_stop_is_idempotent_and_restart_works():
    mock = MockSungrow(doors="modbus")
    mock.stop()
    mock.start()
    mock.stop()
    mock.stop()
    mock.start()
    assert mock.running
    mock.stop()


def test_double_start_is_refused():
    with MockSungrow(doors="modbus") as mock, pytest.raises(MockSungrowError, match="already running"):
        mock.start()


def test_endpoint_before_start_is_a_clear_error():
    with pytest.raises(MockSungrowError, match="not running"):
        MockSungrow(doors="modbus").endpoint("modbus")


def test_busy_port_fails_cleanly_and_leaks_no_thread():
    with MockSungrow(doors="modbus") as first:
        port = int(first.endpoint().split(":")[1])
        threads = _threads()
        with pytest.raises(OSError):
            MockSungrow(doors="modbus", modbus_port=port).start()
        assert _threads() == threads


def test_two_mocks_never_share_state():
    with MockSungrow("SH10RT", doors="modbus") as a, MockSungrow("SH10RT", doors="modbus") as b:
        a.set_value("daily_power_yields", 1.5)
        b.set_value("daily_power_yields", 7.5)
        assert a.get_value("daily_power_yields") == 1.5
        assert b.get_value("daily_power_yields") == 7.5
        assert a.endpoint() != b.endpoint()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"model": "SH99"}, "unknown model 'SH99'; did you mean SH8T"),
        ({"unit_id": 0}, "valid: 1..247"),
        ({"modbus_port": 70000}, "valid: 0..65535"),
        ({"serial": "X" * 21}, "at most 20 fit"),
        ({"doors": "modbus,telnet"}, "valid: modbus, encrypted, winet"),
        ({"firmware": "v9"}, "valid: legacy, login, tls"),
        ({"winet_http_port": -1}, "winet_http_port -1 is out of range"),
    ],
)
def test_bad_options_name_the_valid_choices(options, message):
    with pytest.raises(SungrowMockError, match=message):
        MockSungrow(**options)


def test_model_names_are_case_insensitive():
    assert MockSungrow("sh8.0rt", doors="modbus").model == "SH8.0RT"


def test_several_inverters_answer_at_their_unit_ids():
    with MockSungrow("SH10RT", doors="modbus") as mock:
        mock.add_inverter("SG5.0RS", 2, serial="B000000002")
        host, port = tuple_address(mock.endpoint())
        with socket.create_connection((host, port), timeout=2) as connection:
            for unit, code in ((1, "0e03"), (2, "2606")):
                connection.sendall(bytes.fromhex(f"000100000006{unit:02x}0413870001"))
                assert connection.recv(64)[-2:].hex() == code
        assert mock.get_register("serial_number", unit_id=2) == "B000000002"
        with pytest.raises(MockSungrowError, match="unit id 2 is taken"):
            mock.add_inverter("SG10RT", 2)
        with pytest.raises(MockSungrowError, match=r"no device at unit id 9; valid: 1 \(SH10RT\), 2 \(SG5.0RS\), 200"):
            mock.get_register("serial_number", unit_id=9)


def test_reachable_address_is_the_source_address_of_the_route():
    from SungrowMockLibrary.netutil import reachable_address

    assert reachable_address("127.0.0.1") == "127.0.0.1"
    assert reachable_address("localhost") in ("127.0.0.1", "::1")
    with pytest.raises(MockSungrowError, match="cannot resolve 'no-such-host.invalid'"):
        reachable_address("no-such-host.invalid")
