#!/usr/bin/env python3
"""Drive SungrowModbusTcpClient-jesseklm 0.1.9 (pymodbus 3.7.4): encrypted Modbus reads.

Run with the ``jesseklm`` venv's python::

    .venvs/jesseklm/bin/python atest/clients/drive_jesseklm.py --host 127.0.0.1 --port 40124

The pymodbus-3 port of SungrowModbusTcpClient (same import name, so its own venv).
Encryption works with pymodbus <= 3.7.4 only (PROTOCOLS 3.9). Sequence:
``SungrowModbusTcpClient(host=..., port=..., timeout=..., retries=...)``, ``connect()``
(key request when it holds no key for today, close, reconnect), then per round the reads
of ``--read`` with ``read_input_registers(wire, count=..., slave=...)`` /
``read_holding_registers``.

Output: as ``drive_sungrowmodbustcp.py``: ``connected``, ``encryption`` (``client_key``,
``public_key``, ``encrypted``), ``rounds`` with every read's registers or error, and
``client_log`` (the client's own "modbus encrypted!" / "no modbus encryption!" lines).
"""

from __future__ import annotations

import logging
import sys

import _driver
import _register_reads


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    _register_reads.add_read_options(parser)
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "SungrowModbusTcpClient-jesseklm 0.1.9"}
    _driver.start_guard(args.guard, result)
    collector = _driver.collect_logs(quiet=("pymodbus",))

    def client_log() -> list[str]:
        return [r.getMessage() for r in collector.records
                if r.name.startswith("SungrowModbusTcpClient") and r.levelno >= logging.INFO]

    try:
        client = _driver.connect_sungrow_tcp_client(args, result, collector, client_log)

        def read(table: str, wire: int, count: int):
            if table == "input":
                return client.read_input_registers(wire, count=count, slave=args.unit)
            return client.read_holding_registers(wire, count=count, slave=args.unit)

        code = _register_reads.run_rounds(args, result, client, read)
        client.close()
        result["client_log"] = client_log()
        result["warnings"] = collector.messages()
        _driver.emit(result, code)
    except Exception as error:
        result["client_log"] = client_log()
        result["warnings"] = collector.messages()
        _driver.failure(result, error)


if __name__ == "__main__":
    sys.exit(main())
