"""The fault engine: targeting, dosing, scopes, statistics, validation and fault specifications."""

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.faults import (
    KINDS,
    Dose,
    FaultEngine,
    FaultError,
    RequestInfo,
    Target,
    load_fault_file,
    parse_fault,
)
from SungrowMockLibrary.vocabulary import Door

DOORS = tuple(Door)

READ = RequestInfo("modbus", unit=1, function=4, table="input", first=5003, count=1)


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def fires(engine: FaultEngine, request: RequestInfo = READ, n: int = 1) -> list[bool]:
    return [engine.decide(request) is not None for _ in range(n)]


# --- the kind table ---

def test_every_kind_has_a_description_and_known_doors():
    assert len(KINDS) == 24
    for name, spec in KINDS.items():
        assert name == name.lower() and " " not in name
        assert spec.description and "\n" not in spec.description
        assert set(spec.doors) <= set(DOORS)
    assert [name for name, spec in KINDS.items() if spec.device] == [
        "inverter_fault", "grid_loss", "over_temperature", "battery_fault"]
    assert [name for name, spec in KINDS.items() if spec.connecting] == ["refuse", "connection_limit"]


@pytest.mark.parametrize("kind, params", [
    ("exception", {"code": 4}), ("garbage", {"size": 8}), ("connection_limit", {"connections": 1}),
    ("http_error", {"status": 503}), ("result_code", {"code": 106}), ("close_after", {"requests": 1}),
    ("inverter_fault", {"code": 14, "alarm": None}), ("over_temperature", {"limit_percent": 50}),
    ("battery_fault", {"code": 703}), ("delay", {"delay": 2.0, "max_delay": None}), ("reset", {}),
])
def test_defaults(kind, params):
    extra = {"delay": "2s"} if kind == "delay" else {}
    assert FaultEngine().inject(kind, **extra).params == params


# --- targeting ---

def test_no_faults_means_empty_and_no_decision():
    engine = FaultEngine()
    assert engine.empty
    assert engine.decide(READ) is None


def test_empty_engine_does_not_take_the_lock():
    class Forbidden:
        def __enter__(self):
            raise AssertionError("locked on the fast path")

        def __exit__(self, *exc):
            return False

    engine = FaultEngine()
    engine._lock = Forbidden()
    assert engine.decide(READ) is None


def test_an_empty_target_matches_every_request_of_the_kinds_doors():
    engine = FaultEngine()
    fault = engine.inject("exception")
    assert engine.decide(READ) is fault
    assert engine.decide(RequestInfo("encrypted", unit=7, function=3)) is fault
    assert engine.decide(RequestInfo("winet", service="real")) is None


@pytest.mark.parametrize("target, request_, expected", [
    (Target(door="modbus"), READ, True),
    (Target(door="encrypted"), READ, False),
    (Target(unit=1), READ, True),
    (Target(unit=2), READ, False),
    (Target(unit=2), RequestInfo("modbus"), False),
    (Target(function=4), READ, True),
    (Target(function=3), READ, False),
    (Target(table="input"), READ, True),
    (Target(table="holding"), READ, False),
    (Target(service="real"), RequestInfo("winet", service="real"), True),
    (Target(service="real"), RequestInfo("winet", service="direct"), False),
    (Target(service="/device/getParam"), RequestInfo("winet", service="/device/getParam"), True),
    (Target(service="real"), RequestInfo("winet"), False),
    (Target(door="modbus", unit=1, function=4, table="input", first=5000, last=5010), READ, True),
    (Target(door="modbus", unit=1, function=4, table="holding", first=5000, last=5010), READ, False),
])
def test_each_target_field(target, request_, expected):
    assert target.matches(request_) is expected


@pytest.mark.parametrize("first, count, expected", [
    (4990, 10, False),   # 4990..4999 ends just before the range
    (4991, 10, True),    # 4991..5000 touches its first register
    (5000, 1, True),
    (5005, 2, True),
    (5010, 1, True),
    (5010, 100, True),   # starts on its last register
    (5011, 5, False),
    (4000, 2000, True),  # covers it entirely
    (5003, None, True),  # no count: one register
    (4999, None, False),
    (None, None, False),
])
def test_register_ranges_overlap(first, count, expected):
    target = Target(first=5000, last=5010)
    assert target.matches(RequestInfo("modbus", first=first, count=count)) is expected


