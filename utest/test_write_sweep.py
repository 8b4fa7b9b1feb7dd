"""Every allowed value of every writable holding register of every model, through every door that
writes (issue 10, "One vocabulary").

For each (model, door) one simulated mock starts with a frozen clock. Each register (or WiNet
parameter) gets every value the register catalogue allows (enums: every raw value; ranges and
datatype limits: both ends and the middle; text: a short text), each read back raw through the
same door. Then the register goes back to the value it had (through the same door, with FC 16 on
the Modbus doors), the clock moves on and every supported block of the model is read through the
door (the WiNet doors also answer every WebSocket read service): no dropped connection, no
exception, and the simulation integrated up to the clock's now with the PV energy counter grown.

The figures (writes per door, time) go to ``write_sweep.json`` in pytest's base temp directory
and to the terminal with ``-s``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from door_clients import EncryptedModbus, Passthrough, PlainModbus, WinetClient

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device import codec
from SungrowMockLibrary.device.catalogue import (
    HOLDING,
    INPUT,
    TABLES,
    Layout,
    Register,
    all_registers,
    layout,
    models,
)
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import catalog
from SungrowMockLibrary.transports.winet.catalog import ParamTarget
from SungrowMockLibrary.transports.winet.points import factor
from SungrowMockLibrary.transports.winet.routes import (
    MAX_REGISTERS as MAX_READ_GETPARAM,
)
from SungrowMockLibrary.vocabulary import (
    READ_HOLDING,
    READ_INPUT,
    WRITE_MULTIPLE,
    WRITE_SINGLE,
)

FIRST_BUILD = ("SH10RT", "SH8.0RT", "SH5.0RS", "SG10RT", "SG5.0RS", "SG33CX")


def _write_shape(model) -> tuple:
    """What a write lands in and what is read afterwards depend on alone: the model's kind, its
    blocks, and the features that writable registers `require` (a register the model lacks reads
    its sentinel and refuses writes)."""
    write_features = {token for r in all_registers() if r.writable for token in r.requires}
    return model.kind, model.input_blocks, model.holding_blocks, frozenset(model.features & write_features)


def _sweep_models() -> list[str]:
    """The first-build models, and one model of each other write shape (`_write_shape`), so these
    cover every catalogue model."""
    chosen = {}
    for model in [models()[name] for name in FIRST_BUILD] + list(models().values()):
        chosen.setdefault(_write_shape(model), []).append(model.name)
    return list(dict.fromkeys([*FIRST_BUILD, *(names[0] for names in chosen.values())]))


MODELS = _sweep_models()
DOORS = ("modbus", "encrypted", "winet_param", "winet_passthrough", "api")
UNIT = 1
# A summer morning, so the PV counter grows at every step, in a month of 31 days: the clock
# registers always form a valid date, so a day the month lacks reads back as its last day.
START = "2026-07-15T09:00:00"
STEP = 120.0  # simulated seconds between two registers
READ_FUNCTION = {INPUT: READ_INPUT, HOLDING: READ_HOLDING}
# The finest PV energy total each family shows (0.1 kWh): it must grow at every step.
PV_TOTALS = ("total_pv_generation", "total_power_yields_precise")
# Every WebSocket service that reads (PROTOCOLS §4.3); each must answer 1 after every register.
WS_READS = ("devicelist", "real", "real_battery", "direct", "state", "fault", "statistics", "runtime")
TEXT = "SWEEP"

FIGURES: dict[str, dict[str, Any]] = {}


@dataclass
class Case:
    """One write: what the door sends, and the raw value each register must read back."""

    sent: Any
    expect: dict[str, int | str]  # register name -> raw
    fc16: bool = False  # a Modbus door writes even a one-word register with FC 16


@dataclass
class Group:
    """What one write addresses (a register, or a WiNet parameter and its registers)."""

    name: str
    registers: list[Register]
    cases: list[Case] = field(default_factory=list)


def writable_registers(the_layout: Layout) -> list[Register]:
    return [
        r for r in sorted(the_layout.registers, key=lambda r: r.number)
        if r.table == HOLDING and r.writable and the_layout.present(r)
    ]


def sweep_values(register: Register) -> list[int | str]:
    """Every enum value; both ends and the middle of a range; a short text for a text register."""
    allowed = register.allowed_values()
    if "enum" in allowed:
        return list(allowed["enum"])
    if "text" in allowed:
        return [TEXT[: allowed["text"]]]
    low, high = allowed["range"]
    return list(dict.fromkeys((low, (low + high) // 2, high)))


# -- the doors ------------------------------------------------------------------------------------


class ModbusDoor:
    """Plain, encrypted or pass-through Modbus: FC 06 (one word) / FC 16 (more), FC 03 / 04 reads."""

    def __init__(self, client, the_layout: Layout):
        self.client = client
        self.layout = the_layout

    def groups(self) -> list[Group]:
        return [
            Group(r.name, [r], [Case(raw, {r.name: raw}) for raw in sweep_values(r)]) for r in writable_registers(self.layout)
        ]

    def restore_case(self, group: Group, originals: dict) -> Case:
        raw = originals[group.registers[0].name]
        return Case(raw, {group.registers[0].name: raw}, fc16=True)

    def write(self, case: Case) -> None:
        (name,) = case.expect
        register = self.layout.by_name[name]
        raw = case.sent
        words = codec.encode(register.type, raw, register.words)
        address = (register.number - 1).to_bytes(2, "big")
        if len(words) == 1 and not case.fc16:
            pdu = bytes((WRITE_SINGLE,)) + address + words[0].to_bytes(2, "big")
            expected = pdu
        else:
            count = len(words).to_bytes(2, "big")
            pdu = bytes((WRITE_MULTIPLE,)) + address + count + bytes((2 * len(words),))
            pdu += b"".join(w.to_bytes(2, "big") for w in words)
            expected = pdu[:5]
        reply = self.client.ask(UNIT, pdu)
        assert reply == expected, f"{register.name} = {raw!r}: reply {reply.hex()}"

    def read_words(self, table: str, first: int, count: int) -> list[int]:
        function = READ_FUNCTION[table]
        pdu = bytes((function,)) + (first - 1).to_bytes(2, "big") + count.to_bytes(2, "big")
        reply = self.client.ask(UNIT, pdu)
        assert reply[:2] == bytes((function, 2 * count)) and len(reply) == 2 + 2 * count, (
            f"{table} {first} x {count}: reply {reply.hex()}"
        )
        return [int.from_bytes(reply[i : i + 2], "big") for i in range(2, len(reply), 2)]

    def read_raw(self, register: Register) -> int | str:
        return codec.decode(register.type, self.read_words(register.table, register.number, register.words))

    def read_everything(self) -> dict[tuple[str, int], int]:
        return read_blocks(self.layout, self.read_words, self.client.max_read)

    def close(self) -> None:
        self.client.close()


class PassthroughDoor(ModbusDoor):
    """Modbus RTU through ``/device/passthroughway``; the WebSocket read services answer too."""

    def read_everything(self) -> dict[tuple[str, int], int]:
        words = super().read_everything()
        check_ws_reads(self.client.client)
        return words


class ApiDoor:
    """The Python API: ``set_value`` with the label or the engineering value, ``get_register`` back,
    ``register_map`` as the read of everything."""

    def __init__(self, mock: MockSungrow):
        self.mock = mock
        self.layout = mock.inverter.layout

    def groups(self) -> list[Group]:
        return [Group(r.name, [r], [Case(self.sent(r, raw), {r.name: raw}) for raw in sweep_values(r)])
                for r in writable_registers(self.layout)]

    @staticmethod
    def sent(register: Register, raw: int | str) -> Any:
        if register.enum:
            return register.enum[raw]
        return Inverter.from_raw(register, raw)

    def restore_case(self, group: Group, originals: dict) -> Case:
        register = group.registers[0]
        return Case(self.sent(register, originals[register.name]), {register.name: originals[register.name]})

    def write(self, case: Case) -> None:
        (name,) = case.expect
        self.mock.set_value(name, case.sent, HOLDING)

    def read_raw(self, register: Register) -> int | str:
        return self.mock.get_register(register.name, register.table)

    def read_everything(self) -> dict[tuple[str, int], int]:
        rows = self.mock.register_map()
        assert len(rows) == len(self.layout.registers)
        words = {}
        for row in rows:
            register = self.layout.by_start[(row["table"], row["number"])]
            for offset, word in enumerate(codec.encode(register.type, row["raw"], register.words)):
                words[(register.table, register.number + offset)] = word
        return words

    def close(self) -> None:
        pass


class ParamDoor:
    """The WebSocket ``param`` service (PROTOCOLS §4.6): every parameter WiNet maps for the model, with
    the values the register catalogue allows, in the unit the service takes; read back raw with
    ``getParam type=3`` (and as sent with ``type=9``)."""

    def __init__(self, client: WinetClient, the_layout: Layout):
        self.client = client
        self.layout = the_layout

    def groups(self) -> list[Group]:
        return param_groups(self.layout)

    def restore_case(self, group: Group, originals: dict) -> Case:
        kind, address, _ = group.cases[0].sent
        targets = param_targets(self.layout)[(kind, address)]
        register = self.layout.by_name[targets[0].register]
        return param_case(self.layout, kind, address, targets, param_text(register, targets[0], originals[register.name]))

    def write(self, case: Case) -> None:
        kind, address, text = case.sent
        item = {address: text} if kind == "3" else {"param_addr": int(address), "param_id": 1, "param_value": text}
        reply = self.client.call("param", devid_array=[str(UNIT)], type=kind, list=[item])
        assert (reply["result_code"], reply["result_msg"]) == (1, "success"), f"{case.sent}: {reply}"
        if kind == "9":
            items = self.client.get("/device/getParam", dev_id=UNIT, type=9)["result_data"]["list"]
            assert {i["param_addr"]: i["param_value"] for i in items}[int(address)] == text

    def read_words(self, table: str, first: int, count: int) -> list[int]:
        reply = self.client.get(
            "/device/getParam", dev_id=UNIT, type=3, param_addr=first, param_num=count,
            param_type=(INPUT, HOLDING).index(table),
        )
        assert reply["result_code"] == 1, f"{table} {first} x {count}: {reply}"
        data = bytes.fromhex(reply["result_data"]["param_value"].replace(" ", ""))
        assert len(data) == 2 * count
        return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]

    def read_raw(self, register: Register) -> int | str:
        return codec.decode(register.type, self.read_words(register.table, register.number, register.words))

    def read_everything(self) -> dict[tuple[str, int], int]:
        words = read_blocks(self.layout, self.read_words, MAX_READ_GETPARAM)
        check_ws_reads(self.client)
        return words

    def close(self) -> None:
        self.client.close()


def param_targets(the_layout: Layout) -> dict[tuple[str, str], list[ParamTarget]]:
    """The parameters WiNet maps for the model, (type, param_addr) -> the registers' rows."""
    grouped: dict[tuple[str, str], list[ParamTarget]] = {}
    for target in catalog.param_targets():
        if target.applies_to(the_layout.model.kind):
            grouped.setdefault((target.type, target.param_addr), []).append(target)
    return {
        key: targets for key, targets in grouped.items()
        if all(the_layout.present(the_layout.by_name[t.register]) for t in targets)
    }


