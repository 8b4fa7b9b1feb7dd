"""The HTTP endpoints of the dongle (PROTOCOLS §4.4, §4.5); every JSON reply uses the §4.2 envelope.

Parameters come from the query string and, for POST, from a JSON object or a form body (the body
wins). A request the dongle cannot make sense of still gets HTTP 200 with a failure
``result_code`` (see :mod:`.codes`), as the dongle answers its own errors; unknown paths get
HTTP 404 and ``/i18n/<locale>.properties`` exists only for ``en_US`` (clients fall back to it).

Authorisation per endpoint: ``none``; ``token`` (a live token, login not needed);
``login`` (a live token, logged in when the firmware requires login); ``upgraded`` (like
``login``, or a token that went through ``/upgrade/upgradeStatus``). sungrow-http-config shows
real WiNet-S2 firmware answering ``/device/list`` to a bare connect token and the pass-through
after ``upgradeStatus`` (CLIENTS §9), hence ``token`` and ``upgraded`` there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import hdrs, web
from multidict import CIMultiDict, CIMultiDictProxy

from ...device.catalogue import HOLDING, INPUT
from ...device.image import RegisterAccessError
from ...vocabulary import MAX_READ
from . import catalog, writes
from .codes import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    PARAM_ERROR,
    READ_FAILED,
    SUCCESS,
    Encoded,
    WinetError,
    encoded,
    envelope,
    has_lone_surrogate,
)
from .dongle import Dongle, device_name, parse_int
from .parsed import Parsed, ReadOnly
from .services import connect_data
from .sessions import Session, Sessions

log = logging.getLogger(__name__)

MAX_REGISTERS = MAX_READ  # a getParam read (PROTOCOLS §4.4: the bridge cannot carry more than 126)
PROPERTIES_LOCALE = "en_US"
GET_PARAM = "/device/getParam"
PASSTHROUGH = "/device/passthroughway"

Params = Mapping[str, Any]  # a request's parameters (a GET's: a shared Query, read-only)
Handler = Callable[["HttpApi", web.Request, Params, Session | None], dict]


class EnvelopeResponse(web.Response):
    """An envelope reply that keeps its ``result_code`` and the request's parameters at hand, so
    the door's journal reads them instead of parsing the body (or the request) a second time."""

    result_code: int = 0
    params: Params | None = None


def json_response(result: tuple[int, str], data: dict | None = None, params: Params | None = None) -> EnvelopeResponse:
    return reply_response(encoded(envelope(result, data)), params)


# An envelope's headers, which aiohttp copies into each response: built once, not per response
# from a content type and a charset (read-only: every response starts from it).
ENVELOPE_HEADERS = CIMultiDictProxy(CIMultiDict({hdrs.CONTENT_TYPE: "application/json; charset=utf-8"}))


def reply_response(reply: Encoded, params: Params | None = None) -> EnvelopeResponse:
    """The HTTP response carrying an envelope encoded once (a kept reply is sent as it is)."""
    response = EnvelopeResponse(body=reply.data, headers=ENVELOPE_HEADERS)
    response.result_code = reply["result_code"]
    response.params = params
    return response


