#!/usr/bin/env python3
"""Drive sungrowinverter 0.2.3: detect the model, then read all values.

Run with the ``sungrowinverter`` venv's python::

    .venvs/sungrowinverter/bin/python atest/clients/drive_sungrowinverter.py --host 127.0.0.1 --port 40123

Sequence: ``SungrowInverter(ip, port=..., slave=..., retries=1, timeout=...)``,
``await inverter_model()`` (key request, FC4 4989x12, for hybrids FC3
13054x3), then ``await async_update()`` (``--updates N`` times).

The library reports failures only as a False/None return plus log records, so
the driver collects its warnings. Output: ``model`` (device_code, model,
inverter_type, mppt_inputs, nominal_output_power, serial_number),
``battery_type``, ``battery_energy_capacity``, ``update_ok`` (one boolean per
update), ``data`` (the library's ``.data``), ``warnings``.
"""

from __future__ import annotations

import sys

import _driver


async def run(args, result: dict) -> int:
    from sungrowinverter import SungrowInverter

    inverter = SungrowInverter(args.host, port=args.port, slave=args.unit,
                               retries=args.retries, timeout=args.timeout)
    model = await inverter.inverter_model()
    result["model"] = model or None
    result["battery_type"] = inverter.battery_type
    result["battery_energy_capacity"] = inverter.battery_energy_capacity
    if not model:
        result["data"] = dict(inverter.data)
        result["error"] = f"inverter_model() returned {model!r}"
        return _driver.EXIT_CLIENT_FAILED
    result["update_ok"] = []
    for _ in range(args.updates):
        result["update_ok"].append(bool(await inverter.async_update()))
    result["data"] = dict(inverter.data)
    if not all(result["update_ok"]):
        result["error"] = "async_update() returned False"
        return _driver.EXIT_CLIENT_FAILED
    return _driver.EXIT_OK


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--updates", type=int, default=1, help="number of async_update() calls")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "sungrowinverter 0.2.3"}
    _driver.run_async_client(run, args, result, quiet=("pymodbus", "asyncio"), succeeded=lambda code: code == _driver.EXIT_OK)


if __name__ == "__main__":
    sys.exit(main())
