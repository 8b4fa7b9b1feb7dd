"""The control endpoint of ``sungrow-mock serve --control-port``: the library's keywords, remotely.

One port, two interfaces onto the same keywords:

- ``POST /`` (``/TOKEN`` when a token is set): Robot Framework's remote library API over XML-RPC,
  so ``Library    Remote    http://HOST:PORT/`` gives every keyword of the library. Robot's
  Remote library cannot send headers, hence the token in the URL path.
- ``/api/...``: JSON routes for other tools; the token goes in ``Authorization: Bearer`` (``/api/health``
  needs none, so that a readiness probe can ask).

Both run the keywords of one real :class:`SungrowMockLibrary` whose current mock is the served
one (alias ``served``), so they behave exactly as in-process: Robot's own argument conversion,
Robot's error messages.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hmac
import inspect
import json
import logging
import queue
import re
import threading
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from xml.parsers.expat import ExpatError

from aiohttp import web
from robot.running.arguments import PythonArgumentParser
from robot.running.arguments.argumentresolver import ArgumentResolver
from robot.utils import get_error_details, printable_name

from .library import SungrowMockLibrary
from .mock import DEFAULT_HOST, MockSungrow
from .runtime import EventLoopThread

SERVED = "served"
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,200}")
# Robot's Remote library posts to /RPC2 when its URL has no path at all.
_NO_TOKEN_PATHS = ("", "RPC2")
_NOT_GIVEN = object()
_LEVELS = {5: "TRACE", logging.DEBUG: "DEBUG", logging.INFO: "INFO", logging.WARNING: "WARN", logging.ERROR: "ERROR"}
# XML-RPC fault codes of the common "specification for fault code interoperability".
_PARSE_ERROR, _NO_METHOD, _BAD_PARAMS = -32700, -32601, -32602


def check_token(token: str | None) -> str | None:
    """The token unchanged, or a ValueError: it must survive as one URL path segment."""
    if token is None or _TOKEN.fullmatch(token):
        return token
    raise ValueError("control token must be 1-200 letters, digits, '-', '_', '.' or '~' (it goes into the Remote URL)")


# -- the keywords ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one keyword call came to. ``problem`` says why it failed: ``unknown`` keyword,
    bad ``arguments``, or the keyword itself ``failed``."""

    value: object = None
    output: str = ""
    problem: str | None = None
    error: str = ""
    traceback: str = ""
    fatal: bool = False
    continuable: bool = False

    @property
    def passed(self) -> bool:
        return self.problem is None


