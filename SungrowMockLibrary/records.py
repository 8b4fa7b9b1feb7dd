"""Immutable records for the classes a start creates, without ``dataclasses`` (decision §40).

A frozen ``@dataclass`` compiles its methods from generated source when its class is created (six
``exec`` calls, ``__init__`` to ``__delattr__``), and ``dataclasses`` imports ``inspect``: together
about a quarter of a Modbus-only start. A :class:`Record` writes its own ``__init__``, compiled
with its module, and takes the rest from here, as a frozen dataclass has them: its fields are its
annotations in order (but for names starting with ``_``, kept out of equality and repr);
equality (same class), hash and repr over them; assigning or deleting an attribute raises
``dataclasses.FrozenInstanceError``. ``__init__`` stores the fields with ``self.__dict__.update``.
"""

from __future__ import annotations


class Record:
    """An immutable value whose fields are its class's annotations."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect is what a start avoids)
        cls._fields = (*cls._fields, *(name for name in own if not name.startswith("_")))

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in self._fields])

    def as_dict(self) -> dict:
        """Every field, by name (as ``dataclasses.asdict`` gives them, without copying into them)."""
        return {name: getattr(self, name) for name in self._fields}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"

    def __setattr__(self, name: str, value: object) -> None:
        from dataclasses import FrozenInstanceError  # only a mistake needs it

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")


class MutableRecord(Record):
    """A record whose fields may change, as a dataclass that is not frozen: no hash."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__
    __hash__ = None  # type: ignore[assignment]
