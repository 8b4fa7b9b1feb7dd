"""Shared plumbing for the client driver scripts (``drive_<group>.py``).

Each driver runs under its own client group's venv python, drives one real
client library, and prints exactly one JSON object on stdout. This module has
no third-party imports so that every venv can use it.

Exit codes: 0 the client did what was asked, 1 the client failed (the JSON
says why), 2 bad command line, 124 the overall time guard fired.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import enum
import json
import logging
import math
import os
import sys
import threading
import time
import traceback
from pathlib import Path

EXIT_OK = 0
EXIT_CLIENT_FAILED = 1
EXIT_TIMEOUT = 124

_emit_lock = threading.Lock()
_emitted = False


def base_parser(description: str, default_port: int = 502) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="mock or inverter host")
    parser.add_argument("--port", type=int, default=default_port, help="Modbus TCP port")
    parser.add_argument("--unit", type=int, default=1, help="Modbus unit (slave) id")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="client timeout per request in seconds (default 3)")
    parser.add_argument("--guard", type=float, default=60.0,
                        help="hard limit for the whole run in seconds (default 60)")
    return parser


def add_handshake_option(parser: argparse.ArgumentParser, what: str = "step") -> None:
    """Add ``--handshake DIR``: pause before each later ``what`` until the test says go."""
    parser.add_argument(
        "--handshake", metavar="DIR", default=None,
        help=f"before {what} N (N >= 2) create DIR/ready-N and wait until DIR/go-N exists, "
             "so that a test can change the mock between two steps of one client run")


def handshake(args, step: int) -> None:
    """Signal that ``step`` is about to run and wait for the test's go (bounded by ``--guard``).

    Does nothing without ``--handshake`` or for the first step. The files are plain markers:
    the test waits for ``ready-N`` to appear, changes the mock, then creates ``go-N``;
    ``go-all`` lets every later step run without waiting.
    """
    directory = getattr(args, "handshake", None)
    if not directory or step < 2:
        return
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"ready-{step}").write_text(f"{os.getpid()}\n")
    go, go_all = folder / f"go-{step}", folder / "go-all"
    while not (go.exists() or go_all.exists()):  # the guard ends the run if the test never says go
        time.sleep(0.02)


NO_ENCRYPTION = b"no encryption"


def encryption_state(client) -> dict:
    """What the SungrowModbusTcpClient lineage negotiated (its private attributes, read only).

    ``client_key``: ``client._key`` as hex (the AES key = public key XOR the clients' private
    key), the text ``"no encryption"`` when the client fell back to plain Modbus, or None
    before any key request. ``public_key``: the 16 key bytes of the server's reply
    (``client._pub_key``) as hex. ``encrypted``: whether frames are being encrypted.
    """
    key = getattr(client, "_key", None)
    public = getattr(client, "_pub_key", None)
    if key == NO_ENCRYPTION:
        shown = NO_ENCRYPTION.decode()
    elif isinstance(key, (bytes, bytearray)):
        shown = bytes(key).hex()
    else:
        shown = None
    return {
        "client_key": shown,
        "public_key": bytes(public).hex() if isinstance(public, (bytes, bytearray)) else None,
        "encrypted": isinstance(key, (bytes, bytearray)) and key != NO_ENCRYPTION,
    }


def emit(result: dict, code: int = EXIT_OK) -> None:
    """Print the one JSON result and exit. Only the first call prints."""
    global _emitted
    with _emit_lock:
        if not _emitted:
            _emitted = True
            sys.stdout.write(json.dumps(jsonable(result), sort_keys=True) + "\n")
            sys.stdout.flush()
    # os._exit: do not wait for client threads or sockets left behind.
    sys.stderr.flush()
    os._exit(code)


def start_guard(seconds: float, partial: dict) -> None:
    """Emit a timeout result (with whatever ``partial`` holds) after ``seconds``."""

    def fire() -> None:
        partial["ok"] = False
        partial["error"] = f"driver guard: run did not finish within {seconds:g} s"
        emit(partial, EXIT_TIMEOUT)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def error_text(error: BaseException) -> str:
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def failure(result: dict, error: BaseException) -> None:
    result["ok"] = False
    result["error"] = error_text(error)
    result["traceback"] = traceback.format_exception(error)[-6:]
    emit(result, EXIT_CLIENT_FAILED)


def jsonable(value):
    """Turn client objects into plain JSON values.

    Enums become ``{"name": ..., "value": ...}``, dates and times ISO strings,
    dataclasses and objects with ``to_dict()`` dictionaries, bytes hex, NaN/inf None.
    """
    if isinstance(value, enum.Enum):
        return {"name": value.name, "value": jsonable(value.value)}
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    to_dict = getattr(value, "to_dict", None)  # e.g. pysungrow's bit-field Flag classes
    if callable(to_dict):
        return jsonable(to_dict())
    return repr(value)


class RecordCollector(logging.Handler):
    """Keeps log records (message text) for the JSON result."""

    def __init__(self, level: int = logging.DEBUG):
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, min_level: int = logging.WARNING) -> list[str]:
        out = []
        for record in self.records:
            if record.levelno >= min_level:
                try:
                    text = record.getMessage()
                except Exception:  # a client's bad format string must not kill us
                    text = str(record.msg)
                out.append(f"{record.levelname} {record.name}: {text}")
        return out


def collect_logs(level: int = logging.DEBUG, quiet: tuple[str, ...] = ()) -> RecordCollector:
    """Route every log record to a collector (and nowhere else: stdout stays JSON)."""
    collector = RecordCollector(level)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(collector)
    root.setLevel(level)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    return collector


def current_collector() -> RecordCollector | None:
    """The collector ``collect_logs`` installed (e.g. inside ``run_async_client``), if any."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RecordCollector):
            return handler
    return None


