#!/usr/bin/env python3
"""Drive pysungrow 1.1.0: identify the inverter, refresh all its variables.

Run with the ``pysungrow`` venv's python::

    .venvs/pysungrow/bin/python atest/clients/drive_pysungrow.py --host 127.0.0.1 --port 40123

Sequence (as pysungrow's own CLI does it): ``AsyncModbusTcpClient(host, port)``
from ``pysungrow.compat``, ``await identify(client, unit)``,
``SungrowClient(client, identity, unit)``, ``await refresh()``. With
``--set KEY VALUE`` the driver then calls ``await set(KEY, value)`` (pysungrow
writes with FC16 and reads the register back) and reports the read-back value.
VALUE is converted like pysungrow's CLI does: numbers for int/float variables,
the member name for enums (e.g. ``FORCED``), true/false for booleans, ISO text
for datetime/time.

Output: ``identity`` (serial_number, device {code, name, device_type},
output_type, excluded_variables), ``keys`` (variables pysungrow selected for
the device), ``data`` (enums as {name, value}, datetimes ISO) and ``set``.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys

import _driver


def convert(variable, text: str):
    """Text to a value of the variable's Python type (as pysungrow's CLI does, plus times)."""
    kind = variable.type
    if kind in (int, float):
        return kind(text)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind[text]
        except KeyError:
            return kind(int(text, 0))
    if kind is bool:
        lowered = text.lower()
        if lowered in ("true", "1", "on"):
            return True
        if lowered in ("false", "0", "off"):
            return False
        raise ValueError(f"boolean value must be true/false, got {text!r}")
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(text)
    if kind is dt.time:
        return dt.time.fromisoformat(text)
    return kind(text)


def describe_device(device):
    if device is None:
        return None
    return {"code": device.code, "name": device.name,
            "device_type": getattr(device.device_type, "value", device.device_type)}


async def run(args, result: dict) -> int:
    from pysungrow import SungrowClient, identify
    from pysungrow.compat import AsyncModbusTcpClient

    client = AsyncModbusTcpClient(args.host, args.port, timeout=args.timeout)
    identity = await identify(client, args.unit)
    result["identity"] = {
        "serial_number": identity.serial_number,
        "device": describe_device(identity.device),
        "output_type": identity.output_type,
        "excluded_variables": list(identity.excluded_variables),
    }
    sungrow = SungrowClient(client, identity, args.unit)
    result["keys"] = sungrow.keys
    await sungrow.refresh()
    result["data"] = dict(sungrow.data)

    if args.set:
        key, text = args.set
        variable = sungrow.variable(key)
        if variable is None:
            raise KeyError(f"pysungrow has no variable {key!r} for this device")
        value = convert(variable, text)
        before = sungrow.data.get(key)
        await sungrow.set(key, value)
        result["set"] = {"key": key, "value": value, "before": before,
                         "read_back": sungrow.data.get(key)}
        result["data"] = dict(sungrow.data)
    return _driver.EXIT_OK


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--set", nargs=2, metavar=("KEY", "VALUE"),
                        help="after refresh, write a variable with pysungrow's set()")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "pysungrow 1.1.0"}
    _driver.run_async_client(run, args, result, quiet=("pymodbus", "asyncio"))


if __name__ == "__main__":
    sys.exit(main())
