"""Every parser under hypothesis: a few hundred inputs each, raw bytes and inputs shaped like the
real thing, checked by the invariants of utest/fuzz_targets.py (shared with the atheris campaign,
fuzz/campaign.py): only the documented errors, a well-formed reply or envelope (or silence, or a
dropped connection, as documented), nothing changed by a refused write, a JSON error or an
XML-RPC fault for a malformed control request."""

from __future__ import annotations

import json
import xmlrpc.client

import fuzz_targets as targets
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.transports.winet import catalog, services, writes

RAW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHAPED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIVE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def stop_live_doors():
    yield
    targets.close()


@pytest.mark.parametrize("name", [name for name in targets.TARGETS if not name.startswith("live_")])
def test_every_target_takes_its_seeds_and_empty_input(name):
    for seed in [*targets.SEEDS[name], b""]:
        targets.TARGETS[name](seed)


@pytest.mark.parametrize("name", [name for name in targets.TARGETS if not name.startswith("live_")])
@RAW
@given(data=st.binary(max_size=600))
def test_no_parser_fails_on_raw_bytes(name, data):
    targets.TARGETS[name](data)


# -- Modbus --------------------------------------------------------------------------------------

words = st.integers(0, 0xFFFF)
units = st.sampled_from([0, 1, 2, 3, 247])
functions = st.sampled_from([3, 4, 6, 16, 1, 0x83, 0xFF])
addresses = st.one_of(st.integers(4950, 5300), st.integers(12999, 13100), words)
counts = st.one_of(st.integers(0, 130), words)


@st.composite
def request_pdus(draw) -> bytes:
    function = draw(functions)
    address, count = draw(addresses), draw(counts)
    body = bytes((function,)) + address.to_bytes(2, "big")
    if function == 16:
        values = draw(st.lists(words, max_size=min(count, 130)))
        byte_count = draw(st.sampled_from([2 * len(values) & 0xFF, 2 * count & 0xFF, 0]))
        body += count.to_bytes(2, "big") + bytes((byte_count,)) + b"".join(v.to_bytes(2, "big") for v in values)
    else:
        body += (count if function != 6 else draw(words)).to_bytes(2, "big")
    return body[: draw(st.sampled_from([len(body), len(body), max(0, len(body) - 1), 3]))]


def mbap(transaction: int, unit: int, request: bytes) -> bytes:
    return transaction.to_bytes(2, "big") + b"\x00\x00" + (len(request) + 1).to_bytes(2, "big") + bytes((unit,)) + request


@SHAPED
@given(unit=st.integers(0, 4), request=request_pdus())
@example(unit=1, request=bytes.fromhex("10 13 87 00 02 04 07 ea 00 0d"))  # year and a month 13
@example(unit=0, request=bytes.fromhex("06 13 88 00 0d"))  # a broadcast that one device refuses
def test_modbus_core_answers_every_request(unit, request):
    targets.modbus_pdu(bytes((unit,)) + request)


@SHAPED
@given(
    frames=st.lists(st.tuples(words, units, request_pdus()).map(lambda t: mbap(*t)), min_size=1, max_size=6),
    garbage=st.one_of(st.just(b""), st.binary(max_size=12)),
    cut=st.integers(0, 255),
)
def test_mbap_splitting_serves_exactly_the_frames_of_the_stream(frames, garbage, cut):
    targets.mbap_stream(bytes((cut,)) + b"".join(frames) + garbage)


@SHAPED
@given(
    pieces=st.lists(st.tuples(words, units, request_pdus()), min_size=1, max_size=5),
    plain=st.booleans(),
    cut=st.integers(0, 63),
)
def test_encrypted_door_answers_each_frame_in_kind(pieces, plain, cut):
    body = b""
    for transaction, unit, request in pieces:
        piece = transaction.to_bytes(2, "big") + bytes((unit,)) + request
        body += bytes((len(piece),)) + piece
    targets.encrypted_stream(bytes((cut << 2 | (2 if plain else 0) | 1,)) + body)


@RAW
@given(key=st.one_of(st.binary(min_size=14, max_size=18), st.text(alphabet="0123456789abcdefABCDEF :xg", max_size=40)))
def test_a_public_key_is_16_bytes_or_an_encryption_key_error(key):
    targets.encryption_key(key if isinstance(key, bytes) else key.encode())


# -- WiNet ------------------------------------------------------------------------------------------

_param_addresses = sorted({t.param_addr for t in catalog.param_targets()})
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["1", "2", " 1 ", "1.5", "-1", "0x10", "1e3", "nan", "inf", "\ud800", "50"]),
)  # fmt: skip
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


