"""One fuzz target per parser: bytes in, an AssertionError (or an unexpected exception) on a broken
invariant, nothing otherwise.

Shared by the hypothesis properties (utest/test_fuzz_parsers.py, structured and raw inputs) and
the coverage-guided atheris campaign (fuzz/campaign.py, raw bytes), so both check the same
invariants:

* nothing raises but the parser's documented error types;
* a reply is a well-formed frame or envelope (or silence, or a dropped connection, as documented);
* a refused write changes no register;
* the control API answers a malformed request with a JSON error or an XML-RPC fault.

The in-process targets call the parsers directly with a fake transport; the ``live_*`` targets
(WiNet WebSocket and HTTP, the control API's JSON) send the bytes over 127.0.0.1 to a real door
started on first use, so aiohttp's own parsing and the handlers run as in the mock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import tempfile
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

from SungrowMockLibrary.device.catalogue import HOLDING, INPUT, TABLES
from SungrowMockLibrary.errors import EncryptionKeyError, FaultError, RecordingError, ScenarioError
from SungrowMockLibrary.faults.spec import load_fault_file, parse_fault
from SungrowMockLibrary.journal import Journal
from SungrowMockLibrary.recording.snapshot import Snapshot
from SungrowMockLibrary.simulation.clock import Clock
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.simulation.scenario import load_scenario
from SungrowMockLibrary.transports import pdu
from SungrowMockLibrary.transports.doorkeeper import Doorkeeper
from SungrowMockLibrary.transports.encrypted import EncryptedMbapProtocol, EncryptionKey, parse_key
from SungrowMockLibrary.transports.mbap import MAX_LENGTH, MbapProtocol
from SungrowMockLibrary.transports.modbus import ModbusHandler
from SungrowMockLibrary.transports.winet import request_fields, services, writes
from SungrowMockLibrary.transports.winet.codes import ALL, WinetError, dumps
from SungrowMockLibrary.transports.winet.dongle import Dongle, parse_int
from SungrowMockLibrary.transports.winet.settings import WinetSettings
from SungrowMockLibrary.transports.wire import Wire
from SungrowMockLibrary.vocabulary import WRITE_MULTIPLE, WRITE_SINGLE

MAX_INPUT = 64 * 1024  # the WebSocket door's message limit; larger inputs are cut
RESULT_CODES = {code for code, _ in ALL}
MODBUS_EXCEPTIONS = {1, 2, 3, 4}
TOKEN = "TOKEN"  # replaced by a live token in WiNet inputs, so the fuzzer reaches past the token check


# -- what every target shares ----------------------------------------------------------------


class _Errors(logging.Handler):
    """Counts ERROR records: a handler that logs a traceback has met input it did not expect."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def no_logged_errors():
    errors = _Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        yield
    finally:
        root.removeHandler(errors)
    assert not errors.records, "logged an error: " + "; ".join(r.getMessage() for r in errors.records)


def _frozen() -> Clock:
    return Clock("2026-06-21T12:00:00", speed=0)


class _Harness:
    """Devices and dongles built once per process (building an inverter costs milliseconds)."""

    def __init__(self):
        # Frozen clocks: a read that crosses a wall-clock second would otherwise tick the live clock
        # registers, and the targets compare whole images before and after a request.
        self.devices = {1: Inverter("SH10RT", clock=_frozen()), 2: Inverter("SG5.0RS", clock=_frozen())}
        self.dongle = Dongle(self.devices, WinetSettings())
        self.key = EncryptionKey(bytes(range(1, 17)))
        self.by_model: dict[str, Inverter] = {}
        # the campaign points this at its results folder: a libFuzzer worker ends without clean-up
        self.folder = Path(tempfile.mkdtemp(prefix="sungrow-fuzz-", dir=os.environ.get("SUNGROW_FUZZ_TMP")))

    def token(self) -> str:
        return self.dongle.sessions.connect().token

    def image(self) -> bytes:
        return b"".join(i.image.dump(t) for i in self.devices.values() for t in (INPUT, HOLDING))

    def inverter(self, model: str) -> Inverter:
        if model not in self.by_model:
            self.by_model[model] = Inverter(model, clock=_frozen())
        return self.by_model[model]


_harness: _Harness | None = None


def harness() -> _Harness:
    global _harness
    if _harness is None:
        _harness = _Harness()
    return _harness