async def request_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query.items())
    if request.method != "POST" or not request.body_exists:
        return params
    try:
        body = await request.read()
    except web.HTTPException:
        raise
    except Exception:  # the client went away mid-body, or sent a broken chunked body
        raise WinetError(BAD_REQUEST, "the request body could not be read") from None
    text = body.strip()
    if not text:
        return params
    if request.content_type == "application/json" or text.startswith(b"{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise WinetError(BAD_REQUEST, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise WinetError(BAD_REQUEST, "the JSON body is not an object")
        if has_lone_surrogate(text, data):
            raise WinetError(BAD_REQUEST, "the JSON body holds a lone UTF-16 surrogate")
        params.update(data)
    else:
        params.update(parse_qsl(text.decode("utf-8", "replace"), keep_blank_values=True))
    return params


# What each level of authorisation checks: None, or (sessions, token) -> the request's session.
SESSION_CHECKS: dict[str, Callable[[Sessions, Any], Session] | None] = {
    "none": None,
    "token": Sessions.live,
    "login": Sessions.authorize,
    "upgraded": lambda sessions, token: sessions.authorize(token, upgrade_counts=True),
}
TOKEN_AUTH = frozenset(level for level, check in SESSION_CHECKS.items() if check is not None)  # a token is checked
GET_PARAM_AUTH = "login"
GET_PARAM_CHECK = SESSION_CHECKS[GET_PARAM_AUTH]  # also asked by HttpApi.kept_get_param


def endpoint(auth: str) -> Callable[[Handler], Callable]:
    """Wrap a synchronous handler: parameters, authorisation, envelope, and no exception escapes."""

    check = SESSION_CHECKS[auth]

    def wrap(function: Handler) -> Callable:
        async def handler(self: HttpApi, request: web.Request) -> web.StreamResponse:
            params = None
            try:
                if request.method == "POST" and request.body_exists:
                    params = await request_params(request)
                else:  # a GET's parameters are its query: no coroutine for the usual request
                    params = self.query(request)
                session = None if check is None else check(self.dongle.sessions, params.get("token"))
                data = function(self, request, params, session)
                if type(data) is Encoded:  # a whole envelope, kept while the registers it shows hold
                    return reply_response(data, params)
                return json_response(SUCCESS, data, params)
            except WinetError as error:
                return json_response((error.code, error.msg), error.data, params)
            except web.HTTPException:
                raise
            except Exception:
                log.exception("WiNet HTTP %s %s failed", request.method, request.path)
                return json_response(INTERNAL_ERROR, params=params)

        handler.__name__ = function.__name__
        # The door reads this to know whether the dongle could answer "login required" here.
        handler.winet_auth = auth  # type: ignore[attr-defined]
        return handler

    return wrap


def needs_token(handler: Callable) -> bool:
    """Whether the dongle checks the token (and the login) before answering a request ``handler`` takes."""
    return getattr(handler, "winet_auth", None) in TOKEN_AUTH


class Query(ReadOnly):
    """The parameters of a request's query string (of a repeated name, the last), shared by every
    request with the same target (:meth:`HttpApi.query`), so read-only."""

    __slots__ = ("read", "target")

    def __init__(self, pairs, target: str, path: str):
        super().__init__(pairs)
        # A getParam register read, parsed once as the key of its kept reply, (GET_PARAM, dev_id,
        # table, start, count); None for any other request, or when a value does not parse (then
        # get_param parses them again and answers the dongle's error).
        self.read: tuple | None = None
        if path == GET_PARAM and str(self.get("type", "")).strip() == "3":
            try:
                self.read = (GET_PARAM, parse_int(self.get("dev_id"), "dev_id"), *_register_span(self))
            except WinetError:
                pass
        self.target = target  # the request target they were parsed from: one string for every such request


class HttpApi:
    def __init__(self, dongle: Dongle):
        self.dongle = dongle
        self._queries = Parsed()  # clients poll the same few URLs: parsed once per request target

    def query(self, request: web.Request) -> Query:
        """The parameters of a request's query string: the same object for every request with the
        same target, as long as it is kept."""
        target = request.raw_path  # the query is a function of the raw target alone
        params = self._queries.get(target)
        if params is None:
            params = self._queries.keep(target, Query(request.query.items(), target, request.path))
        return params

    def kept_get_param(self, target: str) -> EnvelopeResponse | None:
        """The response to a GET of ``target`` when it is a getParam register read whose reply is
        kept: exactly what :meth:`get_param` would answer, without the route's layers (the door's
        fast path, decisions §42). None for every other request: the route answers it (and any
        error) and asks again what this asked, which answers the same (a failed token check fails
        the same way when asked twice; bringing the registers up to now twice is doing it once).
        """
        params = self._queries.get(target)
        read = None if params is None else params.read
        if read is None:
            return None
        inverter = self.dongle.devices.get(read[1])
        if inverter is None:
            return None
        try:
            GET_PARAM_CHECK(self.dongle.sessions, params.get("token"))
        except WinetError:
            return None
        reply = self.dongle.replies.kept(read, inverter)
        return None if reply is None else reply_response(reply, params)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/i18n/{locale}.properties", self.properties),
            web.get("/about/list", self.about),
            web.get("/device/overview", self.overview),
            web.get("/device/getType", self.device_types),
            web.get("/product/list", self.product),
            web.get(GET_PARAM, self.get_param),
            web.get("/time/get", self.time),
            web.post("/user/connect", self.user_connect),
            web.post("/device/list", self.device_list),
            web.post("/inverter/list", self.inverter_list),
            web.post("/upgrade/upgradeStatus", self.upgrade_status),
            web.post("/wifi/updateStaScan", self.wifi_scan),
            web.post(PASSTHROUGH, self.passthrough),
        ]

    async def properties(self, request: web.Request) -> web.Response:
        if request.match_info["locale"] != PROPERTIES_LOCALE:
            raise web.HTTPNotFound()
        return web.Response(text=catalog.properties_text(), content_type="text/plain", charset="utf-8")

    # -- identity -------------------------------------------------------------------------------

    @endpoint("none")
    def product(self, request, params, session) -> dict:
        return dict(catalog.dongle()["product"])

    @endpoint("none")
    def device_types(self, request, params, session) -> dict:
        types = [dict(t) for t in catalog.dongle()["device_type"]]
        return {"count": len(types), "list": types}

    @endpoint("login")
    def about(self, request, params, session) -> dict:
        versions = catalog.dongle()["versions"]
        rows = [
            ("I18N_COMMON_DEVICE_SN", self.dongle.settings.dongle_serial),
            ("I18N_COMMON_APPLI_SOFT_VERSION", versions["appli_soft_version"]),
            ("I18N_COMMON_BUILD_SOFT_VERSION", versions["build_soft_version"]),
            ("I18N_COMMON_VERSION", versions["hardware_version"]),
        ]
        items = [{"data_name": n, "data_value": v, "data_unit": "", "type": 0} for n, v in rows]
        return {"count": len(items), "list": items}

    @endpoint("login")
    def overview(self, request, params, session) -> dict:
        data = catalog.dongle()
        serial = self.dongle.settings.dongle_serial
        device = data["device"]
        return {
            "module_info": {"module_sn": serial, "module_ver": data["versions"]["hardware_version"]},
            "net_info": {"wifi_conn_sts": "1", "eth_conn_sts": "0", "eth2_conn_sts": "0", "wifi_cmd": "1"},
            "remote_info": {"module_sn": serial, "ip": data["network"]["cloud_host"]},
            "sys_time": {
                "sync_device": "1",
                "time": self.dongle.now().strftime("%Y-%m-%d %H:%M:%S"),
                "timezone": data["network"]["timezone"],
            },
            "list": [
                {
                    "dev_name": device_name(dev_id, inverter),
                    "dev_sn": inverter.serial,
                    "link_status": 1,
                    "country_code": device["country_code"],
                    "country": device["country"],
                    "company": device["company"],
                    "company_code": device["company_code"],
                }
                for dev_id, inverter in list(self.dongle.devices.items())
            ],
        }

    @endpoint("login")
    def time(self, request, params, session) -> dict:
        network = catalog.dongle()["network"]
        now = self.dongle.now().strftime("%Y-%m-%d %H:%M:%S")
        return {"time": now, "timezone": network["timezone"], "ntp_enable": "0", "ntp_server": ""}

    # -- sessions -------------------------------------------------------------------------------

    @endpoint("none")
    def user_connect(self, request, params, session) -> dict:
        new = self.dongle.sessions.connect()
        return {"service": "connect", **connect_data(self.dongle, new, _local_ip(request))}

    @endpoint("token")
    def upgrade_status(self, request, params, session) -> dict:
        session.upgraded = True
        return {"nextProcess": "0"}

    # -- devices --------------------------------------------------------------------------------

    @endpoint("token")
    def device_list(self, request, params, session) -> dict:
        objects = self.dongle.device_objects(with_list=False)
        return {"service": "devicelist", "count": len(objects), "list": objects}

    @endpoint("none")
    def inverter_list(self, request, params, session) -> dict:
        objects = self.dongle.device_objects(with_list=False)
        return {"count": len(objects), "list": objects}

    @endpoint(GET_PARAM_AUTH)
    def get_param(self, request, params, session) -> dict:
        kind = str(params.get("type", "")).strip()
        dev_id, inverter = self.dongle.device(params.get("dev_id"))
        if kind == "3":
            # The key of its kept reply; a GET's Query parsed it once (the usual GET is answered before
            # this route, by kept_get_param).
            read = getattr(params, "read", None) or (GET_PARAM, dev_id, *_register_span(params))
            return self.dongle.replies.reply(read, inverter, lambda: _register_read(inverter, *read[2:]))
        if kind == "2":
            items = [dict(p) for p in catalog.dongle()["grid_parameter"]]
            return {"count": len(items), "list": items}
        if kind == "9":
            items = ems_parameters(inverter)
            return {"count": len(items), "list": items}
        raise WinetError(PARAM_ERROR, f"getParam type {params.get('type')!r} is not 2, 3 or 9")

    @endpoint("login")
    def wifi_scan(self, request, params, session) -> dict:
        self.dongle.wifi_scanned = True
        return {}

    @endpoint("upgraded")
    def passthrough(self, request, params, session) -> dict:
        return {"data": writes.passthrough(self.dongle, params.get("msgValue"))}


