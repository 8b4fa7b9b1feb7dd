"""Keywords that ask what clients did: the journal of every request on every door."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from robotlibcore import keyword

from .. import traffic
from ..errors import CatalogueError
from ..faults import FaultKind
from ..keyword_types import Door, Table
from ..numbers import whole_number
from .context import LibraryContext

# ``fault=any``: every request an injected fault changed, whatever its kind.
AnyFault = Literal["any"]


def _table(table: Table | None) -> str | None:
    return table.value if table is not None else None


def _text(choice) -> str | None:
    """An enum choice as the journal's text (``None`` stays ``None``)."""
    return None if choice is None else getattr(choice, "value", choice)


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
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        query = None if register is None else traffic.query(mock, register, _table(table), unit_id)
        filters = {name: _text(value) for name, value in filters.items()}
        return mock, query, traffic.requests(mock, register=query, table=_table(table), unit_id=unit_id, **filters)

    @keyword
    def get_mock_requests(
        self,
        door: Door = None,
        unit_id: int | None = None,
        function: int | None = None,
        register: str | None = None,
        table: Table = None,
        service: str | None = None,
        writes: bool | None = None,
        fault: FaultKind | AnyFault = None,
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
        | Run My Client | # the client under test reads 5003 and 13023, writes ems_mode |
        | ${reads} = | Get Mock Requests | function=4 | register=5003 |
        | Should Be Equal | ${reads}[0][registers] | ${{ ['daily_power_yields'] }} |
        | ${writes} = | Get Mock Requests | door=modbus | writes=${True} |
        | Should Be Equal As Integers | ${writes}[0][address] | 13050 |

        See also `Request Count Should Be`, `Register Should Have Been Read`.
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
        door: Door = None,
        alias: str | None = None,
    ) -> int:
        """Fails unless a client read ``register`` (exactly ``times`` times, if given); returns the count.

        ``register`` is a documented number or a name; a read counts when its range covers the
        register, through any door (Modbus function 03/04 or the WiNet ``getParam`` API) unless
        ``door`` is given.

        Example:
        | Run My Client | # the client under test reads 5003 and 13023, writes ems_mode |
        | Register Should Have Been Read | daily_power_yields |
        | Register Should Have Been Read | 13023 | times=1 | door=modbus |
        | Run Keyword And Expect Error | *was read 0 time(s)* | Register Should Have Been Read | total_dc_power |

        See also `Wait Until Register Read`, `Write Should Have Been Made`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        query = traffic.query(mock, register, _table(table), unit_id)
        found = traffic.reads(mock, query, _text(door))
        if (times is None and not found) or (times is not None and len(found) != times):
            expected = "at least once" if times is None else f"{times} time(s)"
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
        door: Door = None,
        alias: str | None = None,
    ) -> list:
        """Fails unless a client wrote ``register`` (with ``value``, if given); returns every value written.

        ``value`` is in engineering units or an enumeration label, as `Set Inverter Value` takes
        it (``ems_mode  forced``, ``max_soc  95``); with ``raw=True`` it is the raw register value.

        Example:
        | Run My Client | # the client under test writes ems_mode forced (raw 2) |
        | Write Should Have Been Made | ems_mode | forced |
        | Write Should Have Been Made | 13050 | 2 | raw=${True} |
        | ${values} = | Write Should Have Been Made | ems_mode |
        | Should Be Equal | ${values} | ${{ [2] }} |

        See also `Register Should Have Been Read`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        query = traffic.query(mock, register, None, unit_id)
        written = [written for _, written in traffic.writes(mock, query, _text(door))]
        if value is None:
            if not written:
                raise AssertionError(f"{query.describe()} was never written; writes: {_summary(mock.journal.requests(writes=True))}")
            return written
        expected = value
        if query.register is not None:
            inverter = mock._device(unit_id)
            expected = inverter.parse_raw(query.register, value) if raw else inverter.to_raw(query.register, value)
        else:
            try:
                expected = whole_number(value)
            except ValueError:
                raise CatalogueError(
                    f"{query.describe()} starts no register, so the value must be a raw integer (655, 0xAA); got {value!r}"
                ) from None
        if expected not in written:
            raise AssertionError(f"{query.describe()} was never written with {value!r} (raw {expected!r}); written: {written}")
        return written

    @keyword
    def request_count_should_be(
        self,
        expected: int,
        door: Door = None,
        unit_id: int | None = None,
        function: int | None = None,
        register: str | None = None,
        table: Table = None,
        service: str | None = None,
        writes: bool | None = None,
        fault: FaultKind | AnyFault = None,
        alias: str | None = None,
    ) -> None:
        """Fails unless exactly ``expected`` requests match the filters of `Get Mock Requests`.

        Example:
        | Request Count Should Be | 0 |
        | Inject Fault | exception | code=02 | registers=5003 | times=1 |
        | Run My Client | # the client under test reads 5003 and 13023, writes ems_mode |
        | Request Count Should Be | 2 | function=4 |
        | Request Count Should Be | 1 | writes=${True} |
        | Request Count Should Be | 1 | fault=exception |
        | Request Count Should Be | 1 | fault=any |
        | Request Count Should Be | 0 | door=winet |

        See also `Get Mock Requests`.
        """
        _, _, found = self._requests(
            alias, register, table, unit_id, door=door, function=function, service=service, writes=writes, fault=fault
        )
        if len(found) != expected:
            raise AssertionError(f"{len(found)} matching request(s), expected {expected}: {_summary(found)}")

    @keyword
    def wait_until_register_read(
        self,
        register: str,
        timeout: timedelta = timedelta(seconds=10),
        table: Table = None,
        unit_id: int | None = None,
        door: Door = None,
        alias: str | None = None,
    ) -> dict:
        """Waits until a client reads ``register`` (a read after this keyword starts) and returns that request.

        Fails after ``timeout`` (a Robot time: ``10s``, ``1 min``). Use it to wait for a polling
        client's next cycle instead of sleeping. The request is returned as `Get Mock Requests`
        returns each.

        Example:
        | Start My Client | # the client under test, polling in the background |
        | ${read} = | Wait Until Register Read | battery_level | timeout=30s |
        | Should Be Equal As Integers | ${read}[address] | 13023 |

        See also `Register Should Have Been Read`.
        """
        mock, unit_id = self.ctx.registry.resolve(alias, unit_id)
        query = traffic.query(mock, register, _table(table), unit_id)
        since = mock.journal.last_seq
        door = _text(door)

        def wanted(request) -> bool:
            return (
                request.values is None
                and request.covers(query.number)
                and (query.table is None or request.table == query.table)
                and (door is None or request.door == door)
                and (query.unit is None or request.unit == int(query.unit))
            )

        found = mock.journal.wait_for(wanted, timeout.total_seconds(), since=since)
        if found is None:
            raise AssertionError(f"{query.describe()} was not read within {timeout.total_seconds():g} s")
        return found.as_dict()

    @keyword
    def clear_journal(self, alias: str | None = None) -> int:
        """Forgets every request the mock has journalled so far and returns how many there were.

        Example:
        | Run My Client | # the client under test reads 5003 and 13023, writes ems_mode |
        | ${forgotten} = | Clear Journal |
        | Should Be Equal As Integers | ${forgotten} | 3 |
        | Request Count Should Be | 0 |
        """
        mock = self.ctx.registry.get(alias)
        mock.sync()
        return mock.journal.clear()
