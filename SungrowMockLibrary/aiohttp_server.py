"""aiohttp's server without its client, for ``sungrow-mock serve`` (decisions §37).

``import aiohttp`` runs the package's ``__init__``, which imports the whole client: its connector
builds two SSL contexts that load the system's CA store, and with cookies, tracing and the rest
that is about half of the 135 ms the import costs here. The doors need ``aiohttp.web`` only, which
never imports the client. :func:`import_server` imports ``aiohttp.web`` under a package module made
from aiohttp's own spec without running its ``__init__``; the first look-up of any other name of
the package (``aiohttp.ClientSession``, ``from aiohttp import ...``) runs the real ``__init__``
then, so the package is whole for whoever needs it. Should any of this fail, aiohttp is imported
the ordinary way.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import sys
import threading
from types import ModuleType

_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def import_server() -> None:
    """Import ``aiohttp.web`` without aiohttp's client (nothing when aiohttp is imported already)."""
    if "aiohttp" in sys.modules:
        return
    try:
        spec = importlib.util.find_spec("aiohttp")
        with open(spec.origin, encoding="utf-8") as init:
            version = _VERSION.search(init.read())[1]  # aiohttp.http reads it from the package
        package = importlib.util.module_from_spec(spec)
        package.__version__ = version
        package.__getattr__ = _whole_on_demand(package, spec)
        sys.modules["aiohttp"] = package
        import aiohttp.web
    except Exception:  # an aiohttp this does not fit: the ordinary import
        for name in [n for n in sys.modules if n == "aiohttp" or n.startswith("aiohttp.")]:
            del sys.modules[name]
        import aiohttp  # noqa: F401


def _whole_on_demand(package: ModuleType, spec) -> object:
    lock = threading.RLock()
    state: dict = {"run": False, "submodules": None}

    def __getattr__(name: str) -> object:
        with lock:  # other threads wait for the whole package; the thread running __init__ goes on
            if state["submodules"] is None:
                state["submodules"] = {m.name for m in pkgutil.iter_modules(spec.submodule_search_locations)}
            if name in state["submodules"]:  # not imported yet: the import system asks first, then imports it
                raise AttributeError(f"module 'aiohttp' has no attribute {name!r}")
            if not state["run"]:
                state["run"] = True
                spec.loader.exec_module(package)  # aiohttp's own __init__ (and its own __getattr__, if any)
        if name in package.__dict__:
            return package.__dict__[name]
        own = package.__dict__.get("__getattr__")
        if own is not None and own is not __getattr__:
            return own(name)
        raise AttributeError(f"module 'aiohttp' has no attribute {name!r}")

    return __getattr__
