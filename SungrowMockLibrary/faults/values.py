"""How a fault's values are read: native values, or the text a Robot keyword or a TOML file gives.

A converter returns the value or raises :class:`Invalid` with what was wrong; the caller knows
which kind and key the value belongs to and says so in its :class:`~SungrowMockLibrary.errors.FaultError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..numbers import whole_number
from ..vocabulary import EXCEPTION_CODES


class Invalid(Exception):
    """A converter's complaint, without the kind and key it concerns."""


def integer(value) -> int:
    try:
        return whole_number(value)
    except ValueError:
        raise Invalid(f"must be a whole number, got {value!r}") from None


def int_between(low: int, high: int | None = None) -> Callable[[object], int]:
    def convert(value) -> int:
        number = integer(value)
        if number < low or (high is not None and number > high):
            expected = f"{low} or more" if high is None else f"between {low} and {high}"
            raise Invalid(f"must be {expected}, got {number}")
        return number
    return convert


def optional(convert: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if value is None else convert(value)


def seconds(value) -> float:
    # Robot's time syntax ("2s", "1 min"), imported here so that serving never pays for Robot.
    from robot.utils import timestr_to_secs

    if isinstance(value, bool):
        raise Invalid(f"must be a time such as 2s, 1.5 or 500ms, got {value!r}")
    try:
        number = float(timestr_to_secs(value, round_to=None))
    except (ValueError, TypeError):
        raise Invalid(f"must be a time such as 2s, 1.5 or 500ms, got {value!r}") from None
    if not math.isfinite(number):
        raise Invalid(f"must be a finite time, got {value!r}")
    return number


def time_at_least_zero(value) -> float:
    number = seconds(value)
    if number < 0:
        raise Invalid(f"must be a time of 0 seconds or more, got {value!r}")
    return number


def positive_time(value) -> float:
    number = seconds(value)
    if number <= 0:
        raise Invalid(f"must be a time above 0 seconds, got {value!r}")
    return number


def exception_code(value) -> int:
    # Modbus documents write exception codes in hex ("0B"), so text with hex letters is hex;
    # plain digits stay decimal, which agrees with hex for every valid code except 11 ("0B").
    code = None
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.lower().startswith("0x"):
                code = int(text, 16)
            elif text.isdigit():
                code = int(text, 10)
            else:
                code = int(text, 16)
        except ValueError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        code = value
    if code not in EXCEPTION_CODES:
        valid = ", ".join(map(str, EXCEPTION_CODES))
        hexes = ", ".join(f"{c:02X}" for c in EXCEPTION_CODES)
        raise Invalid(f"must be one of {valid} (hex {hexes}), got {value!r}")
    return code


def failure_result_code(value) -> int:
    code = int_between(0, 65535)(value)
    if code == 1:
        raise Invalid("must be a failure code: 1 means success (106 is 'token expired')")
    return code


def registers(value) -> tuple[int, int]:
    """``5003``, ``"5000-5010"``, ``"5000..5010"`` or a pair: the inclusive range ``(first, last)``."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = (integer(v) for v in value)
    elif isinstance(value, (list, tuple)):
        raise Invalid(f"must be one register or a pair [first, last], got {value!r}")
    elif isinstance(value, str):
        text = value.strip()
        for separator in ("..", "-"):
            head, found, tail = text.partition(separator)
            if found and head.strip():
                first, last = integer(head), integer(tail)
                break
        else:
            first = last = integer(text)
    else:
        first = last = integer(value)
    return first, last


def probability(value) -> float:
    if isinstance(value, bool):
        raise Invalid(f"must be a number between 0 and 1, got {value!r}")
    try:
        return float(value.strip().rstrip("%")) / 100 if isinstance(value, str) and value.strip().endswith("%") \
            else float(value)
    except (TypeError, ValueError):
        raise Invalid(f"must be a number between 0 and 1, got {value!r}") from None


def text(value) -> str:
    return str(value).strip()


def lower_text(value) -> str:
    return text(value).lower()