def param_groups(the_layout: Layout) -> list[Group]:
    groups = []
    for (kind, address), targets in param_targets(the_layout).items():
        group = Group(f"param {kind}/{address}", [the_layout.by_name[t.register] for t in targets])
        group.cases = [param_case(the_layout, kind, address, targets, text) for text in param_texts(the_layout, targets)]
        groups.append(group)
    return groups


def param_case(the_layout: Layout, kind: str, address: str, targets: list[ParamTarget], text: str) -> Case:
    expect = {t.register: param_raw(the_layout.by_name[t.register], t, text) for t in targets}
    return Case((kind, address, text), expect)


def param_texts(the_layout: Layout, targets: list[ParamTarget]) -> list[str]:
    """The values a client may send for a parameter, from the catalogue's allowed values of every
    register it lands in: mapped values; the enum values every register allows; or both ends and the
    middle of the range all of them allow, in the parameter's unit at its accuracy."""
    registers = [the_layout.by_name[t.register] for t in targets]
    first = targets[0]
    if first.values:
        return list(first.values)
    if all(r.enum for r in registers):
        return [str(raw) for raw in registers[0].enum if all(raw in r.enum for r in registers)]
    lows, highs = [], []
    for register, target in zip(registers, targets):
        low, high = register.allowed_values()["range"]
        lows.append(param_number(register, target, low))
        highs.append(param_number(register, target, high))
    quantum = Decimal(1).scaleb(-first.accuracy)
    low = max(lows).quantize(quantum, rounding=ROUND_CEILING)
    high = min(highs).quantize(quantum, rounding=ROUND_FLOOR)
    middle = ((low + high) / 2).quantize(quantum, rounding=ROUND_HALF_UP)
    return list(dict.fromkeys(f"{v:f}" for v in (low, middle, high)))