def text_of(data: bytes) -> str:
    """Text as a client can send it: UTF-8, with lone surrogates allowed (they arrive as JSON
    ``\\ud800`` escapes anyway)."""
    data = data[:MAX_INPUT]
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


class FakeTransport:
    """Enough of an asyncio transport for the Modbus protocols."""

    def __init__(self):
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "wrote to a closed connection"
        self.written.append(bytes(data))

    def abort(self) -> None:
        self.closing = True

    close = abort

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 40000) if name == "peername" else default

    # Flow control (the doors' backpressure): the fake peer reads everything at once.
    def set_write_buffer_limits(self, high=None, low=None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def chunks(data: bytes, seed: int) -> list[bytes]:
    """``data`` cut into pieces of 1..16 bytes (or whole), as TCP may deliver it."""
    size = seed % 17
    if size == 0:
        return [data]
    return [data[i : i + size] for i in range(0, len(data), size)]


# -- Modbus: the core (PDU) and the MBAP framing -----------------------------------------------


def check_reply_pdu(request: pdu.ModbusRequest, reply: bytes) -> None:
    """A reply PDU answers ``request``: the echo of a write, the words of a read, or an exception."""
    assert reply, "empty reply PDU"
    if reply[0] & 0x80 and reply[0] == pdu.exception_function(request.function):
        assert len(reply) == 2 and reply[1] in MODBUS_EXCEPTIONS, f"malformed exception reply {reply.hex()}"
        return
    assert request.problem is None, f"malformed request {request} got a normal reply {reply.hex()}"
    assert reply[0] == request.function, f"reply function {reply[0]} to {request.function}"
    if request.function == WRITE_SINGLE:
        assert len(reply) == 5
    elif request.function == WRITE_MULTIPLE:
        assert len(reply) == 5 and int.from_bytes(reply[3:5], "big") == request.count
    else:
        assert len(reply) == 2 + 2 * request.count and reply[1] == 2 * request.count, reply.hex()


def answer_checked(unit: int, request_pdu: bytes, public_key: bytes = pdu.NO_KEY) -> bytes | None:
    """:func:`pdu.answer` with its invariants checked: a well-formed reply, refused writes change nothing."""
    h = harness()
    request = pdu.parse(unit, request_pdu)
    before = h.image() if request.writes else None
    reply = pdu.answer(h.devices, unit, request_pdu, public_key)
    if pdu.is_key_request(unit, request_pdu):
        assert reply == pdu.key_reply(public_key)
        return reply
    if unit not in h.devices:
        assert reply is None, "a unit without a device answered"
        return reply
    assert reply is not None, "a device stayed silent"
    check_reply_pdu(request, reply)
    if before is not None and reply[0] != request.function:
        assert h.image() == before, f"a refused write {request} changed registers"
    return reply


def modbus_pdu(data: bytes) -> None:
    """The core: ``data[0]`` the unit (0, 1, 2, 247 or another), the rest one request PDU."""
    if not data:
        return
    unit = (0, 1, 2, 247, 3)[data[0] % 5]
    body = data[1:]
    request = pdu.parse(unit, body)
    assert request.unit == unit
    assert request.problem in (None, 1, 2, 3), request
    if request.problem is None and request.table is not None:
        assert request.first >= 1 and request.first - 1 + request.count <= 0x10000
    answer_checked(unit, body)
    # the client side (the recorder) reads any reply without raising
    if request.problem is None and request.values is None:
        pdu.read_reply(request, body)


def _check_mbap_reply(frame: bytes, reply: bytes) -> None:
    assert reply[:2] == frame[:2], "transaction id not echoed"
    assert reply[2:4] == b"\x00\x00", "protocol id not 0"
    assert int.from_bytes(reply[4:6], "big") == len(reply) - 6, "MBAP length does not match"
    assert reply[6] == frame[6], "unit not echoed"


def _mbap_handler(frames: list[bytes]) -> Callable[[bytes, bytes], bytes | None]:
    handler = ModbusHandler(harness().devices)

    def handle(frame: bytes, public_key: bytes = pdu.NO_KEY) -> bytes | None:
        frames.append(frame)
        assert len(frame) >= 8 and frame[2:4] == b"\x00\x00"
        assert int.from_bytes(frame[4:6], "big") == len(frame) - 6 <= MAX_LENGTH
        answer_checked(frame[6], frame[7:], public_key)  # the core's invariants for this frame
        reply = handler.handle(frame, public_key)
        if reply is not None:
            _check_mbap_reply(frame, reply)
        return reply

    return handle


def _expected_frames(stream: bytes) -> tuple[list[bytes], bool]:
    """The complete frames a correct MBAP splitter finds in ``stream``, and whether it must drop."""
    frames = []
    while len(stream) >= 7:
        length = int.from_bytes(stream[4:6], "big")
        if stream[2:4] != b"\x00\x00" or not 2 <= length <= MAX_LENGTH:
            return frames, True
        if len(stream) < 6 + length:
            break
        frames.append(stream[: 6 + length])
        stream = stream[6 + length :]
    return frames, False


_LOOP = asyncio.new_event_loop()  # the doors run on a loop: a long stream is answered in turns
TURNS = 10  # loop iterations after each piece: a 4 KiB input holds at most 8 turns of 64 frames


def _feed(protocol, transport: FakeTransport, pieces: list[bytes]) -> None:
    """Deliver ``pieces`` as the event loop does, letting the door's turns run between them."""

    async def deliver() -> None:
        for piece in pieces:
            if transport.is_closing():
                break
            protocol.data_received(piece)
            for _ in range(TURNS):
                await asyncio.sleep(0)

    _LOOP.run_until_complete(deliver())


def mbap_stream(data: bytes) -> None:
    """The plain door's stream splitting: ``data[0]`` how TCP cuts the rest, the rest the stream."""
    if not data:
        return
    stream = data[1:]
    frames: list[bytes] = []
    journal = Journal(capacity=64) if data[0] & 0x80 else None  # every other input also goes through the journal
    wire = Wire("modbus", harness().devices, journal, None) if journal is not None else None
    protocol = MbapProtocol(_mbap_handler(frames), Doorkeeper("modbus"), wire)
    transport = FakeTransport()
    protocol.connection_made(transport)
    _feed(protocol, transport, chunks(stream, data[0] & 0x7F))
    if journal is not None:
        for request in journal.requests():  # decoded when read: the journal's side of the parser
            request.as_dict()
    expected, dropped = _expected_frames(stream)
    assert frames == expected, "the splitter found other frames than MBAP defines"
    assert transport.is_closing() == dropped, "dropped a valid stream" if transport.is_closing() else "kept a lost stream"
    assert len(transport.written) <= len(frames)


# -- encrypted framing and key exchange --------------------------------------------------------


def _frames_of(data: bytes) -> list[bytes]:
    """Pieces cut by a length byte each: ``n`` then ``n`` bytes."""
    pieces = []
    while data:
        size, data = data[0], data[1:]
        pieces.append(data[:size])
        data = data[size:]
    return pieces


def _as_mbap(piece: bytes) -> bytes:
    """A frame with a consistent MBAP header around ``piece`` (transaction id, then unit + PDU)."""
    body = (piece[2:] + b"\x01\x04")[: max(2, len(piece) - 2)]
    return piece[:2].ljust(2, b"\x00") + b"\x00\x00" + len(body).to_bytes(2, "big") + body


def encrypted_stream(data: bytes) -> None:
    """The encrypted door: ``data[0]`` bit 0 raw stream (0) or well-wrapped frames (1), the other
    bits how TCP cuts it; replies to encrypted frames decrypt to well-formed MBAP frames."""
    if not data:
        return
    h = harness()
    mode, rest = data[0], data[1:]
    if mode & 1:
        stream = b""
        for piece in _frames_of(rest):
            frame = _as_mbap(piece)
            stream += frame if mode & 2 else h.key.wrap(frame)
    else:
        stream = rest
    frames: list[bytes] = []
    protocol = EncryptedMbapProtocol(_mbap_handler(frames), h.key, Doorkeeper("encrypted"))
    transport = FakeTransport()
    protocol.connection_made(transport)
    _feed(protocol, transport, chunks(stream, mode >> 2))
    for written in transport.written:
        if written[2:4] != b"\x00\x00":  # an encrypted block (L >= 8); a plain frame has protocol id 0
            size, padding = written[2], written[3]
            assert 8 <= size <= 255 and 1 <= padding <= 16 and (size + padding) % 16 == 0
            assert len(written) == 4 + size + padding
            frame = h.key.decrypt(written[4:])[:size]
            assert frame[2:4] == b"\x00\x00" and int.from_bytes(frame[4:6], "big") == size - 6
        else:
            assert written[2:4] == b"\x00\x00" and int.from_bytes(written[4:6], "big") == len(written) - 6
    if mode & 1 and not mode & 2:
        assert transport.is_closing() or len(frames) == len(_frames_of(rest)), "a well-wrapped frame was lost"


def encryption_key(data: bytes) -> None:
    """A public key as text or bytes: 16 bytes, or EncryptionKeyError."""
    for given in (data, text_of(data)):
        try:
            key = parse_key(given)
        except EncryptionKeyError:
            continue
        assert isinstance(key, bytes) and len(key) == 16
        EncryptionKey(key)  # any 16 bytes make a key (all zero: encryption off)


# -- WiNet: WebSocket services, HTTP fields, the RTU pass-through -----------------------------


def _winet_text(data: bytes) -> str:
    return text_of(data).replace(TOKEN, harness().token())


def check_envelope(reply: dict, service: bool = True) -> None:
    assert isinstance(reply, dict) and set(reply) == {"result_code", "result_msg", "result_data"}, reply
    assert reply["result_code"] in RESULT_CODES, reply
    assert isinstance(reply["result_data"], dict)
    if service:
        assert isinstance(reply["result_data"].get("service"), str), reply
    dumps(reply).encode("utf-8")  # the reply can go on the wire (a lone surrogate cannot)


def winet_services(data: bytes) -> None:
    """One WebSocket text message: an envelope always; a refused ``param`` writes nothing."""
    h = harness()
    before = h.image()
    with no_logged_errors():
        reply, pushes = services.handle_text(h.dongle, _winet_text(data))
    check_envelope(reply)
    assert reply["result_code"] != 500, f"internal error for {data[:200]!r}"
    if reply["result_code"] != 1 or reply["result_data"]["service"] != "param":
        assert h.image() == before, f"a refused request changed registers: {reply}"
    for _, notice in pushes:
        check_envelope(notice)


def winet_fields(data: bytes) -> None:
    """HTTP query parameters: parse_int and the door's journal fields (http_fields, passthrough_fields)."""
    text = text_of(data)
    query = dict(parse_qsl(text, keep_blank_values=True))
    for value in (text, *query.values()):
        for low, high in ((None, None), (1, 0x10000), (0, 1)):
            try:
                number = parse_int(value, "field", low, high)
            except WinetError as error:
                assert error.code == 402
            else:
                assert isinstance(number, int) and (low is None or low <= number <= high)
        number = request_fields.number_of(value)
        assert number is None or (isinstance(number, int) and number >= 0)
        request_fields.passthrough_fields(value)
    for path in (request_fields.GET_PARAM, request_fields.PASSTHROUGH, "/about/list"):
        fields = request_fields.http_fields(path, query)
        request_fields.complete(fields, query, lambda unit: getattr(harness().devices.get(unit), "layout", None))


def winet_passthrough(data: bytes) -> None:
    """The pass-through RTU frame: ``data[0]`` bit 0: the rest is a frame given its CRC (1) or raw
    text (0). A reply is an RTU frame with a good CRC; a refused write changes nothing."""
    if not data:
        return
    h = harness()
    message = writes.with_crc(data[1:]).hex() if data[0] & 1 else text_of(data[1:])
    before = h.image()
    try:
        reply = writes.passthrough(h.dongle, message)
    except WinetError as error:
        assert error.code in (301, 402), error
        assert h.image() == before, "a refused pass-through changed registers"
        return
    frame = bytes.fromhex(reply)
    assert writes.crc16(frame[:-2]).to_bytes(2, "little") == frame[-2:], "reply CRC"
    sent = bytes.fromhex(message.strip())
    assert frame[0] == sent[0], "unit not echoed"
    request = pdu.parse(sent[0], sent[1:-2])
    check_reply_pdu(request, frame[1:-2])
    if request.writes and frame[1] != request.function:
        assert h.image() == before, "a refused pass-through write changed registers"


# -- the control API: XML-RPC and argument binding ---------------------------------------------


class _ControlApi:
    """The XML-RPC face over the real keyword table; ``run_keyword`` binds and converts the
    arguments (remote/arguments.py) but runs nothing, so fuzzing never changes the machine."""

    def __init__(self):
        from SungrowMockLibrary import SungrowMockLibrary
        from SungrowMockLibrary.remote.arguments import ArgumentError
        from SungrowMockLibrary.remote.dispatch import Keywords, Outcome
        from SungrowMockLibrary.remote.xmlrpc_api import RemoteApi

        self.keywords = Keywords(SungrowMockLibrary())
        self.Outcome, self.ArgumentError = Outcome, ArgumentError
        self.api = RemoteApi(self.keywords, self._bind, "")
        self.loop = asyncio.new_event_loop()

    async def _bind(self, name, args, kwargs, empty_is_none=False):
        real = self.keywords.find(name)
        if real is None:
            return self.Outcome(problem="unknown", error=f"No keyword with name '{name}' found.")
        try:
            self.keywords.signature(real).bind(args, kwargs, empty_is_none)
        except self.ArgumentError as error:
            return self.Outcome(problem="arguments", error=str(error))
        return self.Outcome(value=None)

    def respond(self, body: bytes) -> str:
        return self.loop.run_until_complete(self.api.respond(body))


_control: _ControlApi | None = None


def control_api() -> _ControlApi:
    global _control
    if _control is None:
        _control = _ControlApi()
    return _control


def control_xmlrpc(data: bytes) -> None:
    """An XML-RPC body: a methodResponse always, a fault for anything malformed."""
    with no_logged_errors():
        answer = control_api().respond(data[:MAX_INPUT])
    assert isinstance(answer, str)
    try:
        (result,), _ = xmlrpc.client.loads(answer.encode("utf-8"), use_builtin_types=True)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode in (-32700, -32601, -32602), fault
        return
    assert result is not None


def control_arguments(data: bytes) -> None:
    """Argument binding and conversion (remote/arguments.py) of a keyword picked by ``data[0]``
    with JSON ``args``/``kwargs``: bound, or ArgumentError, never another exception."""
    if not data:
        return
    api = control_api()
    name = api.keywords.names[data[0] % len(api.keywords.names)]
    try:
        body = json.loads(text_of(data[1:]))
    except (ValueError, RecursionError):
        return
    args = body.get("args", []) if isinstance(body, dict) else body
    kwargs = body.get("kwargs", {}) if isinstance(body, dict) else {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        return
    try:
        api.keywords.signature(api.keywords.find(name)).bind(args, kwargs, data[0] & 1 == 1)
    except api.ArgumentError:
        pass


# -- files: scenario, snapshot, faults ---------------------------------------------------------


def _file(data: bytes, suffix: str) -> Path:
    path = harness().folder / f"input{os.getpid()}{suffix}"
    path.write_bytes(data[:MAX_INPUT])
    return path


def scenario_file(data: bytes) -> None:
    """A scenario file: a Scenario, or ScenarioError."""
    try:
        scenario = load_scenario(_file(data, ".toml"))
    except ScenarioError:
        return
    for value in (scenario.soc, scenario.latitude, scenario.speed):
        assert value is None or isinstance(value, float)


def snapshot_file(data: bytes) -> None:
    """A snapshot file: a Snapshot that saves, loads back equal and applies; or RecordingError."""
    h = harness()
    try:
        snapshot = Snapshot.load(_file(data, ".json"))
    except RecordingError:
        return
    again = h.folder / f"again{os.getpid()}.json"
    snapshot.save(again)
    back = Snapshot.load(again)
    assert back.tables == {t: snapshot.tables.get(t, {}) for t in TABLES}
    assert back.model == snapshot.model and back.unit == snapshot.unit
    snapshot.apply(h.inverter(snapshot.model))


def fault_file(data: bytes) -> None:
    """A TOML fault file: a list of faults, or FaultError."""
    try:
        faults = load_fault_file(_file(data, ".toml"))
    except FaultError:
        return
    assert isinstance(faults, list)


def fault_spec(data: bytes) -> None:
    """A fault spec as the REST API and keywords take it (a flat JSON object): parsed or FaultError."""
    try:
        spec = json.loads(text_of(data))
    except (ValueError, RecursionError):
        return
    if not isinstance(spec, dict):
        return
    try:
        kind, kwargs = parse_fault(spec)
    except FaultError:
        return
    assert isinstance(kind, str) and "target" in kwargs and "dose" in kwargs


# -- live: the doors over 127.0.0.1 -----------------------------------------------------------


class _Live:
    """A WiNet door and a control endpoint served on 127.0.0.1, and one client session to them."""

    def __init__(self):
        import aiohttp

        from SungrowMockLibrary import MockSungrow
        from SungrowMockLibrary.remote.server import ControlServer

        self.mock = MockSungrow(model="SH10RT", host="127.0.0.1", doors="winet", clock_speed=0,
                                start_time="2026-06-21T12:00:00").start()  # frozen: see _frozen
        self.control = ControlServer(self.mock, host="127.0.0.1").start()
        self.ws_url = f"ws://{self.mock.endpoint('winet_ws')}/ws/home/overview"
        self.http_url = f"http://{self.mock.endpoint('winet_http')}"
        self.control_url = f"http://{self.control.address}"
        self.loop = asyncio.new_event_loop()
        self.session = self.loop.run_until_complete(self._session(aiohttp))
        self.ws = None
        self.aiohttp = aiohttp

    @staticmethod
    async def _session(aiohttp):
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    def run(self, coroutine):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, 10))

    async def socket(self):
        if self.ws is None or self.ws.closed:
            self.ws = await self.session.ws_connect(self.ws_url)
        return self.ws

    def image(self) -> bytes:
        inverter = self.mock.inverter
        return inverter.image.dump(HOLDING)


