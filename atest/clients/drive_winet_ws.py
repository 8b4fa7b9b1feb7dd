#!/usr/bin/env python3
"""The tests' own WiNet-S client (aiohttp): WebSocket services and HTTP calls, step by step.

Run with a python that has aiohttp, e.g. the ``sungrowwebsocket`` venv's::

    .venvs/sungrowwebsocket/bin/python atest/clients/drive_winet_ws.py --host 127.0.0.1 \\
        --port 40125 connect login devicelist real
    ... --tls --port 40126 connect login:user:pw1111 devicelist real:dev_id=2

No public client covers login and TLS firmware, so this one does, written for the tests: it
reports every reply as it came instead of interpreting it. It opens one WebSocket to
``ws://HOST:PORT/ws/home/overview`` (``wss://`` with ``--tls``, certificate verification
disabled) and runs the STEPs in order:

- ``connect``: ``{"service": "connect", "token": ""}``; a reply's ``result_data.token``
  becomes the session token.
- ``login`` or ``login:USER:PASSWORD``: ``login`` with ``--username``/``--password`` (default
  admin/pw8888) or the given ones; a token in a successful reply replaces the session token.
- ``devicelist``: with ``type "0"`` and ``is_check_token "0"``.
- any other service, optionally with fields: ``real``, ``real:dev_id=2``, ``state``,
  ``direct:dev_id=1``. ``real``, ``real_battery`` and ``direct`` get ``dev_id`` (default
  ``--dev-id``) and ``time123456`` (ms) unless given.
- ``http:PATH`` or ``http:PATH?a=1&b=2``: HTTP(S) GET on ``--http-port`` with ``token``,
  ``lang`` and ``time123456`` added, e.g. ``http:/device/getParam?type=3&dev_id=1&...``.
- ``pause``: with ``--handshake DIR``, wait for the test (it changes the mock meanwhile);
  the steps after the N-th pause are phase N + 1 (the handshake files ``ready-<N+1>`` and
  ``go-<N+1>``).
- ``sleep:SECONDS``; ``reconnect``: close the WebSocket and open a new one (token kept).

Every request carries ``lang`` (``--lang``, default ``en_us``) and the current ``token``.
The reply to a WebSocket request is the next text message that is not a pushed ``notice``
(pushed messages are listed in ``pushed``); each reply waits at most ``--timeout``.

Output: ``steps`` [{step, service, request, result_code, result_msg, result_data,
service_echo (result_data.service), http_status}], ``token`` (the last session token),
``pushed``. Exit code 0 when every step got a reply, whatever its result_code; 1 when the
connection failed, closed or a reply did not come in time.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.parse

import _driver

DEVICE_SERVICES = ("real", "real_battery", "direct")


def parse_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in filter(None, text.split(":")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"field {part!r} is not KEY=VALUE")
        fields[key] = value
    return fields


class Session:
    def __init__(self, args, http):
        self.args = args
        self.http = http
        scheme = "wss" if args.tls else "ws"
        self.url = f"{scheme}://{args.host}:{args.port}{args.path}"
        http_scheme = "https" if args.tls else "http"
        http_port = args.http_port if args.http_port is not None else args.port
        self.base_url = f"{http_scheme}://{args.host}:{http_port}"
        self.ws = None
        self.token = ""
        self.pushed: list[dict] = []

    async def open(self) -> None:
        self.ws = await asyncio.wait_for(
            self.http.ws_connect(self.url, ssl=False if self.args.tls else None), self.args.timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def request(self, service: str, extra: dict) -> dict:
        import aiohttp

        payload = {"lang": self.args.lang, "token": self.token, "service": service, **extra}
        await self.ws.send_str(json.dumps(payload))
        deadline = time.monotonic() + self.args.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to {service!r} within {self.args.timeout:g} s")
            message = await asyncio.wait_for(self.ws.receive(), left)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING,
                                aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise ConnectionError(f"WebSocket closed while waiting for {service!r}: "
                                      f"{message.type.name} {message.data!r} {message.extra!r}")
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            reply = json.loads(message.data)
            data = reply.get("result_data") if isinstance(reply, dict) else None
            if isinstance(data, dict) and data.get("service") == "notice" and service != "notice":
                self.pushed.append(reply)
                continue
            return {"request": payload, "reply": reply}

    async def get(self, target: str) -> dict:
        path, _, query = target.partition("?")
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        params.setdefault("token", self.token)
        params.setdefault("lang", self.args.lang)
        params.setdefault("time123456", str(int(time.time() * 1000)))
        url = self.base_url + path
        async with asyncio.timeout(self.args.timeout):
            async with self.http.get(url, params=params, ssl=False if self.args.tls else None) as response:
                text = await response.text()
                status = response.status
        try:
            reply = json.loads(text)
        except ValueError:
            reply = {"text": text[:2000]}
        return {"request": {"url": url, "params": params}, "reply": reply, "http_status": status}


async def run(args, result: dict) -> int:
    import aiohttp

    result["steps"] = []
    async with aiohttp.ClientSession() as http:
        session = Session(args, http)
        result["url"] = session.url
        pauses = 0
        try:
            await session.open()
            for step in args.steps:
                name, _, rest = step.partition(":")
                entry: dict = {"step": step}
                result["steps"].append(entry)
                if name == "pause":
                    pauses += 1
                    entry["phase"] = pauses + 1
                    _driver.handshake(args, pauses + 1)
                    continue
                if name == "sleep":
                    await asyncio.sleep(float(rest))
                    continue
                if name == "reconnect":
                    await session.close()
                    await session.open()
                    continue
                if name == "http":
                    exchange = await session.get(rest)
                    entry["service"] = "http"
                else:
                    if name == "login":
                        user, _, password = rest.partition(":")
                        extra = {"username": user or args.username,
                                 "passwd": password if rest else args.password}
                    elif name == "devicelist":
                        extra = {"type": "0", "is_check_token": "0", **parse_fields(rest)}
                    else:
                        extra = parse_fields(rest)
                        if name in DEVICE_SERVICES:
                            extra.setdefault("dev_id", str(args.dev_id))
                            extra.setdefault("time123456", str(int(time.time() * 1000)))
                    entry["service"] = name
                    exchange = await session.request(name, extra)
                reply = exchange["reply"]
                entry["request"] = exchange["request"]
                entry["http_status"] = exchange.get("http_status")
                entry["result_code"] = reply.get("result_code")
                entry["result_msg"] = reply.get("result_msg")
                entry["result_data"] = reply.get("result_data")
                data = reply.get("result_data")
                entry["service_echo"] = data.get("service") if isinstance(data, dict) else None
                token = data.get("token") if isinstance(data, dict) else None
                if name in ("connect", "login") and reply.get("result_code") == 1 and token:
                    session.token = token
                result["token"] = session.token
        finally:
            result["pushed"] = session.pushed
            await session.close()
    return _driver.EXIT_OK


def main() -> None:
    parser = _driver.base_parser(__doc__.splitlines()[0], default_port=8082)
    parser.set_defaults(guard=30.0)
    parser.add_argument("steps", nargs="+", metavar="STEP", help="see the module documentation")
    parser.add_argument("--tls", action="store_true", help="wss:// and https:// without certificate checks")
    parser.add_argument("--http-port", type=int, default=None, help="HTTP(S) port (default: --port)")
    parser.add_argument("--path", default="/ws/home/overview", help="WebSocket path")
    parser.add_argument("--lang", default="en_us")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="pw8888")
    parser.add_argument("--dev-id", default="1", help="dev_id for real/real_battery/direct (default 1)")
    _driver.add_handshake_option(parser, "step")
    args = parser.parse_args()

    result: dict = {"ok": False, "client": "drive_winet_ws (aiohttp)"}
    _driver.run_async_client(run, args, result, quiet=("asyncio", "aiohttp"))


if __name__ == "__main__":
    sys.exit(main())
