"""Keywords of a dynamic library found by name and called as Robot would call them.

Any library with Robot's dynamic API (``get_keyword_names``, ``get_keyword_arguments``,
``get_keyword_types``, ``get_keyword_documentation``, ``get_keyword_tags``, ``run_keyword``)
will do; the control endpoint gives it a :class:`SungrowMockLibrary`. A call's outcome carries
what the keyword logged and, when it failed, Robot's error message and traceback.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ..limits import CONTROL_MAX_NESTING, CONTROL_MAX_VALUES
from .arguments import ArgumentError, Signature

# robot.api.logger documents that outside a Robot run it logs to this logger, TRACE as DEBUG // 2.
_ROBOT_LOGGER = "RobotFramework"
_LEVELS = {
    logging.DEBUG // 2: "TRACE",
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARN",
    logging.ERROR: "ERROR",
}
# Exceptions whose message Robot shows without the exception's name (User Guide, "Reporting keyword status").
_GENERIC = (AssertionError, RuntimeError)


@dataclass
class Outcome:
    """What one keyword call came to. ``problem`` says why it failed: ``unknown`` keyword,
    bad ``arguments``, or the keyword itself ``failed``."""

    value: object = None
    output: str = ""
    problem: str | None = None
    error: str = ""
    traceback: str = ""
    fatal: bool = False
    continuable: bool = False

    @property
    def passed(self) -> bool:
        return self.problem is None


def shape_refusal(value, nesting: int = CONTROL_MAX_NESTING, values: int = CONTROL_MAX_VALUES) -> str | None:
    """Why lists, tuples and mappings in ``value`` are too deep or too many to be a keyword's
    arguments (``nest more than 32 levels deep``, ``hold more than 1000 values``), or None.
    Walked without recursion, and it stops at the first excess: any value is safe to ask about."""
    stack, count = [(value, 0)], 0
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            item = item.values()
        elif not isinstance(item, list | tuple):
            continue
        if depth >= nesting:
            return f"nest more than {nesting} levels deep"
        count += len(item)
        if count > values:
            return f"hold more than {values} values"
        stack.extend((nested, depth + 1) for nested in item)
    return None


def normalized(name: str) -> str:
    """A keyword name as Robot matches it: case, spaces, underscores and hyphens do not count."""
    return re.sub(r"[\s_-]", "", name).lower()


def display_name(name: str) -> str:
    """``set_register`` as ``Set Register``; a name given with ``@keyword("...")`` stays as written."""
    return " ".join(word[:1].upper() + word[1:] for word in re.split(r"[\s_]+", name.strip()) if word)


def _argument(argument) -> str:
    if isinstance(argument, tuple):
        name, default = argument
        return f"{name}={default.value if isinstance(default, Enum) else default}"
    return argument


class Keywords:
    """The keywords of ``library`` by name (any case, spaces, underscores or hyphens), called with
    Robot's argument rules: counts, named arguments, conversion with the keyword's own types."""

    def __init__(self, library):
        self.library = library
        self._real = {normalized(name): name for name in library.get_keyword_names()}
        self._shown = {real: display_name(real) for real in self._real.values()}
        self.names = sorted(self._shown.values())
        self._signatures: dict[str, Signature] = {}

    def find(self, name: str) -> str | None:
        """The library's own name of the keyword ``name``, or None."""
        return self._real.get(normalized(name)) if isinstance(name, str) else None

    def shown(self, real: str) -> str:
        return self._shown[real]

    def arguments(self, real: str) -> list[str]:
        return [_argument(a) for a in self.library.get_keyword_arguments(real)]

    def documentation(self, real: str) -> str:
        return self.library.get_keyword_documentation(real)

    def tags(self, real: str) -> list[str]:
        return list(self.library.get_keyword_tags(real))

    def signature(self, real: str) -> Signature:
        found = self._signatures.get(real)
        if found is None:
            arguments, types = self.library.get_keyword_arguments(real), self.library.get_keyword_types(real)
            converters = getattr(self.library, "ROBOT_LIBRARY_CONVERTERS", None)
            found = self._signatures[real] = Signature.from_dynamic(self.shown(real), arguments, types, converters)
        return found

    def call(self, name: str, args: list, kwargs: dict, empty_is_none: bool = False) -> Outcome:
        """Run a keyword (blocking: call it on a worker thread, never on an event loop)."""
        if not isinstance(name, str):
            return Outcome(problem="unknown", error=f"A keyword name must be text, not {type(name).__name__}.")
        real = self.find(name)
        if real is None:
            return Outcome(problem="unknown", error=f"No keyword with name '{name}' found.")
        refusal = shape_refusal([*args, *kwargs.values()])
        if refusal is not None:
            return Outcome(problem="arguments", error=f"Arguments {refusal}.")
        with _captured_log() as lines:
            try:
                positional, named = self.signature(real).bind(args, kwargs, empty_is_none)
            except ArgumentError as error:
                return Outcome(output=_output(lines), problem="arguments", error=str(error))
            except Exception as error:  # a value Robot's conversion trips over: still the caller's arguments
                return Outcome(output=_output(lines), problem="arguments", error=error_message(error))
            try:
                value = self.library.run_keyword(real, positional, named)
            except Exception as error:
                return Outcome(
                    output=_output(lines),
                    problem="failed",
                    error=error_message(error),
                    traceback=error_traceback(error),
                    fatal=bool(getattr(error, "ROBOT_EXIT_ON_FAILURE", False)),
                    continuable=bool(getattr(error, "ROBOT_CONTINUE_ON_FAILURE", False)),
                )
        return Outcome(value=value, output=_output(lines))


def error_message(error: BaseException) -> str:
    """The message Robot shows for ``error``: the name is left out for generic exceptions and
    for those that set ``ROBOT_SUPPRESS_NAME``; an empty message is the name alone."""
    message, name = str(error), type(error).__name__
    if not message:
        return name
    if type(error) in (Exception, *_GENERIC) or getattr(error, "ROBOT_SUPPRESS_NAME", False):
        return message
    return f"{name}: {message}"


def error_traceback(error: BaseException) -> str:
    # The first frame is the library's run_keyword; the keyword's own frames follow.
    frames = traceback.format_tb(error.__traceback__)
    return "Traceback (most recent call last):\n" + "".join(frames).rstrip()


@contextlib.contextmanager
def _captured_log():
    # The messages this thread logs through robot.api.logger become the call's output, which
    # Robot's Remote library writes into the caller's log.
    lines: list[str] = []
    thread = threading.get_ident()

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                lines.append(f"*{_LEVELS.get(record.levelno, 'INFO')}* {record.getMessage()}")

    logger = logging.getLogger(_ROBOT_LOGGER)
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(min(_LEVELS))
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _output(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)