_live: _Live | None = None


def live() -> _Live:
    global _live
    if _live is None:
        _live = _Live()
    return _live


def live_websocket(data: bytes) -> None:
    """A text frame on the real WebSocket (websocket.py): a JSON envelope, or a close with 1007
    (not UTF-8) / 1009 (too big); never a traceback."""
    door = live()

    async def exchange():
        ws = await door.socket()
        payload = data[:MAX_INPUT]
        token = None
        if TOKEN.encode() in payload:
            await ws.send_str('{"service":"connect"}')
            token = json.loads((await ws.receive(timeout=5)).data)["result_data"]["token"]
            payload = payload.replace(TOKEN.encode(), token.encode())
        await ws._writer.send_frame(payload, door.aiohttp.WSMsgType.TEXT)  # raw bytes: even not UTF-8
        message = await ws.receive(timeout=5)
        if message.type is door.aiohttp.WSMsgType.TEXT:
            check_envelope(json.loads(message.data))
            return
        assert message.type in (door.aiohttp.WSMsgType.CLOSE, door.aiohttp.WSMsgType.CLOSED), message
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            return  # not UTF-8 on the wire: 1007 is the protocol's answer
        raise AssertionError(f"closed ({ws.close_code}) on a UTF-8 text message")

    with no_logged_errors():
        door.run(exchange())


