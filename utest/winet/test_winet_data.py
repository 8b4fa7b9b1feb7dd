"""The WiNet data files fit the register catalogue of every model (no server needed)."""

from decimal import Decimal

import pytest

from SungrowMockLibrary.device.catalogue import HOLDING, models
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.winet import catalog, points
from SungrowMockLibrary.transports.winet.routes import ems_parameters


@pytest.mark.parametrize("model", list(models()))
def test_every_point_resolves_for_every_model(model):
    inverter = Inverter(model)
    for service in ("real", "real_battery"):
        for item in points.data_list(inverter, service):
            assert item["data_value"] and item["data_unit"] is not None
    direct = points.direct_list(inverter)
    mppts = inverter.model.mppts
    assert [i["name"] for i in direct[:mppts]] == [f"MPPT{n}" for n in range(1, mppts + 1)]
    assert all(i["voltage"] != "--" and i["current"] != "--" for i in direct)
    for service in ("statistics", "runtime"):
        assert all(value != "--" for value, _ in points.named_values(inverter, service).values())
    assert points.active_faults(inverter) == []
    ems_parameters(inverter)


@pytest.mark.parametrize("model", list(models()))
def test_every_parameter_lands_in_a_writable_holding_register(model):
    inverter = Inverter(model)
    for target in catalog.param_targets():
        if target.applies_to(inverter.model.kind):
            register = inverter.layout.by_name[target.register]
            assert register.table == HOLDING and register.writable, target


def test_rounding_is_half_up_and_never_negative_zero():
    assert points.fmt(Decimal("2.345"), 2) == "2.35"
    assert points.fmt(Decimal("-0.0004"), 3) == "0.000"
    assert points.fmt(Decimal("-1.5"), 0) == "-2"
