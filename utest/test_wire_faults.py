"""Faults at the Modbus wire and the journal, as a raw client sees them (plain and encrypted doors)."""

import time

import pytest
from conftest import RawModbus, read_frame

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.transports.encrypted import EncryptionKey

DAILY_YIELD = read_frame(1, 1, 4, 5002, 1)  # documented 5003, daily_power_yields


@pytest.fixture
def mock():
    with MockSungrow("SG10RT", doors="modbus,encrypted", clock_speed=0, start_time="2026-06-21T12:00:00") as running:
        yield running


@pytest.fixture
def connect(mock):
    opened = []

    def open_one(door: str = "modbus") -> RawModbus:
        connection = RawModbus(mock.endpoint(door))
        opened.append(connection)
        return connection

    yield open_one
    for connection in opened:
        connection.close()


def test_exception_on_a_register_range_then_normal_again(mock, connect):
    fault = mock.inject_fault("exception", code="02", registers="5000-5010", times=1)
    connection = connect()
    assert connection.ask(DAILY_YIELD) == bytes.fromhex("000100000003018402")
    assert connection.ask(DAILY_YIELD)[7] == 4
    assert connection.ask(read_frame(3, 1, 4, 5019, 1))[7] == 4  # outside the range
    assert (fault.matched, fault.triggered) == (1, 1)


def test_no_response_leaves_the_client_waiting_and_the_next_request_is_answered(mock, connect):
    mock.inject_fault("no_response", times=1)
    connection = connect()
    connection.send(DAILY_YIELD)
    assert connection.silent(0.3)
    assert connection.ask(read_frame(2, 1, 4, 5002, 1))[:2] == b"\x00\x02"


def test_delay_holds_the_reply_back(mock, connect):
    mock.inject_fault("delay", delay="0.3s", times=1)
    connection = connect()
    started = time.monotonic()
    connection.send(DAILY_YIELD)
    assert connection.silent(0.1)
    connection.sock.settimeout(2)
    assert connection.reply()[7] == 4 and time.monotonic() - started >= 0.3


def test_late_response_arrives_while_the_client_waits_for_the_next(mock, connect):
    mock.inject_fault("late_response", delay="30s", times=1)
    connection = connect()
    connection.send(DAILY_YIELD)
    assert connection.silent(0.3)
    connection.send(read_frame(2, 1, 4, 5002, 1))
    connection.sock.settimeout(2)
    assert connection.reply()[:2] == b"\x00\x01"  # the stale reply first
    assert connection.reply()[:2] == b"\x00\x02"


def test_reset_close_after_garbage_truncate(mock, connect):
    mock.inject_fault("reset", times=1)
    first = connect()
    first.send(DAILY_YIELD)
    with pytest.raises((ConnectionResetError, ConnectionError)):
        first.reply()

    mock.inject_fault("close_after", requests=2, times=1)
    second = connect()
    assert second.ask(DAILY_YIELD)[7] == 4
    assert second.ask(DAILY_YIELD)[7] == 4
    assert second.closed_by_peer()

    mock.inject_fault("garbage", size=5, seed=3, times=1)
    third = connect()
    third.send(DAILY_YIELD)
    third.sock.settimeout(1)
    noise = third.sock.recv(64)
    assert len(noise) == 5 and noise != DAILY_YIELD[:5]

    mock.inject_fault("truncate", times=1)
    fourth = connect()
    fourth.send(DAILY_YIELD)
    fourth.sock.settimeout(1)
    assert len(fourth.sock.recv(64)) == 5  # half of the 11-byte reply


def test_wrong_transaction_and_unit_ids(mock, connect):
    mock.inject_fault("wrong_transaction_id", times=1)
    mock.inject_fault("wrong_unit_id", times=1)
    connection = connect()
    assert connection.ask(DAILY_YIELD)[:2] == b"\x00\x02"
    reply = connection.ask(read_frame(5, 1, 4, 5002, 1))
    assert reply[:2] == b"\x00\x05" and reply[6] == 2


def test_refuse_and_connection_limit(mock, connect):
    mock.inject_fault("connection_limit", connections=1)
    first = connect()
    assert first.ask(DAILY_YIELD)[7] == 4
    assert _dropped(connect)  # the second concurrent session is dropped
    first.close()
    assert _answered_within(connect, 2.0)  # the only session again, once the mock saw the close
    mock.clear_faults()
    mock.inject_fault("refuse", door="modbus")
    assert _dropped(connect)
    assert connect("encrypted").ask(DAILY_YIELD)[7] == 4  # other doors keep serving


def _dropped(connect) -> bool:
    """The mock reset the connection: at once (the client's connect already sees it) or soon after."""
    try:
        connection = connect()
    except ConnectionError:
        return True
    return connection.closed_by_peer()


def _answered_within(connect, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return connect().ask(DAILY_YIELD)[7] == 4
        except ConnectionError:
            time.sleep(0.05)
    return False


def test_encrypted_key_faults(mock, connect):
    key_request = "000100000006f7040ae70008"
    mock.inject_fault("key_not_answered", times=1)
    connection = connect("encrypted")
    connection.send(key_request)
    assert connection.silent(0.3)
    assert connection.ask(key_request)[9:] == bytes.fromhex(mock.get_encryption_key())

    before = mock.get_encryption_key()
    mock.inject_fault("key_rotated", function=4, registers="5003", times=1)
    session = EncryptionKey(bytes.fromhex(before))
    connection.send(session.wrap(DAILY_YIELD))
    connection.sock.settimeout(1)
    header = connection.sock.recv(4)
    body = connection.sock.recv(header[2] + header[3])
    assert mock.get_encryption_key() != before
    assert session.decrypt(body)[:2] != b"\x00\x01"  # the client's key no longer fits


def test_journal_names_registers_flags_off_by_one_and_records_writes(mock, connect):
    connection = connect()
    connection.ask(read_frame(1, 1, 4, 5003, 1))  # documented 5004: half of total_power_yields
    connection.ask(read_frame(2, 1, 4, 5006, 1))  # documented 5007: inside total_running_time
    connection.ask(bytes.fromhex("0003000000090110138E00010200aa"))  # power_limitation_switch = enable
    mock.sync()
    split, inside, write = mock.journal.requests()
    assert (split.address, split.wire_address, split.registers) == (5004, 5003, ("total_power_yields",))
    assert "covers only part of total_power_yields" in split.hint
    assert "did you mean" in inside.hint
    assert (write.function, write.table, write.address, write.values) == (16, "holding", 5007, (0xAA,))
    assert write.registers == ("power_limitation_switch",) and write.reply == "ok"
    assert all(r.door == "modbus" and r.peer.startswith("127.0.0.1:") and r.latency_ms >= 0 for r in (split, inside, write))


def test_faults_and_journal_never_stop_other_clients(mock, connect):
    mock.inject_fault("reset", probability="50%", seed=1)
    answered = 0
    for tid in range(1, 21):
        connection = connect()
        connection.sock.settimeout(1)
        try:
            answered += connection.ask(read_frame(tid, 1, 4, 5002, 1))[7] == 4
        except (TimeoutError, ConnectionError):
            pass
    assert 0 < answered < 20
    mock.sync()
    faults = {r.fault for r in mock.journal.requests()}
    assert faults == {None, "reset"}
