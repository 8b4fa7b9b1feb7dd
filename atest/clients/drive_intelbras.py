#!/usr/bin/env python3
"""Drive python-intelbras-solar-local 0.2.0: Modbus reads and WiNet-S calls of one inverter.

Run with the ``intelbras`` venv's python::

    .venvs/intelbras/bin/python atest/clients/drive_intelbras.py --host 127.0.0.1 --port 40123
    .venvs/intelbras/bin/python atest/clients/drive_intelbras.py --host 127.41.7.3 --port 40123 \\
        --call status --call datalogger_info --call grid_parameters

Sequence: ``IntelbrasSolarClient(host, port=..., unit=..., winet_port=--winet-port)`` used
as an async context manager, then the ``--call``s in order (default: ``inverter_data``):

- ``inverter_data``: ``await async_get_inverter_data()`` (Modbus only; ``--polls N`` times;
  the first poll also reads the optional firmware block).
- ``status``: ``await async_get_status()``: the Modbus snapshot, then WebSocket ``connect``,
  ``state``, ``fault``, ``devicelist``. The library swallows WiNet errors (``datalogger`` is
  then None); the driver reports them as ``winet_errors`` from the library's debug log.
- ``datalogger_info``: ``await async_get_datalogger_info()``: WebSocket ``connect``, HTTP
  ``/about/list`` and ``/device/overview``.
- ``grid_parameters``: ``await async_get_grid_parameters()``: WebSocket ``connect``,
  ``devicelist``, HTTP ``/device/getParam?type=2`` for the first device.

The WebSocket port is the client's ``winet_port`` argument; its HTTP calls always go to
port 80 (``WiNetClient``'s ``http_port`` is not exposed by the top-level client).
``--timeout`` sets the library's Modbus timeout (its ``modbus.timeout`` attribute, default
5 s); its WiNet calls have their own 10 s timeout.

Output: ``status`` (every field of the library's InverterStatus, e.g. power_ac,
energy_today, serial, mppts [{voltage, current, power}], clock ISO, datalogger) plus its
derived properties ``model``, ``work_state``, ``producing``, ``has_fault``; ``polls`` =
number of successful polls; ``datalogger_info`` (DataloggerInfo fields);
``grid_parameters`` (list of {key, value, unit, register}); ``winet_errors``.
"""

from __future__ import annotations

import sys

import _driver

CALLS = ("inverter_data", "status", "datalogger_info", "grid_parameters")


def status_dict(status) -> dict:
    out = _driver.jsonable(status)
    out["mppts"] = [dict(_driver.jsonable(m), power=m.power) for m in status.mppts]
    for prop in ("model", "work_state", "producing", "has_fault"):
        out[prop] = getattr(status, prop)
    return out


async def run(args, result: dict) -> int:
    from intelbras_solar_local import IntelbrasSolarClient

    async with IntelbrasSolarClient(args.host, port=args.port, unit=args.unit,
                                    winet_port=args.winet_port) as client:
        client.modbus.timeout = args.timeout
        for call in args.calls or ["inverter_data"]:
            if call == "inverter_data":
                result["polls"] = 0
                for _ in range(args.polls):
                    status = await client.async_get_inverter_data()
                    result["polls"] += 1
                    result["status"] = status_dict(status)
            elif call == "status":
                result["status"] = status_dict(await client.async_get_status())
            elif call == "datalogger_info":
                result["datalogger_info"] = _driver.jsonable(await client.async_get_datalogger_info())
            elif call == "grid_parameters":
                result["grid_parameters"] = _driver.jsonable(await client.async_get_grid_parameters())
    return _driver.EXIT_OK


async def run_and_report(args, result: dict) -> int:
    """``run``, then the WiNet failures the library logged at debug level (it swallows some)."""
    try:
        return await run(args, result)
    finally:
        collector = _driver.current_collector()
        result["winet_errors"] = [r.getMessage() for r in (collector.records if collector else [])
                                  if r.name.startswith("intelbras_solar_local") and "WiNet" in r.getMessage()]


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=1, help="number of async_get_inverter_data() calls")
    parser.add_argument("--call", dest="calls", action="append", choices=CALLS,
                        help="client call to make, repeatable, in order (default: inverter_data)")
    parser.add_argument("--winet-port", type=int, default=8082,
                        help="WiNet WebSocket port (the client's winet_port; default 8082)")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "python-intelbras-solar-local 0.2.0"}
    _driver.run_async_client(run_and_report, args, result, quiet=("asyncio", "aiohttp"))


if __name__ == "__main__":
    sys.exit(main())
