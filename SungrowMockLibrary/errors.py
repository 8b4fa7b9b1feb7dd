"""The library's exceptions: one base class, so a caller can catch every refusal of the mock.

Every message names what was wrong and, where there is a fixed set, the valid choices. Robot
shows them without the class name (``ROBOT_SUPPRESS_NAME``).
"""

from __future__ import annotations


class SungrowMockError(Exception):
    """Base of every error the library raises on purpose."""

    ROBOT_SUPPRESS_NAME = True


class ChoiceError(SungrowMockError, ValueError):
    """A value outside a fixed set of choices (door, table, scope, state, fault kind ...)."""


class CatalogueError(SungrowMockError, ValueError):
    """Unknown model or register, a value a register does not allow, or an inconsistent data file."""


class MockSungrowError(SungrowMockError, RuntimeError):
    """A mock used in a way its state does not allow (for example reading an endpoint before start)."""


class FaultError(SungrowMockError, ValueError):
    """An invalid fault: unknown kind, wrong door, unknown parameter or a bad value.

    ``key`` names the offending key of a fault specification when there is one, so that a fault
    file can point at it.
    """

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class EncryptionKeyError(SungrowMockError, ValueError):
    """A public key that is not 16 bytes of hex."""


class ScenarioError(SungrowMockError, ValueError):
    """A scenario file that cannot be used; the message names the line and the field."""


class RecordingError(SungrowMockError):
    """A recording that cannot be made, or a snapshot that cannot be loaded or applied."""


class OptionError(SungrowMockError, ValueError):
    """A start option or a setting outside its valid range (a port, a unit id, a clock speed, a
    time, an irradiance ...), or options that do not go together."""
