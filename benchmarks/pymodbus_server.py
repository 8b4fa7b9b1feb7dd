"""Reference target (b): pymodbus's own asyncio TCP server with a plain datastore.

Run by ``modbus_bench.py`` in its own process.  Prints exactly one JSON line
to stdout once it is listening, e.g. ``{"modbus": "127.0.0.1:40123"}``, then
serves until SIGTERM/SIGINT or ``--max-seconds`` elapse (it always stops by
itself).

Datastore (pymodbus 3.16 ``SimDevice``/``SimData`` API; the 2.x/early-3.x
``ModbusSlaveContext`` is gone and ``ModbusDeviceContext`` is deprecated and
converted to this internally anyway):

* unit id 1 (``id=0`` would answer every unit id; we want the same "one
  device" behaviour as the mock),
* input registers at wire addresses 4999..5099 (101 registers),
* holding registers at wire addresses 4999..5008 (10 registers),
* one dummy coil/discrete-input block each (pymodbus requires non-empty lists
  in the non-shared four-block layout).

so ``FC04 addr=5000 count=100`` and ``FC03 addr=4999 count=10`` are served by
exactly the same address layout as an SH10RT mock.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import yardstick  # beside this script
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

IR_START, IR_COUNT = 4999, 101
HR_START, HR_COUNT = 4999, 10


def build_device(unit_id: int) -> SimDevice:
    coils = [SimData(0, values=[False] * 16, datatype=DataType.BITS)]
    discrete = [SimData(0, values=[False] * 16, datatype=DataType.BITS)]
    holding = [SimData(HR_START, values=[(i * 7) & 0xFFFF for i in range(HR_COUNT)],
                       datatype=DataType.REGISTERS)]
    inputs = [SimData(IR_START, values=[(i * 13) & 0xFFFF for i in range(IR_COUNT)],
                      datatype=DataType.REGISTERS)]
    return SimDevice(id=unit_id, simdata=(coils, discrete, holding, inputs))


async def main(host: str, port: int, unit_id: int, max_seconds: float) -> None:
    server = ModbusTcpServer(build_device(unit_id), address=(host, port))
    await server.serve_forever(background=True)
    listener = server.transport  # asyncio.Server once listening
    sock_host, sock_port = listener.sockets[0].getsockname()[:2]
    yardstick.announce(modbus=f"{sock_host}:{sock_port}")

    await yardstick.serve_until_stopped(max_seconds)
    await server.shutdown()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--unit-id", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=600.0,
                    help="exit by itself after this long (safety bound)")
    args = ap.parse_args()
    # pymodbus logs a warning per request on some paths; keep the server quiet
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    asyncio.run(main(args.host, args.port, args.unit_id, args.max_seconds))
