#!/usr/bin/env python3
"""Run one action of the SunGather workload as the sungather-k8s charm runs it, with the charm's results.

Run with the ``sungrowclient`` venv's python (SungrowClient 0.1.0, unmodified)::

    .venvs/sungrowclient/bin/python atest/clients/sungather_workload.py test-connection \
        --config results/sungather/config.yaml

The input is the SunGather ``config.yaml`` the charm renders. The charm (see
``shared/reference/CHARM.md``: tonyandrewmeyer/sungather-k8s-operator) runs its actions as
a Pebble exec of ``/usr/bin/python3.10 sungather.py -c /config/config.yaml --runonce`` in
``/opt/sungather/SunGather`` with ``PYTHONPATH=/opt/sungather-lib`` (timeout 60 s for
``run-once``, 30 s for ``test-connection``). This runner emulates that process: it builds
SunGather's inverter dictionary from config.yaml as ``sungather.py`` does (its defaults for
everything the charm does not render: ``timeout`` 10, ``retries`` 3, ``slave`` 1,
``log_console`` WARNING) and runs SunGather's start-up and one ``--runonce`` cycle with
SungrowClient: ``checkConnection()`` (false: "Error: Connection to inverter failed", exit 1),
``configure_registers()``, the exports, ``checkConnection()``, ``scrape()`` (false: "Data
collection failed", exit 0). What the emulated process gives: ``exit_code``, ``stdout`` (always
empty: SunGather logs to stderr) and ``stderr`` (the log records at ``log_console`` level).

What the emulation cannot know, the rock's contents: SunGather's own start-up INFO lines are
not reproduced; the register file is ``atest/resources/registers-sungrow.yaml`` (hand-written:
names, addresses and decoded texts differ from SunGather's ``registers-sungrow.yaml``); the
exports are not run, except the two failures a real deployment shows: ``webserver`` while the
deployment's service holds its port (``--service-holds-webserver``, the default when a
webserver export is enabled) logs "Address already in use" at ERROR, and ``mqtt`` with
``homeassistant`` but no ``ha_sensors`` fails to load (ERROR).

From the process the runner derives the charm's action result exactly (``results``) or the
charm's failure message (``action_failed``):

``run-once``
    ``output`` = stdout, ``error`` = stderr. Fails ("Failed to run sungather: <exec error>")
    only when the exec fails: a non-zero exit (written as ops' ExecError reads) or the 60 s
    timeout (its exact text from Pebble is not known here: "timed out after 60 s waiting for
    [...]").
``test-connection``
    ``status`` "failed", ``message`` "Connection test failed - check logs for details",
    ``output`` = stdout[:200] when "error" (any case) is in stdout or stderr; otherwise
    ``status`` "success", ``message`` "Successfully connected to inverter and collected data".
    An exec error: ``status`` "failed", ``message`` "Connection test failed: <exec error>".
    Never fails.
``get-inverter-info``
    Execs nothing: ``status`` "Configuration loaded", ``config-path`` "/config/config.yaml",
    ``message`` "Inverter auto-detection happens on first data collection".

Every run prints one JSON object: ``ok`` (the action completed), ``action``, ``results``,
``action_failed``, ``exec`` (command, working directory, environment, timeout as the charm
runs it), ``exit_code``, ``stdout``, ``stderr`` and the emulation's diagnostics (a real
deployment shows none of them): ``collection`` (register name -> value), ``values``,
``model``, ``serial``, ``scan_ranges``, ``failed_ranges``, ``register_addresses``,
``warnings``, ``elapsed``. Exit code 0 (also when the action failed), 2 bad command line.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
import traceback
from pathlib import Path

import _driver

DEFAULT_REGISTERS = Path(__file__).resolve().parent.parent / "resources" / "registers-sungrow.yaml"

# How the charm execs the workload (src/charm.py, src/sungather.py); get-inverter-info execs nothing.
EXEC_COMMAND = ["/usr/bin/python3.10", "sungather.py", "-c", "/config/config.yaml", "--runonce"]
EXEC_WORKING_DIR = "/opt/sungather/SunGather"
EXEC_ENVIRONMENT = {"PYTHONPATH": "/opt/sungather-lib"}
CHARM_CONFIG_PATH = "/config/config.yaml"
EXEC_ERROR_OUTPUT_MAX = 1024  # ops.pebble.ExecError.STR_MAX_OUTPUT
ACTION_TIMEOUTS = {"test-connection": 30.0, "run-once": 60.0, "get-inverter-info": None}
CONSOLE_FORMAT = "%(levelname)-8s %(message)s"
TEST_FAILED = "Connection test failed - check logs for details"
TEST_SUCCEEDED = "Successfully connected to inverter and collected data"
INFO_RESULTS = {"status": "Configuration loaded", "config-path": CHARM_CONFIG_PATH,
                "message": "Inverter auto-detection happens on first data collection"}


class SunGatherExit(Exception):
    """SunGather exits non-zero (its last log line says why)."""


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


def load_yaml(path: str, what: str):
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except Exception as error:  # SunGather: "Failed: Loading config: ..." and exit 1
        raise SunGatherExit(f"Failed: Loading {what}: {path} {_driver.error_text(error)}") from None


def export_failures(exports: list, holds_webserver: bool | None) -> None:
    """Log the export failures a real deployment shows (the other exports are not run)."""
    for export in exports:
        if not isinstance(export, dict) or not export.get("enabled", False):
            continue
        if export.get("name") == "webserver" and holds_webserver is not False:
            logging.error(f"webserver: cannot start the web server on port {export.get('port', 8080)}: "
                          "[Errno 98] Address already in use (the running service holds it)")
        if export.get("name") == "mqtt" and export.get("homeassistant") and not export.get("ha_sensors"):
            logging.error("mqtt: failed loading export: homeassistant is set without ha_sensors")


def runonce(args, result: dict, collector: _driver.RecordCollector) -> None:
    """SunGather's ``--runonce``; raises SunGatherExit where SunGather exits non-zero."""
    try:
        configfile = load_yaml(args.config, "config")
        if not isinstance(configfile, dict) or not configfile.get("inverter"):
            raise SunGatherExit("Failed Loading config, missing Inverter settings")
        registersfile = load_yaml(args.register_file, "registers")
    except SunGatherExit as error:
        logging.error(str(error))
        raise
    config = sungather_inverter_config(configfile["inverter"], args.timeout)
    result["log_console"] = config["log_console"]
    result.update(connection=config["connection"], host=config["host"], port=config["port"],
                  level=config["level"], smart_meter=config["smart_meter"],
                  scan_interval=config["scan_interval"], timeout=config["timeout"])
    exports = [e for e in configfile.get("exports") or [] if isinstance(e, dict)]
    result["exports_not_run"] = [e.get("name") for e in exports if e.get("enabled", False)]
    if not config.get("host"):
        logging.error("Error: host option in config is required")
        raise SunGatherExit("host option in config is required")

    from SungrowClient import SungrowClient

    problems = Problems(collector)
    inverter = SungrowClient.SungrowClient(config)
    if not inverter.checkConnection():
        logging.error(f"Error: Connection to inverter failed: {config['host']}:{config['port']}")
        raise SunGatherExit("connection to inverter failed")

    inverter.configure_registers(registersfile)
    detection_failed, _ = problems.take()
    result["model"] = inverter.getInverterModel()
    result["serial"] = inverter.getSerialNumber()
    result["device_type_code"] = inverter.latest_scrape.get("device_type_code")
    result["detection_failures"] = detection_failed
    result["scan_ranges"] = [range_label(r["type"], r["start"], r["range"]) for r in inverter.register_ranges]
    result["register_addresses"] = {r["name"]: f"{r['type']} {r['address']}" for r in inverter.registers}
    if config["connection"] != "http":
        inverter.close()
    export_failures(exports, args.service_holds_webserver)

    inverter.checkConnection()
    success = bool(inverter.scrape())  # SunGather does not catch an exception here: exit 1
    failed, _ = problems.take()
    result["failed_ranges"] = failed
    if success:
        if config["connection"] != "http":
            inverter.close()
        result["collection"] = dict(inverter.latest_scrape)
        result["values"] = len(inverter.latest_scrape)
    else:
        inverter.disconnect()
        logging.warning(f"Data collection failed, skipped exporting data. Retying in "
                        f"{config['scan_interval']} secs")
        result["collection"] = {}
        result["values"] = 0


