"""The traffic journal: recording, filtering, waiting, and its JSONL and HTML forms."""

import dataclasses
import json
import threading
import time
from datetime import datetime

import pytest

from SungrowMockLibrary.journal import Journal, Request, html_table, values_decoder, write_jsonl

PEER = "127.0.0.1:53422"


def read(journal, address, count=1, table="input", **extra):
    fields = {"door": "modbus", "peer": PEER, "unit": 1, "function": 4 if table == "input" else 3, "table": table}
    fields.update(extra)
    return journal.record(address=address, count=count, **fields)


def write(journal, address, values, **extra):
    fields = {"door": "modbus", "peer": PEER, "unit": 1, "function": 16, "table": "holding"}
    fields.update(extra)
    return journal.record(address=address, count=len(values), values=tuple(values), **fields)


@pytest.fixture
def journal():
    return Journal()


# -- Request -----------------------------------------------------------------------------


def test_request_knows_its_wire_address_and_range():
    request = Request(seq=1, time=0.0, door="modbus", peer=PEER, address=5003, count=3)

    assert request.wire_address == 5002
    assert [n for n in range(5000, 5010) if request.covers(n)] == [5003, 5004, 5005]


def test_request_without_a_range_covers_nothing():
    request = Request(seq=1, time=0.0, door="winet", peer=PEER, service="connect")

    assert request.wire_address is None
    assert not request.covers(1)


def test_request_is_immutable():
    request = Request(seq=1, time=0.0, door="modbus", peer=PEER)

    with pytest.raises(dataclasses.FrozenInstanceError):
        request.reply = "closed"


def test_as_dict_is_json_ready_with_wire_address_and_utc_timestamp():
    request = Request(
        seq=7, time=1_700_000_000.25, door="modbus", peer=PEER, unit=1, function=16, table="holding",
        address=13050, count=2, values=(170, 85), registers=("start_stop",), hint="careful",
    )

    data = json.loads(json.dumps(request.as_dict()))

    assert data["seq"] == 7 and data["wire_address"] == 13049
    assert data["values"] == [170, 85] and data["registers"] == ["start_stop"]
    assert data["hint"] == "careful" and data["reply"] == "ok" and data["fault"] is None
    stamp = datetime.fromisoformat(data["timestamp"])
    assert stamp.utcoffset().total_seconds() == 0
    assert stamp.timestamp() == pytest.approx(1_700_000_000.25)


# -- recording ---------------------------------------------------------------------------


def test_record_numbers_requests_and_stamps_the_time(journal):
    first = read(journal, 5003)
    second = read(journal, 5004, time=123.5)

    assert (first.seq, second.seq) == (1, 2)
    assert first.time > 1_600_000_000
    assert second.time == 123.5
    assert journal.last_seq == 2 and len(journal) == 2


def test_record_refuses_unknown_fields(journal):
    with pytest.raises(TypeError):
        journal.record(door="modbus", peer=PEER, colour="red")


def test_capacity_drops_the_oldest_entries():
    journal = Journal(capacity=3)
    for address in range(1, 6):
        read(journal, address)

    assert [r.seq for r in journal.requests()] == [3, 4, 5]
    assert len(journal) == 3 and journal.last_seq == 5


def test_clear_reports_what_it_dropped_and_numbering_carries_on(journal):
    read(journal, 1)
    read(journal, 2)

    assert journal.clear() == 2
    assert len(journal) == 0 and journal.requests() == []
    assert read(journal, 3).seq == 3
    assert journal.clear() == 1


# -- filtering ---------------------------------------------------------------------------


@pytest.fixture
def traffic(journal):
    read(journal, 5003, 3)                                            # 1
    read(journal, 5000, 6, table="holding", unit=2)                   # 2
    write(journal, 13050, [170])                                      # 3
    journal.record(door="winet", peer=PEER, service="real", unit=1)   # 4
    read(journal, 5011, 4, door="encrypted")                          # 5
    journal.record(door="winet", peer=PEER, service="/device/setParam", values=(1,))  # 6
    return journal


def seqs(requests):
    return [r.seq for r in requests]


def test_without_filters_every_request_in_order(traffic):
    assert seqs(traffic.requests()) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"door": "modbus"}, [1, 2, 3]),
        ({"door": "winet"}, [4, 6]),
        ({"unit": 2}, [2]),
        ({"function": 4}, [1, 5]),
        ({"service": "real"}, [4]),
        ({"table": "holding"}, [2, 3]),
        ({"register": 5005}, [1, 2]),
        ({"register": 5006}, []),
        ({"register": 5014}, [5]),
        ({"writes": True}, [3, 6]),
        ({"writes": False}, [1, 2, 4, 5]),
        ({"since": 4}, [5, 6]),
        ({"door": "modbus", "table": "input"}, [1]),
        ({"register": 5005, "table": "input"}, [1]),
        ({"writes": True, "door": "winet"}, [6]),
        ({"door": "modbus", "since": 2}, [3]),
    ],
)
def test_filters_combine_with_and(traffic, filters, expected):
    assert seqs(traffic.requests(**filters)) == expected


def test_since_counts_from_seq_not_from_position_after_clear(traffic):
    traffic.clear()
    read(traffic, 1)
    read(traffic, 2)

    assert seqs(traffic.requests(since=0)) == [7, 8]
    assert seqs(traffic.requests(since=7)) == [8]
    assert traffic.requests(since=8) == []


