"""Keywords that ask what clients did: the journal of every request on every door."""

from __future__ import annotations

from robot.utils import timestr_to_secs
from robotlibcore import keyword

from .. import traffic
from ..keyword_types import Table
from .context import LibraryContext


def _table(table: Table | None) -> str | None:
    return table.value if table is not None else None


def _summary(requests) -> str:
    if not requests:
        return "no matching requests"
    shown = "; ".join(_line(r) for r in requests[-5:])
    more = f" (last 5 of {len(requests)})" if len(requests) > 5 else ""
    return shown + more


def _line(request) -> str:
    what = request.service or (f"FC{request.function:02d}" if request.function is not None else "?")
    where = f" {request.table} {request.address}x{request.count}" if request.address is not None else ""
    return f"#{request.seq} {request.door} {what}{where} -> {request.reply}"


class JournalKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    def _requests(self, alias, register=None, table=None, unit_id=None, **filters):
        mock = self.ctx.fleet.get(alias)
        query = None if register is None else traffic.query(mock, register, _table(table), unit_id)
        return mock, query, traffic.requests(mock, register=query, table=_table(table), unit_id=unit_id, **filters)

    @keyword
    def get_mock_requests(
        self,
        door: str | None = None,
        unit_id: int | None = None,
        function: int | None = None,
        register: str | None = None,
        table: Table = None,
        service: str | None = None,
        writes: bool | None = None,
        fault: str | None = None,
        alias: str | None = None,
    ) -> list[dict]:
        """Returns the requests the mock received, oldest first, as dictionaries.

        Each has ``seq``, ``timestamp``, ``door``, ``peer``, ``unit``, ``function`` (Modbus) or
        ``service`` (WiNet), ``table``, ``address`` (documented), ``wire_address``, ``count``,
        ``values`` (written raw words), ``registers`` (names covered), ``hint`` (an off-by-one or
        split-register warning), ``reply`` (``ok``, ``exception 02``, ``no reply``, ...),
        ``fault`` (the injected fault applied) and ``latency_ms``.

        Filters combine: ``door``, ``unit_id``, ``function``, ``register`` (a documented number
        or name the request's range covers), ``table``, ``service``, ``writes`` (``True``: only
        writes, ``False``: only reads), ``fault`` (requests an injected fault of that kind
        changed; ``any`` for every faulted request).

        The journal holds the latest 100 000 requests of a mock; `Clear Journal` empties it.
        Each test's traffic is also written to the log and to ``journal/*.jsonl`` in the output
        directory when the test ends.

        Example:
        | ${reads} = | Get Mock Requests | function=4 | register=5003 |
        | Should Not Be Empty | ${reads} |
        """
        _, _, found = self._requests(
            alias, register, table, unit_id, door=door, function=function, service=service, writes=writes, fault=fault
        )
        return [request.as_dict() for request in found]

    @keyword
    def register_should_have_been_read(
        self,
        register: str,
        times: int | None = None,
        table: Table = None,
        unit_id: int | None = None,
        door: str | None = None,
        alias: str | None = None,
    ) -> int:
        """Fails unless a client read ``register`` (exactly ``times`` times, if given); returns the count.

        ``register`` is a documented number or a name; a read counts when its range covers the
        register, through any door (Modbus function 03/04 or the WiNet ``getParam`` API) unless
        ``door`` is given.

        Example:
        | Register Should Have Been Read | daily_power_yields |
        | Register Should Have Been Read | 13000 | times=2 | door=modbus |
        """
        mock = self.ctx.fleet.get(alias)
        query = traffic.query(mock, register, _table(table), unit_id)
        found = traffic.reads(mock, query, door)
        if (times is None and not found) or (times is not None and len(found) != int(times)):
            expected = "at least once" if times is None else f"{int(times)} time(s)"
            raise AssertionError(
                f"{query.describe()} was read {len(found)} time(s), expected {expected}; "
                f"requests: {_summary(mock.journal.requests())}"
            )
        return len(found)

    @keyword
    def write_should_have_been_made(
        self,
        register: str,
        value: str | None = None,
        raw: bool = False,
        unit_id: int | None = None,
        door: str | None = None,
        alias: str | None = None,
    ) -> list:
        """Fails unless a client wrote ``register`` (with ``value``, if given); returns every value written.

        ``value`` is in engineering units or an enumeration label, as `Set Inverter Value` takes
        it (``ems_mode  forced``, ``max_soc  95``); with ``raw=True`` it is the raw register value.

        Example:
        | Write Should Have Been Made | ems_mode | forced |
        | Write Should Have Been Made | export_power_limit | 3000 |
        | Write Should Have Been Made | 13050 | 2 | raw=True |
        """
        mock = self.ctx.fleet.get(alias)
        query = traffic.query(mock, register, None, unit_id)
        written = [written for _, written in traffic.writes(mock, query, door)]
        if value is None:
            if not written:
                raise AssertionError(f"{query.describe()} was never written; writes: {_summary(mock.journal.requests(writes=True))}")
            return written
        expected = value
        if query.register is not None:
            inverter = mock.inverter if unit_id is None else mock.inverters[int(unit_id)]
            expected = inverter.parse_raw(query.register, value) if raw else inverter.to_raw(query.register, value)
        elif isinstance(value, str):
            expected = int(value, 0)
        if expected not in written:
            raise AssertionError(f"{query.describe()} was never written with {value!r} (raw {expected!r}); written: {written}")
        return written

    @keyword
    def request_count_should_be(
        self,
        expected: int,
        door: str | None = None,
        unit_id: int | None = None,
        function: int | None = None,
        register: str | None = None,
        table: Table = None,
        service: str | None = None,
        writes: bool | None = None,
        fault: str | None = None,
        alias: str | None = None,
    ) -> None:
        """Fails unless exactly ``expected`` requests match the filters of `Get Mock Requests`.

        Example:
        | Request Count Should Be | 0 | writes=${True} |
        | Request Count Should Be | 3 | service=real |
        | Request Count Should Be | 1 | fault=no_response |
        """
        _, _, found = self._requests(
            alias, register, table, unit_id, door=door, function=function, service=service, writes=writes, fault=fault
        )
        if len(found) != int(expected):
            raise AssertionError(f"{len(found)} matching request(s), expected {int(expected)}: {_summary(found)}")

    @keyword
    def wait_until_register_read(
        self,
        register: str,
        timeout: str = "10s",
        table: Table = None,
        unit_id: int | None = None,
        door: str | None = None,
        alias: str | None = None,
    ) -> dict:
        """Waits until a client reads ``register`` (a read after this keyword starts) and returns that request.

        Fails after ``timeout`` (Robot time: ``10s``, ``1 min``). Use it to wait for a polling
        client's next cycle instead of sleeping.

        Example:
        | Wait Until Register Read | battery_level | timeout=30s |
        """
        mock = self.ctx.fleet.get(alias)
        query = traffic.query(mock, register, _table(table), unit_id)
        since = mock.journal.last_seq

        def wanted(request) -> bool:
            return (
                request.values is None
                and request.covers(query.number)
                and (query.table is None or request.table == query.table)
                and (door is None or request.door == door)
                and (query.unit is None or request.unit == int(query.unit))
            )

        found = mock.journal.wait_for(wanted, timestr_to_secs(timeout), since=since)
        if found is None:
            raise AssertionError(f"{query.describe()} was not read within {timeout}")
        return found.as_dict()

    @keyword
    def clear_journal(self, alias: str | None = None) -> int:
        """Forgets every request the mock has journalled so far and returns how many there were.

        Example:
        | Clear Journal |
        | Request Count Should Be | 0 |
        """
        mock = self.ctx.fleet.get(alias)
        mock.sync()
        return mock.journal.clear()
