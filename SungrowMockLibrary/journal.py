"""The traffic journal of one mock: every request any door received, in arrival order.

Entries are recorded on the mock's event-loop thread, on the hot path of every request, and read
from the test thread; so :meth:`Journal.record` only takes a lock, builds a :class:`Request` and
appends it. Everything that formats (names, hints, HTML, JSON) happens in the caller or on read.
"""

from __future__ import annotations

import json
import threading
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from .records import Record
from .vocabulary import READ_HOLDING, READ_INPUT, WRITE_MULTIPLE, WRITE_SINGLE

_FUNCTION_NAMES = {
    READ_HOLDING: "read holding", READ_INPUT: "read input", WRITE_SINGLE: "write single", WRITE_MULTIPLE: "write multiple"
}
REPLY_OK = "ok"  # a request's reply label when the device answered it (faults and errors name theirs)
_VALUES_SHOWN = 16


class Request(Record):
    """One request as a door saw it, with the catalogue's reading of its register range."""

    __slots__ = (
        "address", "count", "door", "fault", "function", "hint", "latency_ms", "peer", "registers", "reply", "seq",
        "service", "table", "time", "unit", "values",
    )  # fmt: skip
    seq: int
    time: float
    door: str
    peer: str
    unit: int | None
    function: int | None
    service: str | None
    table: str | None
    address: int | None
    count: int | None
    values: tuple[int, ...] | None
    registers: tuple[str, ...]
    hint: str | None
    reply: str
    fault: str | None
    latency_ms: float

    def __init__(
        self, seq: int, time: float, door: str, peer: str, unit: int | None = None, function: int | None = None,
        service: str | None = None, table: str | None = None, address: int | None = None, count: int | None = None,
        values: tuple[int, ...] | None = None, registers: tuple[str, ...] = (), hint: str | None = None,
        reply: str = REPLY_OK, fault: str | None = None, latency_ms: float = 0.0,
    ):  # fmt: skip
        # Slots, not a __dict__: a journal keeps many (Record's __dict__.update does not apply).
        values_in_order = (seq, time, door, peer, unit, function, service, table, address, count, values, registers, hint,
                           reply, fault, latency_ms)  # fmt: skip
        for name, value in zip(self._fields, values_in_order, strict=True):
            object.__setattr__(self, name, value)

    @property
    def wire_address(self) -> int | None:
        """The 0-based address the frame carried."""
        return None if self.address is None else self.address - 1

    @property
    def last(self) -> int | None:
        """Documented number of the last register of the range."""
        if self.address is None or self.count is None:
            return None
        return self.address + self.count - 1

    def covers(self, number: int) -> bool:
        """Whether documented register ``number`` lies inside the request's range."""
        if self.address is None or self.count is None:
            return False
        return self.address <= number < self.address + self.count

    def as_dict(self) -> dict:
        """A JSON-ready dict: every field, plus ``wire_address`` and an ISO 8601 UTC ``timestamp``."""
        data = super().as_dict()
        data["values"] = None if self.values is None else list(self.values)
        data["registers"] = list(self.registers)
        data["wire_address"] = self.wire_address
        data["timestamp"] = _iso(self.time)
        return data


def _decoded(entry: list, seq: int) -> Request:
    """A pending entry ``[decode, args]`` as its :class:`Request`, decoded once: it then holds
    ``[None, request]``. A list, not an object: the hot path of a busy door builds one per request."""
    if entry[0] is not None:
        entry[1] = entry[0](seq, *entry[1])
        entry[0] = None
    return entry[1]


def _request(seq: int, details: dict) -> Request:
    return Request(seq=seq, **details)


_VALUE_DECODERS: list[Callable[..., Request]] = []


def wall_offset() -> float:
    """What turns a ``perf_counter()`` reading into wall-clock time: a door takes it once, when it
    opens, so that each request costs one clock reading (its start and its latency)."""
    return _time.time() - _time.perf_counter()


def values_decoder(decode: Callable[..., Request]) -> int:
    """Register ``decode(seq, *values)`` for :meth:`Journal.record_values` and return its key.
    For module-level functions, once, at import."""
    _VALUE_DECODERS.append(decode)
    return len(_VALUE_DECODERS) - 1


