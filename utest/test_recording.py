"""Record a device over Modbus TCP, save and load the snapshot, and replay it in another mock.

Mocks run on a frozen clock at the same moment so that their clock registers agree too. The
client's error handling is driven by a scripted fake device, since a mock always answers well.
Every network wait is bounded by a timeout of at most a few seconds.
"""

import json
import socket
import struct
import threading
import time

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT, TABLES, model
from SungrowMockLibrary.recording import RecordingError, Snapshot, record
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.modbus import header_of, mbap_frame, request_of
from SungrowMockLibrary.transports.pdu import ReadReply, parse, read_reply, read_request
from SungrowMockLibrary.vocabulary import ILLEGAL_ADDRESS, MAX_READ, READ_HOLDING, READ_INPUT, Table

MOMENT = "2026-06-21T12:00:00"
CHANGES = {
    "SH10RT": {"battery_level": 73.5, "load_optimized_power": 2500, "ems_mode": "forced"},
    "SG10RT": {"meter_power": -1234, "power_limitation_setting": 80.0, "daily_power_yields": 17.2},
}


def frozen_mock(name: str, **options) -> MockSungrow:
    options.setdefault("simulate", False)
    return MockSungrow(name, doors="modbus", clock_speed=0, start_time=MOMENT, **options)


def address(mock: MockSungrow) -> tuple[str, int]:
    host, port = mock.endpoint("modbus").rsplit(":", 1)
    return host, int(port)


def assert_same_image(source: Inverter, replay: Inverter) -> None:
    for table in TABLES:
        for first, last in source.model.blocks(table):
            count = last - first + 1
            expected = source.image.words(table, first, count)
            actual = replay.image.words(table, first, count)
            differing = [first + i for i, (a, b) in enumerate(zip(expected, actual)) if a != b]
            assert not differing, f"{table} registers differ at {differing[:10]}"


@pytest.fixture
def recorded_sh10rt():
    with frozen_mock("SH10RT", serial="REC0000001") as source:
        for name, value in CHANGES["SH10RT"].items():
            source.set_value(name, value)
        yield source, record(*address(source), timeout=2)


# -- record, save, load, replay ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SH10RT", "SG10RT"])
def test_replay_reproduces_the_recorded_device_word_for_word(name, tmp_path):
    with frozen_mock(name, serial="REC0000001") as source:
        for register, value in CHANGES[name].items():
            source.set_value(register, value)
        snapshot = record(*address(source), timeout=2)
        path = tmp_path / "device.json"
        snapshot.save(path)
        loaded = Snapshot.load(path)
        assert loaded == snapshot
        with frozen_mock(name) as replay:
            written = loaded.apply(replay.inverter)
            assert written == sum(last - first + 1 for t in TABLES for first, last in model(name).blocks(t))
            assert written == loaded.word_count
            assert_same_image(source.inverter, replay.inverter)
            for register in CHANGES[name]:
                assert replay.get_value(register) == source.get_value(register)
            assert replay.get_value("serial_number") == "REC0000001"
            assert replay.inverter.serial == "REC0000001"
            # What a client reads from the replay is what it read from the source.
            assert record(*address(replay), timeout=2).tables == snapshot.tables


def test_snapshot_header_describes_the_recording(recorded_sh10rt):
    source, snapshot = recorded_sh10rt
    assert snapshot.model == "SH10RT"
    assert snapshot.serial == "REC0000001"
    assert snapshot.unit == 1
    assert snapshot.source == source.endpoint("modbus")
    assert snapshot.recorded_at.endswith("Z") and snapshot.recorded_at[:4].isdigit()
    assert snapshot.unanswered == {INPUT: [], HOLDING: []}
    # One run per block: the model's blocks are not adjacent and every chunk was answered.
    for table in TABLES:
        assert sorted(snapshot.tables[table]) == [first for first, _ in model("SH10RT").blocks(table)]
    assert snapshot.words(INPUT, 5000) == [model("SH10RT").type_code]
    assert snapshot.words(INPUT, 13023) == [735]


