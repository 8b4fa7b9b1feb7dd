#!/usr/bin/env python3
"""Run one action of the SunGather workload as the sungather-k8s charm deploys it.

Run with the ``sungrowclient`` venv's python (SungrowClient 0.1.0, unmodified)::

    .venvs/sungrowclient/bin/python atest/clients/sungather_workload.py test-connection \
        --config results/sungather/config.yaml

The input is the SunGather ``config.yaml`` the charm renders (``inverter:`` section with
``host``, ``port``, ``connection``, ``scan_interval``, ``level``, ``smart_meter`` and, when
``inverter-model`` is set, ``model``; ``exports:``). The runner builds SunGather's inverter
dictionary from it exactly as SunGather's ``sungather.py`` does (its defaults for everything
the charm does not render: ``timeout`` 10, ``retries`` 3, ``slave`` 1, ``use_local_time``
false, ``log_console`` WARNING; SunGather never passes a ``serial_number``, so the serial is
always detected), then runs SunGather's start-up and one ``--runonce`` cycle with
SungrowClient: ``checkConnection()``, ``configure_registers()`` (model and serial detection),
``close()`` (not in http mode), ``checkConnection()``, ``scrape()``, ``close()`` or, when the
scrape failed, ``disconnect()``. Exports are not published (the result lists the enabled ones
under ``exports_skipped``). The register file is ``atest/resources/registers-sungrow.yaml``.

Actions (the charm's handlers: src/charm.py and src/sungather.py of
tonyandrewmeyer/sungather-k8s-operator):

``test-connection``
    The charm runs ``sungather.py -c CONFIG --runonce`` (30 s) and reports ``status``
    ``failed`` when the word "error" appears in its output, else ``success``. Here: the same
    run; ``status: success`` and ``message`` "Successfully connected to inverter and collected
    data" when the collection worked and SunGather's console output (log records at its
    ``log_console`` level) holds no "error". Otherwise ``ok: false``, ``status: failed``,
    ``message`` and ``error`` "Connection test failed: <why>", ``output`` (the first 200
    characters of the console output), exit code 1. Unlike the charm, a run that collected
    nothing fails even when no line says "error" (SunGather logs an unanswered inverter as
    warnings only).
``get-inverter-info``
    The charm returns ``status`` "Configuration loaded", ``config-path`` and a ``message``
    without contacting the inverter. Here: the same keys, plus what SunGather's start-up
    detects (the action's description: "Retrieve detected inverter model and connection
    status"): ``model`` (configured or detected), ``model_source`` (``config`` or
    ``detected``), ``serial``, ``device_type_code`` (the raw code when the model is unknown),
    ``connection``, ``host``, ``port``. Fails ("Failed to get inverter info: <why>") when the
    detection reads are not answered.
``run-once``
    The charm runs ``sungather.py -c CONFIG --runonce`` (60 s) and returns ``output``
    (stdout) and ``error`` (stderr); it fails ("Failed to run sungather: ...") when SunGather
    exits non-zero. Here: ``output`` (a one-line summary: SunGather itself prints nothing on
    stdout without a console export, which the charm never renders), ``error`` (SunGather's
    console log output, "" when there was none), and the collection itself: ``collection``
    (SungrowClient's ``latest_scrape``: register name -> decoded value), ``values`` (their
    number), ``model``, ``serial``, ``scan_ranges`` ("read 5000x38": FC4, wire start 5000, 38
    registers), ``failed_ranges`` (with SungrowClient's messages), ``register_addresses``
    (name -> "read 13023": table and documented number). Fails ("Failed to run sungather:
    <why>", exit code 1) when SunGather would exit non-zero (config unusable) and, unlike
    SunGather (which logs "Data collection failed" and exits 0), when the scrape failed.

Every run prints one JSON object with ``ok``, ``action``, ``config``, ``connection``,
``host``, ``port``, ``warnings`` (every log record at WARNING or above) and ``elapsed``.
Exit codes as for the drivers: 0 ok, 1 the action failed, 2 bad command line, 124 the time
guard (``--guard``, default: the charm's timeout for the action) fired.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from pathlib import Path

import _driver

DEFAULT_REGISTERS = Path(__file__).resolve().parent.parent / "resources" / "registers-sungrow.yaml"

# The charm's exec timeouts (src/charm.py, src/sungather.py); get-inverter-info execs nothing.
ACTION_GUARDS = {"test-connection": 30.0, "get-inverter-info": 30.0, "run-once": 60.0}
FAILURE_PREFIX = {
    "test-connection": "Connection test failed",
    "get-inverter-info": "Failed to get inverter info",
    "run-once": "Failed to run sungather",
}
CONSOLE_FORMAT = "%(levelname)-8s %(message)s"


class WorkloadFailed(Exception):
    """The action failed; the message says why (without the action's prefix)."""


def sungather_inverter_config(inverter: dict, timeout: float | None) -> dict:
    """The dictionary SunGather's main() builds from config.yaml's ``inverter:`` section."""
    config = {
        "host": inverter.get("host"),
        "port": inverter.get("port", 502),
        "timeout": inverter.get("timeout", 10),
        "retries": inverter.get("retries", 3),
        "slave": inverter.get("slave", 0x01),
        "scan_interval": inverter.get("scan_interval", 30),
        "connection": inverter.get("connection", "modbus"),
        "model": inverter.get("model"),
        "smart_meter": inverter.get("smart_meter", False),
        "use_local_time": inverter.get("use_local_time", False),
        "log_console": inverter.get("log_console", "WARNING"),
        "log_file": inverter.get("log_file", "OFF"),
        "level": inverter.get("level", 1),
    }
    if timeout is not None:  # a test's shortcut: SunGather waits 10 s per unanswered request
        config["timeout"] = timeout
    return config


def endpoint_text(config: dict) -> str:
    if config["connection"] == "http":  # SungrowClient forces 8082; the web client uses HTTP 80
        return f"{config['host']} (WiNet-S: WebSocket port 8082, HTTP port 80)"
    return f"{config['host']}:{config['port']}"


def range_label(register_type: str, start, count) -> str:
    return f"{register_type} {int(start)}x{int(count)}"


class Problems:
    """Reads SungrowClient's (and its transports') log records into failed ranges and causes.

    SungrowClient reports a failed read only through logging: the debug line
    ``load_registers: <type>, <start>:<count>`` names the range, a warning from
    ``load_registers`` marks it as failed and the debug line after it holds the transport's
    error. Transport failures that never reach SungrowClient (a refused WebSocket, pymodbus'
    "Connection to ... failed") are collected as causes.
    """

    TRANSPORT_HINTS = ("Connection to websocket server failed", "Failed to connect", "Connection refused",
                       "Websocket error", "HTTP Request failed", "Connection Failed", "Token Expired",
                       "No response received", "Connection unexpectedly closed", "timed out")

    def __init__(self, collector: _driver.RecordCollector):
        self.collector = collector
        self.position = 0
        self.current: str | None = None

    def take(self) -> tuple[list[dict], list[str]]:
        """Failed ranges and distinct causes logged since the previous call."""
        failed: list[dict] = []
        causes: list[str] = []
        records = self.collector.records[self.position:]
        self.position = len(self.collector.records)
        last_failed: dict | None = None
        for record in records:
            message = _message(record)
            if record.funcName == "load_registers" and record.name == "root":
                if record.levelno <= logging.DEBUG and message.startswith("load_registers: "):
                    kind, _, span = message[len("load_registers: "):].partition(", ")
                    start, _, count = span.partition(":")
                    self.current = range_label(kind, start, count)
                    last_failed = None
                elif record.levelno >= logging.WARNING:
                    if failed and failed[-1]["range"] == self.current:
                        failed[-1]["messages"].append(message)
                    else:
                        failed.append({"range": self.current, "messages": [message], "detail": None})
                    last_failed = failed[-1]
                elif last_failed is not None and last_failed["detail"] is None:
                    # the transport's error, logged at debug right after the warning
                    last_failed["detail"] = message.rstrip("')").strip()
                continue
            if record.levelno >= logging.ERROR or any(hint in message for hint in self.TRANSPORT_HINTS):
                text = message.splitlines()[0].strip() if message.strip() else message
                if text and text not in causes:
                    causes.append(text)
        for entry in failed:
            detail = entry.get("detail")
            if detail and detail not in causes:
                causes.append(detail)
        return failed, causes


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a client's bad format string must not kill us
        return str(record.msg)


def console_output(collector: _driver.RecordCollector, level_name: str) -> str:
    """What SunGather's console handler would print (records at ``log_console`` and above)."""
    level = logging.getLevelName(str(level_name).upper())
    if not isinstance(level, int):
        level = logging.WARNING
    formatter = logging.Formatter(CONSOLE_FORMAT)
    lines = []
    for record in collector.records:
        if record.levelno >= level:
            try:
                lines.append(formatter.format(record))
            except Exception:
                lines.append(f"{record.levelname:<8} {record.msg}")
    return "\n".join(lines)


def reason_text(lead: str, failed: list[dict], causes: list[str]) -> str:
    """``lead`` followed by the first few causes (or failed ranges) that explain it."""
    shown = list(causes[:3]) or [f"{f['range']}: {'; '.join(f['messages'])}" for f in failed[:3]]
    text = lead + (": " + "; ".join(shown) if shown else "")
    more = (len(causes) if causes else len(failed)) - len(shown)
    if more > 0:
        text += f" (and {more} more)"
    return text


def no_answer(config: dict, what: str) -> str:
    return f"{what} from the inverter at {endpoint_text(config)} over '{config['connection']}'"


def load_yaml(path: str, what: str):
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except Exception as error:  # SunGather: "Failed: Loading config: ..." and exit 1
        raise WorkloadFailed(f"Failed: Loading {what}: {path} {_driver.error_text(error)}") from None


def run(args, result: dict, collector: _driver.RecordCollector) -> None:
    configfile = load_yaml(args.config, "config")
    if not isinstance(configfile, dict) or not configfile.get("inverter"):
        raise WorkloadFailed("Failed Loading config, missing Inverter settings")
    registersfile = load_yaml(args.register_file, "registers")

    config = sungather_inverter_config(configfile["inverter"], args.timeout)
    result.update(connection=config["connection"], host=config["host"], port=config["port"],
                  level=config["level"], smart_meter=config["smart_meter"],
                  scan_interval=config["scan_interval"], timeout=config["timeout"])
    result["exports_skipped"] = [e.get("name") for e in configfile.get("exports") or []
                                 if isinstance(e, dict) and e.get("enabled", False)]
    if not config.get("host"):
        raise WorkloadFailed("Error: host option in config is required")

    from SungrowClient import SungrowClient

    problems = Problems(collector)
    inverter = SungrowClient.SungrowClient(config)
    if not inverter.checkConnection():
        _, causes = problems.take()
        raise WorkloadFailed(reason_text(
            f"Error: Connection to inverter failed: {config['host']}:{config['port']}", [], causes))

    configured_model = config.get("model")
    inverter.configure_registers(registersfile)
    detection_failed, detection_causes = problems.take()
    result["model"] = inverter.getInverterModel()
    result["serial"] = inverter.getSerialNumber()
    result["model_source"] = "config" if configured_model else "detected"
    code = inverter.latest_scrape.get("device_type_code")
    result["device_type_code"] = code
    result["detection_failures"] = detection_failed
    result["scan_ranges"] = [range_label(r["type"], r["start"], r["range"]) for r in inverter.register_ranges]
    result["register_addresses"] = {r["name"]: f"{r['type']} {r['address']}" for r in inverter.registers}
    if config["connection"] != "http":
        inverter.close()

    if args.action == "get-inverter-info":
        if detection_failed:
            raise WorkloadFailed(reason_text(no_answer(config, "no answer to model/serial detection"),
                                             detection_failed, detection_causes))
        result["status"] = "Configuration loaded"
        result["config-path"] = args.config
        model = result["model"] or f"an unknown device type code ({code})"
        result["message"] = (f"Inverter {model}, serial {result['serial']}, answered over "
                             f"'{config['connection']}' at {endpoint_text(config)}")
        return

    # One polling cycle of SunGather's main loop, then exit (--runonce).
    inverter.checkConnection()
    try:
        success = bool(inverter.scrape())
    except Exception as error:  # SunGather does not catch this: a traceback and exit 1
        raise WorkloadFailed(f"scrape() raised {_driver.error_text(error)}") from None
    failed, causes = problems.take()
    if success:
        if config["connection"] != "http":
            inverter.close()
    else:
        inverter.disconnect()
        logging.warning(f"Data collection failed, skipped exporting data. Retying in "
                        f"{config['scan_interval']} secs")
    console = console_output(collector, config["log_console"])
    result["failed_ranges"] = failed
    if not success:  # every scan range failed: nothing was collected
        raise WorkloadFailed(reason_text(no_answer(config, "no data collected"), failed + detection_failed,
                                         causes or detection_causes))
    result["collection"] = dict(inverter.latest_scrape)
    result["values"] = len(inverter.latest_scrape)
    if args.action == "test-connection":
        if "error" in console.lower():  # the charm's check (src/sungather.py test_connection)
            result["output"] = console[:200]
            raise WorkloadFailed("the workload's output reports an error - check logs for details: "
                                 + console[:200])
        result["status"] = "success"
        result["message"] = "Successfully connected to inverter and collected data"
        return
    # run-once
    result["output"] = (f"Collected {result['values']} values from {result['model']} "
                        f"(serial {result['serial']}) over '{config['connection']}' at "
                        f"{endpoint_text(config)}; {len(failed)} of "
                        f"{len(result['scan_ranges'])} scan ranges failed")
    result["error"] = console


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=sorted(ACTION_GUARDS), help="the charm action to perform")
    parser.add_argument("--config", required=True, help="SunGather config.yaml as the charm renders it")
    parser.add_argument("--register-file", default=str(DEFAULT_REGISTERS),
                        help="SunGather-format register YAML (default: atest/resources/registers-sungrow.yaml)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="override inverter.timeout (seconds per request; the charm renders none, "
                             "so SunGather waits 10 s)")
    parser.add_argument("--guard", type=float, default=None,
                        help="hard limit for the whole run in seconds (default: the charm's timeout for "
                             "the action: test-connection 30, get-inverter-info 30, run-once 60)")
    args = parser.parse_args()

    started = time.monotonic()
    result: dict = {"ok": False, "action": args.action, "config": args.config,
                    "client": "SungrowClient 0.1.0"}
    _driver.start_guard(args.guard or ACTION_GUARDS[args.action], result)
    collector = _driver.collect_logs(quiet=("pymodbus", "urllib3", "websocket"))
    try:
        run(args, result, collector)
        result["ok"] = True
        code = _driver.EXIT_OK
    except Exception as error:  # WorkloadFailed, or anything the client raised
        why = str(error) if isinstance(error, WorkloadFailed) else _driver.error_text(error)
        if not isinstance(error, WorkloadFailed):
            result["traceback"] = traceback.format_exception(error)[-6:]
        result["error"] = f"{FAILURE_PREFIX[args.action]}: {why}"
        if args.action == "test-connection":  # the charm's result keys for a failed test
            result["status"] = "failed"
            result["message"] = result["error"]
            result.setdefault("output", console_output(collector, "WARNING")[:200])
        code = _driver.EXIT_CLIENT_FAILED
    result["warnings"] = collector.messages()
    result["elapsed"] = round(time.monotonic() - started, 3)
    _driver.emit(result, code)


if __name__ == "__main__":
    sys.exit(main())
