"""Keywords that inject faults, clear them and check that they fired.

`Inject Fault` names every argument a fault can take: the target, the dose, and the union of the
parameters of the kinds in the fault table (``faults.KINDS``). Robot converts and Libdoc documents
them; the keyword hands them on in the text form fault files and the REST API use
(:meth:`MockSungrow.inject_fault`), so one parser validates every face. A test keeps the
signature and the table in step.
"""

from __future__ import annotations

from datetime import timedelta

from robot.api import logger
from robotlibcore import keyword

from ..faults import KINDS, FaultKind
from ..keyword_types import Door, FaultStatistics, Scope, Table
from .context import LibraryContext

# Arguments of Inject Fault that are not part of the fault itself.
NOT_FAULT_OPTIONS = ("self", "kind", "scope", "alias")


def _kind_rows() -> str:
    rows = []
    for name, spec in KINDS.items():
        where = ", ".join(spec.doors) if spec.doors else "device"
        params = ", ".join(f"``{p}``{_default(param)}" for p, param in spec.params.items())
        rows.append(f"| ``{name}`` | {where} | {spec.description} | {params} |")
    return "\n        ".join(rows)


def _param_rows() -> str:
    helps: dict[str, list[str]] = {}
    for kind, spec in KINDS.items():
        for name, param in spec.params.items():
            seconds = " (a time: ``2s``, ``500ms``)" if param.seconds else ""
            helps.setdefault(name, []).append(f"``{kind}``: {param.help}{seconds}{_default(param)}")
    return "\n        ".join(f"| ``{name}`` | {'; '.join(lines)} |" for name, lines in helps.items())


def _default(param) -> str:
    if param.required:
        return " (required)"
    if param.default is None:
        return " (optional)"
    return f" (default {param.default:g}s)" if param.seconds else f" (default {param.default})"


def _with_tables(function):
    # The rows replace placeholders inside an indented docstring: they keep its indentation.
    function.__doc__ = function.__doc__.replace("%KINDS%", _kind_rows()).replace("%PARAMS%", _param_rows())
    return function


