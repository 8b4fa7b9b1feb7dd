"""Writes through the dongle: the WS ``param`` service (PROTOCOLS §4.6) and the HTTP Modbus RTU
pass-through ``/device/passthroughway`` (§4.4, sungrow-http-config).

Both land in the inverter's holding registers through ``Inverter.write`` (wire addresses), so
the same rules apply as for a Modbus write, and the value is seen over Modbus afterwards.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ...device import codec
from ...device.catalogue import HOLDING, CatalogueError, Register
from ...device.image import RegisterAccessError
from ...limits import WINET_MAX_EXPONENT, WINET_MAX_NUMBER_TEXT, WINET_MAX_PARAM_DEVICES, WINET_MAX_PARAM_ITEMS
from ...simulation.inverter import Inverter
from .. import pdu
from . import catalog
from .catalog import ParamTarget
from .codes import PARAM_ERROR, READ_FAILED, SET_FAILED, WinetError
from .dongle import Dongle
from .points import PointError, factor

PARAM_TYPES = ("3", "7", "9")
MAX_RTU_FRAME = 256  # unit + PDU (at most 253) + CRC, as on an RS-485 line


# -- the `param` service ------------------------------------------------------------------------


def apply_params(dongle: Dongle, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Write every item of a ``param`` request to every device of ``devid_array``, all or nothing.

    Returns the per-item results; raises 391 (with the results) when any item cannot be applied.
    """
    kind = request.get("type", "")
    kind = str(kind).strip() if isinstance(kind, (str, int)) else ""
    if kind not in PARAM_TYPES:
        raise WinetError(PARAM_ERROR, f"param type {_short(request.get('type'))} is not one of {', '.join(PARAM_TYPES)}")
    items = request.get("list")
    if not isinstance(items, list) or not items:
        raise WinetError(PARAM_ERROR, "param needs a non-empty list of objects")
    if len(items) > WINET_MAX_PARAM_ITEMS:
        raise WinetError(PARAM_ERROR, f"param takes at most {WINET_MAX_PARAM_ITEMS} items, got {len(items)}")
    if not all(isinstance(i, dict) for i in items):
        raise WinetError(PARAM_ERROR, "param needs a non-empty list of objects")
    if kind == "3" and any(len(i) > WINET_MAX_PARAM_ITEMS for i in items):
        raise WinetError(PARAM_ERROR, f"a type 3 item takes at most {WINET_MAX_PARAM_ITEMS} entries")
    dev_ids = request.get("devid_array")
    if dev_ids is None and "dev_id" in request:
        dev_ids = [request["dev_id"]]
    if not isinstance(dev_ids, list) or not dev_ids:
        raise WinetError(PARAM_ERROR, "param needs devid_array (or dev_id)")
    if len(dev_ids) > WINET_MAX_PARAM_DEVICES:
        raise WinetError(PARAM_ERROR, f"devid_array takes at most {WINET_MAX_PARAM_DEVICES} ids, got {len(dev_ids)}")
    devices = [dongle.device(dev_id) for dev_id in dev_ids]

    plan: list[tuple[Inverter, int, list[int]]] = []
    results = []
    for item in items:
        entries = list(item.items()) if kind == "3" else [(str(item.get("param_addr", "")), item.get("param_value"))]
        ok = bool(entries)
        for address, value in entries:
            for _, inverter in devices:
                targets = [
                    t for t in catalog.param_targets()
                    if t.type == kind and t.param_addr == str(address) and t.applies_to(inverter.model.kind)
                ]
                if not targets:
                    ok = False
                for target in targets:
                    step = _planned(inverter, target, value)
                    if step is None:
                        ok = False
                    else:
                        plan.append(step)
        first = entries[0][0] if entries else ""
        results.append(
            {
                "param_id": item.get("param_id", 0),
                "param_pid": item.get("param_pid", 0),
                "param_name": item.get("param_name", first),
                "result": 1 if ok else 0,
            }
        )
    if not all(r["result"] for r in results):
        raise WinetError(SET_FAILED, "a parameter cannot be applied; nothing was written", {"list": results})
    # Every write passed Inverter.check_write, and each covers whole registers, so none of them
    # can make another invalid: applying cannot stop halfway.
    for inverter, address, words in plan:
        inverter.write(address, words)
    return results