def live_http(data: bytes) -> None:
    """HTTP query parameters and bodies on the real door: an envelope with HTTP 200, or a 4xx."""
    door = live()
    if not data:
        return
    path = ("/device/getParam", "/device/passthroughway", "/device/list", "/user/connect")[data[0] % 4]
    raw = data[1:].split(b"\x00", 1)
    query = raw[0].decode("latin-1")
    body = raw[1] if len(raw) > 1 else b""

    async def request():
        nonlocal query, body
        if TOKEN in query or TOKEN.encode() in body:
            async with door.session.post(door.http_url + "/user/connect") as response:
                token = (await response.json())["result_data"]["token"]
            query, body = query.replace(TOKEN, token), body.replace(TOKEN.encode(), token.encode())
        url = door.http_url + path + "?" + "".join(c if 32 < ord(c) < 127 and c != "#" else f"%{ord(c):02X}" for c in query)
        method = door.session.get if path == "/device/getParam" else door.session.post
        async with method(door.aiohttp.client.URL(url, encoded=True), data=body) as response:
            text = await response.text(errors="replace")
            if response.status == 200:
                check_envelope(json.loads(text), service=False)
                assert json.loads(text)["result_code"] != 500, text
            else:
                assert 400 <= response.status < 500, (response.status, text)

    with no_logged_errors():
        door.run(request())


