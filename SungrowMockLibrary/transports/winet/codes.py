"""The reply envelope and the result codes the mock dongle answers with.

Envelope (PROTOCOLS §4.2): ``{"result_code": <number>, "result_msg": <text>, "result_data": {...}}``;
WebSocket replies carry ``result_data.service`` = the request's service.

Codes seen on real dongles (§4.2): 1 success, 100 pushed notice, 106 token invalid or expired,
114 account locked, 208 nothing to report yet, 301 read failed, 391 set failed, 401 login
required. The ``result_msg`` of 106, 200 and 208 were not observed and are guesses; 200 (seen,
meaning unknown) is used for wrong credentials. The 4xx codes other than 401 are the mock's own,
for requests a real dongle would never receive from its web UI.
"""

from __future__ import annotations

import json
import re
from typing import Any

SUCCESS = (1, "success")
NOTICE_USER_LIMIT = (100, "normal user limit")
TOKEN_INVALID = (106, "I18N_COMMON_TOKEN_INVALID")  # message [GUESS]
ACCOUNT_LOCKED = (114, "I18N_COMMON_USR_ACCOUNT_LOCK")
LOGIN_FAILED = (200, "I18N_COMMON_USER_PASSWORD_ERROR")  # code and message [GUESS]
NOT_READY = (208, "I18N_COMMON_NO_DATA")  # message [GUESS]
READ_FAILED = (301, "I18N_COMMON_READ_FAILED")
SET_FAILED = (391, "I18N_COMMON_SET_FAILED")
LOGIN_REQUIRED = (401, "I18N_COMMON_INTER_ABNORMAL")
# The mock's own codes for requests it cannot make sense of.
BAD_REQUEST = (400, "I18N_COMMON_BAD_REQUEST")  # not JSON, not an object, no service
PARAM_ERROR = (402, "I18N_COMMON_PARAM_ERROR")  # a field missing or out of range
DEVICE_NOT_FOUND = (403, "I18N_COMMON_DEVICE_NOT_EXIST")  # no device with that dev_id
UNKNOWN_SERVICE = (404, "I18N_COMMON_UNKNOWN_SERVICE")
INTERNAL_ERROR = (500, "I18N_COMMON_INTER_ABNORMAL")  # a bug in the mock; logged

ALL = (
    SUCCESS,
    NOTICE_USER_LIMIT,
    TOKEN_INVALID,
    ACCOUNT_LOCKED,
    LOGIN_FAILED,
    NOT_READY,
    READ_FAILED,
    SET_FAILED,
    LOGIN_REQUIRED,
    BAD_REQUEST,
    PARAM_ERROR,
    DEVICE_NOT_FOUND,
    UNKNOWN_SERVICE,
    INTERNAL_ERROR,
)

_MESSAGES = dict(ALL)


def result_of(code: int) -> tuple[int, str]:
    """``(code, result_msg)`` for an injected result code; codes the mock has no message for get
    the dongle's generic "interface abnormal" text, as its 401 and the mock's 500 do."""
    return code, _MESSAGES.get(code, INTERNAL_ERROR[1])


class WinetError(Exception):
    """A request the dongle answers with a failure code; ``detail`` is for humans and logs only."""

    def __init__(self, result: tuple[int, str], detail: str = "", data: dict[str, Any] | None = None):
        super().__init__(f"{result[0]} {result[1]}: {detail}" if detail else f"{result[0]} {result[1]}")
        self.code, self.msg = result
        self.detail = detail
        self.data = data or {}


def envelope(result: tuple[int, str], data: dict[str, Any] | None = None, service: str | None = None) -> dict:
    """A reply object; ``service`` (when given) goes first into ``result_data``."""
    body: dict[str, Any] = {} if service is None else {"service": service}
    if data:
        body.update(data)
    return {"result_code": result[0], "result_msg": result[1], "result_data": body}


class Encoded(dict):
    """A reply object that carries its :func:`dumps` text and that text's UTF-8 bytes, written
    once (a reply is never changed after it is built, so the text stays its text)."""

    __slots__ = ("data", "text")


def encoded(message: dict) -> Encoded:
    """``message`` with its text as the dongle writes it."""
    reply = Encoded(message)
    reply.text = dumps(message)
    reply.data = reply.text.encode()
    return reply


def dumps(message: dict) -> str:
    """JSON as the dongle writes it: tab-indented, non-ASCII (℃, kΩ) left as UTF-8.

    Text that cannot be UTF-8 (a lone surrogate echoed from a request) is escaped instead, so a
    reply can always be sent; requests carrying such text are refused anyway (:func:`has_lone_surrogate`).
    """
    if type(message) is Encoded:
        return message.text
    text = json.dumps(message, indent="\t", ensure_ascii=False)
    if not text.isascii() and _SURROGATE.search(text):
        text = json.dumps(message, indent="\t", ensure_ascii=True)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def has_lone_surrogate(text: str | bytes, parsed: Any) -> bool:
    """Whether the JSON ``parsed`` from ``text`` holds a string with a lone UTF-16 surrogate (sent
    as a ``\\udXXX`` escape): such a string is not Unicode text and cannot be written back as UTF-8.

    Costs a scan of ``text`` when it has no surrogate escape, one walk of ``parsed`` otherwise.
    """
    if isinstance(text, bytes):
        if not _SURROGATE_ESCAPE_BYTES.search(text):  # UTF-8 cannot carry a surrogate itself
            return False
    elif not _SURROGATE_ESCAPE.search(text) and not _SURROGATE.search(text):
        return False
    pending = [parsed]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
