"""Keywords that inject faults, clear them and check that they fired."""

from __future__ import annotations

from robot.api import logger
from robotlibcore import keyword

from ..faults import KINDS
from .context import LibraryContext


def _kind_rows() -> str:
    rows = []
    for name, spec in KINDS.items():
        where = ", ".join(spec.doors) if spec.doors else "device"
        params = ", ".join(f"``{p}``{_default(param)}" for p, param in spec.params.items())
        rows.append(f"| ``{name}`` | {where} | {spec.description} | {params} |")
    # The rows replace a placeholder inside an indented docstring: keep its indentation.
    return "\n        ".join(rows)


def _default(param) -> str:
    if param.required:
        return ""
    return " (optional)" if param.default is None else f" (default {param.default})"


def _with_kinds(function):
    function.__doc__ = function.__doc__.replace("%KINDS%", _kind_rows())
    return function


class FaultKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    @_with_kinds
    def inject_fault(self, kind: str, scope: str | None = None, alias: str | None = None, **options: str) -> int:
        """Injects a fault into a mock and returns its id (for `Fault Should Have Triggered`).

        ``kind`` is one of the kinds below; the fault applies to the requests its target matches,
        as often as its dose says, until its scope ends. Every option is a named argument:

        Target (all optional; a request must match every one given):
        - ``door``: ``modbus``, ``encrypted`` or ``winet``.
        - ``unit``: the Modbus unit id (WiNet ``dev_id``).
        - ``function``: the Modbus function code (``3``, ``4``, ``6``, ``16``).
        - ``registers``: a documented number or range (``5003``, ``5000-5010``); a request
          matches when its range overlaps. ``table``: ``input`` or ``holding``.
        - ``service``: a WiNet service (``real``, ``devicelist``) or HTTP path (``/device/getParam``).

        Dose (all optional):
        - ``times``: fire at most N times; default: every time.
        - ``after``: let the first M matching requests through untouched.
        - ``probability``: fire with this probability (``0.25`` or ``25%``), drawn from ``seed``
          (default: the fault id), so a run repeats exactly.
        - ``duration``: expire after this long (``10s``, ``2 min``).

        ``scope``: ``test`` (default inside a test: cleared when the test ends), ``suite``
        (default in a suite setup: cleared when that suite ends) or ``global`` (cleared only by
        `Clear Faults`). Faults are checked oldest first; the first that fires is applied.

        Kinds and their parameters:
        | = kind = | = doors = | = what the client sees = | = parameters = |
        %KINDS%

        Device faults change the inverter itself (its state, fault and alarm registers, its
        output) and need the simulation; they apply to every inverter unless ``unit`` is given.

        Example:
        | Inject Fault | exception | code=02 | registers=5000-5010 | times=1 |
        | Inject Fault | no_response | door=modbus | after=2 | times=1 |
        | ${id} = | Inject Fault | result_code | code=106 | service=real |
        | Inject Fault | delay | delay=2s | max_delay=4s | probability=30% | seed=7 |
        | Inject Fault | inverter_fault | code=14 |
        """
        scope = scope or ("test" if self.ctx.in_test else "suite")
        mock = self.ctx.fleet.get(alias)
        fault = mock.inject_fault(kind, scope=scope, **options)
        if fault.scope == "suite":
            self.ctx.suite_faults.setdefault(self.ctx.current_suite, []).append((mock, fault.id))
        logger.info(f"Injected fault {fault.id}: {fault.describe()} (scope {fault.scope})")
        return fault.id

    @keyword
    def clear_faults(self, scope: str | None = None, alias: str | None = None) -> int:
        """Removes the faults of a mock now and returns how many there were.

        ``scope`` (``test``, ``suite`` or ``global``) removes only the faults of that scope; by
        default every fault goes. Device faults end at once: the next read shows the inverter
        recovered.

        Example:
        | ${removed} = | Clear Faults |
        """
        return self.ctx.fleet.get(alias).clear_faults(scope)

    @keyword
    def fault_should_have_triggered(self, fault_id: int, times: int | None = None, alias: str | None = None) -> int:
        """Fails unless the fault ``fault_id`` was applied (exactly ``times`` times, if given); returns the count.

        The count is how often the fault changed a request or a connection (device faults count
        once, when injected). `Get Fault Statistics` also tells how many requests it matched.

        Example:
        | ${id} = | Inject Fault | no_response | times=1 |
        | Run Client | ... |
        | Fault Should Have Triggered | ${id} | times=1 |
        """
        fault = self.ctx.fleet.get(alias).faults.get(int(fault_id))
        if times is None and fault.triggered == 0:
            raise AssertionError(f"fault {fault.id} ({fault.describe()}) never triggered; it matched {fault.matched} request(s)")
        if times is not None and fault.triggered != int(times):
            raise AssertionError(
                f"fault {fault.id} ({fault.describe()}) triggered {fault.triggered} time(s), expected {int(times)}; "
                f"it matched {fault.matched} request(s)"
            )
        return fault.triggered

    @keyword
    def get_fault_statistics(self, fault_id: int | None = None, alias: str | None = None) -> dict | list[dict]:
        """Returns a fault as a dictionary (``kind``, ``params``, ``target``, ``dose``, ``matched``,
        ``triggered``, ``active``, ``description``), or a list of every fault when ``fault_id`` is not given.

        Example:
        | ${stats} = | Get Fault Statistics | ${id} |
        | Should Be Equal As Integers | ${stats}[triggered] | 1 |
        """
        faults = self.ctx.fleet.get(alias).faults
        if fault_id is not None:
            return faults.get(int(fault_id)).as_dict()
        return [fault.as_dict() for fault in faults.faults(include_inactive=True)]