_CONTROL_ROUTES = (
    ("POST", "/api/keywords/Get Register"),
    ("POST", "/api/keywords/Set Register"),
    ("POST", "/api/keywords/Get Mock Requests"),
    ("POST", "/api/keywords/Clear Faults"),
    ("POST", "/api/keywords/No Such Keyword"),
    ("PUT", "/api/registers/export_power_limit"),
    ("POST", "/api/faults"),
    ("POST", "/api/scopes"),
    ("POST", "/"),
)


def live_control(data: bytes) -> None:
    """The control endpoint's JSON and XML-RPC bodies over HTTP: a JSON answer with a status (or
    an XML-RPC methodResponse), never HTTP 500. Only keywords that touch no file or clock."""
    door = live()
    if not data:
        return
    method, path = _CONTROL_ROUTES[data[0] % len(_CONTROL_ROUTES)]
    body = data[1:MAX_INPUT]

    async def request():
        async with door.session.request(method, door.control_url + path, data=body) as response:
            text = await response.text(errors="replace")
            assert response.status != 500 and response.status < 500, (response.status, text[:500])
            if path == "/":
                assert text.startswith("<?xml"), text[:200]
            else:
                answer = json.loads(text)
                assert answer.get("status") in ("PASS", "FAIL"), answer

    try:
        with no_logged_errors():
            door.run(request())
    finally:
        door.mock.clear_faults()  # an injected fault must not reach the other live targets


