#!/usr/bin/env python3
"""Side-by-side Modbus TCP benchmark: SungrowMockLibrary vs pymodbus vs an echo floor.

One run, 127.0.0.1 only.  Each server runs in its own subprocess (pinned to
the other CPU(s)); the load generator is this process (pinned to the first
CPU) speaking raw Modbus TCP over plain non-blocking sockets -- no pymodbus on
the client side, identical for every target.  Default client: one epoll loop
(``--client epoll``); ``--client asyncio`` uses asyncio transports instead,
which costs ~3x more client CPU per request and makes the 4- and 16-connection
cells client-bound on a 2-core machine (the "cli cpu%" column shows it).

All servers are started first; cells are interleaved target by target and the
whole matrix is repeated ``--rounds`` times (median req/s), so drift on a
shared machine hits every target alike.  Ratios from one run are the result;
absolute numbers move with the machine.

Targets
  mock      ``python -m SungrowMockLibrary serve --model SH10RT --host 127.0.0.1 --modbus-port 0``
  pymodbus  ``benchmarks/pymodbus_server.py`` (pymodbus ModbusTcpServer, plain SimDevice datastore)
  echo      ``benchmarks/echo_server.py`` (precomputed replies of the right size: the floor)

Workloads (unit id 1, one request in flight per connection, closed loop)
  fc04x100  FC 04 read input registers,   wire address 5000, 100 registers (209-byte reply)
  fc03x10   FC 03 read holding registers, wire address 4999,  10 registers ( 29-byte reply)

Also measured: in-process ``MockSungrow.start()`` time and ``serve`` spawn→ready time.

Speed is *reported*, never asserted: the exit status is 0 unless the harness
itself failed (a target did not start, a reply did not verify, a cell hung).

Examples
  python benchmarks/modbus_bench.py                       # full run (~90 s)
  python benchmarks/modbus_bench.py --quick               # smoke run (< 20 s)
  python benchmarks/modbus_bench.py --targets pymodbus,echo --concurrency 1,16 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import os
import platform
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HOST = "127.0.0.1"

# name -> (function code, wire address, register count)
WORKLOADS: dict[str, tuple[int, int, int]] = {
    "fc04x100": (4, 5000, 100),
    "fc03x10": (3, 4999, 10),
}
ALL_TARGETS = ("mock", "pymodbus", "echo")
UNIT_ID = 1

# A cell during which the rest of the machine used this much CPU (% of one
# core) is flagged "disturbed" and re-run up to --retry-disturbed times.
DISTURBED_PCT = 25.0

# Target goals from the issue (reported only, never asserted).
GOAL_CONCURRENCY = 16
GOAL_VS_PYMODBUS = 4.0
GOAL_VS_ECHO = 0.7
GOAL_START_S = 0.005
GOAL_SERVE_READY_S = 0.250


# --------------------------------------------------------------------------- #
# Child-process bookkeeping: every child is killed on exit, Ctrl-C, SIGTERM,  #
# the global alarm, and (Linux) when this process dies (PR_SET_PDEATHSIG).    #
# --------------------------------------------------------------------------- #
_CHILDREN: list[subprocess.Popen] = []
_LIBC_PRCTL = None
try:  # resolved in the parent, so the child only makes one syscall after fork
    import ctypes

    _LIBC_PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except Exception:  # pragma: no cover - non-Linux
    _LIBC_PRCTL = None
_SERVER_CPUS: set[int] | None = None


def _child_preexec() -> None:
    if _LIBC_PRCTL is not None:
        _LIBC_PRCTL(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if _SERVER_CPUS:
        try:
            os.sched_setaffinity(0, _SERVER_CPUS)
        except OSError:
            pass


def _kill_children(grace: float = 2.0) -> None:
    for p in _CHILDREN:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except OSError:
                pass
    deadline = time.monotonic() + grace
    for p in list(_CHILDREN):
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
        if p in _CHILDREN:
            _CHILDREN.remove(p)


atexit.register(_kill_children)


# Child interpreters get byte-code caching even if the caller's environment
# disables it (PYTHONDONTWRITEBYTECODE=1 would make every spawn recompile the
# package and turn "serve ready" into a compile benchmark).  The .pyc files go
# to a private prefix under the temp dir, never into the repository.
PYCACHE_PREFIX = Path(tempfile.gettempdir()) / f"modbus-bench-pycache-{os.getuid()}"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + old if old else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE_PREFIX)
    return env


def spawn(argv: list[str], stderr_file=None) -> subprocess.Popen:
    p = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file if stderr_file is not None else subprocess.DEVNULL,
        cwd=str(REPO),
        env=_child_env(),
        preexec_fn=_child_preexec,
        close_fds=True,
    )
    _CHILDREN.append(p)
    return p


def stop_process(p: subprocess.Popen, grace: float = 3.0) -> float | None:
    """SIGTERM, wait up to ``grace`` s, then SIGKILL. Returns seconds to exit after SIGTERM."""
    t0 = time.perf_counter()
    took = None
    if p.poll() is None:
        try:
            p.send_signal(signal.SIGTERM)
        except OSError:
            pass
        try:
            p.wait(timeout=grace)
            took = time.perf_counter() - t0
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=2.0)
    if p.stdout is not None:
        p.stdout.close()
    if p in _CHILDREN:
        _CHILDREN.remove(p)
    return took


def read_line(p: subprocess.Popen, timeout: float) -> bytes:
    """Read one newline-terminated line from the child's stdout without threads."""
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no ready line within {timeout:.1f} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            continue
        if not chunk:
            p.wait(timeout=2.0)
            raise RuntimeError(f"exited with status {p.returncode} before printing a ready line")
        buf += chunk
    return buf.split(b"\n", 1)[0]