def test_saved_file_is_stable_and_diffable(recorded_sh10rt, tmp_path):
    _, snapshot = recorded_sh10rt
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    snapshot.save(first)
    Snapshot.load(first).save(second)
    text = first.read_text()
    assert second.read_text() == text
    data = json.loads(text)
    assert list(data)[:7] == ["format", "version", "model", "serial", "unit", "source", "recorded_at"]
    assert data["format"] == "sungrow-mock-snapshot" and data["version"] == 1
    assert list(data["tables"]) == ["input", "holding"]
    assert data["tables"]["input"]["5601"] == snapshot.tables[INPUT][5601]
    # Ten words per line: a changed register changes one line of the file.
    assert max(len(line) for line in text.splitlines()) < 100


def test_model_is_detected_or_taken_as_given(recorded_sh10rt):
    source, detected = recorded_sh10rt
    explicit = record(*address(source), model="sh10rt", timeout=2)
    assert explicit.model == detected.model == "SH10RT"
    assert explicit.tables == detected.tables


def test_given_model_with_other_blocks_records_what_the_device_refuses(recorded_sh10rt):
    source, _ = recorded_sh10rt
    snapshot = record(*address(source), model="SG10RT", timeout=2)
    assert snapshot.model == "SG10RT"
    # SH blocks lack input 5800.. and 7013.., holding 5100.. and 32569..: the mock answers 02.
    assert snapshot.unanswered == {INPUT: [(5800, 5829), (7013, 7044)], HOLDING: [(5100, 5160), (32569, 32570)]}
    assert sorted(snapshot.tables[INPUT]) == [4950]
    assert {first: len(words) for first, words in snapshot.tables[HOLDING].items()} == {5000: 100, 31213: 18}


def test_unknown_model_name_is_refused_before_connecting():
    with pytest.raises(RecordingError, match="unknown model 'SX1'; did you mean "):
        record("127.0.0.1", 1, model="SX1")


def test_snapshot_of_another_model_is_refused(recorded_sh10rt):
    _, snapshot = recorded_sh10rt
    inverter = Inverter("SG10RT")
    before = inverter.image.words(INPUT, 4950, 351)
    with pytest.raises(RecordingError, match=r"snapshot of a SH10RT \(recorded from 127\.0\.0\.1:\d+\) cannot be applied to a SG10RT"):
        snapshot.apply(inverter)
    assert inverter.image.words(INPUT, 4950, 351) == before


def test_replay_can_pin_recorded_registers_against_the_simulation(recorded_sh10rt):
    _, snapshot = recorded_sh10rt
    with frozen_mock("SH10RT", simulate=True) as replay:
        replay._on_loop(snapshot.apply, replay.inverter, True)
        replay.set_battery_soc(30)  # the simulation rewrites every register it drives
        assert replay.get_value("battery_level") == 73.5
        assert ("holding", 5000) not in replay.inverter.pinned  # the clock keeps following the mock's clock
        replay.release_all_registers()
        replay.set_battery_soc(30)
        assert replay.get_value("battery_level") == pytest.approx(30, abs=0.5)


def test_a_replay_s_clock_registers_show_its_own_clock_not_the_recorded_time(recorded_sh10rt, tmp_path):
    _, snapshot = recorded_sh10rt
    path = tmp_path / "device.json"
    snapshot.save(path)
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time="2030-01-01T08:00:00", snapshot=str(path),
                     simulate=False) as replay:  # fmt: skip
        client_read = record(*address(replay), timeout=2).words(HOLDING, 5000, 6)
        assert client_read == [2030, 1, 1, 8, 0, 0]
        assert replay.get_register(5000, "holding") == 2030


# -- bad snapshot files --------------------------------------------------------------------------