# -- the table of targets ------------------------------------------------------------------------

TARGETS: dict[str, Callable[[bytes], None]] = {
    "modbus_pdu": modbus_pdu,
    "mbap_stream": mbap_stream,
    "encrypted_stream": encrypted_stream,
    "encryption_key": encryption_key,
    "winet_services": winet_services,
    "winet_fields": winet_fields,
    "winet_passthrough": winet_passthrough,
    "control_xmlrpc": control_xmlrpc,
    "control_arguments": control_arguments,
    "scenario_file": scenario_file,
    "snapshot_file": snapshot_file,
    "fault_file": fault_file,
    "fault_spec": fault_spec,
    "live_websocket": live_websocket,
    "live_http": live_http,
    "live_control": live_control,
}

_READ = bytes.fromhex("000100000006010413870001")
_WRITE = bytes.fromhex("00020000000b0110138800020400010002")
SEEDS: dict[str, list[bytes]] = {
    "modbus_pdu": [b"\x01" + _READ[7:], b"\x01" + _WRITE[7:], b"\x03" + pdu.KEY_REQUEST_PDU, b"\x01\x06\x13\x88\x00\x01"],
    "mbap_stream": [b"\x00" + _READ + _WRITE, b"\x03" + _READ, b"\x00" + bytes.fromhex("0003000000060b040ae70008")],
    "encrypted_stream": [b"\x01\x0a" + _READ[:2] + _READ[6:], b"\x03\x0a" + _READ[:2] + _READ[6:], b"\x00" + _READ],
    "encryption_key": [b"000102030405060708090a0b0c0d0e0f", b"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f"],
    "winet_services": [
        b'{"service":"connect"}',
        b'{"service":"real","token":"TOKEN","dev_id":"1"}',
        b'{"service":"param","token":"TOKEN","type":"9","dev_id":1,"list":[{"param_addr":"33146","param_value":"2"}]}',
        b'{"service":"param","token":"TOKEN","type":"3","devid_array":[1,2],"list":[{"a":"1"}]}',
        b"ping",
    ],
    "winet_fields": [b"type=3&param_type=1&param_addr=5000&param_num=10&dev_id=1", b"msgValue=010300000001840A"],
    "winet_passthrough": [b"\x01\x01\x03\x13\x87\x00\x01", b"\x01\x01\x06\x13\x88\x07\xe9", b"\x00010300000001840A"],
    "control_xmlrpc": [
        xmlrpc.client.dumps((), "get_keyword_names").encode(),
        xmlrpc.client.dumps(("Get Register", ["export_power_limit"], {}), "run_keyword").encode(),
        xmlrpc.client.dumps(("Set Register", ["x", "1"], {"scope": "test"}), "run_keyword").encode(),
    ],
    "control_arguments": [b'\x05{"args":["export_power_limit"],"kwargs":{}}', b'\x06{"args":[],"kwargs":{"a":"1"}}'],
    "scenario_file": [b'[site]\nlatitude = 48.1\n[clock]\nspeed = 600\n[irradiance]\npoints = [["06:00", 0], ["12:00", 900]]\n'],
    "snapshot_file": [
        json.dumps({"format": "sungrow-mock-snapshot", "version": 1, "model": "SH10RT", "serial": None, "unit": 1,
                    "source": "x", "recorded_at": "t", "tables": {"input": {"5000": [1, 2]}, "holding": {}},
                    "unanswered": {"input": [[6000, 6001]]}}).encode(),
    ],
    "fault_file": [b'[[fault]]\nkind = "exception"\ncode = 2\ntimes = 1\n', b'[[fault]]\nkind = "delay"\nseconds = 0.1\n'],
    "fault_spec": [b'{"kind":"exception","code":"4","registers":"5000-5010","probability":"0.5"}'],
    "live_websocket": [b'{"service":"connect"}', b'{"service":"real","token":"TOKEN","dev_id":"1"}', b"\xff\xfe"],
    "live_http": [
        b"\x00type=3&param_type=1&param_addr=5000&param_num=1&dev_id=1&token=TOKEN",
        b"\x01token=TOKEN\x00{\"msgValue\":\"010300000001840A\"}",
        b"\x02token=TOKEN",
    ],
    "live_control": [b'\x00{"args":["export_power_limit"]}', b'\x06{"kind":"exception","times":"1"}', b"\x08<x/>"],
}