def drain_stdout(p: subprocess.Popen) -> None:
    """Discard anything the server wrote since (keeps its pipe from filling)."""
    if p.stdout is None or p.stdout.closed:
        return
    fd = p.stdout.fileno()
    for _ in range(64):  # bounded
        try:
            if not os.read(fd, 65536):
                return
        except (BlockingIOError, OSError):
            return


def parse_endpoint(line: bytes) -> tuple[str, int]:
    info = json.loads(line)
    ep = info.get("endpoints", info).get("modbus")
    if not ep:
        raise RuntimeError(f"ready line has no modbus endpoint: {line!r}")
    host, _, port = str(ep).rpartition(":")
    return host or HOST, int(port)


def _tail(path: str | None, n: int = 1200) -> str:
    if not path:
        return ""
    try:
        data = Path(path).read_bytes()[-n:]
    except OSError:
        return ""
    return data.decode("utf-8", "replace").strip()


class Server:
    """A target server in its own process; ready = its JSON line was read."""

    def __init__(self, name: str, argv: list[str], ready_timeout: float):
        self.name, self.argv, self.ready_timeout = name, argv, ready_timeout
        self.proc: subprocess.Popen | None = None
        self.ready_s: float | None = None
        self.host, self.port = HOST, 0
        # open for the server's whole life; closed in stop()
        self._err = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".stderr", delete=False)  # noqa: SIM115

    def start(self) -> Server:
        t0 = time.perf_counter()
        self.proc = spawn(self.argv, stderr_file=self._err)
        try:
            line = read_line(self.proc, self.ready_timeout)
            self.ready_s = time.perf_counter() - t0
            self.host, self.port = parse_endpoint(line)
        except Exception as exc:
            self.stop()
            raise RuntimeError(f"{self.name}: {exc}\n  cmd: {shlex.join(self.argv)}\n"
                               f"  stderr: {self.stderr_tail() or '(empty)'}") from None
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self) -> str:
        self._err.flush()
        return _tail(self._err.name)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def close(self) -> None:
        self.stop()
        try:
            self._err.close()
            os.unlink(self._err.name)
        except OSError:
            pass


def target_argv(name: str, args) -> list[str]:
    py = sys.executable
    life = ["--max-seconds", str(int(args.timeout) + 30)]
    if name == "mock":
        if args.mock_cmd:
            return shlex.split(args.mock_cmd)
        return [py, "-m", "SungrowMockLibrary", "serve", "--model", args.model,
                "--host", HOST, "--modbus-port", "0", "--doors", args.doors]
    if name == "pymodbus":
        return [py, str(HERE / "pymodbus_server.py"), "--host", HOST, "--port", "0", *life]
    if name == "echo":
        return [py, str(HERE / "echo_server.py"), "--host", HOST, "--port", "0", *life]
    raise ValueError(name)


def mock_available(args) -> bool:
    if args.mock_cmd:
        return True
    pkg = REPO / "SungrowMockLibrary"
    return (pkg / "__main__.py").exists() or (pkg / "cli.py").exists()


# --------------------------------------------------------------------------- #
# Load generator                                                              #
# --------------------------------------------------------------------------- #
NEED_MORE, AGAIN, DONE, FAILED = 0, 1, 2, 3


class Conn:
    """Closed-loop state of one connection: build request, frame + verify reply, record.

    Shared by both load generators so they do exactly the same work per request.
    """

    def __init__(self, index: int, workload: tuple[int, int, int], plan: CellPlan):
        fc, addr, qty = workload
        self.fc, self.qty = fc, qty
        self.tail = bytes([0, 0, 0, 6, UNIT_ID, fc]) + addr.to_bytes(2, "big") + qty.to_bytes(2, "big")
        self.reply_len = 9 + 2 * qty
        self.plan = plan
        self.tid = (index * 4099) & 0xFFFF  # distinct tid ranges per connection
        self.buf = b""
        self.t_send = 0
        self.latencies: list[int] = []  # ns, for requests sent inside the window
        self.last_recv = 0
        self.sent = 0
        self.error: str | None = None

    def next_request(self) -> bytes:
        self.tid = tid = (self.tid + 1) & 0xFFFF  # fresh transaction id per request
        self.sent += 1
        self.t_send = time.perf_counter_ns()
        return tid.to_bytes(2, "big") + self.tail

    def on_data(self, data: bytes) -> int:
        now = time.perf_counter_ns()
        buf = self.buf + data if self.buf else data
        if len(buf) < 6:
            self.buf = buf
            return NEED_MORE
        total = 6 + int.from_bytes(buf[4:6], "big")
        if len(buf) < total:
            if total > 260:
                self.error = f"bad MBAP length {total - 6}"
                return FAILED
            self.buf = buf
            return NEED_MORE
        if len(buf) > total:
            self.error = f"{len(buf) - total} unsolicited bytes after a reply"
            return FAILED
        self.buf = b""
        # ---- verify every reply ------------------------------------------------
        if (buf[0] << 8 | buf[1]) != self.tid:
            self.error = f"transaction id {buf[0] << 8 | buf[1]} != {self.tid}"
            return FAILED
        if buf[7] != self.fc:
            if buf[7] == self.fc | 0x80:
                self.error = f"exception reply: FC {buf[7]:#04x} code {buf[8] if total > 8 else '?'}"
            else:
                self.error = f"function code {buf[7]} != {self.fc}"
            return FAILED
        if total != self.reply_len or buf[8] != 2 * self.qty or buf[2:4] != b"\0\0" or buf[6] != UNIT_ID:
            self.error = f"malformed reply {buf[:9].hex()} (length {total}, want {self.reply_len})"
            return FAILED
        # ---- record -------------------------------------------------------------
        plan = self.plan
        if self.t_send >= plan.t_measure:
            self.latencies.append(now - self.t_send)
            self.last_recv = now
        if now >= plan.t_end or self.sent >= plan.max_requests:
            return DONE
        return AGAIN