def param_number(register: Register, target: ParamTarget, raw: int) -> Decimal:
    """A raw register value in the parameter's unit."""
    return Decimal(raw) * Decimal(repr(register.scale)) / factor(target.unit, register.unit)


def param_text(register: Register, target: ParamTarget, raw: int) -> str:
    if target.values:
        return next(sent for sent in target.values if param_raw(register, target, sent) == raw)
    if not target.unit:
        return str(raw)
    return f"{param_number(register, target, raw).quantize(Decimal(1).scaleb(-target.accuracy)):f}"


def param_raw(register: Register, target: ParamTarget, text: str) -> int:
    """The raw value ``text`` sent to the parameter must leave in ``register``."""
    if target.values:
        return register.raw_of(target.values[text])
    value = Decimal(text) * factor(target.unit, register.unit) / Decimal(repr(register.scale))
    assert value == value.to_integral_value(), f"{text} {target.unit} is no whole raw value of {register.name}"
    return int(value)


def read_blocks(the_layout: Layout, read_words, max_read: int) -> dict[tuple[str, int], int]:
    """Every supported block of the model, in reads of at most ``max_read`` registers."""
    words = {}
    for table in TABLES:
        for low, high in the_layout.model.blocks(table):
            for first in range(low, high + 1, max_read):
                count = min(max_read, high + 1 - first)
                for offset, word in enumerate(read_words(table, first, count)):
                    words[(table, first + offset)] = word
    return words


