"""Requests parsed once per text: clients send the same few texts again and again.

A GET's query string (keyed by its request target) and a WebSocket message (keyed by its text)
are parsed the first time they arrive and kept, so the next request with the same text is a dict
look-up. What they parse to is a pure function of the text; everything that may change between
two requests with the same text (the token's session, the device, the registers) is still looked
up per request. Kept parses are read-only, since every request with that text shares them, and
bounded (decisions §35, §41).
"""

from __future__ import annotations

from typing import Any

from ...limits import WINET_KEPT_QUERY_LENGTH, WINET_MAX_KEPT_QUERIES


class ReadOnly(dict):
    """The parameters of a request, shared by every request with the same text, so read-only."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("a request's parameters are read-only")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only


class Parsed:
    """Parses kept by their text: ``WINET_MAX_KEPT_QUERIES`` at most (all dropped when full), of
    texts up to ``WINET_KEPT_QUERY_LENGTH`` (longer ones are parsed every time)."""

    __slots__ = ("_kept", "get")

    def __init__(self):
        self._kept: dict[str, Any] = {}
        self.get = self._kept.get  # the hot path's look-up: the parse kept for a text, or None

    def keep(self, text: str, parsed: Any) -> Any:
        """Keep ``parsed`` as the parse of ``text`` (if short enough) and return it."""
        if len(text) <= WINET_KEPT_QUERY_LENGTH:
            kept = self._kept
            if len(kept) >= WINET_MAX_KEPT_QUERIES:
                kept.clear()
            kept[text] = parsed
        return parsed

    def __len__(self) -> int:
        return len(self._kept)
