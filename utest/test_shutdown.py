"""Stopping with clients on every door: SIGTERM during a request, and start/stop cycles that leave nothing.

test_lifecycle.py covers one door per cycle (1,000 cycles) and every door with idle connections;
these add requests in flight and the ``sungrow-mock serve`` process. The 1,000-cycle run with every
door is in ``benchmarks/soak.py --cycles 1000`` (20-30 s); here 100 cycles keep the test
command short.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import weakref

from door_clients import EncryptedModbus, PlainModbus, WinetClient

from SungrowMockLibrary import MockSungrow

CLI = [sys.executable, "-m", "SungrowMockLibrary"]
READ = bytes.fromhex("0413870001")  # FC 04, wire 4999, 1 register: the device type code
HELD = 30  # seconds a delayed request is held: far beyond any prompt stop
# A loaded 2-core CI machine: the stop itself takes about 2 s (1 s for the websocket close
# handshake, 1 s for HTTP requests still being handled); the bound leaves room for the load.
PROMPT_EXIT = 6.0


def address(endpoint: str) -> tuple[str, int]:
    host, port = endpoint.rsplit(":", 1)
    return host, int(port)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def thread_names() -> set[str]:
    return {t.name for t in threading.enumerate()}


def closed_by_peer(connection: socket.socket, wait: float = 5.0) -> bool:
    """The mock closed ``connection`` (after any reply it had sent): EOF or reset within ``wait``."""
    connection.settimeout(wait)
    try:
        return any(not connection.recv(65536) for _ in range(100))
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    finally:
        connection.close()


def port_is_free(endpoint: str) -> bool:
    """A server can listen on the port again (SO_REUSEADDR: over TIME_WAIT, never over a listener)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address(endpoint))
            probe.listen()
        except OSError:
            return False
    return True


class InFlight(threading.Thread):
    """One request sent from its own thread; ``outcome`` is the reply or the error that ended it."""

    def __init__(self, name: str, request):
        super().__init__(name=f"in-flight {name}", daemon=True)
        self.request, self.outcome, self.ended = request, None, None

    def run(self) -> None:
        try:
            self.outcome = self.request()
        except Exception as error:  # the mock closing the connection ends the request
            self.outcome = error
        self.ended = time.monotonic()


def test_sigterm_with_a_client_on_every_door_and_requests_in_flight_exits_promptly(tmp_path):
    faults = tmp_path / "faults.toml"
    faults.write_text(
        f'[[fault]]\nkind = "delay"\ndelay = {HELD}\nunit = 1\n'  # Modbus reads on both Modbus doors
        f'[[fault]]\nkind = "delay"\ndelay = {HELD}\nservice = "/about/list"\n'  # one HTTP path
        f'[[fault]]\nkind = "delay"\ndelay = {HELD}\nservice = "real"\n'  # one WebSocket service
    )
    process = subprocess.Popen([*CLI, "serve", "--faults", str(faults), "--control-port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    clients = []
    try:
        ready = json.loads(process.stdout.readline())
        endpoints = ready["endpoints"]
        assert set(endpoints) == {"modbus", "encrypted", "winet_ws", "winet_http", "control"}
        plain, encrypted = PlainModbus(endpoints["modbus"]), EncryptedModbus(endpoints["encrypted"])  # key exchanged
        idle_ws = WinetClient(endpoints["winet_ws"], endpoints["winet_http"])  # connected, then idle
        busy_ws = WinetClient(endpoints["winet_ws"], endpoints["winet_http"])
        control = socket.create_connection(address(endpoints["control"]), timeout=5)
        clients = [plain, encrypted, idle_ws, busy_ws]
        http_url = f"http://{endpoints['winet_http']}/about/list?token={idle_ws.token}"
        requests = [
            InFlight("plain", lambda: plain.ask(1, READ)),
            InFlight("encrypted", lambda: encrypted.ask(1, READ)),
            InFlight("websocket", lambda: busy_ws.call("real", dev_id="1")),
            InFlight("http", lambda: urllib.request.urlopen(http_url, timeout=HELD + 10).read()),
        ]
        for request in requests:
            request.start()
        time.sleep(1.0)  # every request reached the mock and is being held by its delay
        assert all(request.is_alive() for request in requests)

        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(PROMPT_EXIT + 10)
        exit_seconds = time.monotonic() - signalled
        for request in requests:
            request.join(5)

        assert code == 0, process.stderr.read()
        assert exit_seconds < PROMPT_EXIT, f"exited {exit_seconds:.1f}s after SIGTERM"
        print(f"exit {exit_seconds:.2f}s after SIGTERM")
        for request in requests:  # ended by the stop, not answered after the delay
            assert not request.is_alive() and isinstance(request.outcome, Exception), (request.name, request.outcome)
            assert request.ended - signalled < PROMPT_EXIT, request.name
        assert closed_by_peer(control)
        for door, endpoint in endpoints.items():
            assert port_is_free(endpoint), f"{door} port {endpoint} still taken"
        stderr = process.stderr.read()
        assert "Traceback" not in stderr, stderr
    finally:
        process.kill()
        process.wait(5)
        for client in clients:
            try:
                client.close()
            except Exception:  # already dropped by the mock's stop
                pass


def test_a_hundred_cycles_with_every_door_and_requests_in_flight_leave_nothing_behind():
    MockSungrow(firmware="tls").start().stop()  # warm imports, catalogue and the TLS certificate code
    fds, threads = open_fds(), thread_names()
    for cycle in range(100):
        mock = MockSungrow(firmware=("legacy", "login", "tls")[cycle % 3], simulate=cycle % 2 == 0).start()
        mock.inject_fault("delay", delay=HELD, door="modbus")
        plain = PlainModbus(mock.endpoint("modbus"))
        plain.sock.sendall(plain.frame(1, READ))  # held by the delay when the mock stops
        encrypted = EncryptedModbus(mock.endpoint("encrypted"))
        encrypted.sock.sendall(encrypted.wrap(encrypted.frame(1, READ)))  # in flight on the encrypted door
        winet = [
            socket.create_connection(address(e), timeout=5)
            for e in {mock.endpoint("winet_ws"), mock.endpoint("winet_http")}
        ]
        winet[0].sendall(b"GET /about/list HTTP/1.1\r\nHost: mock\r\n\r\n")
        started = time.monotonic()
        mock.stop()
        assert time.monotonic() - started < PROMPT_EXIT, f"cycle {cycle}: stop took {time.monotonic() - started:.1f}s"
        for connection in (plain.sock, encrypted.sock, *winet):
            assert closed_by_peer(connection), f"cycle {cycle}: a connection outlived the stop"
    assert open_fds() == fds
    assert thread_names() == threads


def test_a_stopped_mock_is_freed_after_its_winet_http_door_answered():
    # aiohttp caches each handler with its middlewares module-wide (1,024 entries): a stopped
    # mock's HTTP door must not stay in it, or every mock of a long run stays in memory.
    mock = MockSungrow(doors="winet").start()
    token = WinetClient(mock.endpoint("winet_ws"), mock.endpoint("winet_http"))
    assert token.get("/about/list")["result_code"] == 1
    token.close()
    mock.stop()
    freed = weakref.ref(mock)
    del mock
    gc.collect()
    assert freed() is None, [type(r).__name__ for r in gc.get_referrers(freed())]
