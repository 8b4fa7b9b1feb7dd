"""A keyword's arguments bound and converted by Robot Framework's rules, on Robot's public API only.

The description comes from the dynamic library API (``get_keyword_arguments`` and
``get_keyword_types``, whose formats Robot's User Guide documents); conversion is
:class:`robot.api.TypeInfo` (public since Robot Framework 7.0). Robot's own binder lives in
``robot.running.arguments``, which is internal and changed its signatures between 7.0 and 7.x;
the rules it applies are documented, so they are restated here with Robot's messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from robot.api import TypeInfo

from ..errors import SungrowMockError


class ArgumentError(SungrowMockError):
    """The arguments do not fit the keyword (count, names, or a value Robot cannot convert)."""


_NOT_GIVEN = object()


@dataclass(frozen=True)
class Signature:
    """What a keyword takes, as Robot sees it. ``types`` is None when the library turned conversion off."""

    keyword: str
    positional: tuple[str, ...] = ()
    defaults: Mapping[str, object] = field(default_factory=dict)
    var_positional: str | None = None
    named_only: tuple[str, ...] = ()
    var_named: str | None = None
    types: Mapping[str, TypeInfo] | None = None
    # The library's ROBOT_LIBRARY_CONVERTERS: Robot converts with them in process, so here too.
    converters: Mapping | None = None

    @classmethod
    def from_dynamic(cls, keyword: str, arguments: Sequence, types=(), converters: Mapping | None = None) -> Signature:
        """The signature a dynamic library reports: ``arguments`` as ``get_keyword_arguments`` gives
        them (``name``, ``name=default``, ``(name, default)``, ``*varargs``, ``*``, ``**kwargs``)
        and ``types`` as ``get_keyword_types`` does (a mapping, a list in argument order, or None)."""
        positional: list[str] = []
        named_only: list[str] = []
        defaults: dict[str, object] = {}
        var_positional = var_named = None
        for argument in arguments:
            if isinstance(argument, tuple):
                name, default = argument[0], (argument[1] if len(argument) > 1 else _NOT_GIVEN)
            else:
                name, _, text = argument.partition("=")
                default = text if "=" in argument else _NOT_GIVEN
            if name.startswith("**"):
                var_named = name[2:]
            elif name == "*":
                var_positional = var_positional or ""  # named-only arguments follow, no varargs
            elif name.startswith("*"):
                var_positional = name[1:]
            else:
                (named_only if var_positional is not None else positional).append(name)
                if default is not _NOT_GIVEN:
                    defaults[name] = default
        return cls(
            keyword=keyword,
            positional=tuple(positional),
            defaults=defaults,
            var_positional=var_positional or None,
            named_only=tuple(named_only),
            var_named=var_named,
            types=_type_infos(
                types, [*positional, *filter(None, [var_positional]), *named_only, *filter(None, [var_named])]
            ),
            converters=converters,
        )

    @property
    def minimum(self) -> int:
        return sum(1 for name in self.positional if name not in self.defaults)

    def bind(self, args: Sequence, kwargs: Mapping[str, object], empty_is_none: bool = False) -> tuple[list, dict]:
        """``args`` and ``kwargs`` checked against the signature and converted to the keyword's types.

        ``empty_is_none``: '' means None for an argument that accepts None (Robot's Remote library
        sends ``${None}`` as '': XML-RPC has no null). Raises :class:`ArgumentError` with Robot's message.
        """
        args, kwargs = list(args), dict(kwargs)
        self._check(args, kwargs)
        names = [*self.positional, *[self.var_positional] * (len(args) - len(self.positional))]
        if empty_is_none:
            args = [None if value == "" and self._takes_none(name) else value for name, value in zip(names, args)]
            kwargs = {name: None if value == "" and self._takes_none(name) else value for name, value in kwargs.items()}
        own = {*self.positional, *self.named_only}
        return (
            [self._convert(name, value) for name, value in zip(names, args)],
            {name: self._convert(name if name in own else self.var_named, value) for name, value in kwargs.items()},
        )

    # Robot's checks, in Robot's order, with Robot's words.
    def _check(self, args: list, kwargs: dict) -> None:
        for name in self.positional[: len(args)]:
            if name in kwargs:
                self._fail(f"got multiple values for argument '{name}'")
        count = len(args) + sum(1 for name in kwargs if name in self.positional)
        maximum = len(self.positional) if self.var_positional is None else None
        if count < self.minimum or (maximum is not None and count > maximum):
            self._fail(f"expected {self._expected(maximum)}, got {count}")
        for name in self.positional[len(args) :]:
            if name not in self.defaults and name not in kwargs:
                self._fail(f"missing value for argument '{name}'")
        missing = sorted(name for name in self.named_only if name not in kwargs and name not in self.defaults)
        if missing:
            self._fail(f"missing named-only argument{_s(missing)} {_listed(missing)}")
        if self.var_named is None:
            extra = sorted(set(kwargs) - set(self.positional) - set(self.named_only))
            if extra:
                self._fail(f"got unexpected named argument{_s(extra)} {_listed(extra)}")

    def _expected(self, maximum: int | None) -> str:
        if self.minimum == maximum:
            expected = f"{maximum} argument{_s(maximum)}"
        elif maximum is not None:
            expected = f"{self.minimum} to {maximum} arguments"
        else:
            expected = f"at least {self.minimum} argument{_s(self.minimum)}"
        if self.var_named is not None or self.named_only:
            expected = expected.replace("argument", "non-named argument")
        return expected

    def _fail(self, message: str) -> None:
        raise ArgumentError(f"Keyword '{self.keyword}' {message}.")

    def _takes_none(self, name: str) -> bool:
        if name in self.defaults and self.defaults[name] is None:
            return True
        info = (self.types or {}).get(name)
        return info is not None and info.is_union and any(nested.type is type(None) for nested in info.nested)

    def _convert(self, name: str, value):
        # Robot's documented order: the type hint first; then the type of the default value
        # (implicit conversion, whose failure leaves the value as it is); a hint without a
        # converter (TypeError) does not convert.
        if self.types is None:
            return value
        default = self.defaults.get(name, _NOT_GIVEN)
        if value is None and default is None:
            return value
        failure = None
        info = self.types.get(name)
        if info is not None:
            try:
                return info.convert(value, name, custom_converters=self.converters)
            except ValueError as error:
                failure = error
            except OverflowError:  # a timedelta beyond 999999999 days
                failure = ValueError(f"Argument '{name}' got value {value!r} that is too large to convert.")
            except TypeError:
                pass
        if default is not _NOT_GIVEN and not isinstance(default, str):
            implicit = (
                TypeInfo.from_sequence([int, float]) if type(default) is int else TypeInfo.from_type_hint(type(default))
            )
            try:
                return implicit.convert(value, name)
            except (ValueError, TypeError, OverflowError):
                pass
        if failure is not None:
            raise ArgumentError(str(failure)) from None
        return value


def _type_infos(types, names: list[str]) -> dict[str, TypeInfo] | None:
    if types is None:
        return None
    if not isinstance(types, Mapping):
        types = dict(zip(names, types))
    return {name: TypeInfo.from_type_hint(hint) for name, hint in types.items() if name in names and hint is not None}


def _s(items) -> str:
    count = items if isinstance(items, int) else len(items)
    return "" if count == 1 else "s"


def _listed(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