def test_missing_snapshot_file_is_named(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(RecordingError, match=f"snapshot file {path} does not exist"):
        Snapshot.load(path)


def test_invalid_json_is_named_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "sungrow-mock-snapshot",\n  "version": }')
    with pytest.raises(RecordingError, match=f"snapshot file {path} is not valid JSON: .* at line 2 column"):
        Snapshot.load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), 'is not a Sungrow mock snapshot \\("format" is \'other\''),
        (lambda d: d.update(version=7), "snapshot version 7 is not supported"),
        (lambda d: d.update(model="SX1"), "unknown model 'SX1'; did you mean"),
        (lambda d: d.pop("source"), '"source" is missing or not text'),
        (lambda d: d["tables"].update(coils={}), "\"tables\" has unknown table 'coils'"),
        (lambda d: d["tables"]["input"].update({"x5": [1]}), "run key 'x5' is not a documented register number"),
        (lambda d: d["tables"]["input"]["4950"].__setitem__(3, 70000), "input run 4950 holds 70000, which is not a 16-bit word"),
        (lambda d: d["tables"]["input"].update({"65530": [0] * 10}), "input run 65530 covers 65530..65539, outside"),
        (lambda d: d["tables"]["input"].update({"5000": [1]}), "input run 5000 overlaps the run before it"),
        (lambda d: d["unanswered"].update(input=[[5]]), "unanswered.input is not a list of \\[first, last\\] pairs"),
    ],
)
def test_bad_snapshot_content_names_the_file_and_the_fault(recorded_sh10rt, tmp_path, change, message):
    _, snapshot = recorded_sh10rt
    path = tmp_path / "edited.json"
    snapshot.save(path)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(RecordingError, match=f"snapshot file {path}: .*{message}"):
        Snapshot.load(path)


# -- bounded failures against the mock -----------------------------------------------------------


def test_closed_port_fails_fast():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(RecordingError, match=f"cannot connect to 127.0.0.1:{port}"):
        record("127.0.0.1", port, timeout=2)
    assert time.monotonic() - started < 2


def test_silent_unit_times_out_within_the_timeout(recorded_sh10rt):
    source, _ = recorded_sh10rt
    started = time.monotonic()
    # The mock stays silent for unit ids it does not serve, as on an RS-485 bus.
    with pytest.raises(RecordingError, match=r"no complete reply .* to FC 04 input 5000\.\.5000 \(unit 9\) within 0\.3 s"):
        record(*address(source), unit=9, timeout=0.3)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("chunk", [0, 126])
def test_chunk_beyond_the_modbus_limit_is_refused(chunk):
    with pytest.raises(RecordingError, match=f"chunk {chunk} is out of range; valid: 1..125"):
        record("127.0.0.1", 1, chunk=chunk)


# -- the recorder speaks through the Modbus core ------------------------------------------------


@pytest.mark.parametrize("table, function", [(Table.input, READ_INPUT), (Table.holding, READ_HOLDING)])
@pytest.mark.parametrize("first, count", [(1, 1), (5000, 100), (13050, MAX_READ), (65536, 1)])
def test_read_requests_are_what_the_mock_parses(table, function, first, count):
    request = parse(1, read_request(table, first, count))
    assert (request.function, request.table, request.first, request.count) == (function, table, first, count)
    assert request.problem is None and request.values is None
    frame = mbap_frame((513).to_bytes(2, "big"), 7, read_request(table, first, count))
    assert request_of(frame) == request._replace(unit=7)
    assert header_of(frame) == (513, 0, 6, 7)


def test_the_worked_example_of_the_documents():
    # PROTOCOLS §1.2: documented input 5000 goes out as wire 0x1387; the reply carries 0x0022.
    assert read_request(Table.input, 5000, 1) == bytes.fromhex("0413870001")
    request = parse(1, read_request(Table.input, 5000, 1))
    assert read_reply(request, bytes.fromhex("04020022")) == ReadReply(words=(0x0022,))


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("0404000a0014", ReadReply(words=(10, 20))),
        ("8402", ReadReply(exception=ILLEGAL_ADDRESS)),
        ("840200", ReadReply(problem="a malformed exception reply (84 02 00)")),
        ("0304000a0014", ReadReply(problem="function code 0x03")),
        ("0402000a", ReadReply(problem="2 data bytes (byte count 2), expected 4")),
        ("0404000a", ReadReply(problem="2 data bytes (byte count 4), expected 4")),
        ("", ReadReply(problem="an empty reply")),
    ],
)
def test_replies_are_read_with_the_core(reply, expected):
    request = parse(1, read_request(Table.input, 5000, 2))
    assert read_reply(request, bytes.fromhex(reply)) == expected


