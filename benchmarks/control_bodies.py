"""The cost of hostile control-endpoint bodies, and what a concurrent Modbus reader waits meanwhile.

Serves ``sungrow-mock serve --doors modbus --control-port 0`` in a process, keeps one plain Modbus
reader reading the device type in a loop, and posts bodies at the limits of ``limits.py`` (the
widest and the deepest JSON and XML-RPC that fit, and one too large). Prints one line per body:
its size, the answer's status, how long the answer took, and the reader's worst wait while it was
handled. Bounded: each body is posted ``--repeat`` times (default 3), loopback only.

    PYTHONPATH=. python3 benchmarks/control_bodies.py
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xmlrpc.client

from SungrowMockLibrary.limits import CONTROL_MAX_BODY_BYTES as LIMIT

_XML_HEAD = b"<?xml version='1.0'?><methodCall><methodName>run_keyword</methodName><params><param>"
_XML_TAIL = b"</param></params></methodCall>"


def bodies() -> dict[str, tuple[str, bytes]]:
    levels = (LIMIT - 200) // 64
    return {
        "json, deepest": ("/api/keywords/get_register", b'{"args":' + b"[" * (LIMIT - 20) + b"}"),
        "json, widest (empty arrays)": ("/api/keywords/get_register", b'{"args":[' + b"[]," * ((LIMIT - 20) // 3) + b"[]]}"),
        "json, many numbers": ("/api/keywords/get_register", b'{"args":["5000", [' + b"1," * ((LIMIT - 30) // 2) + b"1]]}"),
        "xml-rpc, many strings": ("/", xmlrpc.client.dumps(("Get Register", *["a"] * ((LIMIT - 300) // 52)), "run_keyword").encode()),
        "xml-rpc, deepest": ("/", _XML_HEAD + b"<value><array><data>" * levels + b"</data></array></value>" * levels + _XML_TAIL),
        "json, 2x the limit": ("/api/keywords/get_register", b'{"args":["' + b"x" * (2 * LIMIT) + b'"]}'),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    serve = subprocess.Popen([sys.executable, "-m", "SungrowMockLibrary", "serve", "--doors", "modbus", "--control-port", "0"],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        ready = json.loads(serve.stdout.readline())
        control = ready["endpoints"]["control"]
        host, port = ready["endpoints"]["modbus"].split(":")
        worst, stop = [0.0], threading.Event()

        def reader() -> None:
            with socket.create_connection((host, int(port)), timeout=10) as connection:
                while not stop.is_set():
                    started = time.perf_counter()
                    connection.sendall(bytes.fromhex("000100000006010413870001"))
                    connection.recv(64)
                    worst[0] = max(worst[0], time.perf_counter() - started)

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        time.sleep(0.2)
        for name, (path, body) in bodies().items():
            took = wait = 0.0
            for _ in range(args.repeat):
                worst[0] = 0.0
                request = urllib.request.Request(f"http://{control}{path}", data=body, method="POST")
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as error:
                    error.read()
                    status = error.code
                took, wait = max(took, time.perf_counter() - started), max(wait, worst[0])
            print(f"{name}: {len(body)} bytes -> {status} in {took * 1000:.0f} ms; "
                  f"worst concurrent Modbus read {wait * 1000:.1f} ms")  # fmt: skip
        stop.set()
        thread.join(5)
    finally:
        serve.terminate()
        serve.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