def exec_error(exit_code: int, stdout: str, stderr: str) -> str:
    """How ops' ExecError reads (the charm puts it after its failure prefix): each output cut at 1024."""
    message = f"non-zero exit code {exit_code} executing {EXEC_COMMAND!r}"
    for name, out in (("stdout", stdout), ("stderr", stderr)):
        cut = " [truncated]" if len(out) > EXEC_ERROR_OUTPUT_MAX else ""
        message += f", {name}={out[:EXEC_ERROR_OUTPUT_MAX]!r}{cut}"
    return message


def charm_results(action: str, exit_code: int | None, stdout: str, stderr: str,
                  timeout: float | None) -> tuple[dict, str | None]:
    """The charm's action results and failure message (None when the action completes)."""
    if action == "get-inverter-info":
        return dict(INFO_RESULTS), None
    if exit_code is None:
        why = f"timed out after {timeout:g} s waiting for {EXEC_COMMAND!r}"
    elif exit_code != 0:
        why = exec_error(exit_code, stdout, stderr)
    else:
        why = None
    if action == "run-once":
        if why:
            return {}, f"Failed to run sungather: {why}"
        return {"output": stdout, "error": stderr}, None
    if why:
        return {"status": "failed", "message": f"Connection test failed: {why}"}, None
    if "error" in stdout.lower() or "error" in stderr.lower():
        return {"status": "failed", "message": TEST_FAILED, "output": stdout[:200]}, None
    return {"status": "success", "message": TEST_SUCCEEDED}, None


