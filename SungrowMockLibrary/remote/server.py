"""The control endpoint's HTTP server: routes, the token guard, the JSON API and the lifecycle.

Both interfaces run keywords through one :class:`~.dispatch.Keywords` onto a real
:class:`SungrowMockLibrary` whose current mock is the served one, one call at a time on a worker
thread (keywords block on a mock's loop, so never on this server's loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hmac
import json
import queue
import re
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import Enum

from aiohttp import web

from ..fleet import MockSungrowFleet
from ..keywords.access import AccessPolicy
from ..library import SungrowMockLibrary
from ..limits import CONTROL_MAX_BODY_BYTES, CONTROL_MAX_NESTING
from ..mock import DEFAULT_HOST, MockSungrow
from ..ready import ready_line
from ..runtime import EventLoopThread
from .dispatch import Keywords, Outcome, shape_refusal
from .xmlrpc_api import INTERNAL_ERROR, RemoteApi, fault_body

SERVED = "served"
# The library's keywords behind the /api/scopes routes (scopes live in the core, not here).
OPEN_SCOPE, CLOSE_SCOPE = "Open Mock Scope", "Close Mock Scope"
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,200}")
# Robot's Remote library posts to /RPC2 when its URL has no path at all.
_NO_TOKEN_PATHS = ("", "RPC2")


def check_token(token: str | None) -> str | None:
    """The token unchanged, or a ValueError: it must survive as one URL path segment."""
    if token is None or _TOKEN.fullmatch(token):
        return token
    raise ValueError("control token must be 1-200 letters, digits, '-', '_', '.' or '~' (it goes into the Remote URL)")


class _Worker:
    """One daemon thread that runs calls in order: keywords block on a mock's loop, so they must
    not run on the control server's loop, and one at a time keeps them as ordered as in a test.
    A daemon thread, because a keyword may wait for a client for minutes when the daemon ends."""

    def __init__(self, name: str):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, function, *args) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._calls.put((future, function, args))
        return future

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            future, function, args = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except BaseException as error:
                future.set_exception(error)

    def stop(self) -> None:
        self._calls.put(None)


class _Refused(Exception):
    """A JSON request answered with ``status`` and a FAIL body."""

    def __init__(self, status: int, error: str, **headers):
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers


class ControlServer:
    """The control endpoint of a served mock: start it once the mock runs.

    ``token`` (default: none) is required from every request when given. ``access`` says which
    files and hosts the keywords may use (default: files in the working directory, recording from
    loopback, doors on loopback; see :class:`~..keywords.access.AccessPolicy`). Mocks started through
    the endpoint inherit the served mock's model, host, doors and simulation, and ``clock_speed``
    and ``start_time``; they live until stopped or until :meth:`stop`, which stops every mock
    of the endpoint's library, the served one included. ``ready`` is what ``GET /api/mock``
    answers: the ready line, once the caller has added the control endpoint to it.
    """

    def __init__(
        self,
        mock: MockSungrow | MockSungrowFleet,
        host: str = DEFAULT_HOST,
        port: int = 0,
        token: str | None = None,
        clock_speed: float = 1.0,
        start_time: str | None = None,
        access: AccessPolicy | None = None,
    ):
        self.token = check_token(token)
        self.access = access if access is not None else AccessPolicy.control_endpoint()
        self.host, self.port = host, port
        # A fleet's mocks exist once it runs: its library adopts it when the endpoint starts.
        self._fleet = mock if isinstance(mock, MockSungrowFleet) else None
        served = self._fleet.options if self._fleet is not None else mock.options
        self.library = SungrowMockLibrary(
            model=self._fleet.plan.inverters[0].model if self._fleet is not None else mock.model,
            host=served.host,
            doors=",".join(served.doors),
            simulate=served.simulated,
            clock_speed=clock_speed,
            start_time=start_time,
        )
        self.library.restrict_access(self.access)
        # Outside a Robot run no listener opens scopes, so the served mock is global: it stays.
        if self._fleet is None:
            self.library.adopt_mock(mock, SERVED)
        self.keywords = Keywords(self.library)
        self.remote = RemoteApi(self.keywords, self._run, self._import_doc())
        self._served = mock
        self.address = ""
        self._runtime: EventLoopThread | None = None
        self._runner: web.AppRunner | None = None
        self._worker: _Worker | None = None

    def _import_doc(self) -> str:
        path = "TOKEN" if self.token else ""
        recording = ", ".join(self.access.recording_from or ()) or "nowhere else"
        doors = "any host" if self.access.public_doors else "loopback only (127.0.0.0/8, ::1)"
        return (
            "Import the control endpoint of a running ``sungrow-mock serve --control-port PORT`` with\n"
            f"| Library | Remote | http://HOST:PORT/{path} |\n\n"
            f"Keywords act on the served mock (alias ``{SERVED}``) unless another is started or switched to.\n\n"
            "What the keywords may touch beyond the mock is limited: files (`Record Inverter Snapshot`, "
            "`Load Scenario`, ``snapshot``, ``scenario`` and ``faults`` of `Start Mock Sungrow`) are paths "
            "inside the daemon's data directory (``--data-dir``), relative to it; `Record Inverter Snapshot` "
            f"records from loopback and {recording}; `Start Mock Sungrow` opens doors on {doors}."
        )

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> ControlServer:
        fleet, self._fleet = self._fleet, None
        if fleet is not None:  # running by now: adopted once, its inverters by their aliases
            self.library.adopt_fleet(fleet, SERVED)
        runtime = EventLoopThread("sungrow-mock-control").start()
        try:
            self.address = runtime.run(self._open())
        except BaseException:
            runtime.run(self._close())
            runtime.stop()
            raise
        self._runtime = runtime
        self._worker = _Worker("sungrow-mock-keywords")
        return self

    async def _open(self) -> str:
        app = web.Application(middlewares=[self._api_guard], client_max_size=CONTROL_MAX_BODY_BYTES)
        app.router.add_get("/api/health", self._health)
        app.router.add_get("/api/mock", self._mock)
        app.router.add_get("/api/keywords", self._keyword_names)
        app.router.add_post("/api/keywords/{name}", self._keyword)
        app.router.add_get("/api/registers/{register}", self._get_register)
        app.router.add_put("/api/registers/{register}", self._set_register)
        app.router.add_get("/api/requests", self._requests)
        app.router.add_post("/api/faults", self._inject_fault)
        app.router.add_delete("/api/faults", self._clear_faults)
        app.router.add_post("/api/scopes", self._open_scope)
        app.router.add_delete("/api/scopes/{id}", self._close_scope)
        app.router.add_post("/", self._xmlrpc)
        app.router.add_post("/{token}", self._xmlrpc)
        app.router.add_post("/{token}/", self._xmlrpc)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        return f"{host}:{port}"

    async def _close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def stop(self) -> None:
        """Release the port, then stop every mock of the endpoint; safe to call twice."""
        runtime, self._runtime = self._runtime, None
        if runtime is not None:
            try:
                runtime.run(self._close())
            finally:
                runtime.stop()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        self.library.stop_all_mocks()

    async def _run(self, name: str, args: list, kwargs: dict, empty_is_none: bool = False) -> Outcome:
        future = self._worker.submit(self.keywords.call, name, args, kwargs, empty_is_none)
        return await asyncio.wrap_future(future)

    # -- tokens -----------------------------------------------------------------------------------

    def _matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _bearer(self, request: web.Request) -> str | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    # -- Robot's remote library API (XML-RPC) ------------------------------------------------------

    async def _xmlrpc(self, request: web.Request) -> web.Response:
        denied = self._remote_denied(request)
        if denied is not None:
            return denied
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._fault(413, f"the request is larger than {CONTROL_MAX_BODY_BYTES} bytes", status=413)
        return web.Response(text=await self.remote.respond(body), content_type="text/xml")

    def _remote_denied(self, request: web.Request) -> web.Response | None:
        given = request.match_info.get("token", "")
        base = f"http://{request.host}/"
        if self.token is None:
            if given in _NO_TOKEN_PATHS:
                return None
            return self._fault(404, f"this control endpoint has no token: use Library  Remote  {base}", status=404)
        bearer = self._bearer(request)
        if self._matches(given) or (bearer is not None and self._matches(bearer)):
            return None
        if given in _NO_TOKEN_PATHS:
            return self._fault(401, f"control token required: use Library  Remote  {base}TOKEN", status=401)
        return self._fault(403, "wrong control token in the URL path", status=403)

    @staticmethod
    def _fault(code: int, message: str, status: int) -> web.Response:
        # On HTTP errors Python's XML-RPC client shows only the reason phrase: make it the message.
        reason = message.encode("ascii", "replace").decode()
        return web.Response(text=fault_body(code, message), content_type="text/xml", status=status, reason=reason)

    # -- the JSON API -----------------------------------------------------------------------------

    @web.middleware
    async def _api_guard(self, request: web.Request, handler) -> web.StreamResponse:
        # Every answer is JSON (under /api/) or an XML-RPC fault (elsewhere), never a traceback.
        if not request.path.startswith("/api/"):
            try:
                return await handler(request)
            except web.HTTPException:
                raise
            except Exception as error:
                return self._fault(INTERNAL_ERROR, f"the control endpoint could not answer: {type(error).__name__}", 500)
        try:
            # Health carries no secret: a Kubernetes readiness probe cannot send the token.
            if self.token is not None and request.path != "/api/health":
                bearer = self._bearer(request)
                if bearer is None:
                    challenge = {"WWW-Authenticate": "Bearer"}
                    raise _Refused(401, "control token required: send 'Authorization: Bearer TOKEN'", **challenge)
                if not self._matches(bearer):
                    raise _Refused(403, "wrong control token")
            return await handler(request)
        except _Refused as refused:
            return _json({"status": "FAIL", "error": refused.error}, refused.status, **refused.headers)
        except web.HTTPRequestEntityTooLarge:
            return _json({"status": "FAIL", "error": f"the body is larger than {CONTROL_MAX_BODY_BYTES} bytes"}, 413)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return _json({"status": "FAIL", "error": f"{request.method} {request.path}: {error.reason}"}, error.status)
        except Exception as error:  # a bug here must not become a traceback for the caller
            message = f"the control endpoint could not answer: {type(error).__name__}"
            return _json({"status": "FAIL", "error": message}, 500)

    async def _call(self, name: str, args: list, kwargs: dict) -> web.Response:
        outcome = await self._run(name, args, kwargs)
        if outcome.passed:
            return _json({"status": "PASS", "return": outcome.value, "output": outcome.output})
        status = 404 if outcome.problem == "unknown" else 400
        return _json({"status": "FAIL", "error": outcome.error, "output": outcome.output}, status)

    async def _health(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"})

    async def _mock(self, request: web.Request) -> web.Response:
        return _json(ready_line(self._served, self.address))

    async def _keyword_names(self, request: web.Request) -> web.Response:
        return _json({"keywords": self.keywords.names})

    async def _keyword(self, request: web.Request) -> web.Response:
        body = await _body(request, allowed=("args", "kwargs"))
        args, kwargs = body.get("args", []), body.get("kwargs", {})
        if not isinstance(args, list):
            raise _Refused(400, f"'args' must be a JSON array, not {_shown(args)}")
        if not isinstance(kwargs, dict):
            raise _Refused(400, f"'kwargs' must be a JSON object, not {_shown(kwargs)}")
        return await self._call(request.match_info["name"], args, kwargs)

    async def _get_register(self, request: web.Request) -> web.Response:
        return await self._call("Get Register", [request.match_info["register"]], dict(request.query))

    async def _set_register(self, request: web.Request) -> web.Response:
        body = await _body(request)
        return await self._call("Set Register", [request.match_info["register"]], {**request.query, **body})

    async def _requests(self, request: web.Request) -> web.Response:
        return await self._call("Get Mock Requests", [], dict(request.query))

    async def _inject_fault(self, request: web.Request) -> web.Response:
        return await self._call("Inject Fault", [], await _body(request))

    async def _clear_faults(self, request: web.Request) -> web.Response:
        return await self._call("Clear Faults", [], dict(request.query))

    async def _open_scope(self, request: web.Request) -> web.Response:
        return await self._call(OPEN_SCOPE, [], await _body(request))

    async def _close_scope(self, request: web.Request) -> web.Response:
        return await self._call(CLOSE_SCOPE, [request.match_info["id"]], dict(request.query))


def _json_default(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return list(value)
    return str(value)


_dumps = functools.partial(json.dumps, default=_json_default)


def _shown(value) -> str:
    """A value of the caller's in a message: JSON, cut short."""
    text = json.dumps(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _json(data, status: int = 200, **headers) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps, headers=headers or None)


async def _body(request: web.Request, allowed: tuple[str, ...] | None = None) -> dict:
    """The request's JSON object (empty when there is no body), at most
    :data:`~..limits.CONTROL_MAX_BODY_BYTES` long, :data:`~..limits.CONTROL_MAX_NESTING` deep and
    holding :data:`~..limits.CONTROL_MAX_VALUES` values."""
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Refused(400, f"the body is not UTF-8: {error.reason} at byte {error.start}") from None
    if not text.strip():
        return {}
    too_deep = f"the body's arrays and objects nest more than {CONTROL_MAX_NESTING} levels deep"
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Refused(400, f"the body is not JSON: {error}") from None
    except RecursionError:  # deeper than Python's parser goes: far beyond the limit
        raise _Refused(400, too_deep) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise _Refused(400, f"the body is not usable JSON: {error}") from None
    refusal = shape_refusal(body)
    if refusal is not None:
        raise _Refused(400, f"the body's arrays and objects {refusal}")
    if not isinstance(body, dict):
        raise _Refused(400, "the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed)) if allowed is not None else []
    if unknown:
        raise _Refused(400, f"unknown field(s) {', '.join(unknown)}; valid: {', '.join(allowed)}")
    return body
