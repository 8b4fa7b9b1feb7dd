"""Record a real (or mock) inverter's registers over Modbus TCP and replay them in a mock.

- :mod:`.snapshot`: the snapshot file (format, load, save, validation) and applying it to a mock;
- :mod:`.client`: the raw Modbus TCP client that reads a device;
- :mod:`.recorder`: :func:`record`: detect the model, read every block, note refused blocks.

``snapshot`` is the user's word for a recorded register file (`Record Inverter Snapshot`,
``snapshot=FILE``); the simulation's instantaneous values are its ``OperatingPoint``.
"""

from ..errors import RecordingError
from .recorder import record
from .snapshot import Snapshot

__all__ = ["RecordingError", "Snapshot", "record"]
