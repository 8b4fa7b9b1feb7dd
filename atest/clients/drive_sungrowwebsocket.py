#!/usr/bin/env python3
"""Drive sungrow-websocket 0.2.2: read the WiNet-S data points of the first device.

Run with the ``sungrowwebsocket`` venv's python::

    .venvs/sungrowwebsocket/bin/python atest/clients/drive_sungrowwebsocket.py --host 127.41.7.3

Sequence: ``SungrowWebsocket(host, port=--port, locale=--locale).get_data()``: HTTP GET
``http://HOST/i18n/<locale>.properties`` (port 80, fixed by the client), then WebSocket
``ws://HOST:PORT/ws/home/overview``: ``connect``, ``devicelist``, ``real``,
``real_battery``, ``direct`` for ``list[0].dev_id``. The client stops silently at the
first reply that is not result_code 1 / "success" and returns what it has, so a test must
check that the data points it expects are there. It has no timeouts of its own; the
driver's ``--guard`` bounds the run (``--timeout`` is not used).

Output: ``data`` = {id: {name, desc, value, unit}} exactly as the client returns it
(``desc`` and enumerated ``real`` values translated through the properties file),
``count``.
"""

from __future__ import annotations

import sys

import _driver


def run(args, result: dict) -> int:
    from sungrow_websocket import SungrowWebsocket

    client = SungrowWebsocket(args.host, port=args.port, locale=args.locale)
    data = client.get_data()
    result["strings"] = len(client.strings)
    result["data"] = {key: item._asdict() for key, item in data.items()}
    result["count"] = len(data)
    if not data:
        result["error"] = "get_data() returned no data points"
        return _driver.EXIT_CLIENT_FAILED
    return _driver.EXIT_OK


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0], default_port=8082)
    parser.set_defaults(guard=30.0)
    parser.add_argument("--locale", default="en_US", help="locale of the properties file and requests")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "sungrow-websocket 0.2.2"}
    _driver.start_guard(args.guard, result)
    collector = _driver.collect_logs(quiet=("asyncio", "websockets"))
    try:
        code = run(args, result)
    except Exception as error:
        result["warnings"] = collector.messages()
        _driver.failure(result, error)
    result["ok"] = code == _driver.EXIT_OK
    result["warnings"] = collector.messages()
    _driver.emit(result, code)


if __name__ == "__main__":
    sys.exit(main())
