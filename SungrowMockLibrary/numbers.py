"""Numbers from what a user types: the one reading of a whole or a finite number, for every face.

A keyword argument, a fault file, a CLI flag and a JSON body may each give ``"0x0B"``, ``"1_000"``,
``12`` or ``12.0`` for the same number; these functions accept all of them alike and leave the
message (which option, which key) to the caller, which raises its own error.
"""

from __future__ import annotations

import math


def whole_number(value) -> int:
    """``value`` as an int: ints, integral floats, and text in decimal ("08" is 8) or with a
    ``0x``/``0o``/``0b`` prefix; ``_`` separators allowed. ValueError otherwise (also for bools)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        for base in (10, 0):  # decimal first, so that "08" is 8; then 0x.. and friends
            try:
                return int(text, base)
            except ValueError:
                pass
    raise ValueError(f"{value!r} is not a whole number")


def finite_number(value) -> float:
    """``value`` as a finite float (numbers or text); ValueError otherwise (also for bools)."""
    if not isinstance(value, bool):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            pass
        else:
            if math.isfinite(number):
                return number
    raise ValueError(f"{value!r} is not a finite number")
