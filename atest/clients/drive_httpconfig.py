#!/usr/bin/env python3
"""Drive sungrow-http-config 0.2.1 in modbus mode: export (feed-in) limit and serial.

Run with the ``httpconfig`` venv's python::

    .venvs/httpconfig/bin/python atest/clients/drive_httpconfig.py --host 127.0.0.1 --port 40123 \\
        --do get --do set=250 --do get --do unset --do serial

Sequence: ``SungrowHttpConfig(host, timeout=--timeout, mode="modbus", port=--port,
unit_id=--unit)``, ``connect()`` (SungrowModbusTcpClient-jesseklm on pymodbus >= 3.8: key
request, reconnect, then a fixed 3 s sleep), then the ``--do`` actions in order:

- ``get``: ``getCurrentExportLimit()``: FC3 wire 31220x8; 0 when holding 31221 is 0x55
  (or 341), the limit (holding 31222) when it is 0xAA, an exception otherwise.
- ``set=N``: ``setExportLimit(N)``: FC6 wire 31220 = 0xAA, FC6 wire 31221 = N; returns
  True/False (the library logs and returns False on errors).
- ``unset``: ``unsetExportLimit()``: FC6 wire 31220 = 0x55.
- ``serial``: ``getDeviceSerialNumber()``: FC4 wire 4989x10, first 10 bytes as text.

The library retries failed Modbus operations with tenacity (4 attempts, 2 s apart, each
reconnect sleeping 3 s) and gives its pymodbus client 4 retries; keep ``--timeout`` small
(default 1 s here) and the ``--guard`` bounds the whole run. Its Modbus traffic is plain:
jesseklm's encryption is broken on pymodbus >= 3.8 (PROTOCOLS 3.9), so point it at the
plain door or at an encrypted door whose encryption is disabled.

Output: ``steps`` [{action, ok, value | error}], ``encryption`` (what the underlying
SungrowModbusTcpClient negotiated).
"""

from __future__ import annotations

import sys

import _driver


def action(text: str) -> tuple[str, int | None]:
    name, _, value = text.partition("=")
    if name == "set":
        return name, int(value, 0)
    if name in ("get", "unset", "serial") and not value:
        return name, None
    raise ValueError(f"unknown action {text!r}; use get, set=N, unset or serial")


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.set_defaults(timeout=1.0, guard=90.0)
    parser.add_argument("--do", dest="actions", action="append", type=action, metavar="ACTION",
                        help="get | set=N | unset | serial; repeatable, in order (default: get)")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "sungrow-http-config 0.2.1", "steps": []}
    _driver.start_guard(args.guard, result)
    collector = _driver.collect_logs(quiet=("pymodbus", "urllib3"))
    try:
        import pymodbus
        from sungrow_http_config.SungrowHttpConfig import SungrowHttpConfig

        result["pymodbus"] = pymodbus.__version__
        config = SungrowHttpConfig(args.host, timeout=args.timeout, mode="modbus",
                                   port=args.port, unit_id=args.unit)
        result["connected"] = bool(config.connect())
        result["encryption"] = _driver.encryption_state(config.client)
        all_ok = True
        for name, value in args.actions or [("get", None)]:
            step: dict = {"action": name if value is None else f"{name}={value}"}
            try:
                if name == "get":
                    step["value"] = config.getCurrentExportLimit()
                    step["ok"] = True
                elif name == "set":
                    step["value"] = config.setExportLimit(value)
                    step["ok"] = step["value"] is True
                elif name == "unset":
                    step["value"] = config.unsetExportLimit()
                    step["ok"] = step["value"] is True
                else:
                    step["value"] = config.getDeviceSerialNumber()
                    step["ok"] = True
            except Exception as error:
                step["ok"] = False
                step["error"] = _driver.error_text(error)
            all_ok = all_ok and step["ok"]
            result["steps"].append(step)
        if config.client is not None:
            result["encryption"] = _driver.encryption_state(config.client)
            config.client.close()
        _driver.finish(result, collector, all_ok, [
            f"{s['action']}: {s.get('error', s.get('value'))}" for s in result["steps"] if not s["ok"]])
    except Exception as error:
        result["warnings"] = collector.messages()
        _driver.failure(result, error)


if __name__ == "__main__":
    sys.exit(main())