def test_open_ended_register_ranges():
    assert Target(first=5000).matches(RequestInfo("modbus", first=60000, count=1))
    assert not Target(first=5000).matches(RequestInfo("modbus", first=4000, count=1000))
    assert Target(last=10).matches(RequestInfo("modbus", first=1, count=1))
    assert not Target(last=10).matches(RequestInfo("modbus", first=11, count=1))


@pytest.mark.parametrize("kind, doors", [
    ("exception", {"modbus", "encrypted"}),
    ("no_response", {"modbus", "encrypted"}),
    ("delay", {"modbus", "encrypted", "winet"}),
    ("reset", {"modbus", "encrypted", "winet"}),
    ("http_error", {"winet"}),
    ("ws_close", {"winet"}),
    ("key_rotated", {"encrypted"}),
    ("key_not_answered", {"encrypted"}),
])
def test_wire_kinds_only_answer_requests_of_their_doors(kind, doors):
    engine = FaultEngine()
    engine.inject(kind, **({"delay": 1} if kind == "delay" else {}))
    assert {door for door in DOORS if engine.decide(RequestInfo(door))} == doors


def test_connection_kinds_are_decided_only_when_connecting():
    engine = FaultEngine()
    refuse = engine.inject("refuse", target=Target(door="winet"))
    exception = engine.inject("exception")
    assert engine.decide(RequestInfo("winet", connecting=True)) is refuse
    assert engine.decide(RequestInfo("winet", service="real")) is None
    assert engine.decide(RequestInfo("modbus", connecting=True)) is None
    assert engine.decide(RequestInfo("modbus", unit=1)) is exception
    assert refuse.matched == 1 and exception.matched == 1


def test_connection_limit_fires_once_the_limit_is_reached():
    engine = FaultEngine()
    limit = engine.inject("connection_limit", connections=2)
    assert engine.decide(RequestInfo("winet", connecting=True, open_connections=1)) is None
    assert engine.decide(RequestInfo("winet", connecting=True, open_connections=2)) is limit
    assert engine.decide(RequestInfo("winet", connecting=True)) is limit  # the transport counts itself
    assert (limit.matched, limit.triggered) == (2, 2)


def test_close_after_fires_on_the_nth_request_of_a_connection():
    engine = FaultEngine()
    close = engine.inject("close_after", requests=3, dose=Dose(times=1))
    answered = [RequestInfo("modbus", unit=1, answered=n) for n in range(5)]
    assert [engine.decide(request) is close for request in answered] == [False, False, True, False, False]
    assert not close.active


def test_the_oldest_firing_fault_wins_and_later_ones_do_not_see_the_request():
    engine = FaultEngine()
    first = engine.inject("exception", code=2, target=Target(unit=1), dose=Dose(times=1))
    second = engine.inject("no_response", target=Target(unit=1))
    assert engine.decide(READ) is first
    assert second.matched == 0
    assert engine.decide(READ) is second


def test_a_fault_that_does_not_fire_lets_the_next_one_decide():
    engine = FaultEngine()
    waiting = engine.inject("exception", dose=Dose(after=1))
    other = engine.inject("no_response")
    assert engine.decide(READ) is other
    assert engine.decide(READ) is waiting


def test_kinds_limits_the_answer_to_what_the_caller_can_perform():
    engine = FaultEngine()
    ws_close = engine.inject("ws_close", dose=Dose(times=1))
    http = engine.inject("http_error")
    request = RequestInfo("winet", service="/device/getParam")
    assert engine.decide(request, kinds={"http_error", "result_code"}) is http
    assert ws_close.matched == 0 and ws_close.triggered == 0
    assert engine.decide(request) is ws_close


# --- dosing ---

def test_times():
    engine = FaultEngine()
    fault = engine.inject("exception", dose=Dose(times=3))
    assert fires(engine, n=5) == [True, True, True, False, False]
    assert not fault.active and fault.exhausted
    assert engine.empty


def test_after():
    engine = FaultEngine()
    engine.inject("exception", dose=Dose(after=2))
    assert fires(engine, n=5) == [False, False, True, True, True]


def test_after_and_times():
    engine = FaultEngine()
    engine.inject("exception", dose=Dose(after=2, times=2))
    assert fires(engine, n=6) == [False, False, True, True, False, False]


