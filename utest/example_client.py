"""The client under test of the keyword documentation's examples (`Run My Client`, `Start My Client`).

It does what a polling client does, over plain Modbus TCP to the current mock: reads
``daily_power_yields`` (input 5003) and ``battery_level`` (input 13023), then writes ``ems_mode``
(holding 13050) = 2 (``forced``). Replies are not checked: the examples inject faults into them.
"""

from __future__ import annotations

import socket
import threading
import time

from robot.libraries.BuiltIn import BuiltIn

# (function, wire address, count or value): documented number - 1 on the wire.
REQUESTS = ((4, 5002, 1), (4, 13022, 1), (6, 13049, 2))
REPLY_TIMEOUT = 1.0


def _poll(endpoint: str) -> None:
    host, port = endpoint.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=REPLY_TIMEOUT) as connection:
        for tid, (function, address, word) in enumerate(REQUESTS, start=1):
            pdu = bytes([function]) + address.to_bytes(2, "big") + word.to_bytes(2, "big")
            connection.sendall(tid.to_bytes(2, "big") + b"\0\0" + (len(pdu) + 1).to_bytes(2, "big") + b"\x01" + pdu)
            try:
                connection.recv(300)
            except TimeoutError:
                pass


class example_client:  # Robot imports a library class named as its module
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self):
        self._threads: list[threading.Thread] = []

    def run_my_client(self) -> None:
        """Reads 5003 and 13023 and writes ems_mode forced, once."""
        _poll(BuiltIn().run_keyword("Get Mock Sungrow Endpoint", "modbus"))

    def start_my_client(self, delay: float = 0.3) -> None:
        """Runs `Run My Client` in the background after ``delay`` seconds."""
        endpoint = BuiltIn().run_keyword("Get Mock Sungrow Endpoint", "modbus")

        def later():
            time.sleep(delay)
            _poll(endpoint)

        thread = threading.Thread(target=later, daemon=True)
        thread.start()
        self._threads.append(thread)