def _key(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()


def _argument(argument) -> str:
    if isinstance(argument, tuple):
        name, default = argument
        return f"{name}={default.value if isinstance(default, Enum) else default}"
    return argument


class Keywords:
    """The library's keywords by name (any case, spaces, underscores or hyphens), called with
    Robot's own rules: argument counts, named arguments and type conversion."""

    def __init__(self, library: SungrowMockLibrary):
        self.library = library
        self._real = {_key(name): name for name in library.get_keyword_names()}
        self.names = sorted(printable_name(name, code_style=True) for name in self._real.values())
        self._specs: dict[str, object] = {}

    def find(self, name: str) -> str | None:
        return self._real.get(_key(name))

    def arguments(self, name: str) -> list[str]:
        return [_argument(a) for a in self.library.get_keyword_arguments(self._real[_key(name)])]

    def documentation(self, name: str) -> str:
        return self.library.get_keyword_documentation(self._real[_key(name)])

    def tags(self, name: str) -> list[str]:
        return list(self.library.get_keyword_tags(self._real[_key(name)]))

    def call(self, name: str, args: list, kwargs: dict, empty_is_none: bool = False) -> Outcome:
        """Run a keyword (blocking: call it on a worker thread, never on an event loop)."""
        real = self.find(name)
        if real is None:
            return Outcome(problem="unknown", error=f"No keyword with name '{name}' found.")
        with _captured_log() as lines:
            try:
                positional, named = self._arguments(real, args, kwargs, empty_is_none)
            except Exception as error:  # DataError (counts, names), ValueError (conversion) and kin
                return Outcome(output=_output(lines), problem="arguments", error=str(error))
            try:
                value = self.library.run_keyword(real, positional, dict(named))
            except Exception as error:
                message, traceback = get_error_details()
                return Outcome(
                    output=_output(lines),
                    problem="failed",
                    error=message,
                    traceback=traceback,
                    fatal=bool(getattr(error, "ROBOT_EXIT_ON_FAILURE", False)),
                    continuable=bool(getattr(error, "ROBOT_CONTINUE_ON_FAILURE", False)),
                )
        return Outcome(value=value, output=_output(lines))

    def _arguments(self, real: str, args: list, kwargs: dict, empty_is_none: bool) -> tuple[list, list]:
        spec = self._specs.get(real)
        if spec is None:
            spec = PythonArgumentParser().parse(self.library.keywords[real], printable_name(real, code_style=True))
            self._specs[real] = spec
        positional, named = ArgumentResolver(spec, resolve_named=False).resolve(list(args), dict(kwargs))
        if empty_is_none:
            positional, named = _empty_as_none(spec, positional, named)
        return spec.convert(positional, named)


def _empty_as_none(spec, positional: list, named: list) -> tuple[list, list]:
    # Robot's Remote library sends ${None} as '' (XML-RPC has no null); an argument that takes
    # None gets it back, so `alias=${None}` means what it means in-process.
    def takes_none(name: str) -> bool:
        if spec.defaults.get(name, _NOT_GIVEN) is None:
            return True
        info = (spec.types or {}).get(name)
        return info is not None and info.is_union and any(n.type is type(None) for n in info.nested)

    names = list(spec.positional)
    positional = [
        None if value == "" and index < len(names) and takes_none(names[index]) else value
        for index, value in enumerate(positional)
    ]
    named = [(name, None if value == "" and takes_none(name) else value) for name, value in named]
    return positional, named


@contextlib.contextmanager
def _captured_log():
    # Outside a Robot run, robot.api.logger writes to the "RobotFramework" logger; the messages of
    # this thread become the call's output, which Robot's Remote library puts in the caller's log.
    lines: list[str] = []
    thread = threading.get_ident()

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                lines.append(f"*{_LEVELS.get(record.levelno, 'INFO')}* {record.getMessage()}")

    logger = logging.getLogger("RobotFramework")
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(5)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _output(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


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
            except BaseException as error:  # handed to the waiting request
                future.set_exception(error)

    def stop(self) -> None:
        self._calls.put(None)


# -- values on the wire -------------------------------------------------------------------------------


def xmlrpc_safe(value):
    """``value`` as Robot's remote server would return it: None as '', mappings as structs with
    text keys, other iterables as arrays, binary text as Binary, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, Enum):
        return xmlrpc_safe(value.value)
    if isinstance(value, str):
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", value):
            return xmlrpc.client.Binary(value.encode("utf-8"))
        return value
    if isinstance(value, bytes | bytearray):
        return xmlrpc.client.Binary(bytes(value))
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {"" if key is None else str(key): xmlrpc_safe(item) for key, item in value.items()}
    try:
        return [xmlrpc_safe(item) for item in value]
    except TypeError:
        return str(value)


class _Marshaller(xmlrpc.client.Marshaller):
    """Writes integers beyond 32 bits as ``<i8>`` (Python's client, and so Robot's, reads it):
    raw 32-bit registers and their 0xFFFFFFFF sentinel do not fit XML-RPC's ``<int>``."""

    dispatch = dict(xmlrpc.client.Marshaller.dispatch)

    def _dump_int(self, value, write):
        tag = "int" if -(2**31) <= value < 2**31 else "i8"
        write(f"<value><{tag}>{value}</{tag}></value>\n")

    dispatch[int] = _dump_int


def _xmlrpc_body(result) -> str:
    """A methodResponse: ``result`` (already XML-RPC-safe) or a Fault."""
    values = result if isinstance(result, xmlrpc.client.Fault) else (result,)
    return "<?xml version='1.0'?>\n<methodResponse>\n" + _Marshaller("utf-8").dumps(values) + "</methodResponse>\n"


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


def _json(data, status: int = 200, **headers) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps, headers=headers or None)


class _Refused(Exception):
    """A REST request answered with ``status`` and a FAIL body."""

    def __init__(self, status: int, error: str, **headers):
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers


# -- the server -------------------------------------------------------------------------------------


class ControlServer:
    """The control endpoint of a served mock: start it once the mock runs.

    ``token`` (default: none) is required from every request when given. Mocks started through
    the endpoint inherit the served mock's model, host, doors and simulation, and ``clock_speed``
    and ``start_time``; they live until stopped or until :meth:`stop`, which stops every mock
    of the endpoint's library, the served one included. ``ready`` is what ``GET /api/mock``
    answers: the ready line, once the caller has added the control endpoint to it.
    """

    def __init__(
        self,
        mock: MockSungrow,
        host: str = DEFAULT_HOST,
        port: int = 0,
        token: str | None = None,
        clock_speed: float = 1.0,
        start_time: str | None = None,
    ):
        self.token = check_token(token)
        self.host, self.port = host, port
        self.library = SungrowMockLibrary(
            model=mock.model,
            host=mock.host,
            doors=",".join(mock.doors),
            simulate=mock.environment is not None,
            clock_speed=clock_speed,
            start_time=start_time,
        )
        # Outside a Robot run no listener opens scopes, so the served mock is global: it stays.
        self.library.adopt_mock(mock, SERVED)
        self.keywords = Keywords(self.library)
        self.ready: dict = {"model": mock.model, "serial": mock.inverter.serial, "unit_id": mock.unit_id}
        self.address = ""
        self._runtime: EventLoopThread | None = None
        self._runner: web.AppRunner | None = None
        self._worker: _Worker | None = None
        self._information = self._library_information()

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> "ControlServer":
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
        app = web.Application(middlewares=[self._api_guard])
        app.router.add_get("/api/health", self._health)
        app.router.add_get("/api/mock", self._mock)
        app.router.add_get("/api/keywords", self._keyword_names)
        app.router.add_post("/api/keywords/{name}", self._keyword)
        app.router.add_get("/api/registers/{register}", self._get_register)
        app.router.add_put("/api/registers/{register}", self._set_register)
        app.router.add_get("/api/requests", self._requests)
        app.router.add_post("/api/faults", self._inject_fault)
        app.router.add_delete("/api/faults", self._clear_faults)
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

    def _library_information(self) -> dict:
        info = {
            name: {"args": self.keywords.arguments(name), "doc": self.keywords.documentation(name),
                   "tags": self.keywords.tags(name), "types": {}}
            for name in self.keywords.names
        }  # fmt: skip
        # No types: Robot would convert on the caller's side with type names it cannot resolve;
        # the arguments arrive as written and are converted here, with the keyword's real types.
        info["__intro__"] = {"doc": self.library.get_keyword_documentation("__intro__")}
        info["__init__"] = {"doc": self._import_doc()}
        return info

    def _import_doc(self) -> str:
        path = "TOKEN" if self.token else ""
        return (
            "Import the control endpoint of a running ``sungrow-mock serve --control-port PORT`` with\n"
            f"| Library | Remote | http://HOST:PORT/{path} |\n\n"
            f"Keywords act on the served mock (alias ``{SERVED}``) unless another is started or switched to."
        )

    async def _xmlrpc(self, request: web.Request) -> web.Response:
        denied = self._remote_denied(request)
        if denied is not None:
            return denied
        try:
            params, method = xmlrpc.client.loads(await request.read(), use_builtin_types=True)
        except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError) as error:
            return self._fault(_PARSE_ERROR, f"the request is not XML-RPC: {error}")
        handler = {
            "get_library_information": lambda: self._information,
            "get_keyword_names": lambda: self.keywords.names,
            "get_keyword_arguments": lambda name: self._about(name, "args"),
            "get_keyword_documentation": lambda name: self._about(name, "doc"),
            "get_keyword_types": lambda name: self._about(name, "types"),
            "get_keyword_tags": lambda name: self._about(name, "tags"),
            "run_keyword": self._run_keyword,
        }.get(method)
        if handler is None:
            return self._fault(_NO_METHOD, f"no method {method!r}; this is Robot Framework's remote library API")
        try:
            inspect.signature(handler).bind(*params)
        except TypeError as error:
            return self._fault(_BAD_PARAMS, f"{method}: {error}")
        try:
            result = handler(*params)
            if inspect.isawaitable(result):
                result = await result
        except _Refused as refused:
            return self._fault(_BAD_PARAMS, refused.error)
        return web.Response(text=_xmlrpc_body(xmlrpc_safe(result)), content_type="text/xml")

    def _about(self, name: str, what: str):
        if name in ("__intro__", "__init__") and what == "doc":
            return self._information[name]["doc"]
        found = self.keywords.find(name)
        if found is None:
            raise _Refused(404, f"no keyword {name!r}")
        return self._information[printable_name(found, code_style=True)][what]

    async def _run_keyword(self, name: str, args: list | None = None, kwargs: dict | None = None) -> dict:
        if not isinstance(args or [], list) or not isinstance(kwargs or {}, dict):
            raise _Refused(400, "run_keyword takes a name, a list of arguments and a struct of named arguments")
        outcome = await self._run(name, args or [], kwargs or {}, empty_is_none=True)
        if outcome.passed:
            return {"status": "PASS", "return": outcome.value, "output": outcome.output}
        result = {"status": "FAIL", "return": "", "output": outcome.output, "error": outcome.error}
        result["traceback"] = outcome.traceback
        if outcome.fatal:
            result["fatal"] = True
        if outcome.continuable:
            result["continuable"] = True
        return result

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
    def _fault(code: int, message: str, status: int = 200) -> web.Response:
        # On HTTP errors Python's XML-RPC client shows only the reason phrase: make it the message.
        body = _xmlrpc_body(xmlrpc.client.Fault(code, message))
        reason = message.encode("ascii", "replace").decode() if status != 200 else None
        return web.Response(text=body, content_type="text/xml", status=status, reason=reason)

    # -- the JSON API -----------------------------------------------------------------------------

    @web.middleware
    async def _api_guard(self, request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
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
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return _json({"status": "FAIL", "error": f"{request.method} {request.path}: {error.reason}"}, error.status)

    async def _call(self, name: str, args: list, kwargs: dict) -> web.Response:
        outcome = await self._run(name, args, kwargs)
        if outcome.passed:
            return _json({"status": "PASS", "return": outcome.value, "output": outcome.output})
        status = 404 if outcome.problem == "unknown" else 400
        return _json({"status": "FAIL", "error": outcome.error, "output": outcome.output}, status)

    async def _health(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"})

    async def _mock(self, request: web.Request) -> web.Response:
        return _json(self.ready)

    async def _keyword_names(self, request: web.Request) -> web.Response:
        return _json({"keywords": self.keywords.names})

    async def _keyword(self, request: web.Request) -> web.Response:
        body = await _body(request, allowed=("args", "kwargs"))
        args, kwargs = body.get("args", []), body.get("kwargs", {})
        if not isinstance(args, list):
            raise _Refused(400, f"'args' must be a JSON array, not {json.dumps(args)}")
        if not isinstance(kwargs, dict):
            raise _Refused(400, f"'kwargs' must be a JSON object, not {json.dumps(kwargs)}")
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


async def _body(request: web.Request, allowed: tuple[str, ...] | None = None) -> dict:
    """The request's JSON object (empty when there is no body)."""
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Refused(400, f"the body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise _Refused(400, "the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed)) if allowed is not None else []
    if unknown:
        raise _Refused(400, f"unknown field(s) {', '.join(unknown)}; valid: {', '.join(allowed)}")
    return body
