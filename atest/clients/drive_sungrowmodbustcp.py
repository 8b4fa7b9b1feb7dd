#!/usr/bin/env python3
"""Drive SungrowModbusTcpClient 0.1.6 (pymodbus 2.5.3): encrypted Modbus reads.

Run with the ``sungrowclient`` venv's python (it holds exactly SungrowModbusTcpClient 0.1.6
and pymodbus 2.5.3)::

    .venvs/sungrowclient/bin/python atest/clients/drive_sungrowmodbustcp.py \\
        --host 127.0.0.1 --port 40124

Sequence: ``SungrowModbusTcpClient(host=..., port=..., timeout=..., retries=...)``,
``connect()`` (TCP connect, key request on unit 247 when the client holds no key for today,
close, connect again: PROTOCOLS 3.8), then per round the reads of ``--read`` (default:
input 4989x10 serial, input 4999x1 device type, holding 4999x6 clock) with
``read_input_registers(wire, count, unit=...)`` / ``read_holding_registers``. pymodbus 2.5.3
reconnects before each request; the key stays in the client object, so round 2 after a key
change on the server still encrypts with the old key (``--rounds 2 --handshake DIR``).

Output: ``connected`` (what ``connect()`` returned), ``encryption`` (``client_key`` =
``client._key`` as hex or ``"no encryption"``, ``public_key`` = the key bytes the server
sent, ``encrypted``), ``rounds`` (per round ``ok``, ``reads`` [{table, wire, count, ok,
registers, text | error, exception_code}], ``encryption``).
"""

from __future__ import annotations

import sys

import _driver
import _register_reads


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0])
    _register_reads.add_read_options(parser)
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "SungrowModbusTcpClient 0.1.6 (pymodbus 2.5.3)"}
    _driver.start_guard(args.guard, result)
    collector = _driver.collect_logs(quiet=("pymodbus",))
    try:
        client = _driver.connect_sungrow_tcp_client(args, result, collector)

        def read(table: str, wire: int, count: int):
            if table == "input":
                return client.read_input_registers(wire, count, unit=args.unit)
            return client.read_holding_registers(wire, count, unit=args.unit)

        code = _register_reads.run_rounds(args, result, client, read)
        client.close()
        result["warnings"] = collector.messages()
        _driver.emit(result, code)
    except Exception as error:
        result["warnings"] = collector.messages()
        _driver.failure(result, error)


if __name__ == "__main__":
    sys.exit(main())