def _planned(inverter: Inverter, target: ParamTarget, value: Any) -> tuple[Inverter, int, list[int]] | None:
    """The write (inverter, wire address, words) of ``value`` to ``target``, checked by the inverter
    exactly as a Modbus write is; None when the inverter would refuse it."""
    register = inverter.layout.by_name.get(target.register)
    if register is None or register.table != HOLDING or not inverter.layout.present(register):
        return None
    try:
        words = codec.encode(register.type, _raw(register, target, value), register.words)
        inverter.check_write(register.number - 1, words)
    except (ValueError, TypeError, ArithmeticError, CatalogueError, KeyError, PointError, RegisterAccessError):
        return None
    return inverter, register.number - 1, words


def _raw(register: Register, target: ParamTarget, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"unusable value {_short(value)}")
    if isinstance(value, int) and value.bit_length() > 64:  # before str(): its cost grows with the digits
        raise ValueError("the value has too many digits")
    text = str(value).strip()
    if target.values:
        return register.raw_of(target.values[text])
    number = bounded_decimal(text)
    if target.unit:
        number = number * factor(target.unit, register.unit) / Decimal(repr(register.scale))
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if number != number.to_integral_value():
        raise ValueError(f"{text} is not an integer")
    return int(number)


def bounded_decimal(text: str) -> Decimal:
    """The finite number ``text``, refused (ValueError) when it is longer than
    WINET_MAX_NUMBER_TEXT or its exponent passes WINET_MAX_EXPONENT: nothing valid is, and the
    integer conversion of ``1e300000`` would stall every door for seconds."""
    if len(text) > WINET_MAX_NUMBER_TEXT:
        raise ValueError(f"a number of {len(text)} characters")
    number = Decimal(text)  # parsing only: linear in the text, whatever the exponent says
    if not number.is_finite():
        raise InvalidOperation(text)
    if number and abs(number.adjusted()) > WINET_MAX_EXPONENT:
        raise ValueError(f"{text} is out of range")
    return number


def _short(value: Any) -> str:
    """``repr(value)`` cut short, for messages about values a client sent."""
    text = repr(value) if not isinstance(value, int) or value.bit_length() <= 64 else "a huge integer"
    return text if len(text) <= 40 else f"{text[:37]}..."


def read_param(inverter: Inverter, target: ParamTarget) -> str:
    """The current value of a parameter, in the unit a client writes it in (GET getParam type=9)."""
    register = inverter.layout.by_name[target.register]
    raw = inverter.get_raw(register.number, register.table)
    if target.values:
        back = {register.raw_of(label): sent for sent, label in target.values.items()}
        return back.get(raw, str(raw))
    if not target.unit:
        return str(raw)
    value = Decimal(raw) * Decimal(repr(register.scale)) / factor(target.unit, register.unit)
    return f"{value.quantize(Decimal(1).scaleb(-target.accuracy), rounding=ROUND_HALF_UP):f}"


# -- Modbus RTU pass-through --------------------------------------------------------------------


def crc16(data: bytes) -> int:
    """Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(frame: bytes) -> bytes:
    return frame + crc16(frame).to_bytes(2, "little")


def passthrough(dongle: Dongle, message: Any) -> str:
    """Forward one hex RTU frame to the device at its unit id; the reply frame as upper-case hex."""
    frame = rtu_frame(message)
    unit = frame[0]
    reply = pdu.answer(dongle.devices, unit, frame[1:-2])
    if reply is None:
        raise WinetError(READ_FAILED, f"no device answers at unit {unit}")
    return with_crc(bytes((unit,)) + reply).hex().upper()


def rtu_frame(message: Any) -> bytes:
    """The RTU frame of a pass-through ``msgValue`` (hex, CRC checked); WinetError when unusable."""
    if not isinstance(message, str):
        raise WinetError(PARAM_ERROR, "msgValue must be a hex string")
    if len(message) > 2 * MAX_RTU_FRAME + 64:
        raise WinetError(PARAM_ERROR, f"an RTU frame of {len(message) // 2} bytes cannot be valid")
    try:
        frame = bytes.fromhex(message.strip())
    except ValueError:
        raise WinetError(PARAM_ERROR, f"msgValue {message[:40]!r} is not hex") from None
    if len(frame) < 4 or len(frame) > MAX_RTU_FRAME:
        raise WinetError(PARAM_ERROR, f"an RTU frame of {len(frame)} bytes cannot be valid")
    if crc16(frame[:-2]).to_bytes(2, "little") != frame[-2:]:
        raise WinetError(PARAM_ERROR, "the RTU frame's CRC does not match")
    return frame
