#!/usr/bin/env python3
"""Drive python-intelbras-solar-local 0.2.0: Modbus reads of one inverter.

Run with the ``intelbras`` venv's python::

    .venvs/intelbras/bin/python atest/clients/drive_intelbras.py --host 127.0.0.1 --port 40123

Sequence: ``IntelbrasSolarClient(host, port=..., unit=...)`` used as an async
context manager, ``await async_get_inverter_data()`` (``--polls N`` times; the
first poll also reads the optional firmware block). Modbus only: the WiNet
WebSocket/HTTP calls are not made. ``--timeout`` sets the library's Modbus
timeout (its ``modbus.timeout`` attribute, default 5 s).

Output: ``status`` (every field of the library's InverterStatus, e.g.
power_ac, energy_today, serial, mppts [{voltage, current, power}], clock ISO)
plus its derived properties ``model``, ``work_state``, ``producing``,
``has_fault``; ``polls`` = number of successful polls.
"""

from __future__ import annotations

import sys

import _driver


def status_dict(status) -> dict:
    out = _driver.jsonable(status)
    out["mppts"] = [dict(_driver.jsonable(m), power=m.power) for m in status.mppts]
    for prop in ("model", "work_state", "producing", "has_fault"):
        out[prop] = getattr(status, prop)
    return out


async def run(args, result: dict) -> int:
    from intelbras_solar_local import IntelbrasSolarClient

    async with IntelbrasSolarClient(args.host, port=args.port, unit=args.unit) as client:
        client.modbus.timeout = args.timeout
        result["polls"] = 0
        for _ in range(args.polls):
            status = await client.async_get_inverter_data()
            result["polls"] += 1
            result["status"] = status_dict(status)
    return _driver.EXIT_OK


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=1, help="number of async_get_inverter_data() calls")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "python-intelbras-solar-local 0.2.0"}
    _driver.run_async_client(run, args, result, quiet=("asyncio", "aiohttp"))


if __name__ == "__main__":
    sys.exit(main())