def check_ws_reads(client: WinetClient) -> None:
    for service in WS_READS:
        reply = client.call(service, dev_id=str(UNIT))
        assert reply["result_code"] == 1, f"{service}: {reply}"


def test_the_swept_models_cover_every_write_shape_of_the_catalogue():
    swept = {_write_shape(models()[name]) for name in MODELS}
    assert {_write_shape(model) for model in models().values()} <= swept
    assert any(shape[3] for shape in swept)  # some writable register depends on a feature, and is swept


@pytest.mark.parametrize("model", MODELS)
def test_winet_parameters_agree_with_the_register_catalogue(model):
    """A parameter's mapped values are labels of its register (the catalogue gives their raw values)
    and reach every value the register allows; unmapped values go through as raw values the
    catalogue checks, or convert from the parameter's unit to the register's."""
    the_layout = layout(model)
    for target in catalog.param_targets():
        if not target.applies_to(the_layout.model.kind):
            continue
        register = the_layout.by_name[target.register]
        assert register.table == HOLDING and register.writable and the_layout.present(register), target
        if target.values:
            assert register.enum, f"{target.param_addr} maps values onto {register.name}, which has no labels"
            reached = {register.raw_of(label) for label in target.values.values()}
            assert reached == set(register.enum), f"{target.param_addr} cannot set every value of {register.name}"
        elif not register.enum:
            assert register.allowed_values()["range"]
            param_number(register, target, 1)  # the units convert


@pytest.mark.parametrize("model", MODELS)
def test_every_parameter_value_the_sweep_sends_is_one_the_catalogue_allows(model):
    the_layout = layout(model)
    for group in param_groups(the_layout):
        assert group.cases, group.name
        for case in group.cases:
            for name, raw in case.expect.items():
                the_layout.by_name[name].check_raw(raw)


# -- the sweep ------------------------------------------------------------------------------------


