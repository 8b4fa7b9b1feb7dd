"""Replies the dongle encodes once per change of the registers they show, not once per request.

A reply whose content is a function of one inverter's registers alone (the WebSocket ``real``,
``real_battery`` and ``direct`` lists, a ``getParam`` register read) is kept as an
:class:`~.codes.Encoded` object with the inverter's register-image generation it was built at,
and handed out again while :meth:`~...simulation.inverter.Inverter.refresh` (the step every read
takes first) returns that generation. The simulation moves the registers at most once per
simulated second, and a write, a Set Register or a simulation step changes the generation, so the
next request after any of them is built afresh.

Only such replies may be kept: a reply that also shows something outside the register image (the
session, the clock text, the dongle's settings) must not come from here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from ...limits import WINET_MAX_KEPT_REPLIES
from .codes import Encoded, encoded


class Replies:
    """The kept replies of one dongle, keyed by what the request asked of which device."""

    def __init__(self):
        self._kept: dict[Hashable, tuple[Any, int, Encoded]] = {}

    def kept(self, key: Hashable, inverter: Any) -> Encoded | None:
        """The reply kept for ``key`` on ``inverter`` while its registers are unchanged (after
        bringing them up to now, as :meth:`reply` does), else None: a fast path asks this first."""
        generation = inverter.refresh()
        kept = self._kept.get(key)
        if kept is not None and kept[0] is inverter and kept[1] == generation:
            return kept[2]
        return None

    def reply(self, key: Hashable, inverter: Any, build: Callable[[], dict]) -> Encoded:
        """The reply ``build()`` makes for ``key`` on ``inverter``: the kept one while the registers
        are unchanged, else built (and kept if the registers stayed unchanged while it was built)."""
        reply = self.kept(key, inverter)
        if reply is not None:
            return reply
        generation = inverter.image.generation  # kept() brought the registers up to now
        reply = encoded(build())
        if inverter.image.generation == generation:
            if len(self._kept) >= WINET_MAX_KEPT_REPLIES:
                self._kept.clear()
            self._kept[key] = (inverter, generation, reply)
        return reply