# -- the client against a scripted fake device ---------------------------------------------------


def reply(transaction: int, unit: int, pdu: bytes, length: int | None = None) -> bytes:
    return struct.pack(">HHHB", transaction, 0, len(pdu) + 1 if length is None else length, unit) + pdu


def words_pdu(function: int, words: list[int]) -> bytes:
    return bytes((function, 2 * len(words))) + struct.pack(f">{len(words)}H", *words)


class FakeDevice:
    """A Modbus TCP server answering each read with ``answer(transaction, unit, function, number, count)``.

    ``number`` is the documented number (wire + 1). ``answer`` returns the raw reply bytes, or
    None to stay silent; with ``hang_up`` it closes the connection after each reply. It serves
    one connection at a time, which is all a recorder opens.
    """

    def __init__(self, answer, hang_up: bool = False):
        self.answer = answer
        self.hang_up = hang_up
        self.requests: list[tuple[int, int, int, int]] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        connection.settimeout(0.05)
        buffer = b""
        while not self._stop.is_set():
            try:
                data = connection.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            buffer += data
            while len(buffer) >= 12:
                frame, buffer = buffer[:12], buffer[12:]
                transaction, _, _, unit, function, wire, count = struct.unpack(">HHHBBHH", frame)
                self.requests.append((transaction, function, wire + 1, count))
                answer = self.answer(transaction, unit, function, wire + 1, count)
                if answer:
                    connection.sendall(answer)
                if self.hang_up:
                    return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()


SG10RT = model("SG10RT")


def sg10rt_word(function: int, number: int) -> int:
    if function == 4 and number == 5000:
        return SG10RT.type_code
    return (number * 7 + function) & 0xFFFF


def sg10rt(refuse=lambda function, number, count: False, exception_length: int = 3):
    """An SG10RT answering every read with made-up words, except those ``refuse`` picks (exception 02)."""

    def answer(transaction, unit, function, number, count):
        if refuse(function, number, count):
            return reply(transaction, unit, bytes((function | 0x80, 2)), exception_length)
        return reply(transaction, unit, words_pdu(function, [sg10rt_word(function, n) for n in range(number, number + count)]))

    return answer


@pytest.fixture
def fake():
    devices = []

    def start(answer, hang_up: bool = False) -> FakeDevice:
        device = FakeDevice(answer, hang_up)
        devices.append(device)
        return device

    yield start
    for device in devices:
        device.close()


def test_refused_chunk_is_recorded_as_unanswered_and_splits_the_run(fake):
    device = fake(sg10rt(refuse=lambda function, number, count: function == 4 and number == 5050))
    snapshot = record("127.0.0.1", device.port, timeout=2)
    assert snapshot.model == "SG10RT"
    assert snapshot.unanswered == {INPUT: [(5050, 5149)], HOLDING: []}
    runs = {first: len(words) for first, words in snapshot.tables[INPUT].items()}
    assert runs == {4950: 100, 5150: 151, 5800: 30, 7013: 32}
    assert snapshot.tables[INPUT][5150][:2] == [sg10rt_word(4, 5150), sg10rt_word(4, 5151)]
    assert {first: len(words) for first, words in snapshot.tables[HOLDING].items()} == {5000: 161, 31213: 18, 32569: 2}


