"""Backpressure and limits on every door: a peer that reads nothing, idles, floods connections or
exhausts file descriptors costs a bounded amount and never holds up another client.

Each test also checks that a well-behaved client is served meanwhile, with a loose bound (1 s)
that a loaded CI machine keeps; the figures themselves come from benchmarks/door_limits_probe.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from door_clients import PlainModbus

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.errors import SungrowMockError
from SungrowMockLibrary.limits import IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_OWED_REPLIES, WRITE_BUFFER_HIGH
from SungrowMockLibrary.options import StartOptions
from SungrowMockLibrary.runtime import AcceptErrors

PROMPT = 1.0  # seconds a polite client may wait for a reply while the door is under abuse
READ_100 = bytes((4,)) + struct.pack(">HH", 5000, 100)  # FC 04, 100 input registers: a 209-byte reply
ONE_READ = struct.pack(">HHHB", 1, 0, 6, 1) + READ_100


def address(endpoint: str) -> tuple[str, int]:
    host, port = endpoint.rsplit(":", 1)
    return host, int(port)


def served_promptly(endpoint: str) -> float:
    """Seconds a fresh plain Modbus client waits for one 100-register read."""
    client = PlainModbus(endpoint)
    try:
        started = time.perf_counter()
        assert client.ask(1, READ_100)[:2] == b"\x04\xc8"
        waited = time.perf_counter() - started
    finally:
        client.close()
    assert waited < PROMPT
    return waited


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """Whether the mock closes ``sock`` (EOF or reset) within ``within`` seconds; data is skipped."""
    sock.settimeout(within)
    end = time.monotonic() + within
    try:
        while time.monotonic() < end:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def door_cost(mock: MockSungrow, door: str) -> tuple[int, int, int]:
    """(open connections, unsent reply bytes, unparsed request bytes) of a Modbus door, read on its loop."""

    def measure():
        keeper = mock._doors[door]._connections
        protocols = list(keeper)
        return (
            len(protocols),
            sum(p.transport.get_write_buffer_size() for p in protocols),
            sum(len(p._buffer) for p in protocols),
        )

    return mock._runtime.call(measure)


@pytest.fixture
def modbus_doors():
    with MockSungrow(doors="modbus,encrypted", simulate=False) as mock:
        yield mock


# -- backpressure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("door", ["modbus", "encrypted"])
def test_a_client_that_never_reads_replies_costs_a_bounded_buffer(modbus_doors, door):
    mock = modbus_doors
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog.connect(address(mock.endpoint(door)))
    hog.setblocking(False)
    burst, sent, worst = ONE_READ * 256, 0, 0.0
    end = time.monotonic() + 1.0
    for _ in range(10_000):  # about 1 s of sending as fast as the mock takes it, never reading
        if time.monotonic() > end:
            break
        try:
            sent += hog.send(burst)
        except BlockingIOError:
            time.sleep(0.005)
            worst = max(worst, served_promptly(mock.endpoint("modbus")))
    _, unsent, unparsed = door_cost(mock, door)
    print(f"\n{door}: {sent // len(ONE_READ)} requests sent; the mock holds {unsent} unsent reply bytes "
          f"and {unparsed} unparsed request bytes; a polite reader waited at most {worst * 1000:.1f} ms")  # fmt: skip
    # The old door held every reply: tens of megabytes after a second. Now: the write buffer's
    # high-water mark plus a reply, and at most one socket read of requests.
    assert unsent <= WRITE_BUFFER_HIGH + 512
    assert unparsed <= 256 * 1024 + len(burst)
    print(f"{door}: the mock answered {len(mock.journal)} of them")
    served_promptly(mock.endpoint("modbus"))
    hog.close()
    deadline = time.monotonic() + 5
    while door_cost(mock, door)[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert door_cost(mock, door) == (0, 0, 0)  # the client left: everything it cost is released


def test_a_client_that_reads_slowly_gets_every_reply_in_order(modbus_doors):
    mock = modbus_doors
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    client.settimeout(10)
    client.connect(address(mock.endpoint("modbus")))
    count = 40_000  # 8 MB of replies: beyond what the kernel's buffers absorb, so the door stalls
    requests = b"".join(struct.pack(">HHHB", n & 0xFFFF, 0, 6, 1) + READ_100 for n in range(count))
    sender = threading.Thread(target=client.sendall, args=(requests,), daemon=True)
    sender.start()
    time.sleep(0.3)
    served_promptly(mock.endpoint("modbus"))
    received = bytearray()
    while len(received) < count * 209:
        chunk = client.recv(65536)
        assert chunk
        received += chunk
    sender.join(10)
    client.close()
    ids = [struct.unpack_from(">H", received, n * 209)[0] for n in range(count)]
    assert ids == [n & 0xFFFF for n in range(count)]


def test_delayed_and_late_replies_count_against_the_backpressure_and_go_with_the_client(modbus_doors):
    mock = modbus_doors
    mock.inject_fault("delay", door="modbus", delay=0.5)
    client = socket.create_connection(address(mock.endpoint("modbus")), timeout=10)
    count = MAX_OWED_REPLIES * 3
    client.sendall(b"".join(struct.pack(">HHHB", n, 0, 6, 1) + READ_100 for n in range(count)))
    time.sleep(0.2)

    def owed():
        return [p.connection.owed for p in mock._doors["modbus"]._connections]

    assert max(mock._runtime.call(owed)) == MAX_OWED_REPLIES  # the door stopped reading at the limit
    received = b""
    while len(received) < count * 209:  # and read on as the replies went out: all answered
        chunk = client.recv(65536)
        assert chunk
        received += chunk
    mock.clear_faults()
    mock.inject_fault("late_response", door="modbus", delay=30)
    client.sendall(ONE_READ)
    time.sleep(0.1)
    assert mock._runtime.call(owed) == [1]
    client.close()
    time.sleep(0.2)
    assert mock._runtime.call(owed) == []  # the timer and the held reply went with the connection
    mock.clear_faults()
    served_promptly(mock.endpoint("modbus"))


# -- idle timeout ---------------------------------------------------------------------------------


def websocket_handshake(endpoint: str) -> socket.socket:
    sock = socket.create_connection(address(endpoint), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/home/overview HTTP/1.1\r\nHost: {endpoint}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def masked_text(text: str) -> bytes:
    data, mask = text.encode(), os.urandom(4)
    return bytes((0x81, 0x80 | len(data))) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def test_idle_connections_are_closed_after_the_idle_timeout():
    idle = 0.6
    with MockSungrow(simulate=False, idle_timeout=idle) as mock:
        quiet = {
            "modbus": socket.create_connection(address(mock.endpoint("modbus"))),
            "encrypted": socket.create_connection(address(mock.endpoint("encrypted"))),
            "half a frame": socket.create_connection(address(mock.endpoint("modbus"))),
            "winet http": socket.create_connection(address(mock.endpoint("winet_http"))),
            "winet http after a request": socket.create_connection(address(mock.endpoint("winet_http"))),
            "websocket": websocket_handshake(mock.endpoint("winet_ws")),
        }
        quiet["half a frame"].sendall(ONE_READ[:5])
        quiet["winet http after a request"].sendall(b"GET /about/list HTTP/1.1\r\nHost: x\r\n\r\n")
        assert not closed_by_peer(quiet["modbus"], idle / 2)  # not before the idle timeout
        polite = PlainModbus(mock.endpoint("modbus"))
        talking = websocket_handshake(mock.endpoint("winet_ws"))
        started = time.monotonic()
        while time.monotonic() - started < idle * 2.5:  # polite clients keep talking meanwhile
            begun = time.perf_counter()
            assert polite.ask(1, READ_100)[:2] == b"\x04\xc8"
            assert time.perf_counter() - begun < PROMPT
            talking.sendall(masked_text(json.dumps({"lang": "en_us", "service": "ping", "token": ""})))
            time.sleep(0.1)
        for name, sock in quiet.items():
            assert closed_by_peer(sock, 1.0), f"{name} is still open after {idle * 2.5:g} s idle"
            sock.close()
        assert polite.ask(1, READ_100)[:2] == b"\x04\xc8"  # the busy ones stay open
        assert not closed_by_peer(talking, 0.05)
        polite.close()
        talking.close()


def test_a_connection_waiting_for_a_delayed_reply_is_not_idle():
    with MockSungrow(doors="modbus", simulate=False, idle_timeout=0.3) as mock:
        mock.inject_fault("delay", door="modbus", delay=1.0)
        client = PlainModbus(mock.endpoint("modbus"))
        assert client.ask(1, READ_100)[:2] == b"\x04\xc8"
        client.close()


def test_idle_timeout_zero_keeps_quiet_connections_open():
    with MockSungrow(doors="modbus", simulate=False, idle_timeout=0) as mock:
        quiet = socket.create_connection(address(mock.endpoint("modbus")))
        assert not closed_by_peer(quiet, 0.5)
        quiet.close()


# -- connection cap -------------------------------------------------------------------------------


def test_connections_beyond_the_cap_are_refused_and_the_others_keep_being_served():
    with MockSungrow(simulate=False, max_connections=3) as mock:
        for endpoint in ("modbus", "encrypted"):
            clients = [PlainModbus(mock.endpoint(endpoint)) for _ in range(3)]
            refused = socket.create_connection(address(mock.endpoint(endpoint)))
            assert closed_by_peer(refused, 2.0), f"the {endpoint} door took a 4th connection"
            for client in clients:
                started = time.perf_counter()
                assert client.ask(1, READ_100)[:2] == b"\x04\xc8"
                assert time.perf_counter() - started < PROMPT
            clients.pop().close()
            time.sleep(0.1)
            again = PlainModbus(mock.endpoint(endpoint))  # a place came free
            assert again.ask(1, READ_100)[:2] == b"\x04\xc8"
            for client in [*clients, again]:
                client.close()
        # WiNet counts its WebSocket and HTTP connections together
        held = [websocket_handshake(mock.endpoint("winet_ws")) for _ in range(2)]
        held.append(socket.create_connection(address(mock.endpoint("winet_http"))))
        refused = socket.create_connection(address(mock.endpoint("winet_http")))
        assert closed_by_peer(refused, 2.0)
        held[2].sendall(b"GET /about/list HTTP/1.1\r\nHost: x\r\n\r\n")
        held[2].settimeout(PROMPT)
        assert held[2].recv(12) == b"HTTP/1.1 200"
        for sock in held:
            sock.close()


def test_half_open_connections_cost_at_most_the_cap(modbus_doors):
    mock = modbus_doors
    opened = []
    try:
        for _ in range(MAX_CONNECTIONS + 100):  # benchmarks/door_limits_probe.py opens 1,000
            opened.append(socket.create_connection(address(mock.endpoint("modbus")), timeout=5))
        served_promptly(mock.endpoint("encrypted"))
        time.sleep(0.3)
        assert door_cost(mock, "modbus")[0] == MAX_CONNECTIONS
        served_promptly(mock.endpoint("encrypted"))
    finally:
        for sock in opened:
            sock.close()


# -- accept errors --------------------------------------------------------------------------------


def test_accept_errors_are_logged_once_per_interval(caplog):
    handler = AcceptErrors(interval=60)
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(handler)
    error = OSError(24, "Too many open files")
    try:
        with caplog.at_level(logging.WARNING, logger="SungrowMockLibrary.doors"):
            for _ in range(1000):
                loop.call_exception_handler({"message": "socket.accept() out of system resource", "exception": error})
    finally:
        loop.close()
    assert [r.getMessage() for r in caplog.records] == [
        "cannot accept connections: Too many open files; retrying every second"
    ]


SERVE_AT_A_LOW_FD_LIMIT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
from SungrowMockLibrary.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_at_the_file_descriptor_limit_the_door_logs_one_line_and_keeps_serving(tmp_path):
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE_AT_A_LOW_FD_LIMIT, "serve", "--doors", "modbus", "--no-simulate",
             "--max-connections", "0"],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env={**os.environ},
        )  # fmt: skip
    opened = []
    try:
        endpoint = json.loads(process.stdout.readline())["endpoints"]["modbus"]
        polite = PlainModbus(endpoint)
        for _ in range(200):  # beyond the 128 descriptors the server may open
            opened.append(socket.create_connection(address(endpoint), timeout=5))
        for _ in range(20):  # 2 s at the limit, asking all along
            started = time.perf_counter()
            assert polite.ask(1, READ_100)[:2] == b"\x04\xc8"
            assert time.perf_counter() - started < PROMPT
            time.sleep(0.1)
        polite.close()
    finally:
        for sock in opened:
            sock.close()
        process.terminate()
        process.wait(10)
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines[:10]  # the old door logged 1 MB of tracebacks in 3 s
    assert "cannot accept connections" in lines[0] and "Too many open files" in lines[0]


# -- options --------------------------------------------------------------------------------------


def test_the_limits_are_start_options_with_defaults_from_one_module():
    assert (StartOptions().idle_timeout, StartOptions().max_connections) == (IDLE_TIMEOUT, MAX_CONNECTIONS)
    assert StartOptions.of(idle_timeout="5 min").idle_timeout == 300
    assert StartOptions.of(idle_timeout=timedelta(seconds=1.5)).idle_timeout == 1.5
    assert StartOptions.of(idle_timeout="0", max_connections="0") == StartOptions.of(idle_timeout=0, max_connections=0)
    with pytest.raises(SungrowMockError, match="idle_timeout 'soon' is not a time"):
        StartOptions.of(idle_timeout="soon")
    with pytest.raises(SungrowMockError, match="max_connections -1 is out of range; valid: 0 or more"):
        StartOptions.of(max_connections=-1)
