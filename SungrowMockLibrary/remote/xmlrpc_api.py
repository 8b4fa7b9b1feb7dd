"""Robot Framework's remote library API over XML-RPC: a request's body in, a methodResponse out.

``Library    Remote    http://HOST:PORT/`` asks ``get_library_information`` (or the older
one-question-per-method calls) and then ``run_keyword(name, args, kwargs)``; the answers follow
Robot's remote library interface (User Guide, "Remote library interface"). No HTTP here: the
server checks the token and hands over the body.
"""

from __future__ import annotations

import inspect
import re
import xmlrpc.client
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import ClassVar
from xml.parsers.expat import ExpatError

from .dispatch import Keywords, Outcome, shape_refusal

# XML-RPC fault codes of the common "specification for fault code interoperability".
PARSE_ERROR, NO_METHOD, BAD_PARAMS, INTERNAL_ERROR = -32700, -32601, -32602, -32603
_SPECIAL = ("__intro__", "__init__")

# (name, args, kwargs, empty_is_none) -> the keyword's outcome, run off the event loop.
Runner = Callable[[str, list, dict, bool], Awaitable[Outcome]]


class _BadParams(Exception):
    pass


class RemoteApi:
    """The remote library API onto ``keywords``; ``run`` runs one keyword (off the event loop),
    ``import_doc`` is what Libdoc shows for importing the library."""

    def __init__(self, keywords: Keywords, run: Runner, import_doc: str):
        self.keywords = keywords
        self._run = run
        self.information = {
            keywords.shown(real): {
                "args": keywords.arguments(real), "doc": keywords.documentation(real),
                "tags": keywords.tags(real), "types": {},
            }
            for real in map(keywords.find, keywords.names)
        }  # fmt: skip
        # No types: Robot would convert on the caller's side with type names it cannot resolve;
        # the arguments arrive as written and are converted here, with the keyword's real types.
        self.information["__intro__"] = {"doc": keywords.documentation("__intro__")}
        self.information["__init__"] = {"doc": import_doc}

    async def respond(self, body: bytes) -> str:
        """The methodResponse to one request body: a result or a Fault, whatever the body."""
        try:
            return await self._respond(body)
        except Exception as error:  # a bug here must not become a traceback for the caller
            return fault_body(INTERNAL_ERROR, f"the control endpoint could not answer: {type(error).__name__}")

    async def _respond(self, body: bytes) -> str:
        if b"<!DOCTYPE" in body:  # XML-RPC has no document types; entities are a way to blow up the parser
            return fault_body(PARSE_ERROR, "the request is not XML-RPC: a document type declaration is not allowed")
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        except (ExpatError, xmlrpc.client.Error, ValueError, TypeError, IndexError, KeyError) as error:
            # misnested tags meet IndexError or KeyError in the standard unmarshaller; a <fault> raises Fault
            return fault_body(PARSE_ERROR, f"the request is not XML-RPC: {error}")
        except Exception as error:  # e.g. a struct member without a value: xmlrpc.client trips over it
            return fault_body(PARSE_ERROR, f"the request is not XML-RPC: {type(error).__name__}")
        if not isinstance(method, str):
            return fault_body(PARSE_ERROR, "the request is not XML-RPC: it names no method")
        refusal = shape_refusal(params)
        if refusal is not None:
            return fault_body(BAD_PARAMS, f"{method}: arrays and structs {refusal}")
        handler = {
            "get_library_information": lambda: self.information,
            "get_keyword_names": lambda: self.keywords.names,
            "get_keyword_arguments": lambda name: self._about(name, "args"),
            "get_keyword_documentation": lambda name: self._about(name, "doc"),
            "get_keyword_types": lambda name: self._about(name, "types"),
            "get_keyword_tags": lambda name: self._about(name, "tags"),
            "run_keyword": self._run_keyword,
        }.get(method)
        if handler is None:
            return fault_body(NO_METHOD, f"no method {method!r}; this is Robot Framework's remote library API")
        try:
            inspect.signature(handler).bind(*params)
        except TypeError as error:
            return fault_body(BAD_PARAMS, f"{method}: {error}")
        try:
            result = handler(*params)
            if inspect.isawaitable(result):
                result = await result
        except _BadParams as error:
            return fault_body(BAD_PARAMS, str(error))
        return _response((xmlrpc_safe(result),))

    def _about(self, name: str, what: str):
        if not isinstance(name, str):
            raise _BadParams(f"a keyword name must be a string, not {type(name).__name__}")
        if name in _SPECIAL and what == "doc":
            return self.information[name]["doc"]
        real = self.keywords.find(name)
        if real is None:
            raise _BadParams(f"no keyword {name!r}")
        return self.information[self.keywords.shown(real)][what]

    async def _run_keyword(self, name: str, args: list | None = None, kwargs: dict | None = None) -> dict:
        if not isinstance(name, str):
            raise _BadParams(f"run_keyword: the keyword name must be a string, not {type(name).__name__}")
        if (
            not isinstance(args or [], list)
            or not isinstance(kwargs or {}, dict)
            or not all(isinstance(key, str) for key in kwargs or {})
        ):
            raise _BadParams("run_keyword takes a name, a list of arguments and a struct of named arguments")
        # Robot's Remote library sends ${None} as '': XML-RPC has no null.
        outcome = await self._run(name, args or [], kwargs or {}, True)
        if outcome.passed:
            return {"status": "PASS", "return": outcome.value, "output": outcome.output}
        result = {"status": "FAIL", "return": "", "output": outcome.output, "error": outcome.error}
        result["traceback"] = outcome.traceback
        if outcome.fatal:
            result["fatal"] = True
        if outcome.continuable:
            result["continuable"] = True
        return result


def fault_body(code: int, message: str) -> str:
    """A methodResponse that is a Fault."""
    return _response(xmlrpc.client.Fault(code, message))


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

    dispatch: ClassVar[dict] = dict(xmlrpc.client.Marshaller.dispatch)

    def _dump_int(self, value, write):
        tag = "int" if -(2**31) <= value < 2**31 else "i8"
        write(f"<value><{tag}>{value}</{tag}></value>\n")

    dispatch[int] = _dump_int


def _response(values) -> str:
    return "<?xml version='1.0'?>\n<methodResponse>\n" + _Marshaller("utf-8").dumps(values) + "</methodResponse>\n"