@settings(max_examples=200, database=None, deadline=None)
@given(after=st.integers(0, 20), times=st.one_of(st.none(), st.integers(1, 20)), n=st.integers(0, 60))
def test_dose_fires_exactly_min_times_and_requests_after(after, times, n):
    engine = FaultEngine()
    fault = engine.inject("exception", target=Target(unit=1), dose=Dose(after=after, times=times))
    fired = fires(engine, n=n)
    expected = max(0, n - after) if times is None else min(times, max(0, n - after))
    assert sum(fired) == fault.triggered == expected
    skipped = min(after, n)
    assert fired == [False] * skipped + [True] * expected + [False] * (n - skipped - expected)


def test_probability_is_reproducible_across_engines_with_a_seed():
    def run():
        engine = FaultEngine()
        engine.inject("exception", dose=Dose(probability=0.5, seed=7))
        return fires(engine, n=200)

    assert run() == run()
    assert 0 < sum(run()) < 200


def test_probability_without_a_seed_is_reproducible_too():
    def run():
        engine = FaultEngine()
        fault = engine.inject("exception", dose=Dose(probability=0.5))
        return fault.dose.seed, fires(engine, n=100)

    assert run() == run()


def test_different_seeds_give_different_draws():
    def run(seed):
        engine = FaultEngine()
        engine.inject("exception", dose=Dose(probability=0.5, seed=seed))
        return fires(engine, n=100)

    assert run(1) != run(2)


def test_probability_rate_over_many_draws():
    engine = FaultEngine()
    fault = engine.inject("exception", dose=Dose(probability=0.3, seed=11))
    hits = sum(fires(engine, n=1000))
    assert 240 <= hits <= 360
    assert fault.matched == 1000 and fault.triggered == hits


def test_probability_zero_never_fires_and_one_always_does():
    engine = FaultEngine()
    engine.inject("exception", target=Target(unit=1), dose=Dose(probability=0))
    engine.inject("no_response", target=Target(unit=2), dose=Dose(probability=1))
    assert not any(fires(engine, n=100))
    assert all(fires(engine, RequestInfo("modbus", unit=2), n=100))


def test_probability_applies_only_after_after():
    engine = FaultEngine()
    fault = engine.inject("exception", dose=Dose(after=5, times=10, probability=0.5, seed=3))
    assert not any(fires(engine, n=5))
    fires(engine, n=500)
    assert fault.triggered == 10


def test_duration_expires_on_the_engine_clock():
    clock = FakeClock()
    engine = FaultEngine(clock=clock)
    fault = engine.inject("exception", dose=Dose(duration=10))
    assert fault.created == 1000.0 and fault.expires == 1010.0
    clock.now = 1009.9
    assert engine.decide(READ) is fault
    clock.now = 1010.0
    assert engine.decide(READ) is None
    assert not fault.active
    assert engine.empty
    assert engine.faults() == []
    assert engine.faults(include_inactive=True) == [fault]


def test_active_at():
    clock = FakeClock(0)
    fault = FaultEngine(clock=clock).inject("grid_loss", dose=Dose(duration=5))
    assert fault.active_at(4.99) and not fault.active_at(5)
    assert fault.active
    clock.now = 6
    assert not fault.active


def test_random_delay_is_seeded_and_within_bounds():
    def delays():
        fault = FaultEngine().inject("delay", delay="1s", max_delay="3s", dose=Dose(seed=5))
        return [fault.draw_delay() for _ in range(50)]

    first = delays()
    assert first == delays()
    assert all(1 <= delay <= 3 for delay in first)
    assert len(set(first)) > 1
    assert FaultEngine().inject("delay", delay="500ms").draw_delay() == 0.5


def test_garbage_bytes_are_seeded():
    def garbage():
        return FaultEngine().inject("garbage", size=12, dose=Dose(seed=9)).draw_bytes()

    assert garbage() == garbage()
    assert len(garbage()) == 12


# --- scopes, statistics, lookup ---

def test_clear_by_scope():
    engine = FaultEngine()
    test = engine.inject("exception")
    suite = engine.inject("no_response", scope="suite")
    engine.inject("grid_loss", scope="global")
    assert engine.clear("test") == 1
    assert engine.faults() == [suite, engine.get(3)]
    with pytest.raises(FaultError, match="no fault with id 1; injected: 2, 3"):
        engine.get(test.id)
    assert engine.decide(READ) is suite
    assert engine.clear(None) == 2
    assert engine.faults(include_inactive=True) == []
    assert engine.empty and engine.decide(READ) is None


