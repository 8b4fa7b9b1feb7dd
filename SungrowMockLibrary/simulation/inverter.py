"""One simulated inverter: its register image, its clock, and the rules for reads and writes.

Transports call :meth:`Inverter.read` and :meth:`Inverter.write` with wire addresses and get
Modbus-shaped errors; keywords call the ``get_*``/``set_*`` methods with documented numbers or
names and get :class:`CatalogueError` messages that name the valid choices.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime
from time import perf_counter
from typing import TYPE_CHECKING

from ..device import battery, codec
from ..device.catalogue import HOLDING, CatalogueError, Layout, Register, layout
from ..device.image import RegisterAccessError, RegisterImage
from ..numbers import whole_number
from ..vocabulary import ADDRESS_SPACE, ILLEGAL_ADDRESS, ILLEGAL_VALUE
from .clock import Clock, to_datetime
from .history import arrays

if TYPE_CHECKING:
    from .simulator import Simulator

BATTERY_FIELD = "@battery."  # a register default naming a field of the battery pack (device/data/battery.toml)
CLOCK_FIELDS = ("year", "month", "day", "hour", "minute", "second")
_CLOCK_FIRST = 5000
_CLOCK_LAST = 5005
_BUILDING = threading.RLock()  # held while an inverter's simulator is built at its first use


def _holding_registers(layout: Layout) -> tuple[Register, ...]:
    return tuple(sorted((r for r in layout.registers if r.table == HOLDING), key=lambda r: r.number))


class Inverter:
    """A device of one catalogue model with its live register image.

    ``model`` is a catalogue model name, or a ready register layout (the battery pack's).
    """

    takes_broadcasts = True  # applies broadcast writes (unit 0) with the other devices on the bus
    # Whether its registers move only with its own simulation and clock, so that :meth:`refresh`
    # can tell ahead until when it has nothing to do (a battery pack follows its inverter's).
    rests = True

    def __init__(self, model: str | Layout, serial: str | None = None, clock: Clock | None = None):
        self.layout: Layout = model if isinstance(model, Layout) else layout(model)
        self.model = self.layout.model
        self.serial = self.model.serial if serial in (None, "") else str(serial)
        serial_register = self.layout.by_name.get("serial_number")
        if serial_register is not None:
            try:
                codec.encode(serial_register.type, self.serial, serial_register.words)
            except codec.CodecError as error:
                raise CatalogueError(f"serial {self.serial!r}: {error}") from None
        self.image = RegisterImage(self.layout)
        self.clock = clock or Clock()
        # Registers a test set by hand; the simulation leaves them alone until released.
        self.pinned: set[tuple[str, int]] = set()
        # The plant model behind the registers (simulation.simulator.Simulator), if simulated: built
        # by ``_build_simulator`` at its first use (decision §39), so that a start does not import it.
        self._simulator = None
        self._build_simulator: Callable[[], Simulator] | None = None
        self._clock_second: int | None = None  # the second the clock registers show
        # The perf_counter() time before which refresh() has nothing to do: the simulation is fresh
        # and the clock registers show the current second. A door's read compares it with the
        # clock reading it takes anyway instead of calling refresh() (a call is a tenth of a kept
        # read). 0 when not known; everything that could give refresh() work sets it back to 0.
        self.quiet_until = 0.0
        self._holding = self.layout.shared(_holding_registers)
        # Statistics arrays read 0 until the simulation has history for them (the catalogue
        # names only each array's first element).
        for series, first in arrays(self.layout):
            self.image.put_words(first.table, first.number, [0] * (first.words * series.length))
        for register in self.layout.registers:
            raw = self._default_raw(register) if self.layout.present(register) else codec.sentinel(register.type)
            self.image.put_raw(register, raw)
        self._sync_clock()
        self.clock.watch(self)

    @property
    def simulator(self) -> Simulator | None:
        """The plant model behind the registers, or None when the inverter is not simulated."""
        if self._build_simulator is not None:
            with _BUILDING:  # a read on the loop and a call from a test's thread build it once
                if self._build_simulator is not None:
                    self._simulator = self._build_simulator()
                    self._build_simulator = None
        return self._simulator

    @simulator.setter
    def simulator(self, simulator: Simulator | None) -> None:
        self._build_simulator = None
        self._simulator = simulator
        self.quiet_until = 0.0

    def simulate_with(self, build: Callable[[], Simulator]) -> None:
        """Simulate the inverter with the simulator ``build()`` returns, built when first used:
        every read and every change of the registers uses it first, so none happens before it."""
        self._simulator = None
        self._build_simulator = build
        self.quiet_until = 0.0

    def clock_changed(self) -> None:
        """The clock was set, advanced or changed speed (:meth:`Clock.watch`)."""
        self.quiet_until = 0.0

    # -- engineering units ----------------------------------------------------------------

    def to_raw(self, register: Register, value) -> int | str:
        """Convert an engineering value (or an enumeration label) to the register's raw value."""
        if register.is_text:
            return str(value)
        if isinstance(value, str):
            text = value.strip()
            if register.enum:
                for raw, label in register.enum.items():
                    if label.lower() == text.lower():
                        return raw
            try:
                value = whole_number(text)
            except ValueError:
                try:
                    value = float(text)
                except ValueError:
                    raise CatalogueError(
                        f"{text!r} is not a valid value for {register.name}; valid: {register.allowed()}"
                    ) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CatalogueError(f"{register.name} takes a number, got {value!r}")
        if isinstance(value, int) and register.scale == 1:
            return value
        return round(float(value) / register.scale)

    @staticmethod
    def parse_raw(register: Register, raw) -> int | str:
        """Accept a raw value given as text (``"655"``, ``"0xAA"``) as well as an integer."""
        if register.is_text or not isinstance(raw, str):
            return raw
        try:
            return whole_number(raw)
        except ValueError:
            raise CatalogueError(f"{register.name} takes an integer raw value, got {raw!r}") from None

    @staticmethod
    def from_raw(register: Register, raw: int | str) -> int | float | str:
        """Convert a raw value to engineering units (text stays text)."""
        if register.is_text or register.scale == 1:
            return raw
        decimals = max(0, -math.floor(math.log10(register.scale)))
        return round(raw * register.scale, decimals)

    def _default_raw(self, register: Register) -> int | str:
        default = register.default
        if not default:
            return "" if register.is_text else 0
        if default == "@serial":
            return self.serial
        if default.startswith(BATTERY_FIELD):  # a fact of the battery pack beside a hybrid
            if not getattr(self.model, "battery", False):
                return codec.sentinel(register.type)
            return self.to_raw(register, battery.pack().field_value(default[len(BATTERY_FIELD):]))
        if not default.startswith("@"):
            return self.to_raw(register, default)
        raw = self.to_raw(register, self.model.field_value(default[1:]))
        if register.is_text or register.enum:
            return raw
        # A rating the register cannot carry (a 25 kW SH-T's battery power in 1..1060 x 0.01 kW)
        # reads as the register's largest value, as a device saturates it.
        low, high = register.range or codec.limits(register.type)
        return min(max(raw, low), high)

    # -- keyword-facing access ---------------------------------------------------------------

    def get_raw(self, ref: str | int, table: str | None = None) -> int | str:
        register = self.layout.find(ref, table)
        if self.simulator is not None:
            self.simulator.update()
        if self._is_clock(register):
            self._sync_clock()
        return self.image.get_raw(register)

    def set_raw(self, ref: str | int, raw: int | str, table: str | None = None) -> int | str:
        """Store any raw value that fits the datatype and pin it; return the previous raw value."""
        register = self.layout.find(ref, table)
        previous = self.get_raw(register.number, register.table)
        raw = self.parse_raw(register, raw)
        try:
            self.image.put_raw(register, raw)
        except codec.CodecError as error:
            raise CatalogueError(f"{register.name}: {error}") from None
        if not self._is_clock(register):
            self.pinned.add((register.table, register.number))
        self._after_write(register.table, register.number, register.last)
        return previous

    def release(self, ref: str | int, table: str | None = None) -> bool:
        """Let the simulation drive a pinned register again; returns whether it was pinned."""
        register = self.layout.find(ref, table)
        key = (register.table, register.number)
        was_pinned = key in self.pinned
        self.pinned.discard(key)
        if was_pinned:
            self._show_simulation()
        return was_pinned

    def release_all(self) -> int:
        """Release every pinned register; returns how many were pinned."""
        count = len(self.pinned)
        self.pinned.clear()
        if count:
            self._show_simulation()
        return count

    def _show_simulation(self) -> None:
        """A register released shows the simulation's value at the next read, also while the
        clock stands still (not only after the simulation's next step)."""
        if self._simulator is not None:  # one not built yet shows it when it is
            self._simulator.invalidate()

    @staticmethod
    def _is_clock(register: Register) -> bool:
        return register.table == HOLDING and _CLOCK_FIRST <= register.number <= _CLOCK_LAST

    def get_value(self, ref: str | int, table: str | None = None) -> int | float | str:
        register = self.layout.find(ref, table)
        return self.from_raw(register, self.get_raw(register.number, register.table))

    def set_value(self, ref: str | int, value, table: str | None = None) -> int | float | str:
        """Store an engineering value, checked against the register's rules; return the previous one."""
        register = self.layout.find(ref, table)
        raw = self.to_raw(register, value)
        register.check_raw(raw)
        previous = self.set_raw(register.number, raw, register.table)
        return self.from_raw(register, previous)

    # -- wire-facing access ------------------------------------------------------------------

    def read(self, table: str, address: int, count: int) -> bytes:
        """Reply payload for a read of ``count`` registers at wire ``address``."""
        self.refresh()
        return self.image.read_wire(table, address, count)

    def refresh(self) -> int:
        """Bring the registers (the clock registers too) up to the simulated now, as a read sees
        them, and return the image's generation: a reply built from the registers at this
        generation is still the right reply while :meth:`refresh` returns the same number.

        Every read of every door runs this first: before :attr:`quiet_until` it only returns the
        generation; else it asks the clock once and calls nothing while neither the simulation nor
        the clock registers are due (the property ``simulator`` only the first time)."""
        if perf_counter() < self.quiet_until:
            return self.image.generation
        simulator = self._simulator if self._build_simulator is None else self.simulator
        now = self.clock.timestamp()
        if simulator is not None and not simulator.fresh_after < now < simulator.fresh_before:
            simulator.update()
        if int(now) != self._clock_second:
            self._sync_clock()
        if self.rests and self.clock.real_time:
            self._rest(simulator, now)
        return self.image.generation

    def _rest(self, simulator: Simulator | None, now: float) -> None:
        """Set :attr:`quiet_until` to when the simulation or the clock registers are next due
        (``now``: the simulated time the registers were just brought to)."""
        due = self._clock_second + 1.0
        if simulator is not None:
            if not simulator.fresh_after < now < simulator.fresh_before:
                return  # the update did not make it fresh (it failed): the next read tries again
            due = min(due, simulator.fresh_before)
        # perf_counter first: a pause before the clock is read then ends the quiet time early, not late.
        start = perf_counter()
        left = self.clock.wall_seconds_until(due)
        # Early by a thousandth and a millisecond: the wall clock may be slewed against perf_counter.
        self.quiet_until = start + left * 0.999 - 0.001

    def write(self, address: int, words: list[int]) -> None:
        """Apply a holding-register write at wire ``address``, all or nothing."""
        if self.simulator is not None:
            self.simulator.update()  # the time until now ran under the old settings
        self.check_write(address, words)
        first, last = address + 1, address + len(words)
        self.image.put_words(HOLDING, first, words)
        self._after_write(HOLDING, first, last)

    def check_write(self, address: int, words: list[int]) -> None:
        """Raise :class:`RegisterAccessError` unless the whole write at wire ``address`` is allowed;
        changes nothing."""
        first, last = address + 1, address + len(words)
        if address < 0 or last > ADDRESS_SPACE or not words:
            raise RegisterAccessError(ILLEGAL_ADDRESS, f"holding {first}..{last} is outside the address space")
        touched = [r for r in self._holding if r.number <= last and r.last >= first]
        covered = set()
        for register in touched:
            if not register.writable:
                raise RegisterAccessError(ILLEGAL_ADDRESS, f"holding {register.number} ({register.name}) is read-only")
            if not self.layout.present(register):
                # It reads the sentinel: the model does not implement it, so it takes no value either.
                raise RegisterAccessError(
                    ILLEGAL_ADDRESS, f"holding {register.number} ({register.name}) is not implemented by the {self.model.name}"
                )
            covered.update(range(register.number, register.last + 1))
        missing = [n for n in range(first, last + 1) if n not in covered]
        if missing:
            raise RegisterAccessError(ILLEGAL_ADDRESS, f"holding {missing[0]} is not a writable register")
        for register in touched:
            current = self.image.words(HOLDING, register.number, register.words)
            for n in range(max(first, register.number), min(last, register.last) + 1):
                current[n - register.number] = words[n - first]
            try:
                register.check_raw(codec.decode(register.type, current))
            except (CatalogueError, codec.CodecError) as error:
                raise RegisterAccessError(ILLEGAL_VALUE, str(error)) from None

    # -- clock ------------------------------------------------------------------------------

    def _after_write(self, table: str, first: int, last: int) -> None:
        if self.simulator is not None and table == HOLDING:
            self.simulator.invalidate()
        if table == HOLDING and first <= _CLOCK_LAST and last >= _CLOCK_FIRST:
            self._adopt_clock()

    def show_clock(self) -> None:
        """Make the clock registers show the clock again after something wrote over them in the
        image (a replayed snapshot); a client's write of them sets the clock instead."""
        self._clock_second = None
        self._sync_clock()

    def _sync_clock(self) -> None:
        # Reads of the clock are frequent (every SunGather scrape); rebuild the words once a second.
        second = int(self.clock.timestamp())
        if second == self._clock_second:
            return
        self._clock_second = second
        now = to_datetime(second)
        self.image.put_words(HOLDING, _CLOCK_FIRST, [now.year, now.month, now.day, now.hour, now.minute, now.second])

    def _adopt_clock(self) -> None:
        """Make the clock run on from what was written to the clock registers."""
        import calendar  # only a client setting the clock needs it, not a start

        year, month, day, hour, minute, second = self.image.words(HOLDING, _CLOCK_FIRST, 6)
        try:
            day = min(day, calendar.monthrange(year, month)[1])
            self.clock.set(datetime(year, month, day, hour, minute, second))  # which ends the quiet time (clock_changed)
            self._clock_second = None
        except ValueError:
            pass  # a half-written clock (field by field) is adopted once it forms a valid time
