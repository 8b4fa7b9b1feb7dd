"""Getters that assert as they get: an assertion operator and an expected value, retried until a
timeout, because the values a living inverter serves move with its clock.

The operators and their messages are robotframework-assertion-engine's (Browser's), so a test
reads the same as with Browser: ``Get Inverter Value    daily_power_yields    >=    5``. Only the
conversion of the expected value (Robot passes text) to the type of the value is done here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from assertionengine import AssertionOperator, verify_assertion

from ..errors import SungrowMockError
from ..numbers import whole_number

__all__ = ["AssertionArgumentError", "AssertionOperator", "get_verified"]

_TEXT_OPERATORS = frozenset(
    AssertionOperator[name] for name in ("contains", "not contains", "starts", "ends", "matches")
)
_EXPRESSION_OPERATORS = frozenset({AssertionOperator["validate"]})
# ``then`` returns whatever its expression evaluates to: a getter keeps one return type instead.
_REFUSED = frozenset({AssertionOperator["then"]})
_POLL_SECONDS = 0.1


class AssertionArgumentError(SungrowMockError, ValueError):
    """An assertion that cannot be checked: an operator this getter refuses, or an expected value
    of the wrong type."""


def _valid_operators() -> str:
    return ", ".join(f"{member.value}" for member in AssertionOperator if member not in _REFUSED)


def _expected_of(value, operator: AssertionOperator, expected: Any) -> Any:
    """``expected`` (usually text) in the type the check compares ``value`` with."""
    if operator in _EXPRESSION_OPERATORS or operator in _TEXT_OPERATORS:
        return str(expected)
    if isinstance(value, (str, bool)):
        return expected if isinstance(expected, str) else str(expected)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return expected
    text = str(expected).strip()
    try:
        return whole_number(text) if isinstance(value, int) else float(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise AssertionArgumentError(
            f"assertion_expected {expected!r} is not a number; the value is the number {value!r}"
        ) from None


def get_verified(
    get: Callable[[], Any],
    operator: AssertionOperator | None,
    expected: Any,
    message: str | None,
    timeout: timedelta,
    what: str,
) -> Any:
    """``get()``, or, with an operator, the first ``get()`` that passes the assertion within ``timeout``.

    A value that never passes fails with the assertion engine's message (``message`` replaces it,
    with ``{value}``, ``{value_type}``, ``{expected}`` and ``{expected_type}`` filled in). Errors of
    ``get`` itself (an unknown register) fail at once: retrying cannot fix them.
    """
    if operator is None:
        if expected is not None:
            raise AssertionArgumentError(
                f"assertion_expected {expected!r} needs an assertion_operator; valid: {_valid_operators()}"
            )
        return get()
    if operator in _REFUSED:
        raise AssertionArgumentError(
            f"assertion operator {operator.name!r} is not supported by this getter; valid: {_valid_operators()}"
        )
    seconds = max(timeout.total_seconds(), 0.0)
    deadline = time.monotonic() + seconds
    while True:
        value = get()
        checked = str(value) if operator in _TEXT_OPERATORS else value
        try:
            verify_assertion(checked, operator, _expected_of(value, operator, expected), what, message)
            return value
        except AssertionError as error:
            left = deadline - time.monotonic()
            if left <= 0:
                if message:
                    raise
                raise AssertionError(f"{error} (still after {seconds:g} s)") from None
            time.sleep(min(_POLL_SECONDS, left))