def open_door(model: str, door: str) -> tuple[MockSungrow, Any]:
    mock_doors = {"modbus": "modbus", "encrypted": "encrypted", "api": "modbus"}.get(door, "winet")
    mock = MockSungrow(model, doors=mock_doors, unit_id=UNIT, simulate=True, clock_speed=0, start_time=START).start()
    the_layout = layout(model)
    if door == "modbus":
        return mock, ModbusDoor(PlainModbus(mock.endpoint("modbus")), the_layout)
    if door == "encrypted":
        return mock, ModbusDoor(EncryptedModbus(mock.endpoint("encrypted")), the_layout)
    if door == "api":
        return mock, ApiDoor(mock)
    client = WinetClient(mock.endpoint("winet_ws"), mock.endpoint("winet_http"))
    if door == "winet_param":
        return mock, ParamDoor(client, the_layout)
    return mock, PassthroughDoor(Passthrough(client), the_layout)


def pv_total(the_layout: Layout, words: dict[tuple[str, int], int]) -> int:
    register = next(the_layout.by_name[n] for n in PV_TOTALS if n in the_layout.by_name)
    return codec.decode(register.type, [words[(INPUT, register.number + i)] for i in range(register.words)])


def simulated_until(mock: MockSungrow) -> tuple[float, float]:
    """(the simulator's last integration time, the clock's now), read on the mock's loop."""
    inverter = mock.inverter
    return mock._on_loop(lambda: (inverter.simulator.state.last_time, inverter.clock.timestamp()))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("model", MODELS)
def test_every_allowed_value_lands_through_the_door_and_the_mock_stays_healthy(model, door):
    began = time.perf_counter()
    mock, client = open_door(model, door)
    writes = restores = 0
    failed = True
    try:
        the_layout = layout(model)
        counter = pv_total(the_layout, client.read_everything())
        groups = client.groups()
        assert groups, f"{door} writes nothing on the {model}"
        for group in groups:
            originals = {register.name: client.read_raw(register) for register in group.registers}
            for case in group.cases:
                client.write(case)
                writes += 1
                for name, raw in case.expect.items():
                    back = client.read_raw(the_layout.by_name[name])
                    assert back == raw, f"{group.name} <- {case.sent!r}: {name} reads {back!r}, not {raw!r}"
            restore = client.restore_case(group, originals)
            client.write(restore)
            restores += 1
            assert {r.name: client.read_raw(r) for r in group.registers} == originals, f"{group.name} restored"
            mock.advance_clock(STEP)
            words = client.read_everything()
            last, now = simulated_until(mock)
            assert last == now, f"after {group.name} the simulation stopped at {last} (now {now})"
            grown = pv_total(the_layout, words)
            assert grown > counter, f"after {group.name} the PV total stayed at {grown}"
            counter = grown
        assert writes == sum(len(g.cases) for g in groups) > 0
        failed = False
    finally:
        client.close()
        mock.stop()
        figures = FIGURES.setdefault(door, {"writes": 0, "restores": 0, "failures": 0, "models": 0, "seconds": 0.0})
        figures["writes"] += writes
        figures["restores"] += restores
        figures["failures"] += failed
        figures["models"] += 1
        figures["seconds"] = round(figures["seconds"] + time.perf_counter() - began, 2)


@pytest.fixture(scope="module", autouse=True)
def sweep_figures(tmp_path_factory):
    """Write the sweep's figures (writes x doors, failures, time) once the module has run."""
    began = time.perf_counter()
    yield
    if not FIGURES:
        return
    total = sum(f["writes"] for f in FIGURES.values())
    summary = {
        "doors": FIGURES,
        "writes": total,
        "writes_x_doors": " + ".join(f"{d} {f['writes']}" for d, f in FIGURES.items()),
        "failures": sum(f["failures"] for f in FIGURES.values()),
        "seconds": round(time.perf_counter() - began, 2),
    }
    path = tmp_path_factory.getbasetemp() / "write_sweep.json"
    path.write_text(json.dumps(summary, indent=2))
    print(
        f"\nwrite sweep: {summary['writes_x_doors']} = {total} writes, "
        f"{summary['failures']} failed (model, door) runs, {summary['seconds']} s ({path})"
    )
