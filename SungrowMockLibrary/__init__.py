"""SungrowMockLibrary: a mock Sungrow inverter and the Robot Framework library that drives it.

``MockSungrow`` (one installation) and ``MockSungrowFleet`` (many, on one event loop) are the
Python API. Every name here is imported on first use (PEP 562), so that
``sungrow-mock`` starts without the parts it does not serve (the command line imports the mock
itself, after switching off garbage collection for its start-up), and plain Python users never
pay for importing Robot.
"""

__version__ = "0.1.0"
__all__ = ["CatalogueError", "MockSungrow", "MockSungrowError", "MockSungrowFleet", "SungrowMockLibrary", "model_names"]

_HOMES = {
    "CatalogueError": ".device.catalogue",
    "MockSungrow": ".mock",
    "MockSungrowError": ".mock",
    "MockSungrowFleet": ".fleet",
    "model_names": ".mock",
    "SungrowMockLibrary": ".library",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # once: later look-ups find it directly
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