class Journal:
    """A bounded, thread-safe record of requests; ``seq`` numbers are never reused.

    Writers append without a lock (``deque.append`` is atomic), so a door's hot path pays for a
    list and an append: an entry's ``seq`` is its position (``_dropped`` + index + 1), which no
    concurrent append can change. Everything else (dropping beyond the capacity, decoding, waking
    waiters, counting) happens under the lock; writers take it only every ``_TRIM_SLACK``
    appends or while someone waits.
    """

    _TRIM_SLACK = 1024  # appends beyond the capacity between two trims (the readers trim too)

    def __init__(self, capacity: int = 100_000):
        if capacity < 1:
            raise ValueError(f"journal capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        # [decode, args] until read, then [None, request]; or a record_values tuple
        self._entries: deque[list | tuple] = deque()
        self._dropped = 0  # entries removed from the left: the first entry's seq is _dropped + 1
        self._trim_at = capacity + self._TRIM_SLACK
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiters = 0  # readers waiting in wait_for: then every append takes the lock to wake them
        self._decoded: dict[int, Request] = {}  # by seq: requests read from record_values' tuples

    def record(self, **details) -> Request:
        """Append one request; ``seq`` is assigned here and ``time`` defaults to now."""
        if "time" not in details:
            details["time"] = _time.time()
        entry = [_request, (details,)]
        with self._lock:  # held from the append on: no trim can take the entry before it is numbered
            entries = self._entries
            entries.append(entry)
            index = len(entries) - 1
            while entries[index] is not entry:  # lock-free writers may have appended since: it is near the end
                index -= 1
            request = _decoded(entry, self._dropped + index + 1)
            self._trim()
            if self._waiters:
                self._changed.notify_all()
        return request

    def record_later(self, decode: Callable[..., Request], args: tuple) -> None:
        """Append a request that ``decode(seq, *args)`` turns into a :class:`Request` when first read.

        The hot path of a busy door pays for a list and an append; parsing the frame and naming
        its registers happen only if a test looks.
        """
        entries = self._entries
        entries.append([decode, args])
        if self._waiters or len(entries) > self._trim_at:
            with self._lock:
                self._trim()
                if self._waiters:
                    self._changed.notify_all()

    def record_values(self, values: tuple) -> None:
        """Append a request as a tuple ``(decoder key, *values)`` of plain values only (str, bytes,
        numbers, None); the decoder registered under that key (:func:`values_decoder`) builds the
        :class:`Request` when it is first read. The garbage collector stops tracking such tuples,
        so a full journal costs its collections nothing: the Modbus doors' hot path."""
        entries = self._entries
        entries.append(values)
        if self._waiters or len(entries) > self._trim_at:
            with self._lock:
                self._trim()
                if self._waiters:
                    self._changed.notify_all()

    def requests(
        self,
        door: str | None = None,
        unit: int | None = None,
        function: int | None = None,
        service: str | None = None,
        table: str | None = None,
        register: int | None = None,
        writes: bool | None = None,
        since: int = 0,
    ) -> list[Request]:
        """Recorded requests matching every given filter, oldest first.

        ``register`` keeps requests whose range covers that documented number; ``writes`` keeps
        requests that carried values (True) or did not (False); ``since`` keeps ``seq > since``.
        """
        wanted = {
            name: value
            for name, value in (("door", door), ("unit", unit), ("function", function), ("service", service), ("table", table))
            if value is not None
        }
        return [
            request
            for request in self._newer_than(since)
            if all(getattr(request, name) == value for name, value in wanted.items())
            and (register is None or request.covers(register))
            and (writes is None or (request.values is not None) == writes)
        ]

    def clear(self) -> int:
        """Forget every entry; returns how many were dropped. Numbering carries on."""
        with self._lock:
            self._trim()
            entries = self._entries
            dropped = len(entries)
            for _ in range(dropped):  # not clear(): an entry appended meanwhile keeps its place and number
                entries.popleft()
            self._dropped += dropped
            self._decoded.clear()
        return dropped

    @property
    def last_seq(self) -> int:
        """The ``seq`` of the newest request ever recorded (0 before the first)."""
        with self._lock:
            return self._dropped + len(self._entries)

    def wait_for(self, predicate: Callable[[Request], bool], timeout: float, since: int = 0) -> Request | None:
        """The first request with ``seq > since`` that satisfies ``predicate``, waiting up to
        ``timeout`` seconds for it to arrive; None when none did."""
        deadline = _time.monotonic() + timeout
        seen = since
        while True:
            fresh = self._wait_newer(seen, deadline)
            # The predicate is the caller's code: run it outside the lock the event loop needs.
            match = next((request for request in fresh if predicate(request)), None)
            if match is not None:
                return match
            if not fresh or _time.monotonic() >= deadline:
                return None
            seen = fresh[-1].seq

    def __len__(self) -> int:
        with self._lock:
            self._trim()
            return len(self._entries)

    def _wait_newer(self, seq: int, deadline: float) -> list[Request]:
        with self._lock:
            while True:
                fresh = self._snapshot_after(seq)
                remaining = deadline - _time.monotonic()
                if fresh or remaining <= 0:
                    return fresh
                self._waiters += 1
                try:
                    # Look again now that writers see a waiter: one that appended before could not know.
                    fresh = self._snapshot_after(seq)
                    if fresh:
                        return fresh
                    self._changed.wait(remaining)
                finally:
                    self._waiters -= 1

    def _newer_than(self, seq: int) -> list[Request]:
        with self._lock:
            return self._snapshot_after(seq)

    def _trim(self) -> None:
        """Drop the oldest entries beyond the capacity (under the lock)."""
        entries = self._entries
        excess = len(entries) - self.capacity
        if excess > 0:
            for _ in range(excess):
                entries.popleft()
            self._dropped += excess

    def _snapshot_after(self, seq: int) -> list[Request]:
        # Under the lock, so nothing leaves from the left meanwhile; appends on the right do not
        # move an entry, and the copy is taken in one C call, which no other thread interrupts.
        self._trim()
        first = self._dropped + 1
        start = max(0, seq - first + 1)
        pending = list(islice(self._entries, start, None))
        return [self._request_of(entry, first + start + offset) for offset, entry in enumerate(pending)]

    def _request_of(self, entry: list | tuple, seq: int) -> Request:
        if type(entry) is not tuple:
            return _decoded(entry, seq)
        decoded = self._decoded
        request = decoded.get(seq)
        if request is None:
            request = decoded[seq] = _VALUE_DECODERS[entry[0]](seq, *entry[1:])
            while len(decoded) > self.capacity:  # oldest decoded first: readers go forwards
                del decoded[next(iter(decoded))]
        return request


def write_jsonl(requests: Iterable[Request], path: str | Path) -> None:
    """Write one JSON object per request and line, creating missing parent directories."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(json.dumps(request.as_dict(), ensure_ascii=False))
            out.write("\n")


_COLUMNS = (
    "#", "time (UTC)", "door", "peer", "unit", "function / service", "registers",
    "values", "reply", "fault", "latency ms", "hint",
)

_STYLE = (
    "<style>"
    "table.sungrow-journal{border-collapse:collapse;font-family:monospace;font-size:12px}"
    "table.sungrow-journal th,table.sungrow-journal td{border:1px solid #ccc;padding:1px 4px;"
    "text-align:left;vertical-align:top}"
    "table.sungrow-journal th{background:#eee}"
    "table.sungrow-journal tr.failed td{background:#fdecea}"
    "table.sungrow-journal tr.faulted td{background:#fff4d6}"
    "</style>"
)


def html_table(requests: Iterable[Request], limit: int = 500) -> str:
    """A compact HTML table of ``requests`` for Robot's log; rows beyond ``limit`` are counted, not shown."""
    requests = list(requests)
    shown = requests[: max(0, limit)]
    head = "".join(f"<th>{_text(name)}</th>" for name in _COLUMNS)
    rows = "".join(_row(request) for request in shown)
    if not requests:
        rows = f'<tr><td colspan="{len(_COLUMNS)}">no requests</td></tr>'
    note = ""
    if len(requests) > len(shown):
        left_out = len(requests) - len(shown)
        note = f"<p>{left_out} more request{'s' if left_out != 1 else ''} left out (showing the first {len(shown)} of {len(requests)})</p>"
    return f'{_STYLE}<table class="sungrow-journal"><tr>{head}</tr>{rows}</table>{note}'


def _row(request: Request) -> str:
    cells = (
        request.seq,
        _clock(request.time),
        request.door,
        request.peer,
        request.unit,
        _operation(request),
        _range(request),
        _values(request.values),
        request.reply,
        request.fault,
        f"{request.latency_ms:.2f}",
        request.hint,
    )
    state = "failed" if request.reply != REPLY_OK else "faulted" if request.fault else ""
    attributes = f' class="{state}"' if state else ""
    return f"<tr{attributes}>" + "".join(f"<td>{_text(cell)}</td>" for cell in cells) + "</tr>"


def _text(value) -> str:
    import html  # here: only a log's table needs it, not a mock's start

    return "" if value is None else html.escape(str(value))


def _operation(request: Request) -> str:
    parts = []
    if request.function is not None:
        name = _FUNCTION_NAMES.get(request.function)
        parts.append(f"{request.function:02d} {name}" if name else f"{request.function:02d}")
    if request.service is not None:
        parts.append(request.service)
    return " ".join(parts)


def _range(request: Request) -> str:
    if request.address is None:
        return ", ".join(request.registers)
    span = str(request.address) if request.count in (None, 1) else f"{request.address}..{request.last}"
    table = f"{request.table} " if request.table else ""
    names = f" {', '.join(request.registers)}" if request.registers else ""
    return f"{table}{span}{names} (wire {request.wire_address})"


def _values(values: tuple[int, ...] | None) -> str | None:
    if values is None:
        return None
    text = ", ".join(str(v) for v in values[:_VALUES_SHOWN])
    return f"{text}, … (+{len(values) - _VALUES_SHOWN})" if len(values) > _VALUES_SHOWN else text


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S.%f")[:-3]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
