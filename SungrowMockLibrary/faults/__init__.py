"""Injected faults: the kind table, the engine that decides, the text form, and device faults.

- :mod:`.kinds`: every kind once, with its parameters, doors and stages (:data:`KINDS`, :func:`kinds_at`).
- :mod:`.values`: how parameter values are read from native values or text.
- :mod:`.targets`: which requests a fault applies to and how often it fires.
- :mod:`.engine`: the injected faults of a mock and the decision per request.
- :mod:`.spec`: faults written as flat text mappings and TOML fault files.
- :mod:`.device`: the condition device faults put the simulated inverter in.
"""

from ..errors import FaultError
from .device import device_condition
from .engine import Fault, FaultEngine
from .kinds import KINDS, FaultKind, KindSpec, Param, Stage, kinds_at
from .spec import load_fault_file, parse_fault
from .targets import Dose, RequestInfo, Target

__all__ = [
    "KINDS", "Dose", "Fault", "FaultEngine", "FaultError", "FaultKind", "KindSpec", "Param", "RequestInfo",
    "Stage", "Target", "device_condition", "kinds_at", "load_fault_file", "parse_fault",
]