class AsyncioConn(Conn, asyncio.Protocol):
    """asyncio transport/protocol client: callback-driven, no coroutine or future per request."""

    def __init__(self, index, workload, plan):
        super().__init__(index, workload, plan)
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.done.done():
            self.error = self.error or f"connection lost after {self.sent} requests ({exc!r})"
            self.done.set_result(None)

    def send_next(self) -> None:
        self.transport.write(self.next_request())

    def data_received(self, data: bytes) -> None:
        r = self.on_data(data)
        if r == AGAIN:
            self.transport.write(self.next_request())
        elif r == DONE:
            self.done.set_result(None)
        elif r == FAILED:
            if not self.done.done():
                self.done.set_result(None)
            self.transport.abort()


@dataclass
class CellPlan:
    t_measure: int = 0  # perf_counter_ns
    t_end: int = 0
    max_requests: int = 0


@dataclass
class CellResult:
    target: str
    workload: str
    concurrency: int
    status: str = "ok"  # ok | error | timeout | skipped
    requests: int = 0
    elapsed_s: float = 0.0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    error: str | None = None
    client_cpu_pct: float | None = None  # CPU use over the window (100 = one core busy)
    server_cpu_pct: float | None = None
    other_cpu_pct: float | None = None  # rest of the machine during the window
    server_us_per_req: float | None = None  # server CPU time per request: client-independent
    client_us_per_req: float | None = None
    rounds: int = 1
    attempts: int = 1  # > 1 when a disturbed cell was re-run (--retry-disturbed)
    rps_min: float | None = None  # only with --rounds > 1
    rps_max: float | None = None
    rps_rounds: list | None = None