@st.composite
def winet_requests(draw) -> dict:
    request = {"service": draw(st.sampled_from([*services.SERVICES, "nope", "", "\ud800"]) | json_values)}
    if draw(st.booleans()):
        request["token"] = draw(st.sampled_from([targets.TOKEN, targets.TOKEN, "", "x"]) | json_values)
    if draw(st.booleans()):
        request["dev_id"] = draw(st.sampled_from([1, 2, "1", "2", 0, 9]) | json_scalars)
    if request["service"] == "param" or draw(st.booleans()):
        request["type"] = draw(st.sampled_from(["3", "7", "9", 9]) | json_scalars)
        item = st.dictionaries(
            st.sampled_from(["param_addr", "param_value", "param_id", "param_name", *_param_addresses]),
            st.sampled_from(_param_addresses) | json_scalars,
            max_size=4,
        )
        request["list"] = draw(st.lists(item, max_size=3) | json_values)
        if draw(st.booleans()):
            request["devid_array"] = draw(st.lists(st.sampled_from([1, 2, "1", 3]) | json_scalars, max_size=4))
    return request


@SHAPED
@given(request=winet_requests(), ascii_only=st.booleans())
@example(request={"service": "param", "token": targets.TOKEN, "type": "9", "dev_id": 1,
                  "list": [{"param_addr": "1", "param_value": "\ud800"}]}, ascii_only=True)  # fmt: skip
def test_every_websocket_message_gets_an_envelope_and_a_refused_param_writes_nothing(request, ascii_only):
    text = json.dumps(request, ensure_ascii=ascii_only)
    targets.winet_services(text.encode("utf-8", "surrogatepass"))


query_values = st.one_of(
    st.sampled_from(["1", "3", "0", "5000", "13049", "125", "126", "-1", " 2 ", "", "1e3", "٣", "²", "0" * 12, "x"]),
    st.text(max_size=10),
)


@SHAPED
@given(query=st.dictionaries(st.sampled_from(["type", "param_type", "param_addr", "param_num", "dev_id", "msgValue"]), query_values))
def test_http_query_fields_are_integers_in_range_or_a_402(query):
    from urllib.parse import urlencode

    targets.winet_fields(urlencode(query).encode())


@st.composite
def rtu_frames(draw) -> bytes:
    return bytes((draw(st.sampled_from([0, 1, 2, 3, 247])),)) + draw(request_pdus())


@SHAPED
@given(frame=rtu_frames(), with_crc=st.booleans())
def test_the_passthrough_answers_an_rtu_frame_with_a_good_crc_or_refuses_it(frame, with_crc):
    if with_crc:
        targets.winet_passthrough(b"\x01" + frame)
    else:
        targets.winet_passthrough(b"\x00" + frame.hex().encode())


# -- the control API --------------------------------------------------------------------------------