def test_clear_counts_inactive_faults_and_rejects_unknown_scopes():
    engine = FaultEngine()
    engine.inject("exception", dose=Dose(times=1))
    fires(engine)
    assert engine.clear() == 1
    with pytest.raises(FaultError, match="unknown scope 'case'; valid: test, suite, global"):
        engine.clear("case")


def test_ids_are_not_reused_after_clearing():
    engine = FaultEngine()
    assert engine.inject("reset").id == 1
    engine.clear()
    assert engine.inject("reset").id == 2


def test_matched_counts_target_matches_and_triggered_counts_applications():
    engine = FaultEngine()
    fault = engine.inject("exception", target=Target(unit=1), dose=Dose(after=2, times=3))
    fires(engine, RequestInfo("modbus", unit=2), n=4)
    assert (fault.matched, fault.triggered) == (0, 0)
    fires(engine, n=10)
    assert (fault.matched, fault.triggered) == (5, 3)


def test_decide_is_thread_safe():
    engine = FaultEngine()
    fault = engine.inject("exception", dose=Dose(times=500))
    results = []

    def worker():
        results.append(sum(fires(engine, n=1000)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == fault.triggered == 500


def test_describe_and_as_dict():
    clock = FakeClock(50.0)
    engine = FaultEngine(clock=clock)
    fault = engine.inject("exception", code="02", target=Target(door="modbus", unit=1, first=5000, last=5010),
                          dose=Dose(times=3, after=2))
    assert fault.describe() == "exception code=2 on modbus unit 1 registers 5000..5010, next 3 times after 2"
    assert fault.as_dict() == {
        "id": 1, "kind": "exception", "params": {"code": 2},
        "target": {"door": "modbus", "unit": 1, "first": 5000, "last": 5010},
        "dose": {"times": 3, "after": 2, "probability": 1.0, "seed": 1, "duration": None},
        "scope": "test", "created": 50.0, "matched": 0, "triggered": 0, "active": True,
        "description": fault.describe(),
    }


@pytest.mark.parametrize("kind, kwargs, text", [
    ("reset", {}, "reset on modbus/encrypted/winet, every time"),
    ("refuse", {"target": Target(door="winet"), "dose": Dose(times=1)}, "refuse on winet connections, once"),
    ("delay", {"delay": 1, "max_delay": 2.5, "dose": Dose(probability=0.25, seed=4, duration=30)},
     "delay delay=1s max_delay=2.5s on modbus/encrypted/winet, every time with probability 0.25 (seed 4) for 30s"),
    ("http_error", {"target": Target(service="/device/getParam")},
     "http_error status=503 on winet service /device/getParam, every time"),
    ("exception", {"target": Target(table="holding", first=5003, last=5003)},
     "exception code=4 on modbus/encrypted holding register 5003, every time"),
    ("grid_loss", {"dose": Dose(duration=10)}, "grid_loss on every inverter for 10s"),
    ("inverter_fault", {"target": Target(unit=2), "alarm": 5}, "inverter_fault code=14 alarm=5 on unit 2 until cleared"),
])
def test_describe_reads_well(kind, kwargs, text):
    assert FaultEngine().inject(kind, **kwargs).describe() == text


# --- device faults ---

def test_device_faults_are_listed_for_the_simulation_and_never_decided():
    clock = FakeClock(0)
    engine = FaultEngine(clock=clock)
    grid = engine.inject("grid_loss", dose=Dose(duration=5))
    battery = engine.inject("battery_fault", target=Target(unit=1))
    engine.inject("exception", target=Target(unit=9))
    assert engine.device_faults() == [grid, battery]
    for door in DOORS:
        assert engine.decide(RequestInfo(door, unit=1)) is None
        assert engine.decide(RequestInfo(door, connecting=True)) is None
    clock.now = 5
    assert engine.device_faults() == [battery]
    assert grid.matched == grid.triggered == 0


def test_only_device_faults_leave_the_engine_empty():
    engine = FaultEngine()
    engine.inject("over_temperature", limit_percent=30)
    assert engine.empty


# --- validation ---

@pytest.mark.parametrize("kind, kwargs, message", [
    ("nope", {}, ("unknown fault kind 'nope'; valid: exception, no_response, delay, late_response, reset, "
                 "close_after, refuse, garbage, truncate, wrong_transaction_id, wrong_unit_id, wrong_exception_length, connection_limit, "
                 "http_error, result_code, ws_close, malformed_json, login_required, key_not_answered, "
                 "key_rotated, inverter_fault, grid_loss, over_temperature, battery_fault")),
    ("http_error", {"target": Target(door="modbus")},
     "fault kind 'http_error' does not apply to door 'modbus'; it applies to: winet"),
    ("key_rotated", {"target": Target(door="modbus")},
     "fault kind 'key_rotated' does not apply to door 'modbus'; it applies to: encrypted"),
    ("exception", {"target": Target(door="winet")},
     "fault kind 'exception' does not apply to door 'winet'; it applies to: modbus, encrypted"),
    ("reset", {"code": 3}, "fault kind 'reset' takes no parameter 'code'; valid: none"),
    ("delay", {"delay": 1, "size": 3}, "fault kind 'delay' takes no parameter 'size'; valid: delay, max_delay"),
    ("exception", {"code": 5},
     "fault kind 'exception': 'code' must be one of 1, 2, 3, 4, 6, 11 (hex 01, 02, 03, 04, 06, 0B), got 5"),
    ("exception", {"code": "0x05"}, "'code' must be one of 1, 2, 3, 4, 6, 11"),
    ("exception", {"code": True}, "'code' must be one of"),
    ("delay", {"delay": -1}, "fault kind 'delay': 'delay' must be a time of 0 seconds or more, got -1"),
    ("delay", {"delay": "soon"}, "'delay' must be a time such as 2s, 1.5 or 500ms, got 'soon'"),
    ("delay", {}, "fault kind 'delay' needs parameter 'delay'"),
    ("delay", {"delay": 2, "max_delay": 1}, "'max_delay' (1s) must not be below 'delay' (2s)"),
    ("late_response", {"delay": 0}, "'delay' must be a time above 0 seconds"),
    ("http_error", {"status": 404}, "fault kind 'http_error': 'status' must be between 500 and 599, got 404"),
    ("result_code", {"code": 1}, "'code' must be a failure code: 1 means success"),
    ("garbage", {"size": 0}, "'size' must be between 1 and 65536, got 0"),
    ("connection_limit", {"connections": "many"}, "'connections' must be a whole number, got 'many'"),
    ("over_temperature", {"limit_percent": 101}, "'limit_percent' must be between 0 and 100, got 101"),
    ("exception", {"scope": "case"}, "unknown scope 'case'; valid: test, suite, global"),
    ("refuse", {"target": Target(unit=1)}, "fault kind 'refuse' acts when a client connects: target it by door only"),
    ("grid_loss", {"target": Target(door="modbus")},
     "device fault 'grid_loss' applies to the simulation, not to requests: target it by unit only, not by door"),
    ("grid_loss", {"dose": Dose(times=2)}, "device fault 'grid_loss' is not dosed per request"),
])
def test_inject_validation_messages(kind, kwargs, message):
    with pytest.raises(FaultError) as caught:
        FaultEngine().inject(kind, **kwargs)
    assert message in str(caught.value)
    assert caught.value.ROBOT_SUPPRESS_NAME is True
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("make, message", [
    (lambda: Dose(probability=1.5), "probability must be between 0 and 1, got 1.5"),
    (lambda: Dose(probability=-0.1), "probability must be between 0 and 1, got -0.1"),
    (lambda: Dose(times=0), "times must be a whole number of 1 or more, got 0"),
    (lambda: Dose(after=-1), "after must be a whole number of 0 or more, got -1"),
    (lambda: Dose(duration=0), "duration must be a time above 0 seconds, got 0"),
    (lambda: Dose(seed="x"), "seed must be a whole number, got 'x'"),
    (lambda: Target(door="http"), "unknown door 'http'; valid: modbus, encrypted, winet"),
    (lambda: Target(table="coils"), "unknown table 'coils'; valid: input, holding"),
    (lambda: Target(unit=256), "target unit must be a whole number between 0 and 255, got 256"),
    (lambda: Target(function=0), "target function must be a whole number between 1 and 127, got 0"),
    (lambda: Target(first=10, last=5), "register range 10..5 is empty"),
    (lambda: Target(door="modbus", service="real"), "a service targets WiNet requests; door 'modbus' has none"),
])
def test_target_and_dose_validation(make, message):
    with pytest.raises(FaultError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        make()


@pytest.mark.parametrize("text, code", [
    ("02", 2), ("2", 2), ("0x0B", 11), ("0B", 11), ("0b", 11), ("B", 11), ("11", 11), ("06", 6), (4, 4), (" 03 ", 3),
])
def test_exception_code_forms(text, code):
    assert FaultEngine().inject("exception", code=text).params["code"] == code


def test_kind_names_are_forgiving_about_case_and_separators():
    assert FaultEngine().inject("No Response").kind == "no_response"
    assert FaultEngine().inject("wrong-unit-id").kind == "wrong_unit_id"


def test_the_callers_dose_is_not_shared():
    dose = Dose(times=1)
    engine = FaultEngine()
    fault = engine.inject("exception", dose=dose)
    assert fault.dose is not dose and dose.seed is None


# --- parse_fault ---

def test_parse_fault_full_spec():
    kind, kwargs = parse_fault({
        "kind": "exception", "code": "02", "door": "modbus", "unit": "1", "function": "4",
        "registers": "5000-5010", "table": "input", "times": "3", "after": "2", "probability": "0.5",
        "seed": "7", "duration": "10s", "scope": "suite",
    })
    assert kind == "exception"
    assert kwargs == {
        "scope": "suite",
        "target": Target(door="modbus", unit=1, function=4, table="input", first=5000, last=5010),
        "dose": Dose(times=3, after=2, probability=0.5, seed=7, duration=10.0),
        "code": 2,
    }
    fault = FaultEngine().inject(kind, **kwargs)
    assert fault.scope == "suite" and fault.params == {"code": 2}


@pytest.mark.parametrize("registers, first, last", [
    ("5000-5010", 5000, 5010), ("5000..5010", 5000, 5010), ("5003", 5003, 5003), (" 5000 - 5010 ", 5000, 5010),
    (5003, 5003, 5003), ([5000, 5010], 5000, 5010), ("0x1388", 5000, 5000),
])
def test_parse_fault_register_forms(registers, first, last):
    _, kwargs = parse_fault({"kind": "exception", "registers": registers})
    assert (kwargs["target"].first, kwargs["target"].last) == (first, last)


@pytest.mark.parametrize("duration, seconds", [
    ("10s", 10.0), ("1.5", 1.5), ("2 min", 120.0), ("500ms", 0.5), (3, 3.0), (2.5, 2.5), ("1 hour", 3600.0),
])
def test_parse_fault_time_forms(duration, seconds):
    _, kwargs = parse_fault({"kind": "delay", "delay": duration, "duration": duration})
    assert kwargs["dose"].duration == seconds
    assert kwargs["delay"] == seconds


def test_parse_fault_service_and_defaults():
    kind, kwargs = parse_fault({"kind": "result_code", "service": "real"})
    assert kind == "result_code"
    assert kwargs == {"scope": "test", "target": Target(service="real"), "dose": Dose()}
    fault = FaultEngine().inject(kind, **kwargs)
    assert fault.params == {"code": 106}


def test_parse_fault_ignores_empty_values_and_normalises_keys():
    kind, kwargs = parse_fault({"Kind": "Connection Limit", "door": "WINET", "unit": "", "max delay": None,
                                "connections": "2"})
    assert kind == "connection_limit"
    assert kwargs["target"] == Target(door="winet")
    assert kwargs["connections"] == 2


def test_parse_fault_probability_as_percent():
    assert parse_fault({"kind": "reset", "probability": "25%"})[1]["dose"].probability == 0.25


@pytest.mark.parametrize("spec, key, message", [
    ({"code": "2"}, "kind", "a fault needs a 'kind'; valid kinds: exception, no_response"),
    ({"kind": "nope"}, "kind", "unknown fault kind 'nope'"),
    ({"kind": "exception", "colour": "red"}, "colour",
     ("unknown key 'colour' for fault kind 'exception'; valid: kind, scope, door, unit, function, table, "
     "registers, service, times, after, probability, seed, duration, code")),
    ({"kind": "reset", "status": "500"}, "status", "unknown key 'status' for fault kind 'reset'"),
    ({"kind": "exception", "unit": "one"}, "unit", "'unit' must be a whole number, got 'one'"),
    ({"kind": "exception", "unit": "300"}, "unit", "target unit must be a whole number between 0 and 255"),
    ({"kind": "exception", "registers": "a-b"}, "registers", "'registers' must be a whole number"),
    ({"kind": "exception", "registers": "5010-5000"}, "registers", "register range 5010..5000 is empty"),
    ({"kind": "exception", "duration": "forever"}, "duration", "'duration' must be a time such as 2s"),
    ({"kind": "exception", "times": "0"}, "times", "times must be a whole number of 1 or more, got 0"),
    ({"kind": "exception", "probability": "likely"}, "probability", "'probability' must be a number"),
    ({"kind": "exception", "code": "5"}, "code", "'code' must be one of 1, 2, 3, 4, 6, 11"),
    ({"kind": "http_error", "door": "modbus"}, "door", "does not apply to door 'modbus'; it applies to: winet"),
    ({"kind": "exception", "door": "serial"}, "door", "unknown door 'serial'; valid: modbus, encrypted, winet"),
    ({"kind": "http_error", "status": "404"}, "status", "'status' must be between 500 and 599, got 404"),
])
def test_parse_fault_errors_name_the_key(spec, key, message):
    with pytest.raises(FaultError) as caught:
        parse_fault(spec)
    assert message in str(caught.value)
    assert caught.value.key == key


# --- fault files ---

def test_load_fault_file(tmp_path):
    path = tmp_path / "faults.toml"
    path.write_text(
        '[[fault]]\nkind = "exception"\ncode = "0B"\ndoor = "modbus"\nunit = 1\nregisters = "5000..5010"\n'
        'times = 3\nprobability = 0.5\nseed = 7\nduration = "2 min"\n\n'
        '[[fault]]\nkind = "delay"\ndelay = 1.5\nmax_delay = "3s"\nregisters = [5000, 5010]\n\n'
        '[[fault]]\nkind = "grid_loss"\nscope = "global"\nduration = 30\n'
    )
    faults = load_fault_file(path)
    assert [kind for kind, _ in faults] == ["exception", "delay", "grid_loss"]
    exception = faults[0][1]
    assert exception["code"] == 11
    assert exception["target"] == Target(door="modbus", unit=1, first=5000, last=5010)
    assert exception["dose"] == Dose(times=3, probability=0.5, seed=7, duration=120.0)
    assert faults[1][1]["delay"] == 1.5 and faults[1][1]["max_delay"] == 3.0
    assert faults[2][1]["scope"] == "global"
    engine = FaultEngine()
    for kind, kwargs in faults:
        engine.inject(kind, **kwargs)
    assert len(engine.faults()) == 3 and len(engine.device_faults()) == 1


def test_load_an_empty_fault_file(tmp_path):
    path = tmp_path / "none.toml"
    path.write_text("# no faults today\n")
    assert load_fault_file(path) == []


@pytest.mark.parametrize("text, message", [
    ('[[fault]]\nkind = "exception"\n\n[[fault]]\nkind = "exception"\ncode = 5\n',
     "fault 2, key 'code': fault kind 'exception': 'code' must be one of"),
    ('[[fault]]\nkind = "reset"\ncolour = "red"\n', "fault 1, key 'colour': unknown key 'colour'"),
    ('[[fault]]\ncode = 2\n', "fault 1, key 'kind': a fault needs a 'kind'"),
    ('[[fault]]\nkind = "http_error"\nstatus = 404\n', "fault 1, key 'status':"),
    ('[[fault]]\nkind = "exception"\n[fault.target]\nunit = 1\n', "fault 1, key 'target': key 'target' is a table"),
    ('[fault]\nkind = "exception"\n', "'fault' must be an array of tables: write [[fault]]"),
    ('[[faults]]\nkind = "exception"\n', "unknown top-level key 'faults'"),
    ('[[fault]\nkind = "exception"\n', "is not valid TOML"),
])
def test_load_fault_file_errors_name_file_index_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FaultError) as caught:
        load_fault_file(path)
    assert f"fault file {str(path)!r}" in str(caught.value)
    assert message in str(caught.value)


def test_load_a_missing_fault_file(tmp_path):
    with pytest.raises(FaultError, match="cannot read fault file .*missing.toml"):
        load_fault_file(tmp_path / "missing.toml")