def finish(result: dict, exit_code: int | None, collector: _driver.RecordCollector) -> None:
    stderr = console_output(collector, result.get("log_console", "WARNING"))
    stdout = ""  # SunGather logs to stderr; the charm never renders a console export
    results, failed = charm_results(result["action"], exit_code, stdout, stderr,
                                    ACTION_TIMEOUTS[result["action"]])
    result.update(ok=failed is None, results=results, action_failed=failed, exit_code=exit_code,
                  stdout=stdout, stderr=stderr, warnings=collector.messages(),
                  elapsed=round(time.monotonic() - result.pop("_started", time.monotonic()), 3))


def start_exec_timeout(seconds: float, result: dict, collector: _driver.RecordCollector) -> None:
    """The charm's exec timeout: emit the timed-out action's result after ``seconds``."""

    def fire() -> None:
        finish(result, None, collector)
        _driver.emit(result, _driver.EXIT_OK)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=sorted(ACTION_TIMEOUTS), help="the charm action to perform")
    parser.add_argument("--config", required=True, help="SunGather config.yaml as the charm renders it")
    parser.add_argument("--register-file", default=str(DEFAULT_REGISTERS),
                        help="SunGather-format register YAML (default: atest/resources/registers-sungrow.yaml)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="override inverter.timeout (seconds per request; the charm renders none, "
                             "so SunGather waits 10 s)")
    parser.add_argument("--guard", type=float, default=None,
                        help="the exec timeout in seconds (default: the charm's, test-connection 30, "
                             "run-once 60)")
    parser.add_argument("--service-holds-webserver", default=None, action=argparse.BooleanOptionalAction,
                        help="whether the deployment's running service holds the webserver port "
                             "(default: yes, as on a deployment)")
    args = parser.parse_args()

    result: dict = {"ok": False, "action": args.action, "config": args.config, "_started": time.monotonic(),
                    "client": "SungrowClient 0.1.0",
                    "exec": None if args.action == "get-inverter-info" else {
                        "command": EXEC_COMMAND, "working_dir": EXEC_WORKING_DIR,
                        "environment": EXEC_ENVIRONMENT, "timeout": ACTION_TIMEOUTS[args.action]}}
    collector = _driver.collect_logs(quiet=("pymodbus", "urllib3", "websocket"))
    exit_code = 0
    if args.action != "get-inverter-info":  # the charm answers it without contacting the inverter
        ACTION_TIMEOUTS[args.action] = args.guard or ACTION_TIMEOUTS[args.action]
        start_exec_timeout(ACTION_TIMEOUTS[args.action], result, collector)
        try:
            runonce(args, result, collector)
        except SunGatherExit:
            exit_code = 1
        except Exception as error:  # an uncaught exception: Python's traceback and exit 1
            result["traceback"] = traceback.format_exception(error)[-6:]
            logging.error("Traceback (most recent call last): " + _driver.error_text(error))
            exit_code = 1
    finish(result, exit_code, collector)
    _driver.emit(result, _driver.EXIT_OK)


if __name__ == "__main__":
    sys.exit(main())
