"""The ready line: what `sungrow-mock serve` started and where, as one JSON object.

``serve`` prints it once its doors listen; the control endpoint's ``/api/mock`` answers it too.
"""

from __future__ import annotations


def ready_line(served, control_address: str | None = None) -> dict:
    """``served`` (a mock, or a fleet: it has ``mocks``) described: the (first) mock's model,
    serial, unit id, endpoints and Modbus path; ``inverters`` lists every inverter (all of a
    fleet's); the battery's unit id, the encryption key and the WiNet firmware where they exist;
    ``control_address`` joins the endpoints as ``control``."""
    fleet = served if hasattr(served, "mocks") else None
    mock = fleet.mocks[0] if fleet is not None else served
    ready = {"model": mock.model, "serial": mock.inverter.serial, "unit_id": mock.unit_id, "endpoints": mock.endpoints,
             "modbus_path": mock.modbus_path.value}  # fmt: skip
    if fleet is not None:
        ready["fleet"] = {"size": len(fleet), "layout": fleet.layout.value, "mocks": len(fleet.mocks)}
        ready["inverters"] = fleet.describe()
    else:
        ready["inverters"] = [
            {"model": inverter.model.name, "serial": inverter.serial, "unit_id": unit, "endpoints": mock.endpoints}
            for unit, inverter in mock.inverters.items()
        ]
    if mock.battery_unit_id is not None:
        ready["battery_unit_id"] = mock.battery_unit_id
    if mock.encryption is not None:
        ready["encryption_key"] = mock.get_encryption_key()
    if mock.winet_settings is not None:
        ready["firmware"] = mock.firmware
    if control_address is not None:
        ready["endpoints"]["control"] = control_address
    return ready
