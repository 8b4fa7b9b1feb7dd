"""The WebSocket services of ``/ws/home/overview`` (PROTOCOLS §4.2, §4.3, §4.6).

One text frame in, one reply out, in request order; a ``login`` may also push a ``notice`` to
the websocket of a session it ends. Every reply carries ``result_data.service`` (also the reply
to ``ping``: the dump showed none, but clients that route by that field then see it, and the
others ignore it). Failures answer with the codes of :mod:`.codes`; nothing raises out of
:func:`handle_text`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ...records import MutableRecord
from . import catalog, points, writes
from .codes import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    NOT_READY,
    NOTICE_USER_LIMIT,
    SUCCESS,
    UNKNOWN_SERVICE,
    WinetError,
    envelope,
    has_lone_surrogate,
)
from .dongle import Dongle, device_name, parse_int
from .parsed import ReadOnly
from .sessions import Session

log = logging.getLogger(__name__)

OPEN_SERVICES = frozenset({"connect", "login", "ping"})  # answered without a token
# Services whose reply shows one inverter's registers and nothing else: encoded once per change (.replies).
REGISTER_SERVICES = frozenset({"real", "real_battery", "direct"})


class Message(ReadOnly):
    """The request object of one text frame, parsed once per text (:mod:`.parsed`): read-only,
    shared by every message with that text."""

    __slots__ = ("read",)

    def __init__(self, request: dict[str, Any]):
        super().__init__(request)
        # the key of a register service's kept reply, (service, dev_id): parsed once, like a
        # getParam read's span; None when the message asks for no register service or its
        # dev_id is no integer (then the service answers the dongle's error)
        self.read: tuple[str, int] | None = None
        service = request.get("service")
        if type(service) is str and service in REGISTER_SERVICES:  # any JSON value may come: a list is unhashable
            try:
                self.read = (service, parse_int(request.get("dev_id"), "dev_id"))
            except WinetError:
                pass


class Call(MutableRecord):
    """One request being answered."""

    dongle: Dongle
    request: dict[str, Any]  # a Message over WebSocket
    connection: Any  # the websocket connection (None over HTTP)
    local_ip: str  # the address the client reached the dongle at
    session: Session | None
    pushes: list[tuple[Any, dict]]  # (connection, message) to push

    def __init__(self, dongle: Dongle, request: dict[str, Any], connection: Any = None, local_ip: str = "",
                 session: Session | None = None, pushes: list[tuple[Any, dict]] | None = None):  # fmt: skip
        self.__dict__.update(dongle=dongle, request=request, connection=connection, local_ip=local_ip, session=session,
                             pushes=[] if pushes is None else pushes)  # fmt: skip


def parse_text(text: str) -> Message | None:
    """The request object of one text frame, or None when it is not a JSON object of Unicode text
    (a lone UTF-16 surrogate escape is not: the dongle answers it as a bad request, and nothing
    the message asks for is done).

    The bare text ``ping`` counts as the ping service. Separate from :func:`handle` so that the
    door can journal and fault a request by its service before answering it.
    """
    if text.strip() == "ping":
        return Message({"service": "ping"})
    try:
        request = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(request, dict) or has_lone_surrogate(text, request):
        return None
    return Message(request)


def handle_text(dongle: Dongle, text: str, connection: Any = None, local_ip: str = "") -> tuple[dict, list]:
    """Answer one text frame: (reply, pushes)."""
    request = parse_text(text)
    if request is None:
        return envelope(BAD_REQUEST, service=""), []
    return handle(dongle, request, connection, local_ip)


def needs_token(service: str) -> bool:
    """Whether the dongle checks the token (and the login) before answering ``service``."""
    return service in SERVICES and service not in OPEN_SERVICES


def handle(dongle: Dongle, request: Message, connection: Any = None, local_ip: str = "") -> tuple[dict, list]:
    """Answer one request: (reply, pushes), the notices it pushes to other websockets."""
    service = request.get("service")
    if not isinstance(service, str) or not service:
        return envelope(BAD_REQUEST, service=""), []
    function = SERVICES.get(service)
    if function is None:
        return envelope(UNKNOWN_SERVICE, service=service), []
    call = None
    try:
        session = None if service in OPEN_SERVICES else dongle.sessions.authorize(request.get("token"))
        read = request.read
        if read is not None:  # a register service: its reply is kept while the registers hold
            inverter = dongle.devices.get(read[1])
            if inverter is not None:
                return dongle.replies.reply(read, inverter, lambda: _register_reply(dongle, request, service)), []
        call = Call(dongle, request, connection, local_ip, session)
        data = function(call)
        return envelope(SUCCESS, data, service), call.pushes
    except WinetError as error:
        return envelope((error.code, error.msg), error.data, service), [] if call is None else call.pushes
    except Exception:  # a bug in the mock: answer, log, keep serving
        log.exception("WiNet service %r failed", service)
        return envelope(INTERNAL_ERROR, service=service), []


def _register_reply(dongle: Dongle, request: Message, service: str) -> dict:
    return envelope(SUCCESS, SERVICES[service](Call(dongle, request)), service)


# -- sessions ---------------------------------------------------------------------------------


def connect(call: Call) -> dict:
    session = call.dongle.sessions.connect(call.connection)
    return connect_data(call.dongle, session, call.local_ip)


def connect_data(dongle: Dongle, session: Session, local_ip: str) -> dict:
    """``connect`` reply fields by firmware (PROTOCOLS §4.3): winet2 takes a missing ``ip`` for v1
    (``legacy``) and ``forceModifyPasswd`` for v3, the login-required generation (``login``, ``tls``)."""
    data: dict[str, Any] = {"token": session.token, "uid": session.uid, "tips_disable": 0, "virgin_flag": 0}
    if dongle.settings.firmware != "legacy":
        data["ip"] = local_ip or dongle.settings.host
        data["isFirstLogin"] = 0
        data["forceModifyPasswd"] = 0
    return data


def login(call: Call) -> dict:
    request = call.request
    session, ended = call.dongle.sessions.login(
        request.get("username"), request.get("passwd"), request.get("token"), call.connection
    )
    notice = envelope(NOTICE_USER_LIMIT, service="notice")
    for old in ended:
        if old.connection is not None and old.connection is not call.connection:
            call.pushes.append((old.connection, notice))
    role = 1 if session.user == "admin" else 2  # [GUESS]
    return {"token": session.token, "uid": session.uid, "role": role, "tips_disable": 0}


def logout(call: Call) -> dict:
    call.dongle.sessions.logout(call.request.get("token"))
    return {}


def ping(call: Call) -> dict:
    return {}


# -- devices and values -----------------------------------------------------------------------


def devicelist(call: Call) -> dict:
    objects = call.dongle.device_objects(with_list=True)
    return {"count": len(objects), "list": objects}


def real(call: Call) -> dict:
    _, inverter = call.dongle.device(call.request.get("dev_id"))
    items = points.data_list(inverter, "real")
    return {"count": len(items), "list": items}


def real_battery(call: Call) -> dict:
    """Hybrids list their battery; a string inverter answers success with an empty list."""
    _, inverter = call.dongle.device(call.request.get("dev_id"))
    items = points.data_list(inverter, "real_battery") if inverter.model.battery else []
    return {"count": len(items), "list": items}


def direct(call: Call) -> dict:
    _, inverter = call.dongle.device(call.request.get("dev_id"))
    items = points.direct_list(inverter)
    return {"count": len(items), "list": items}


def state(call: Call) -> dict:
    faults, alarms, _ = call.dongle.fault_summary()
    return {
        "total_fault": str(faults),
        "total_alarm": str(alarms),
        "wireless_conn_sts": "1",
        "wifi_conn_sts": "1",
        "eth_conn_sts": "0",
        "eth2_conn_sts": "0",
        "wireless_cmd": "170",
        "wifi_cmd": "170",
        "cloud_conn_sts": "1",
        "server_net_type": "170",
    }


def fault(call: Call) -> dict:
    _, _, items = call.dongle.fault_summary()
    return {"count": len(items), "list": items}


def statistics(call: Call) -> dict:
    inverters = list(call.dongle.devices.values())
    totals: dict[str, Decimal] = {}
    units: dict[str, tuple[str, int]] = {}
    for inverter in inverters:
        for point in catalog.points_of("statistics", inverter.model.kind):
            units[point.data_name] = (point.unit, point.decimals)
            value = points.value_of(inverter, point)
            if value not in (None, points.NA):
                totals[point.data_name] = totals.get(point.data_name, Decimal(0)) + Decimal(value)
    first: dict[str, str] = {}
    for name in ("today_energy", "total_energy", "curr_power", "curr_reactive", "rated_power"):
        unit, decimals = units.get(name, ("", 0))
        first[name] = points.fmt(totals.get(name, Decimal(0)), decimals)
        first[f"{name}_unit"] = unit
    rated = totals.get("rated_power", Decimal(0))
    derived = {  # [GUESS]: reactive ratings equal to the active rating, limits at the ratings
        "rated_reactive": (rated, "kvar"),
        "adjust_power_uplimit": (rated, "kW"),
        "adjust_reactive_uplimit": (rated, "kvar"),
        "adjust_reactive_lowlimit": (-rated, "kvar"),
    }
    for name, (value, unit) in derived.items():
        first[name] = points.fmt(value, 1)
        first[f"{name}_unit"] = unit
    second = {"online_num": str(len(inverters)), "offline_num": "0"}
    return {"count": 2, "list": [first, second]}


def runtime(call: Call) -> dict:
    items = []
    for dev_id, inverter in list(call.dongle.devices.items()):
        item: dict[str, Any] = {
            "dev_name": device_name(dev_id, inverter),
            "dev_model": inverter.model.name,
            "dev_type": inverter.model.winet_dev_type,
            "dev_procotol": catalog.dongle()["device"]["dev_procotol"],
        }
        for name, (value, unit) in points.named_values(inverter, "runtime").items():
            item[name] = value
            if name != "dev_state":
                item[f"{name}_unit"] = unit
        items.append(item)
    return {"count": len(items), "connect_count": len(items), "off_count": 0, "list": items}


def local(call: Call) -> dict:
    network = catalog.dongle()["network"]
    ip = call.local_ip or call.dongle.settings.host
    rows = [
        ("I18N_COMMON_SYSTEM_TIME", call.dongle.now().strftime("%Y-%m-%d %H:%M:%S"), ""),
        ("I18N_COMMON_ETH_IP_ADDRESS", "--", ""),
        ("I18N_COMMON_ETH_MAC_ADDRESS", network["eth_mac"], ""),
        ("I18N_COMMON_WIFI_AP_IP_ADDRESS", network["ap_ip"], ""),
        ("I18N_COMMON_WIFI_STA_IP_ADDRESS", ip, ""),
        ("I18N_COMMON_WLAN_MAC_ADDRESS", network["wlan_mac"], ""),
        ("I18N_COMMON_WIFI_SIGNAL_STRN", str(network["signal_dbm"]), "dBm"),
    ]
    items = [{"data_name": n, "data_value": v, "data_unit": u} for n, v, u in rows]
    return {"count": len(items), "list": items}


def stalist(call: Call) -> dict:
    """208 until a scan was started with POST /wifi/updateStaScan; the scan finishes at once."""
    if not call.dongle.wifi_scanned:
        raise WinetError(NOT_READY, "no Wi-Fi scan yet; POST /wifi/updateStaScan starts one")
    network = catalog.dongle()["network"]
    return {"curr_ssid": network["ssid"], "curr_signal": network["signal_dbm"]}


def param(call: Call) -> dict:
    return {"list": writes.apply_params(call.dongle, call.request)}


SERVICES: dict[str, Callable[[Call], dict]] = {
    "connect": connect,
    "login": login,
    "logout": logout,
    "ping": ping,
    "devicelist": devicelist,
    "real": real,
    "real_battery": real_battery,
    "direct": direct,
    "state": state,
    "fault": fault,
    "statistics": statistics,
    "runtime": runtime,
    "local": local,
    "stalist": stalist,
    "param": param,
}
