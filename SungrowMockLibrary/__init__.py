"""SungrowMockLibrary: a mock Sungrow inverter and the Robot Framework library that drives it.

``MockSungrow`` is the Python API. ``SungrowMockLibrary`` (the Robot library class) is imported
on first use, so that the command line and plain Python users never pay for importing Robot.
"""

from .device.catalogue import CatalogueError
from .mock import MockSungrow, MockSungrowError, model_names

__version__ = "0.1.0"
__all__ = ["CatalogueError", "MockSungrow", "MockSungrowError", "SungrowMockLibrary", "model_names"]


def __getattr__(name: str):
    if name == "SungrowMockLibrary":
        from .library import SungrowMockLibrary

        return SungrowMockLibrary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
