#!/usr/bin/env python3
"""Drive SungrowClient 0.1.0 (the engine of SunGather) the way SunGather does.

Run with the ``sungrowclient`` venv's python::

    .venvs/sungrowclient/bin/python atest/clients/drive_sungrowclient.py \
        --host 127.0.0.1 --port 40123 --level 1

Sequence (as in SunGather 0.5.2): build the inverter config dictionary,
``checkConnection()``, ``configure_registers(<parsed register file>)``
(model and serial detection happen here unless configured), ``close()``
(not in http mode), then for each scrape ``checkConnection()`` + ``scrape()``
and ``close()`` again.

``--connection`` picks SungrowClient's transport, as SunGather's ``connection`` setting:

- ``modbus``: pymodbus 2.5.3 ``ModbusTcpClient`` to ``--host``:``--port``.
- ``sungrow``: SungrowModbusTcpClient 0.1.6 (encrypted Modbus, PROTOCOLS 3) to
  ``--host``:``--port``. The result then also has ``encryption`` (``client_key``,
  ``public_key``, ``encrypted``: what the client negotiated).
- ``http``: SungrowModbusWebClient 0.3.2 (WiNet-S). SungrowClient forces the WebSocket
  port to 8082 and the web client always uses HTTP port 80, so ``--port`` is ignored and
  the host must serve WiNet on exactly those ports.

SungrowClient reports a failed scan range only through logging, so the driver
collects its log records: the debug line ``load_registers: <type>, <start>:<count>``
names the range being read, and any warning from ``load_registers`` after it
("Modbus connection failed", "Mismatched number of registers read ...",
"No data returned ...", "No registers returned") marks that range as failed.

With ``--each HOST:PORT`` (repeatable) the driver runs that sequence once per endpoint, up to
``--concurrency`` runs side by side in threads (SungrowClient sleeps 3 s after its first connect),
and prints ``runs``: {endpoint: the result of that run}, with ``ok`` only when every run was. A run's
result leaves out ``registers``, ``register_addresses`` and the decoded values but the device type
code and serial (one result per mock must stay readable in a log).

With ``--handshake DIR`` the driver pauses before scrape N (N >= 2) until the test has
changed the mock (see ``_driver.handshake``).

Output (one JSON object): ``model``, ``serial``, ``scan_ranges`` (the ranges
SungrowClient selected, ``"read 5000x38"`` = FC4 wire start 5000, 38
registers), ``scrapes`` (per scrape: ``ok``, ``failed_ranges``,
``latest_scrape``), ``latest_scrape`` and ``failed_ranges`` of the last scrape,
``detection`` (failures during model/serial detection), ``registers`` (the names
SungrowClient selected), ``register_addresses`` ({name: "read 13023"}: table and
documented address), ``warnings``.
"""

from __future__ import annotations

import copy
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _driver

DEFAULT_REGISTERS = Path(__file__).resolve().parent.parent / "resources" / "registers-sungrow.yaml"


def range_label(register_type: str, start, count) -> str:
    return f"{register_type} {int(start)}x{int(count)}"


class RangeFailures:
    """Turns SungrowClient's log records into a list of failed scan ranges.

    With ``thread`` only the records logged by that thread count (one SungrowClient per thread at a
    time); records logged before the instance was made never count, so a pool thread's next run
    starts clean.
    """

    def __init__(self, collector: _driver.RecordCollector, thread: int | None = None):
        self.collector = collector
        self.thread = thread
        self.position = len(collector.records)
        self.current: str | None = None

    def take(self) -> list[dict]:
        """Failures logged since the previous call."""
        failed: list[dict] = []
        records = self.collector.records[self.position:]
        self.position += len(records)
        for record in records:
            if record.funcName != "load_registers" or record.name != "root":
                continue
            if self.thread is not None and record.thread != self.thread:
                continue
            message = record.getMessage()
            if record.levelno <= logging.DEBUG and message.startswith("load_registers: "):
                # "load_registers: read, 4999:1"
                kind, _, span = message[len("load_registers: "):].partition(", ")
                start, _, count = span.partition(":")
                self.current = range_label(kind, start, count)
            elif record.levelno >= logging.WARNING:
                if failed and failed[-1]["range"] == self.current:
                    failed[-1]["messages"].append(message)
                else:
                    failed.append({"range": self.current, "messages": [message]})
        return failed