def percentile(sorted_vals: list[int], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu_s(pid: int | None) -> float | None:
    """user+system CPU seconds of a process (all its threads), from /proc."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def system_busy_s() -> float | None:
    """Busy CPU seconds of the whole machine (all CPUs, incl. irq and steal), from /proc/stat."""
    try:
        with open("/proc/stat", "rb") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = v
        return (user + nice + system + irq + softirq + steal) / _CLK_TCK
    except (OSError, ValueError):
        return None


class CpuMeter:
    """CPU use of this process, of the server, and of everything else, over the measured window.

    100 = one core busy.  "other" is the rest of the machine (other programs,
    interrupts, hypervisor steal): if it is high, that cell was disturbed.
    """

    def __init__(self, server_pid: int | None):
        self.pid = server_pid
        self.start: tuple | None = None

    def mark(self) -> None:
        self.start = (time.perf_counter(), time.process_time(), proc_cpu_s(self.pid), system_busy_s())

    def result(self) -> tuple[float | None, float | None, float | None]:
        if self.start is None:
            return None, None, None
        wall0, cli0, srv0, sys0 = self.start
        wall = time.perf_counter() - wall0
        if wall <= 0:
            return None, None, None
        client = 100.0 * (time.process_time() - cli0) / wall
        srv1, sys1 = proc_cpu_s(self.pid), system_busy_s()
        server = 100.0 * (srv1 - srv0) / wall if srv0 is not None and srv1 is not None else None
        other = None
        if server is not None and sys0 is not None and sys1 is not None:
            other = max(0.0, 100.0 * (sys1 - sys0) / wall - client - server)
        return client, server, other


async def run_cell(host: str, port: int, workload: str, conns: int, warmup: float,
                   duration: float, max_requests: int, target: str,
                   server_pid: int | None = None) -> tuple[CellResult, list[int]]:
    res = CellResult(target=target, workload=workload, concurrency=conns)
    loop = asyncio.get_running_loop()
    plan = CellPlan(max_requests=max_requests)
    protos: list[AsyncioConn] = []
    cpu = CpuMeter(server_pid)
    try:
        for i in range(conns):
            _, proto = await asyncio.wait_for(
                loop.create_connection(lambda i=i: AsyncioConn(i, WORKLOADS[workload], plan), host, port),
                timeout=5.0)
            protos.append(proto)
        t0 = time.perf_counter_ns()
        plan.t_measure = t0 + int(warmup * 1e9)
        plan.t_end = plan.t_measure + int(duration * 1e9)
        loop.call_later(warmup, cpu.mark)
        for p in protos:
            p.send_next()
        # every connection stops by itself at t_end or max_requests; the
        # wait_for is only the stall guard (a server that stops answering)
        everyone = asyncio.gather(*(p.done for p in protos))
        everyone.add_done_callback(lambda f: f.cancelled() or f.exception())  # no "never retrieved"
        await asyncio.wait_for(everyone, timeout=warmup + duration + 5.0)
        res.client_cpu_pct, res.server_cpu_pct, res.other_cpu_pct = cpu.result()
    except TimeoutError:
        res.status, res.error = "timeout", "no reply within the cell time limit (server stalled?)"
    except OSError as exc:
        res.status, res.error = "error", f"connect failed: {exc}"
    finally:
        for p in protos:
            if p.transport is not None:
                p.transport.close()
        await asyncio.sleep(0.02)  # let the closes go out before the next cell

    return summarise(res, protos, plan)


def summarise(res: CellResult, conns: list[Conn], plan: CellPlan) -> tuple[CellResult, list[int]]:
    errors = [c.error for c in conns if c.error]
    if errors and res.status == "ok":
        res.status, res.error = "error", f"{len(errors)}/{res.concurrency} connections: {errors[0]}"
    lats = sorted(x for c in conns for x in c.latencies)
    res.requests = len(lats)
    last = max((c.last_recv for c in conns), default=0)
    if res.status == "ok" and lats and last > plan.t_measure:
        res.elapsed_s = (last - plan.t_measure) / 1e9
        res.rps = res.requests / res.elapsed_s
        res.p50_ms = percentile(lats, 50) / 1e6
        res.p99_ms = percentile(lats, 99) / 1e6
        res.max_ms = lats[-1] / 1e6
        res.mean_ms = statistics.fmean(lats) / 1e6
        if res.server_cpu_pct is not None:
            res.server_us_per_req = res.server_cpu_pct / 100.0 * res.elapsed_s / res.requests * 1e6
        if res.client_cpu_pct is not None:
            res.client_us_per_req = res.client_cpu_pct / 100.0 * res.elapsed_s / res.requests * 1e6
    elif res.status == "ok":
        res.status, res.error = "error", "no replies inside the measurement window"
    return res, lats


def epoll_closed_loop(address: tuple[str, int], n: int, plan: CellPlan, cpu: CpuMeter, res: CellResult,
                      new_conn, warmup: float, duration: float) -> list:
    """The closed loop on non-blocking sockets + one epoll, no asyncio: ``n`` connections to
    ``address``, each with the state ``new_conn(index, sock)`` makes (any set-up it does on the
    socket happens while it still blocks), which offers ``next_request()`` and ``on_data(data)``.
    Sets ``res``'s status and CPU figures; returns the connections' states, for ``summarise``.

    About 2-3x cheaper per request on the client than asyncio, so the load generator stops being
    the bottleneck before the server does (see the cli cpu% column). Every door's cells use it.
    """
    conns: list = []
    by_fd: dict = {}
    socks: list[socket.socket] = []
    ep = select.epoll()
    try:
        for i in range(n):
            sock = socket.create_connection(address, timeout=5.0)
            socks.append(sock)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = new_conn(i, sock)
            sock.setblocking(False)
            conns.append(conn)
            by_fd[sock.fileno()] = (conn, sock)
            ep.register(sock.fileno(), select.EPOLLIN)
        plan.t_measure = time.perf_counter_ns() + int(warmup * 1e9)
        plan.t_end = plan.t_measure + int(duration * 1e9)
        hard_end = plan.t_end + 5_000_000_000  # a stalled server ends the cell
        marked = False
        for conn, sock in by_fd.values():
            sock.send(conn.next_request())
        active = n
        while active:
            for fd, _ in ep.poll(0.25):
                conn, sock = by_fd[fd]
                try:
                    data = sock.recv(262144)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    data, conn.error = b"", f"recv failed after {conn.sent} requests: {exc}"
                if not data:
                    conn.error = conn.error or f"closed by the server after {conn.sent} requests"
                    r = FAILED
                else:
                    r = conn.on_data(data)
                if r == AGAIN:
                    request = conn.next_request()
                    if sock.send(request) == len(request):
                        continue
                    conn.error, r = "short send", FAILED
                if r != NEED_MORE:  # DONE or FAILED
                    ep.unregister(fd)
                    active -= 1
            now = time.perf_counter_ns()
            if not marked and now >= plan.t_measure:
                cpu.mark()
                marked = True
            if now > hard_end:
                res.status, res.error = "timeout", "no reply within the cell time limit (server stalled?)"
                break
        if res.status == "ok":
            res.client_cpu_pct, res.server_cpu_pct, res.other_cpu_pct = cpu.result()
    except (OSError, ValueError, KeyError) as exc:
        res.status, res.error = "error", f"set-up or send failed: {exc!r}"
    finally:
        for sock in socks:
            sock.close()
        ep.close()
        time.sleep(0.02)  # let the closes go out before the next cell
    return conns


def run_cell_epoll(host: str, port: int, workload: str, n: int, warmup: float,
                   duration: float, max_requests: int, target: str,
                   server_pid: int | None = None) -> tuple[CellResult, list[int]]:
    """Same closed loop as ``run_cell``, on :func:`epoll_closed_loop`."""
    res = CellResult(target=target, workload=workload, concurrency=n)
    plan = CellPlan(max_requests=max_requests)
    conns = epoll_closed_loop((host, port), n, plan, CpuMeter(server_pid), res,
                              lambda i, sock: Conn(i, WORKLOADS[workload], plan), warmup, duration)  # fmt: skip
    return summarise(res, conns, plan)


def merge_rounds(runs: list[tuple[CellResult, list[int]]]) -> CellResult:
    """One round: as is.  Several: median req/s, latency percentiles over all samples."""
    if len(runs) == 1:
        return runs[0][0]
    first = runs[0][0]
    res = CellResult(first.target, first.workload, first.concurrency, rounds=len(runs))
    bad = [r for r, _ in runs if r.status != "ok"]
    if bad:
        res.status, res.error = bad[0].status, f"{len(bad)}/{len(runs)} rounds: {bad[0].error}"
        return res
    lats = sorted(x for _, ls in runs for x in ls)
    res.requests = len(lats)
    res.elapsed_s = sum(r.elapsed_s for r, _ in runs)
    rps = [r.rps for r, _ in runs]
    res.rps = statistics.median(rps)
    res.rps_min, res.rps_max = min(rps), max(rps)
    res.rps_rounds = rps
    res.attempts = max(r.attempts for r, _ in runs)
    res.p50_ms = percentile(lats, 50) / 1e6
    res.p99_ms = percentile(lats, 99) / 1e6
    res.max_ms = lats[-1] / 1e6
    res.mean_ms = statistics.fmean(lats) / 1e6
    for attr in ("client_cpu_pct", "server_cpu_pct", "other_cpu_pct", "server_us_per_req", "client_us_per_req"):
        vals = [getattr(r, attr) for r, _ in runs if getattr(r, attr) is not None]
        setattr(res, attr, statistics.median(vals) if vals else None)
    return res


# --------------------------------------------------------------------------- #
# Start-up measurements                                                       #
# --------------------------------------------------------------------------- #
def _summ(vals: list[float]) -> dict:
    if not vals:
        return {"n": 0}
    return {"n": len(vals), "median_ms": statistics.median(vals) * 1e3,
            "min_ms": min(vals) * 1e3, "max_ms": max(vals) * 1e3}


def measure_inprocess_start(args) -> dict:
    argv = [sys.executable, str(HERE / "mock_start_probe.py"), "--model", args.model,
            "--cycles", str(args.start_cycles), "--max-seconds", "30", "--doors", args.doors]
    with tempfile.NamedTemporaryFile(prefix="bench-probe-", suffix=".stderr") as err:
        p = spawn(argv, stderr_file=err)
        try:
            line = read_line(p, 60.0)
        except Exception as exc:
            stop_process(p)
            err.flush()
            return {"error": f"{exc}; stderr: {_tail(err.name) or '(empty)'}"}
        p.wait(timeout=10.0)
        stop_process(p)
    raw = json.loads(line)
    return {
        "import_ms": raw["import_s"] * 1e3,
        "first_start_ms": raw["first_start_s"] * 1e3,
        "listening_after_start": raw["listening"],
        "start": _summ(raw["start_s"]),
        "stop": _summ(raw["stop_s"]),
        "construct": _summ(raw["construct_s"]),
    }


def _spawn_ready_once(argv: list[str], ready_timeout: float, needs_line: bool) -> tuple[float, float | None]:
    """One spawn: seconds to the ready line (or to exit, without ``needs_line``) and seconds from
    SIGTERM to exit (None without a line); RuntimeError with the child's stderr when it fails."""
    with tempfile.NamedTemporaryFile(prefix="bench-serve-", suffix=".stderr") as err:
        t0 = time.perf_counter()
        p = spawn(argv, stderr_file=err)
        try:
            if needs_line:
                line = read_line(p, ready_timeout)
                dt = time.perf_counter() - t0
                parse_endpoint(line)
            else:
                p.wait(timeout=ready_timeout)
                dt = time.perf_counter() - t0
        except Exception as exc:
            stop_process(p)
            err.flush()
            raise RuntimeError(f"{exc}; stderr: {_tail(err.name) or '(empty)'}") from None
        took = stop_process(p)  # also reaps and closes the pipe of an exited child
    return dt, took if needs_line else None


def measure_spawn_ready(argv: list[str], runs: int, ready_timeout: float, needs_line: bool = True) -> dict:
    """Spawn→ready-line time (median of ``runs`` after one unrecorded warm-up)."""
    return measure_spawns_ready({"": (argv, needs_line)}, runs, ready_timeout)[""]


def measure_spawns_ready(commands: dict[str, tuple[list[str], bool]], runs: int, ready_timeout: float) -> dict:
    """:func:`measure_spawn_ready` of several commands (name -> argv, needs a ready line), their
    runs interleaved (one of each in turn), so that a slow spell of the machine falls on all of
    them alike rather than on one command's block of runs."""
    ready: dict[str, list[float]] = {name: [] for name in commands}
    stop: dict[str, list[float]] = {name: [] for name in commands}
    failed: dict[str, str] = {}
    for i in range(runs + 1):
        for name, (argv, needs_line) in commands.items():
            if name in failed:
                continue
            try:
                dt, took = _spawn_ready_once(argv, ready_timeout, needs_line)
            except RuntimeError as error:
                failed[name] = str(error)
                continue
            if i == 0:
                continue  # warm-up: .pyc compilation, page cache
            ready[name].append(dt)
            if took is not None:
                stop[name].append(took)
    out = {}
    for name, (argv, _) in commands.items():
        if name in failed:
            out[name] = {"error": failed[name], "cmd": shlex.join(argv)}
            continue
        out[name] = {"cmd": shlex.join(argv), "ready": _summ(ready[name])}
        if stop[name]:
            out[name]["sigterm_to_exit"] = _summ(stop[name])
    return out


# --------------------------------------------------------------------------- #
# Reporting                                                                   #
# --------------------------------------------------------------------------- #
def _f(v, fmt: str, width: int) -> str:
    return (format(v, fmt) if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))
            else "-").rjust(width)