def test_since_after_the_oldest_entries_were_dropped():
    journal = Journal(capacity=4)
    for address in range(1, 11):
        read(journal, address)

    assert seqs(journal.requests(since=2)) == [7, 8, 9, 10]
    assert seqs(journal.requests(since=8)) == [9, 10]


# -- waiting -----------------------------------------------------------------------------


def record_soon(journal, *addresses, delay=0.05):
    def run():
        for address in addresses:
            read(journal, address)

    timer = threading.Timer(delay, run)
    timer.start()
    return timer


def test_wait_for_wakes_when_another_thread_records(journal):
    timer = record_soon(journal, 1, 2, 5003)
    started = time.monotonic()
    try:
        found = journal.wait_for(lambda r: r.covers(5003), timeout=10)
    finally:
        timer.join()

    assert found is not None and found.address == 5003 and found.seq == 3
    # Not a benchmark: a waiter that is never notified would only see the request at its deadline.
    assert time.monotonic() - started < 5


def test_wait_for_returns_a_request_already_recorded(journal):
    read(journal, 5003)

    assert journal.wait_for(lambda r: r.address == 5003, timeout=0).seq == 1


def test_wait_for_ignores_requests_up_to_since(journal):
    read(journal, 5003)
    timer = record_soon(journal, 5003)
    try:
        found = journal.wait_for(lambda r: r.address == 5003, timeout=5, since=journal.last_seq)
    finally:
        timer.join()

    assert found.seq == 2


def test_wait_for_returns_none_on_timeout(journal):
    read(journal, 1)
    timer = record_soon(journal, 2, delay=0.02)
    try:
        found = journal.wait_for(lambda r: r.address == 5003, timeout=0.15)
    finally:
        timer.join()

    assert found is None


def test_wait_for_with_no_traffic_at_all_times_out(journal):
    assert journal.wait_for(lambda r: True, timeout=0.05) is None


# -- JSONL ---------------------------------------------------------------------------------


def test_jsonl_round_trip(traffic, tmp_path):
    path = tmp_path / "nested" / "dir" / "journal.jsonl"

    write_jsonl(traffic.requests(), path)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        json.loads(json.dumps(r.as_dict())) for r in traffic.requests()
    ]
    assert json.loads(lines[2])["values"] == [170]


# -- HTML ----------------------------------------------------------------------------------


def test_html_table_shows_the_range_names_and_wire_address(journal):
    read(journal, 5003, 3, registers=("daily_power_yields", "total_power_yields"), time=3723.5)

    text = html_table(journal.requests())

    assert "01:02:03.500" in text
    assert "input 5003..5005 daily_power_yields, total_power_yields (wire 5002)" in text
    assert "04 read input" in text


def test_html_table_escapes_everything(journal):
    journal.record(
        door="winet", peer="<peer>", service="/device/getParam?a=1&b=2", reply="<b>bad</b>",
        hint='"quoted" & <tagged>', fault="<script>alert(1)</script>",
    )

    text = html_table(journal.requests())

    assert "<script>" not in text and "<b>bad" not in text and "<peer>" not in text
    assert "&lt;script&gt;" in text
    assert "a=1&amp;b=2" in text
    assert "&quot;quoted&quot; &amp; &lt;tagged&gt;" in text


def test_html_table_says_how_many_rows_were_left_out(journal):
    for address in range(1, 8):
        read(journal, address)

    text = html_table(journal.requests(), limit=5)

    assert text.count("<tr") == 1 + 5
    assert "2 more requests left out" in text


def test_html_table_within_the_limit_has_no_note(journal):
    read(journal, 1)

    assert "left out" not in html_table(journal.requests(), limit=1)


def test_html_table_of_nothing_says_so():
    assert "no requests" in html_table([])


def _entry(seq: int, door: str, writer: int, n: int) -> Request:
    return Request(seq=seq, time=0.0, door=door, peer=f"{writer}:{n}")


_ENTRY = values_decoder(_entry)


def test_writers_without_a_lock_and_readers_agree_on_every_number():
    """Every way of writing, from several threads at once while readers read and trim: each entry
    keeps the number its position gives it, numbers are consecutive, and none is lost or doubled."""
    journal = Journal(capacity=5_000)
    per_writer = 2_000
    problems: list[str] = []

    def write(writer: int) -> None:
        for n in range(per_writer):
            if n % 3 == 0:
                journal.record_values((_ENTRY, "modbus", writer, n))
            elif n % 3 == 1:
                journal.record_later(_entry, ("winet", writer, n))
            else:
                journal.record(door="modbus", peer=f"{writer}:{n}")

    def read() -> None:  # a thread's failed assert would not fail the test: it notes the problem
        for _ in range(50):
            seqs = [r.seq for r in journal.requests()]
            if seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
                problems.append(f"not consecutive: {seqs[:5]}...")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert problems == []
    assert journal.last_seq == 4 * per_writer
    requests = journal.requests()
    assert len(requests) == len(journal) == 5_000
    assert [r.seq for r in requests] == list(range(4 * per_writer - 4_999, 4 * per_writer + 1))
    assert len({r.peer for r in requests}) == 5_000  # each written once
    assert journal.requests() == requests  # read again: the same requests, decoded once
