"""The fault table is the only list of which kind acts where.

Each stage's performer (the Modbus wire, the WiNet door's connection, message and HTTP actions,
the device condition) must hold exactly the kinds the table declares for that stage; the engine
must hand a stage only those kinds; and a fault targeted where its kind never acts is refused
with a message that says where it does act.
"""

import pytest

from SungrowMockLibrary.faults import (
    KINDS,
    FaultEngine,
    FaultError,
    KindSpec,
    RequestInfo,
    Stage,
    Target,
    kinds_at,
)
from SungrowMockLibrary.faults import device as device_faults
from SungrowMockLibrary.faults.kinds import CONNECT_STAGES, STAGE_DOORS
from SungrowMockLibrary.transports import wire
from SungrowMockLibrary.transports.winet import fault_actions
from SungrowMockLibrary.vocabulary import Door

PERFORMERS = {**wire.MODBUS_STAGE_ACTIONS, **fault_actions.WINET_STAGE_ACTIONS, **device_faults.DEVICE_STAGE_ACTIONS}
REQUIRED = {"delay": {"delay": 1}, "late_response": {"delay": 1}}  # kinds without defaults for every parameter


def test_every_stage_has_a_performer():
    assert set(PERFORMERS) == set(Stage)


@pytest.mark.parametrize("stage", list(Stage))
def test_a_stage_performs_exactly_the_kinds_the_table_declares_for_it(stage):
    declared = kinds_at(stage)
    performed = set(PERFORMERS[stage])
    assert declared, f"no kind acts at {stage}"
    assert not declared - performed, f"{stage} declares kinds nobody performs: {sorted(declared - performed)}"
    assert not performed - declared, f"{stage} performs kinds the table does not declare: {sorted(performed - declared)}"


def test_every_kind_acts_somewhere_and_on_each_of_its_doors():
    for name, spec in KINDS.items():
        assert spec.stages, name
        for door in spec.doors:
            assert any(door in STAGE_DOORS[stage] for stage in spec.stages), (name, door)


def test_a_row_cannot_claim_a_door_its_stages_do_not_serve():
    with pytest.raises(FaultError, match="not all served"):
        KindSpec("closes a websocket on the Modbus door", (Stage.WINET_MESSAGE,), doors=(Door.modbus,))
    with pytest.raises(FaultError, match="mix connections, requests and the device"):
        KindSpec("both", (Stage.MODBUS_CONNECT, Stage.MODBUS_FRAME))
    with pytest.raises(FaultError, match="acts at no stage"):
        KindSpec("nowhere", ())


def test_token_only_kinds_are_left_out_where_the_dongle_needs_no_token():
    for stage in (Stage.WINET_MESSAGE, Stage.WINET_HTTP):
        assert kinds_at(stage) - kinds_at(stage, token=False) == {"login_required"}


def _request(stage: Stage, door: Door) -> RequestInfo:
    if stage in CONNECT_STAGES:
        return RequestInfo(door, connecting=True)
    service = {Stage.WINET_MESSAGE: "real", Stage.WINET_HTTP: "/device/getParam"}.get(stage)
    return RequestInfo(door, unit=1, function=4, table="input", first=5003, count=1, service=service)


@pytest.mark.parametrize("name", [name for name, spec in KINDS.items() if not spec.device])
def test_the_engine_hands_each_stage_only_its_kinds_and_each_door_only_its_own(name):
    spec = KINDS[name]
    for stage, doors in STAGE_DOORS.items():
        for door in doors:
            engine = FaultEngine()
            engine.inject(name, **REQUIRED.get(name, {}))
            decided = engine.decide(_request(stage, door), kinds_at(stage)) is not None
            assert decided == (stage in spec.stages and door in spec.doors), (name, stage, door)


@pytest.mark.parametrize("name, door", [
    (name, door) for name, spec in KINDS.items() if not spec.device for door in Door if door not in spec.doors
])
def test_a_kind_targeted_at_another_door_is_refused_naming_where_it_applies(name, door):
    spec = KINDS[name]
    with pytest.raises(FaultError) as caught:
        FaultEngine().inject(name, target=Target(door=door), **REQUIRED.get(name, {}))
    message = str(caught.value)
    assert f"does not apply to door '{door}'" in message
    assert f"it applies to: {', '.join(spec.doors)} (" in message
    assert caught.value.key == "door"


@pytest.mark.parametrize("name, service, where", [
    ("ws_close", "/device/getParam", "winet (WebSocket messages)"),
    ("http_error", "real", "winet (HTTP requests)"),
    ("exception", "real", "modbus, encrypted (Modbus requests)"),
    ("key_rotated", "/device/getParam", "encrypted (Modbus requests)"),
])
def test_a_kind_targeted_at_a_winet_stage_it_does_not_act_on_is_refused(name, service, where):
    with pytest.raises(FaultError) as caught:
        FaultEngine().inject(name, target=Target(service=service))
    assert f"does not act on service '{service}'" in str(caught.value)
    assert f"it applies to: {where}" in str(caught.value)
    assert caught.value.key == "service"


@pytest.mark.parametrize("name, service", [
    ("result_code", "real"), ("result_code", "/device/getParam"), ("malformed_json", "/about/list"),
    ("login_required", "real_battery"), ("delay", "state"), ("reset", "/i18n/en_US.properties"),
    ("ws_close", "fault"), ("http_error", "/about/list"),
])
def test_a_service_of_a_stage_the_kind_acts_on_is_accepted(name, service):
    FaultEngine().inject(name, target=Target(service=service), **REQUIRED.get(name, {}))


def test_a_device_kind_is_refused_at_every_door_naming_the_simulation():
    for name in (name for name, spec in KINDS.items() if spec.device):
        with pytest.raises(FaultError, match="applies to the simulation, not to requests"):
            FaultEngine().inject(name, target=Target(door="modbus"))