def test_adjacent_refused_chunks_merge_into_one_range(fake):
    device = fake(sg10rt(refuse=lambda function, number, count: function == 3 and number >= 5000 and number < 5200))
    snapshot = record("127.0.0.1", device.port, chunk=50, timeout=2)
    assert snapshot.unanswered[HOLDING] == [(5000, 5160)]
    assert sorted(snapshot.tables[HOLDING]) == [31213, 32569]


def test_requests_respect_the_chunk_and_number_their_transactions(fake):
    device = fake(sg10rt())
    record("127.0.0.1", device.port, chunk=40, timeout=2)
    reads = device.requests
    assert reads[0][1:] == (4, 5000, 1)  # the device type code comes first
    assert [r[0] for r in reads] == list(range(1, len(reads) + 1))
    assert max(count for *_, count in reads) == 40
    expected = sum(-(-(last - first + 1) // 40) for table in TABLES for first, last in SG10RT.blocks(table))
    assert len(reads) == 1 + expected  # the serial came from the recorded words, not another read


def test_short_winet_exception_frame_is_understood(fake):
    # WiNet-S sends 00 01 00 00 00 02 01 84 02: the length leaves out the exception code.
    device = fake(sg10rt(refuse=lambda function, number, count: function == 4 and number == 5800, exception_length=2))
    snapshot = record("127.0.0.1", device.port, timeout=2)
    assert snapshot.unanswered[INPUT] == [(5800, 5829)]
    assert 7013 in snapshot.tables[INPUT]


def test_refused_type_code_asks_for_the_model(fake):
    device = fake(sg10rt(refuse=lambda function, number, count: number == 5000 and count == 1))
    with pytest.raises(RecordingError, match="refused the device type code \\(input 5000\\) with exception 02; give the model"):
        record("127.0.0.1", device.port, timeout=2)
    assert record("127.0.0.1", device.port, model="SG10RT", timeout=2).model == "SG10RT"


def test_unknown_type_code_is_named(fake):
    device = fake(lambda t, unit, function, number, count: reply(t, unit, words_pdu(function, [0x1234] * count)))
    with pytest.raises(RecordingError, match="unknown device type code 0x1234 at 127.0.0.1:\\d+ unit 1: no catalogue model has it"):
        record("127.0.0.1", device.port, timeout=2)


@pytest.mark.parametrize(
    "answer, message",
    [
        (lambda t, u, f, n, c: reply(t + 1, u, words_pdu(f, [0x2433] * c)), "with transaction id 2, expected 1"),
        (lambda t, u, f, n, c: reply(t, u + 1, words_pdu(f, [0x2433] * c)), "for unit 2, expected unit 1"),
        (lambda t, u, f, n, c: reply(t, u, words_pdu(3, [0x2433] * c)), "with function code 0x03"),
        (lambda t, u, f, n, c: reply(t, u, words_pdu(f, [0x2433] * (c + 1))), "with 4 data bytes .*expected 2"),
        (lambda t, u, f, n, c: struct.pack(">HHHB", t, 1, 5, u), "invalid MBAP header"),
        (lambda t, u, f, n, c: reply(t, u, words_pdu(f, [0x2433] * c), length=9)[:9], "closed the connection after 2 of 8 bytes"),
    ],
)
def test_malformed_replies_fail_with_a_clear_message(fake, answer, message):
    device = fake(answer, hang_up=True)
    started = time.monotonic()
    with pytest.raises(RecordingError, match=f"127.0.0.1:{device.port} .*{message}"):
        record("127.0.0.1", device.port, timeout=1)
    assert time.monotonic() - started < 2


def test_trickling_device_is_bounded_by_the_timeout_per_request(fake):
    def trickle(transaction, unit, function, number, count):
        frame = reply(transaction, unit, words_pdu(function, [SG10RT.type_code] * count))
        return frame[:5]  # and never the rest

    device = fake(trickle)
    started = time.monotonic()
    with pytest.raises(RecordingError, match="no complete reply .* within 0.3 s"):
        record("127.0.0.1", device.port, timeout=0.3)
    assert time.monotonic() - started < 2