def _register_span(params: Mapping) -> tuple[str, int, int]:
    """A type-3 getParam read's table, first register and count; the dongle's error if one does not parse."""
    start = parse_int(params.get("param_addr"), "param_addr", 1, 0x10000)
    count = parse_int(params.get("param_num"), "param_num", 1, MAX_REGISTERS)
    table = (INPUT, HOLDING)[parse_int(params.get("param_type"), "param_type", 0, 1)]
    return table, start, count


def _register_read(inverter, table: str, start: int, count: int) -> dict:
    """The envelope of a getParam type=3 read: the registers' bytes as hex, each followed by a space."""
    try:
        payload = inverter.read(table, start - 1, count)
    except RegisterAccessError as error:
        raise WinetError(READ_FAILED, str(error)) from None
    return envelope(SUCCESS, {"param_value": payload.hex(" ") + " "})


def ems_parameters(inverter) -> list[dict[str, Any]]:
    """GET getParam type=9 items, from the ``param`` table's type-9 rows (PROTOCOLS §4.4)."""
    items = []
    seen = set()
    for target in catalog.param_targets():
        if target.type != "9" or target.param_addr in seen or not target.applies_to(inverter.model.kind):
            continue
        seen.add(target.param_addr)
        register = inverter.layout.by_name[target.register]
        options = [{"name": label, "value": str(raw)} for raw, label in (register.enum or {}).items()]
        items.append(
            {
                "param_id": len(items) + 1,
                "param_addr": int(target.param_addr),
                "param_pid": 0,
                "param_type": 1 if options else 2,
                "accuracy": target.accuracy,
                "param_name": target.param_name,
                "param_value": writes.read_param(inverter, target),
                "unit": target.unit,
                "relation": "",
                "regulation": "",
                "range": "",
                "options": options,
            }
        )
    return items


def _local_ip(request: web.Request) -> str:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[0] if sockname else ""