xmlrpc_values = st.recursive(
    st.one_of(st.integers(-(2**31), 2**31 - 1), st.text(max_size=10), st.booleans(), st.floats(allow_nan=False),
              st.binary(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
methods = st.sampled_from(
    ["run_keyword", "get_keyword_arguments", "get_keyword_documentation", "get_keyword_types", "get_keyword_tags",
     "get_library_information", "get_keyword_names", "system.listMethods", ""]
)  # fmt: skip


@SHAPED
@given(method=methods, params=st.lists(xmlrpc_values | st.sampled_from(["Get Register", "Set Register"]), max_size=4))
@example(method="run_keyword", params=[5, [], {}])  # a keyword name that is not text
@example(method="get_keyword_arguments", params=[[1]])
def test_every_xml_rpc_call_gets_a_response_or_a_fault(method, params):
    targets.control_xmlrpc(xmlrpc.client.dumps(tuple(params), method).encode())


@SHAPED
@given(keyword=st.integers(0, 255), args=st.lists(json_values, max_size=4),
       kwargs=st.dictionaries(st.sampled_from(["scope", "unit_id", "value", "register", "table", "x"]) | st.text(max_size=5), json_values, max_size=3))  # fmt: skip
def test_keyword_arguments_bind_or_give_an_argument_error(keyword, args, kwargs):
    targets.control_arguments(bytes((keyword,)) + json.dumps({"args": args, "kwargs": kwargs}).encode("utf-8", "surrogatepass"))


# -- files ---------------------------------------------------------------------------------------------

toml_values = st.one_of(
    st.integers(-(2**40), 2**40).map(str), st.floats(allow_nan=True).map(lambda f: str(f).lower()),
    st.text(max_size=8).map(json.dumps), st.sampled_from(['"06:00"', '[["06:00", 0], ["12:00", 900]]', "[]", "true",
    '"2026-06-21T04:00:00"', "[[1]]", '[["25:00", 1]]', '[["x", 1]]', "{ a = 1 }", "1e400", "-0"]),
)  # fmt: skip
scenario_keys = st.sampled_from(["latitude", "seed", "start_time", "speed", "soc", "value", "points", "ems_mode", "x"])


@SHAPED
@given(sections=st.dictionaries(
    st.sampled_from(["site", "clock", "battery", "irradiance", "load", "registers", "nope"]),
    st.dictionaries(scenario_keys, toml_values, max_size=3), max_size=4))  # fmt: skip
def test_a_scenario_file_loads_or_names_its_error(sections):
    text = "".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()) for name, fields in sections.items())
    targets.scenario_file(text.encode("utf-8", "surrogatepass"))


snapshot_words = st.lists(st.one_of(words, st.integers(-2, 70000), st.just(True), st.just("1")), min_size=0, max_size=12)


@SHAPED
@given(
    model=st.sampled_from(["SH10RT", "sh10rt", "SG5.0RS", "nope", 1]),
    unit=st.one_of(st.integers(-1, 256), st.just(True), st.just("1")),
    runs=st.dictionaries(
        st.sampled_from(["input", "holding", "coils"]),
        st.dictionaries(st.one_of(st.integers(0, 70000).map(str), st.sampled_from(["", "x", "١"])), snapshot_words, max_size=3),
        max_size=3,
    ),
    unanswered=st.lists(st.lists(st.integers(-1, 70000), min_size=1, max_size=3), max_size=3),
)
def test_a_snapshot_file_loads_and_round_trips_or_is_a_recording_error(model, unit, runs, unanswered):
    document = {"format": "sungrow-mock-snapshot", "version": 1, "model": model, "serial": None, "unit": unit,
                "source": "fuzz", "recorded_at": "now", "tables": runs, "unanswered": {"input": unanswered}}  # fmt: skip
    targets.snapshot_file(json.dumps(document).encode())


fault_keys = st.sampled_from(
    ["kind", "scope", "door", "unit", "function", "table", "registers", "service", "times", "after", "probability",
     "seed", "duration", "code", "seconds", "result_code", "x", "Kind", "times "]
)  # fmt: skip
fault_values = st.one_of(
    st.sampled_from(["exception", "delay", "no_reply", "close", "garbage", "modbus", "winet", "input", "5000-5010",
                     "5010..5000", "0.5", "2", "-1", "1e9", "1 day", "test", "global", "suite", ""]),
    json_scalars,
)  # fmt: skip


@SHAPED
@given(spec=st.dictionaries(fault_keys, fault_values, max_size=6))
def test_a_fault_spec_parses_or_is_a_fault_error(spec):
    targets.fault_spec(json.dumps(spec).encode("utf-8", "surrogatepass"))


@SHAPED
@given(tables=st.lists(st.dictionaries(fault_keys, toml_values, max_size=5), max_size=3), top=st.booleans())
def test_a_fault_file_loads_or_names_its_error(tables, top):
    text = "nope = 1\n" if top else ""
    text += "".join("[[fault]]\n" + "".join(f"{k.strip()} = {v}\n" for k, v in t.items()) for t in tables)
    targets.fault_file(text.encode("utf-8", "surrogatepass"))


# -- live doors on 127.0.0.1 ---------------------------------------------------------------------------


@LIVE
@given(message=st.one_of(winet_requests().map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")), st.binary(max_size=64)))
@example(message=b'{"service":"\\ud800"}')
@example(message=b'{"service":"connect","x":"\xed\xa0\x80"}')  # a UTF-8-encoded surrogate: not UTF-8
def test_the_websocket_answers_every_text_frame_or_closes_as_the_protocol_says(message):
    targets.live_websocket(message)


@LIVE
@given(path=st.integers(0, 3), query=st.binary(max_size=80), body=st.binary(max_size=80))
@example(path=0, query=b"type=3&param_type=1&param_addr=%ED%A0%80&dev_id=1", body=b"")
def test_http_query_and_body_get_an_envelope_or_a_4xx(path, query, body):
    targets.live_http(bytes((path,)) + query.replace(b"\x00", b"") + b"\x00" + body)


@LIVE
@given(route=st.integers(0, 255), body=st.one_of(st.binary(max_size=80), json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"))))
@example(route=0, body=b'{"args": ["\xff"]}')
def test_the_control_api_answers_every_body_with_json_or_an_xml_rpc_response(route, body):
    targets.live_control(bytes((route,)) + body)


def test_the_passthrough_limit_covers_the_longest_rtu_frame():
    assert writes.MAX_RTU_FRAME >= 1 + 253 + 2
