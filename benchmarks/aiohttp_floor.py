"""Floor target for the WiNet door: a bare aiohttp application returning fixed bytes.

``doors_bench.py`` first asks the mock for its reply to the benchmark's WebSocket message and
HTTP request, writes both to files and starts this server with them: so the floor sends the
very same bytes, with no parsing, no session, no journal and no faults. One application on one
port serves both: the WebSocket path answers every text message with the WebSocket reply, any
other GET path answers with the HTTP reply (``application/json; charset=utf-8``, as the mock).

Prints one JSON line (``{"winet_ws": "127.0.0.1:PORT", "winet_http": "127.0.0.1:PORT"}``) when
listening; stops on SIGTERM/SIGINT or after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import yardstick  # beside this script
from aiohttp import WSMsgType, web

WS_PATH = "/ws/home/overview"


def build_app(ws_reply: str, http_reply: bytes) -> web.Application:
    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                await ws.send_str(ws_reply)
        return ws

    async def http(request: web.Request) -> web.Response:
        return web.Response(body=http_reply, content_type="application/json", charset="utf-8")

    app = web.Application()
    app.router.add_get(WS_PATH, websocket)
    app.router.add_get("/{tail:.*}", http)
    return app


async def main(host: str, port: int, ws_reply: str, http_reply: bytes, max_seconds: float) -> None:
    runner = web.AppRunner(build_app(ws_reply, http_reply), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    sock_host, sock_port = site._server.sockets[0].getsockname()[:2]
    address = f"{sock_host}:{sock_port}"
    yardstick.announce(winet_ws=address, winet_http=address)
    await yardstick.serve_until_stopped(max_seconds)
    await runner.cleanup()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ws-reply", required=True, help="file holding the WebSocket reply (UTF-8 text)")
    ap.add_argument("--http-reply", required=True, help="file holding the HTTP reply body")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop (default asyncio)")
    ap.add_argument("--max-seconds", type=float, default=600.0, help="exit by itself after this long (safety bound)")
    args = ap.parse_args()
    ws_text = Path(args.ws_reply).read_text(encoding="utf-8")
    http_body = Path(args.http_reply).read_bytes()
    run = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        run = uvloop.run
    run(main(args.host, args.port, ws_text, http_body, args.max_seconds))