def drive(args, host: str, port: int, registers_file: dict, failures: RangeFailures, result: dict) -> bool:
    """One SunGather run against ``host``:``port``, filling ``result``; True when every scrape was ok."""
    from SungrowClient import SungrowClient

    # The dictionary SunGather builds from its config.yaml.
    config_inverter = {
        "host": host,
        "port": port,
        "timeout": args.timeout,
        "retries": args.retries,
        "slave": args.unit,
        "scan_interval": max(args.interval, 1),
        "connection": args.connection,
        "model": args.model,
        "serial_number": args.serial,
        "smart_meter": args.smart_meter,
        "use_local_time": args.use_local_time,
        "level": args.level,
    }
    inverter = SungrowClient.SungrowClient(config_inverter)

    if not inverter.checkConnection():
        result["error"] = "checkConnection() failed on start-up"
        return False

    inverter.configure_registers(registers_file)
    result["detection"] = failures.take()
    result["model"] = inverter.getInverterModel()
    result["serial"] = inverter.getSerialNumber()
    result["scan_ranges"] = [range_label(r["type"], r["start"], r["range"]) for r in inverter.register_ranges]
    result["registers"] = sorted({r["name"] for r in inverter.registers})
    # Where each register comes from: "read 13023" = input register 13023 (documented).
    result["register_addresses"] = {r["name"]: f"{r['type']} {r['address']}" for r in inverter.registers}
    if args.connection == "sungrow" and inverter.client is not None:
        result["encryption"] = _driver.encryption_state(inverter.client)
    if args.connection != "http":
        inverter.close()

    all_ok = True
    for index in range(args.scrapes):
        if index:
            time.sleep(args.interval)
        _driver.handshake(args, index + 1)
        entry: dict = {}
        if inverter.checkConnection():
            try:
                entry["ok"] = bool(inverter.scrape())
            except Exception as error:  # SunGather logs this and carries on
                entry["ok"] = False
                entry["error"] = _driver.error_text(error)
        else:
            entry["ok"] = False
            entry["error"] = "checkConnection() failed"
        entry["failed_ranges"] = failures.take()
        entry["latest_scrape"] = dict(inverter.latest_scrape)
        all_ok = all_ok and entry["ok"]
        if args.connection == "sungrow" and inverter.client is not None:
            entry["encryption"] = _driver.encryption_state(inverter.client)
            result["encryption"] = entry["encryption"]
        result["scrapes"].append(entry)
        if args.connection != "http":
            inverter.close()

    last = result["scrapes"][-1] if result["scrapes"] else {}
    result["latest_scrape"] = last.get("latest_scrape", {})
    result["failed_ranges"] = [f["range"] for f in last.get("failed_ranges", [])]
    return all_ok


def drive_each(args, registers_file: dict, collector: _driver.RecordCollector, result: dict) -> None:
    """``--each``: one SunGather run per endpoint, ``--concurrency`` of them at a time, each in its
    own thread with its own SungrowClient and its own copy of the register file (SungrowClient
    edits the file it configures from). SungrowClient waits 3 s after its first connect: running
    them side by side keeps a run over many mocks short."""

    def one(endpoint: str) -> dict:
        host, _, port = endpoint.rpartition(":")
        run: dict = {"ok": False, "scrapes": []}
        failures = RangeFailures(collector, threading.get_ident())
        try:
            run["ok"] = drive(args, host, int(port), copy.deepcopy(registers_file), failures, run)
            if not run["ok"] and "error" not in run:
                run["error"] = "; ".join(s.get("error", "scrape() returned False") for s in run["scrapes"] if not s["ok"])
        except Exception as error:
            run["error"] = _driver.error_text(error)
        # Only what identifies the run: a result per mock with every decoded value would not fit a log.
        for key in ("registers", "register_addresses", "latest_scrape"):
            run.pop(key, None)
        for scrape in run["scrapes"]:
            scrape["latest_scrape"] = {k: scrape["latest_scrape"].get(k) for k in ("device_type_code", "serial_number")}
        return run

    with ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
        result["runs"] = dict(zip(args.each, pool.map(one, args.each), strict=True))
    result["ok"] = all(run["ok"] for run in result["runs"].values())
    _driver.emit(result, _driver.EXIT_OK if result["ok"] else _driver.EXIT_CLIENT_FAILED)


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--register-file", default=str(DEFAULT_REGISTERS),
                        help="SunGather-format register YAML (default: atest/resources/registers-sungrow.yaml)")
    parser.add_argument("--level", type=int, default=1, choices=(0, 1, 2, 3),
                        help="SunGather register level (default 1)")
    parser.add_argument("--model", default=None, help="configure the model (skips detection)")
    parser.add_argument("--serial", default=None, help="configure the serial (skips detection)")
    parser.add_argument("--connection", default="modbus", choices=("modbus", "sungrow", "http"),
                        help="SungrowClient connection type (default modbus)")
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--scrapes", type=int, default=1, help="number of scrape cycles (default 1)")
    parser.add_argument("--interval", type=float, default=0.0,
                        help="seconds between scrapes (also SunGather's scan_interval)")
    parser.add_argument("--smart-meter", action="store_true")
    parser.add_argument("--use-local-time", action="store_true")
    parser.add_argument("--each", action="append", default=[], metavar="HOST:PORT",
                        help="run once against each of these endpoints (repeatable; --host/--port are ignored); "
                             "the result has runs: {endpoint: result}")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="with --each: how many runs at a time (default 16)")
    _driver.add_handshake_option(parser, "scrape")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "SungrowClient 0.1.0", "connection": args.connection,
                    "level": args.level, "scrapes": []}
    _driver.start_guard(args.guard, result)
    collector = _driver.collect_logs(quiet=("pymodbus", "urllib3", "websocket"))

    try:
        import yaml

        with open(args.register_file, encoding="utf-8") as handle:
            registers_file = yaml.safe_load(handle)
        if args.each:
            del result["scrapes"]
            drive_each(args, registers_file, collector, result)
        all_ok = drive(args, args.host, args.port, registers_file, RangeFailures(collector), result)
        if "error" in result:
            result["warnings"] = collector.messages()
            _driver.emit(result, _driver.EXIT_CLIENT_FAILED)
        _driver.finish(result, collector, all_ok, [
            s.get("error", "scrape() returned False") for s in result["scrapes"] if not s["ok"]])
    except Exception as error:
        result["warnings"] = collector.messages()
        _driver.failure(result, error)


if __name__ == "__main__":
    sys.exit(main())