def _option(value):
    """A keyword argument in the text form :func:`faults.parse_fault` reads (times in seconds)."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return getattr(value, "value", value)  # an enum member as its text


class FaultKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    @_with_tables
    def inject_fault(
        self,
        kind: FaultKind,
        *,
        scope: Scope = None,
        door: Door = None,
        unit: int | None = None,
        function: int | None = None,
        registers: int | str | None = None,
        table: Table = None,
        service: str | None = None,
        times: int | None = None,
        after: int | None = None,
        probability: float | str | None = None,
        seed: int | None = None,
        duration: timedelta = None,
        code: int | str | None = None,
        delay: timedelta = None,
        max_delay: timedelta = None,
        requests: int | None = None,
        size: int | None = None,
        status: int | None = None,
        connections: int | None = None,
        alarm: int | None = None,
        limit_percent: int | None = None,
        alias: str | None = None,
    ) -> int:
        """Injects a fault into a mock and returns its id (for `Fault Should Have Triggered`).

        ``kind`` is one of the kinds below (`FaultKind`); the fault applies to the requests its
        target matches, as often as its dose says, until its scope ends. Every other argument
        is named (``code=02``); a kind refuses the parameters of other kinds, naming its own.

        Target (all optional; a request must match every one given):
        - ``door``: ``modbus``, ``encrypted`` or ``winet``.
        - ``unit``: the Modbus unit id (WiNet ``dev_id``).
        - ``function``: the Modbus function code (``3``, ``4``, ``6``, ``16``).
        - ``registers``: a documented number or range (``5003``, ``5000-5010``); a request
          matches when its range overlaps. ``table``: ``input`` or ``holding``.
        - ``service``: a WiNet service (``real``, ``devicelist``) or HTTP path (``/device/getParam``).

        Dose (all optional):
        - ``times``: fire at most N times; default: every time.
        - ``after``: let the first M matching requests through untouched; default 0.
        - ``probability``: fire with this probability (``0.25`` or ``25%``), drawn from ``seed``
          (default: the fault id), so a run repeats exactly.
        - ``duration``: expire after this long (``10s``, ``2 min``).

        ``scope``: ``test`` (default inside a test: cleared when the test ends), ``suite``
        (default in a suite setup: cleared when that suite ends) or ``global`` (cleared only by
        `Clear Faults`). Faults are checked oldest first; the first that fires is applied.
        ``alias`` picks the mock (default: the current one); a fleet inverter's alias
        (``inv7``) picks its mock and targets its unit id.

        Kinds:
        | = kind = | = doors = | = what the client sees = | = parameters = |
        %KINDS%

        Parameters of the kinds:
        | = argument = | = meaning, by kind = |
        %PARAMS%

        Device faults change the inverter itself (its state, fault and alarm registers, its
        output) and need the simulation; they apply to every inverter unless ``unit`` is given,
        and take a ``duration`` but no other dose.

        Example:
        | Inject Fault | exception | code=02 | registers=5000-5010 | times=1 |
        | Inject Fault | no_response | door=modbus | after=2 | times=1 |
        | ${id} = | Inject Fault | result_code | code=106 | service=real |
        | Inject Fault | delay | delay=2s | max_delay=4s | probability=30% | seed=7 |
        | Inject Fault | inverter_fault | code=14 | duration=1 min |

        See also `Clear Faults`, `Fault Should Have Triggered`, `Get Fault Statistics`.
        """
        options = {
            name: _option(value)
            for name, value in locals().items()
            if name not in NOT_FAULT_OPTIONS and value is not None
        }
        mock, at = self.ctx.registry.resolve(alias, unit)
        if at is not None:
            options["unit"] = at  # an inverter of a fleet named by its alias: only its requests
        fault = mock.inject_fault(kind.value, scope=scope, **options)
        logger.info(f"Injected fault {fault.id}: {fault.describe()} (scope {fault.scope})")
        return fault.id

    @keyword
    def clear_faults(self, scope: Scope = None, alias: str | None = None) -> int:
        """Removes the faults of a mock now and returns how many there were.

        ``scope`` (``test``, ``suite`` or ``global``) removes only the faults of that scope; by
        default every fault goes. Device faults end at once: the next read shows the inverter
        recovered.

        Example:
        | Inject Fault | grid_loss | scope=global |
        | ${removed} = | Clear Faults | scope=global |
        | Should Be Equal As Integers | ${removed} | 1 |

        See also `Inject Fault`.
        """
        return self.ctx.registry.get(alias).clear_faults(None if scope is None else scope.value)

    @keyword
    def fault_should_have_triggered(self, fault_id: int, times: int | None = None, alias: str | None = None) -> int:
        """Fails unless the fault ``fault_id`` was applied (exactly ``times`` times, if given); returns the count.

        The count is how often the fault changed a request or a connection (device faults count
        once, when injected). `Get Fault Statistics` also tells how many requests it matched.

        Example:
        | ${id} = | Inject Fault | exception | code=02 | registers=5003 | times=1 |
        | Run My Client | # the client under test reads daily_power_yields (5003) |
        | Fault Should Have Triggered | ${id} | times=1 |
        """
        fault = self.ctx.registry.get(alias).faults.get(fault_id)
        if times is None and fault.triggered == 0:
            raise AssertionError(f"fault {fault.id} ({fault.describe()}) never triggered; it matched {fault.matched} request(s)")
        if times is not None and fault.triggered != times:
            raise AssertionError(
                f"fault {fault.id} ({fault.describe()}) triggered {fault.triggered} time(s), expected {times}; "
                f"it matched {fault.matched} request(s)"
            )
        return fault.triggered

    @keyword
    def get_fault_statistics(self, fault_id: int, alias: str | None = None) -> FaultStatistics:
        """Returns one injected fault and what it did, as a dictionary (`FaultStatistics`).

        Keys: ``id``, ``kind``, ``params``, ``target``, ``dose``, ``scope``, ``created``,
        ``matched`` (requests its target matched while active), ``triggered`` (times applied),
        ``active`` and ``description``. An unknown id fails, naming the injected ones.

        Example:
        | ${id} = | Inject Fault | no_response | after=1 | times=1 |
        | ${stats} = | Get Fault Statistics | ${id} |
        | Should Be Equal As Integers | ${stats}[triggered] | 0 |
        | Should Be True | ${stats}[active] |

        See also `Get All Fault Statistics`.
        """
        return self.ctx.registry.get(alias).faults.get(fault_id).as_dict()

    @keyword
    def get_all_fault_statistics(self, alias: str | None = None) -> list[FaultStatistics]:
        """Returns every fault of a mock not yet cleared, oldest first, as `Get Fault Statistics` returns one.

        Spent and expired faults are included (``active`` is false) until their scope ends or
        `Clear Faults` removes them.

        Example:
        | Inject Fault | refuse | times=1 |
        | ${faults} = | Get All Fault Statistics |
        | Length Should Be | ${faults} | 1 |
        | Should Be Equal | ${faults}[0][kind] | refuse |
        """
        return [fault.as_dict() for fault in self.ctx.registry.get(alias).faults.faults(include_inactive=True)]