_JSON_WORDS = ['"service"', '"token"', '"dev_id"', '"devid_array"', '"list"', '"type"', '"param_addr"',
               '"param_value"', '"param_id"', '"username"', '"passwd"', '"TOKEN"', "\\ud800", "1e300", "-1", "null",
               "true", "[]", "{}", '"args"', '"kwargs"', '"kind"', '"scope"', '"registers"', '"times"']
_SERVICES = [f'"{name}"' for name in services.SERVICES]
# libFuzzer dictionaries: words a mutation may insert, so the fuzzer reaches past the field names.
DICTIONARIES: dict[str, list[str]] = {
    "winet_services": _JSON_WORDS + _SERVICES,
    "live_websocket": _JSON_WORDS + _SERVICES,
    "live_http": ["type=", "param_type=", "param_addr=", "param_num=", "dev_id=", "token=TOKEN", "msgValue=", "&", "%ED%A0%80"],
    "winet_fields": ["type=", "param_type=", "param_addr=", "param_num=", "dev_id=", "msgValue=", "&", "3"],
    "live_control": [*_JSON_WORDS, "<methodCall>", "<methodName>run_keyword</methodName>", "<param>", "<value>", "<array>", "<struct>", "<int>", "<string>", "<data>"],
    "control_xmlrpc": ["<methodCall>", "<methodName>run_keyword</methodName>", "<params>", "<param>", "<value>",
                       "<array>", "<data>", "<struct>", "<member>", "<name>", "<int>", "<i8>", "<string>", "<base64>",
                       "<nil/>", "<boolean>", "<double>", "<dateTime.iso8601>", "get_keyword_arguments"],
    "fault_spec": [*_JSON_WORDS, '"door"', '"unit"', '"function"', '"probability"', '"seed"', '"duration"', '"after"'],
    "fault_file": ["[[fault]]", "kind = ", "door = ", "times = ", "probability = ", "registers = ", '"', "\n"],
    "scenario_file": ["[site]", "[clock]", "[battery]", "[irradiance]", "[load]", "[registers]", "latitude = ",
                      "start_time = ", "speed = ", "soc = ", "points = ", "value = ", "seed = "],
    "snapshot_file": ['"format"', '"sungrow-mock-snapshot"', '"version"', '"model"', '"SH10RT"', '"unit"', '"tables"',
                      '"input"', '"holding"', '"unanswered"', '"serial"', '"source"', '"recorded_at"'],
}


def close() -> None:
    """Stop what the live targets started and remove the harness's files (call once at the end)."""
    global _live, _harness, _control
    if _control is not None:
        _control.loop.close()
        _control = None
    if _harness is not None:
        shutil.rmtree(_harness.folder, ignore_errors=True)
        _harness = None
    if _live is not None:
        live_door, _live = _live, None
        with contextlib.suppress(Exception):
            live_door.loop.run_until_complete(live_door.session.close())
        live_door.loop.close()
        live_door.control.stop()
        live_door.mock.stop()
