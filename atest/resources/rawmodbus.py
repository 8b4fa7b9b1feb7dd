#!/usr/bin/env python3
"""Send one Modbus TCP request (unit 1, PDU given in hex) and print the reply in hex.

    python3 rawmodbus.py HOST:PORT 04138A0001 [--tid N] [--delay SECONDS] [--hold SECONDS]

``--hold`` keeps the connection open after the reply (a client that holds the dongle's session).

A stand-in for a client in the library's own tests, where the point is the mock's journal and
faults, not a real client's decoding (those tests use the real clients).
"""

import argparse
import socket
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("pdu")
    parser.add_argument("--tid", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--hold", type=float, default=0.0)
    args = parser.parse_args()
    time.sleep(args.delay)
    host, port = args.endpoint.rsplit(":", 1)
    pdu = bytes.fromhex(args.pdu)
    frame = args.tid.to_bytes(2, "big") + b"\x00\x00" + (len(pdu) + 1).to_bytes(2, "big") + b"\x01" + pdu
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(frame)
        print(connection.recv(300).hex(), flush=True)
        time.sleep(args.hold)


if __name__ == "__main__":
    main()