def compute_ratios(results: list[CellResult]) -> list[dict]:
    by = {(r.target, r.workload, r.concurrency): r for r in results}
    out = []
    for wl in [w for w in WORKLOADS if any(r.workload == w for r in results)]:
        for c in sorted({r.concurrency for r in results}):
            m = by.get(("mock", wl, c))
            row = {"workload": wl, "concurrency": c}
            for ref in ("pymodbus", "echo"):
                o = by.get((ref, wl, c))
                ok = m and o and m.rps and o.rps
                row[f"mock_over_{ref}_rps"] = (m.rps / o.rps) if ok else None
                row[f"mock_over_{ref}_p50"] = (m.p50_ms / o.p50_ms) if ok and o.p50_ms else None
                # capacity: requests per server-CPU-second, mock relative to ref
                ok_cpu = ok and m.server_us_per_req and o.server_us_per_req
                row[f"mock_over_{ref}_capacity"] = (o.server_us_per_req / m.server_us_per_req) if ok_cpu else None
            out.append(row)
    return out


def print_report(report: dict) -> None:
    meta = report["meta"]
    w = sys.stdout.write
    w("\n")
    w(f"Modbus TCP benchmark  {meta['date']}  python {meta['python']}  pymodbus {meta['pymodbus']}  "
      f"cpus {meta['cpus']}  pin {meta['pinning']}\n")
    w(f"closed loop, 1 request in flight per connection; warm-up {meta['warmup_s']} s, "
      f"window {meta['duration_s']} s or {meta['max_requests']} req/conn per cell"
      + (f"; {meta['rounds']} rounds (median req/s)" if meta["rounds"] > 1 else "") + "\n")
    for name, info in meta["targets"].items():
        extra = f"ready {info['ready_ms']:.0f} ms" if info.get("ready_ms") is not None else info.get("status", "")
        w(f"  {name:<8} {extra:<16} {info['cmd']}\n")
    w("\n")
    hdr = (f"{'workload':<9} {'conns':>5}  {'target':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
           f" {'cli cpu%':>8} {'srv cpu%':>8} {'oth cpu%':>8} {'srv us/req':>10}  status\n")
    w(hdr)
    w("-" * (len(hdr) - 1) + "\n")
    prev = None
    for r in report["results"]:
        key = (r["workload"], r["concurrency"])
        if prev is not None and key != prev:
            w("\n")
        prev = key
        st = r["status"] if r["status"] == "ok" else f"{r['status']}: {r['error']}"
        st = " | ".join(x.strip() for x in st.splitlines())
        st = st if len(st) <= 160 else st[:157] + "..."  # full text in --json
        cli, srv, oth = r.get("client_cpu_pct"), r.get("server_cpu_pct"), r.get("other_cpu_pct")
        if r["status"] == "ok":
            if cli is not None and srv is not None and cli >= 90 and srv < 90:
                st += ", client-bound"
            if oth is not None and oth >= DISTURBED_PCT:
                st += ", disturbed"
            if r.get("attempts", 1) > 1:
                st += f", attempt {r['attempts']}"
        w(f"{r['workload']:<9} {r['concurrency']:>5}  {r['target']:<8} {_f(r['rps'], ',.0f', 9)} "
          f"{_f(r['p50_ms'], '.3f', 8)} {_f(r['p99_ms'], '.3f', 8)} {_f(r['max_ms'], '.2f', 8)} "
          f"{_f(r['client_cpu_pct'], '.0f', 8)} {_f(r['server_cpu_pct'], '.0f', 8)} "
          f"{_f(r['other_cpu_pct'], '.0f', 8)} "
          f"{_f(r['server_us_per_req'], '.1f', 10)}  {st}\n")

    w("\nRatios mock/reference, same run (req/s and cap: >1 = mock better; p50: <1 = mock answers faster;\n"
      "cap = requests per server-CPU-second, i.e. reference srv us/req / mock srv us/req)\n")
    hdr = (f"{'workload':<9} {'conns':>5}  {'req/s vs pymodbus':>17} {'req/s vs echo':>13}"
           f" {'p50 vs pymodbus':>15} {'p50 vs echo':>11} {'cap vs pymodbus':>15} {'cap vs echo':>11}\n")
    w(hdr)
    w("-" * (len(hdr) - 1) + "\n")
    for row in report["ratios"]:
        note = ""
        if row["concurrency"] == GOAL_CONCURRENCY:
            a, b = row["mock_over_pymodbus_rps"], row["mock_over_echo_rps"]
            if a is not None and b is not None:
                note = (f"  goal >={GOAL_VS_PYMODBUS:g}x pymodbus: {'met' if a >= GOAL_VS_PYMODBUS else 'MISSED'}, "
                        f">={GOAL_VS_ECHO:g}x echo: {'met' if b >= GOAL_VS_ECHO else 'MISSED'}")
        w(f"{row['workload']:<9} {row['concurrency']:>5}  {_f(row['mock_over_pymodbus_rps'], '.2f', 17)} "
          f"{_f(row['mock_over_echo_rps'], '.2f', 13)} {_f(row['mock_over_pymodbus_p50'], '.2f', 15)} "
          f"{_f(row['mock_over_echo_p50'], '.2f', 11)} {_f(row['mock_over_pymodbus_capacity'], '.2f', 15)} "
          f"{_f(row['mock_over_echo_capacity'], '.2f', 11)}{note}\n")

    st = report.get("startup", {})
    if st:
        w("\nStart-up\n")
        ip = st.get("inprocess")
        if ip:
            if "error" in ip:
                w(f"  MockSungrow.start() in-process: ERROR {ip['error']}\n")
            else:
                s = ip["start"]
                w(f"  MockSungrow.start() in-process, {s['n']} cycles: median {s['median_ms']:.2f} ms, "
                  f"max {s['max_ms']:.2f} ms (goal < {GOAL_START_S * 1e3:g} ms: "
                  f"{'met' if s['max_ms'] < GOAL_START_S * 1e3 else 'MISSED'} on max)\n")
                w(f"    first start after import {ip['first_start_ms']:.2f} ms; import {ip['import_ms']:.1f} ms; "
                  f"stop median {ip['stop']['median_ms']:.2f} ms; "
                  f"listening when start() returned: {ip['listening_after_start']}\n")
        for key, label in (("serve_module", "serve (python -m)"), ("serve_script", "serve (sungrow-mock)"),
                           ("serve_all_doors", "serve, all doors (info)"),
                           ("serve_custom", "serve (--mock-cmd)"), ("python_floor", "python -c pass (floor)")):
            v = st.get(key)
            if not v:
                continue
            if "error" in v:
                w(f"  {label:<24} ERROR {v['error']}\n")
                continue
            r = v["ready"]
            goal = ""
            if key in ("serve_module", "serve_script", "serve_custom"):
                goal = (f" (goal < {GOAL_SERVE_READY_S * 1e3:g} ms: "
                        f"{'met' if r['median_ms'] < GOAL_SERVE_READY_S * 1e3 else 'MISSED'})")
            term = ""
            if "sigterm_to_exit" in v:
                term = f"; SIGTERM->exit median {v['sigterm_to_exit']['median_ms']:.0f} ms"
            w(f"  {label:<24} spawn->ready median {r['median_ms']:.0f} ms "
              f"(min {r['min_ms']:.0f}, max {r['max_ms']:.0f}, n={r['n']}){goal}{term}\n")
    w("\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- #
# Orchestration                                                               #
# --------------------------------------------------------------------------- #
def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Examples", 1)[1] if "Examples" in __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=None, help="measured seconds per cell and round (default 1.0; quick 0.3)")
    ap.add_argument("--warmup", type=float, default=None, help="unrecorded seconds per cell and round (default 0.3; quick 0.1)")
    ap.add_argument("--max-requests", type=int, default=200_000,
                    help="per connection per cell; a cell ends at whichever of this and the window comes first")
    ap.add_argument("--rounds", type=int, default=None,
                    help="repeat the whole matrix, interleaved; req/s is the median over rounds "
                         "(default 3; quick 1)")
    ap.add_argument("--retry-disturbed", type=int, default=None,
                    help=f"re-run a cell up to N times while other programs use >= {DISTURBED_PCT:g}%% "
                         "of a core during it (default 2; quick 0)")
    ap.add_argument("--concurrency", default="1,4,16", help="comma-separated connection counts")
    ap.add_argument("--targets", default=",".join(ALL_TARGETS), help="comma-separated subset of mock,pymodbus,echo")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of " + ",".join(WORKLOADS))
    ap.add_argument("--client", choices=("epoll", "asyncio"), default="epoll",
                    help="load generator: raw non-blocking sockets on one epoll (default; ~3x cheaper "
                         "per request) or asyncio transports (saturates its own core at 4+ connections "
                         "on small machines: see cli cpu%%)")
    ap.add_argument("--model", default="SH10RT")
    ap.add_argument("--mock-cmd", default=None,
                    help="override the mock server command (must print the JSON ready line)")
    ap.add_argument("--start-cycles", type=int, default=None, help="in-process start/stop cycles (default 50; quick 10)")
    ap.add_argument("--doors", default="modbus",
                    help="doors the mock opens for the start-up and load measurements (default modbus)")
    ap.add_argument("--serve-runs", type=int, default=None, help="serve spawn->ready runs (default 10; quick 3)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up measurements")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin the client to CPU 0 and servers to the other CPUs")
    ap.add_argument("--quick", action="store_true", help="fast smoke run (< 20 s)")
    ap.add_argument("--json", dest="json_path", default=None, help="also write the full results as JSON here")
    ap.add_argument("--timeout", type=float, default=None,
                    help="hard limit for the whole run in seconds (default: derived from the plan)")
    args = ap.parse_args(argv)

    q = args.quick
    args.duration = args.duration if args.duration is not None else (0.3 if q else 1.0)
    args.warmup = args.warmup if args.warmup is not None else (0.1 if q else 0.3)
    args.rounds = args.rounds if args.rounds is not None else (1 if q else 3)
    args.retry_disturbed = args.retry_disturbed if args.retry_disturbed is not None else (0 if q else 2)
    if not 0 <= args.retry_disturbed <= 5:
        ap.error("--retry-disturbed: 0..5")
    args.start_cycles = args.start_cycles if args.start_cycles is not None else (10 if q else 50)
    args.serve_runs = args.serve_runs if args.serve_runs is not None else (3 if q else 10)
    try:
        args.concurrency = list(dict.fromkeys(int(x) for x in args.concurrency.split(",") if x.strip()))
    except ValueError:
        ap.error("--concurrency: comma-separated integers")
    if not args.concurrency or any(not 1 <= c <= 256 for c in args.concurrency):
        ap.error("--concurrency values must be 1..256")
    args.targets = list(dict.fromkeys(t.strip() for t in args.targets.split(",") if t.strip()))
    if not args.targets or any(t not in ALL_TARGETS for t in args.targets):
        ap.error(f"--targets: choose from {','.join(ALL_TARGETS)}")
    args.workloads = list(dict.fromkeys(x.strip() for x in args.workloads.split(",") if x.strip()))
    if not args.workloads or any(x not in WORKLOADS for x in args.workloads):
        ap.error(f"--workloads: choose from {','.join(WORKLOADS)}")
    if args.duration <= 0 or args.warmup < 0 or args.max_requests < 1 or not 1 <= args.rounds <= 20:
        ap.error("--duration must be > 0, --warmup >= 0, --max-requests >= 1, --rounds 1..20")
    if args.client == "epoll" and not hasattr(select, "epoll"):  # non-Linux
        args.client = "asyncio"
    if args.timeout is None:
        cells = (len(args.targets) * len(args.workloads) * len(args.concurrency) * args.rounds
                 * (1 + args.retry_disturbed))
        args.timeout = cells * (args.warmup + args.duration + 1.0) + 120.0
    return args


def _setup_pinning(args) -> str:
    global _SERVER_CPUS
    if args.no_pin or not hasattr(os, "sched_getaffinity"):
        return "off"
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "off (1 cpu)"
    client, servers = cpus[0], set(cpus[1:])
    os.sched_setaffinity(0, {client})
    _SERVER_CPUS = servers
    return f"client cpu {client}, servers cpu {','.join(map(str, sorted(servers)))}"


def _on_alarm(signum, frame):  # hard overall limit
    sys.stderr.write("\nmodbus_bench: hard timeout reached, killing servers and exiting\n")
    sys.stderr.flush()
    _kill_children(grace=0.5)
    os._exit(124)


def _on_term(signum, frame):
    raise SystemExit(128 + signum)


def run(args) -> tuple[dict, bool]:
    pinning = _setup_pinning(args)
    try:  # version from the metadata: the load generator never imports pymodbus
        from importlib.metadata import version

        pymodbus_version = version("pymodbus")
    except Exception:  # pragma: no cover
        pymodbus_version = "n/a"
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pymodbus": pymodbus_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pinning": pinning,
        "host": HOST,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "max_requests": args.max_requests,
        "rounds": args.rounds,
        "client": args.client,
        "retry_disturbed": args.retry_disturbed,
        "disturbed_other_cpu_pct": DISTURBED_PCT,
        "child_pycache_prefix": str(PYCACHE_PREFIX),
        "concurrency": args.concurrency,
        "workloads": {k: {"fc": WORKLOADS[k][0], "address": WORKLOADS[k][1], "count": WORKLOADS[k][2],
                          "reply_bytes": 9 + 2 * WORKLOADS[k][2]} for k in args.workloads},
        "targets": {},
        "argv": sys.argv[1:],
    }
    report: dict = {"meta": meta, "results": [], "ratios": [], "startup": {}}
    ok = True
    have_mock = mock_available(args)

    # ---- start-up measurements (mock only) --------------------------------
    if not args.no_startup and "mock" in args.targets:
        if not have_mock:
            report["startup"]["skipped"] = "SungrowMockLibrary has no cli.py/__main__.py yet"
        else:
            print("measuring start-up ...", flush=True)
            report["startup"]["python_floor"] = measure_spawn_ready(
                [sys.executable, "-c", "pass"], args.serve_runs, 10.0, needs_line=False)
            if args.mock_cmd is None:
                report["startup"]["inprocess"] = measure_inprocess_start(args)
                ok &= "error" not in report["startup"]["inprocess"]
            serve = measure_spawn_ready(target_argv("mock", args), args.serve_runs, 10.0)
            report["startup"]["serve_module" if args.mock_cmd is None else "serve_custom"] = serve
            ok &= "error" not in serve
            script = shutil.which("sungrow-mock")
            if script and args.mock_cmd is None:
                report["startup"]["serve_script"] = measure_spawn_ready(
                    [script, "serve", "--model", args.model, "--host", HOST, "--modbus-port", "0",
                     "--doors", args.doors], args.serve_runs, 10.0)
                # for information: every door (the WiNet door imports aiohttp)
                report["startup"]["serve_all_doors"] = measure_spawn_ready(
                    [script, "serve", "--model", args.model, "--host", HOST], args.serve_runs, 10.0)

    # ---- throughput / latency matrix --------------------------------------
    # All servers are started first and stay up (idle ones sleep in epoll);
    # cells are then interleaved target by target, so slow drift on a shared
    # machine hits every target alike and the ratios stay meaningful.
    servers: dict[str, Server] = {}
    try:
        for target in args.targets:
            argv = target_argv(target, args)
            tinfo = {"cmd": shlex.join(argv), "ready_ms": None, "status": "ok"}
            meta["targets"][target] = tinfo
            if target == "mock" and not have_mock:
                tinfo["status"] = "unavailable (no SungrowMockLibrary/cli.py or __main__.py)"
                print(f"!! mock: {tinfo['status']}", file=sys.stderr, flush=True)
                ok = False
                continue
            server = Server(target, argv, ready_timeout=15.0)
            try:
                server.start()
            except RuntimeError as exc:
                tinfo["status"] = f"failed to start: {exc}"
                print(f"!! {tinfo['status']}", file=sys.stderr, flush=True)
                ok = False
                server.close()
                continue
            servers[target] = server
            tinfo["ready_ms"] = server.ready_s * 1e3
            tinfo["endpoint"] = f"{server.host}:{server.port}"

        per_cell: dict[tuple[str, str, int], list[tuple[CellResult, list[int]]]] = {}
        for rnd in range(args.rounds):
            if args.rounds > 1:
                print(f"round {rnd + 1}/{args.rounds}", flush=True)
            for wl in args.workloads:
                for c in args.concurrency:
                    k = len(args.targets)
                    rot = (rnd + args.workloads.index(wl) + args.concurrency.index(c)) % k
                    for target in args.targets[rot:] + args.targets[:rot]:  # rotate order
                        server = servers.get(target)
                        if server is None:
                            continue
                        if not server.alive():
                            res = CellResult(target, wl, c, status="error",
                                             error=f"server exited: {server.stderr_tail()[-300:]}")
                            lats: list[int] = []
                        else:
                            print(f"  {wl:<9} x{c:<3} {target:<8} ...", end=" ", flush=True)
                            cell_args = (server.host, server.port, wl, c, args.warmup,
                                         args.duration, args.max_requests, target, server.proc.pid)
                            for attempt in range(1 + args.retry_disturbed):  # bounded
                                if args.client == "epoll":
                                    res, lats = run_cell_epoll(*cell_args)
                                else:
                                    res, lats = asyncio.run(run_cell(*cell_args))
                                drain_stdout(server.proc)
                                res.attempts = attempt + 1
                                disturbed = (res.status == "ok" and res.other_cpu_pct is not None
                                             and res.other_cpu_pct >= DISTURBED_PCT)
                                if not disturbed:
                                    break
                                print(f"(disturbed: other {res.other_cpu_pct:.0f}%)", end=" ", flush=True)
                            print(f"{res.rps:,.0f} req/s" if res.rps else f"{res.status}: {res.error}",
                                  flush=True)
                        per_cell.setdefault((target, wl, c), []).append((res, lats))
    finally:
        for server in servers.values():
            server.close()

    for target in args.targets:
        for wl in args.workloads:
            for c in args.concurrency:
                runs = per_cell.get((target, wl, c))
                if not runs:
                    st = meta["targets"][target]["status"]
                    report["results"].append(CellResult(target, wl, c, status="skipped", error=st))
                    continue
                res = merge_rounds(runs)
                ok &= res.status == "ok"
                report["results"].append(res)

    # order rows workload, concurrency, target for side-by-side reading
    order = {t: i for i, t in enumerate(ALL_TARGETS)}
    report["results"].sort(key=lambda r: (list(WORKLOADS).index(r.workload), r.concurrency, order[r.target]))
    report["ratios"] = compute_ratios(report["results"])
    report["results"] = [asdict(r) for r in report["results"]]
    return report, ok


def run_and_report(args, run, print_report) -> int:
    """Run a benchmark bounded by ``args.timeout``, print its report, write it as JSON if asked, and
    stop every server and load process it started, however it ends (doors_bench.py runs this too)."""
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGHUP, _on_term)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, math.ceil(args.timeout)))
    try:
        report, ok = run(args)
        print_report(report)
        if args.json_path:
            out = Path(args.json_path)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2) + "\n")
            print(f"wrote {args.json_path}")
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        _kill_children()


def main(argv=None) -> int:
    return run_and_report(parse_args(argv), run, print_report)


if __name__ == "__main__":
    sys.exit(main())