def run_async_client(run, args, result: dict, quiet: tuple[str, ...] = (), succeeded=lambda code: True) -> None:
    """Run ``await run(args, result)`` under the guard, collect warnings, print the result, exit.

    ``succeeded(code)`` decides ``result["ok"]`` from the exit code ``run`` returned. Any
    exception (some clients raise BaseException subclasses) is reported as a client failure.
    """
    start_guard(args.guard, result)
    collector = collect_logs(quiet=quiet)
    try:
        code = asyncio.run(run(args, result))
    except BaseException as error:
        result["warnings"] = collector.messages()
        failure(result, error)
        return
    result["ok"] = succeeded(code)
    result["warnings"] = collector.messages()
    emit(result, code)


def connect_sungrow_tcp_client(args, result: dict, collector, client_log=None):
    """Create and connect a SungrowModbusTcpClient (either lineage, whichever the venv holds).

    Records the pymodbus version, whether it connected and the negotiated encryption; prints
    the result and exits when the connection fails.
    """
    import pymodbus
    from SungrowModbusTcpClient import SungrowModbusTcpClient

    result["pymodbus"] = pymodbus.__version__
    client = SungrowModbusTcpClient.SungrowModbusTcpClient(
        host=args.host, port=args.port, timeout=args.timeout, retries=args.retries)
    result["connected"] = bool(client.connect())
    result["encryption"] = encryption_state(client)
    if not result["connected"]:
        result["error"] = "connect() returned False"
        if client_log is not None:
            result["client_log"] = client_log()
        result["warnings"] = collector.messages()
        emit(result, EXIT_CLIENT_FAILED)
    return client


def finish(result: dict, collector, all_ok: bool, errors: list[str]) -> None:
    """Print the result of a run of several steps and exit: ok only when every step was."""
    result["ok"] = all_ok
    if not all_ok:
        result["error"] = "; ".join(errors)
    result["warnings"] = collector.messages()
    emit(result, EXIT_OK if all_ok else EXIT_CLIENT_FAILED)
