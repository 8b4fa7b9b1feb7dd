"""The inverter's own clock: wall-clock time plus the offset that clock writes set."""

from __future__ import annotations

import time
from datetime import datetime


class Clock:
    """Local time as the inverter reports it; setting it keeps it running from the new value."""

    def __init__(self) -> None:
        self._offset = 0.0

    def timestamp(self) -> float:
        """Seconds since the epoch on the inverter's clock."""
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(int(self.timestamp()))

    def set(self, moment: datetime) -> None:
        self._offset = moment.timestamp() - time.time()
