"""The SBR battery pack beside a hybrid inverter, as a Modbus device of its own.

The pack has no physics of its own: the inverter's battery (simulated or static, pinned or
not) is the one battery, and before every read the pack copies what its inverter says about it
(voltage, current, temperature, SOC, SOH, energy totals: ``device/data/sbr_registers.csv``) and
derives its cell and module values from its own pack voltage and temperature. So a client
reading unit 200 and one reading the inverter's 13020-13028 see the same battery.
"""

from __future__ import annotations

from ..device import codec
from ..device.battery import BatteryPack, battery_layout, pack, sources
from ..device.catalogue import Register
from .inverter import Inverter

DERIVED = "="  # a source that is derived rather than copied from the inverter
# Derived values from the pack's own registers (so a pinned pack voltage moves its cells too).
PACK_VOLTAGE, PACK_TEMPERATURE = "battery_voltage", "battery_temperature"


def derived_values(the_pack: BatteryPack, voltage_v: float, temperature_c: float) -> dict[str, float]:
    """Cell voltages and module temperatures of a pack at ``voltage_v`` and ``temperature_c``."""
    mean = voltage_v / the_pack.cells
    half_cells, half_modules = the_pack.cell_spread_v / 2, the_pack.module_temperature_spread_c / 2
    return {
        "cell_voltage_max": mean + half_cells,
        "cell_voltage_min": mean - half_cells,
        "module_temperature_max": temperature_c + half_modules,
        "module_temperature_min": temperature_c - half_modules,
    }


class BatteryDevice(Inverter):
    """The SBR pack of ``device/data/battery.toml`` beside ``host``, answering on its own unit.

    It is read, pinned and journalled like an inverter (its register map is the pack's); it takes
    no broadcast writes and has no writable registers.
    """

    takes_broadcasts = False
    rests = False  # its registers follow the inverter's, read by read

    def __init__(self, host: Inverter):
        self.pack = pack()
        super().__init__(battery_layout(), self.pack.serial, host.clock)
        self.host = host
        copied: list[tuple[Register, Register]] = []
        derived: list[tuple[Register, str]] = []
        for name, source in sources().items():
            register = self.layout.by_name[name]
            if not self.layout.present(register):
                continue  # an empty module slot keeps its sentinel
            if source.startswith(DERIVED):
                derived.append((register, source[len(DERIVED):]))
                continue
            origin = host.layout.by_name.get(source)
            if origin is None or not host.layout.present(origin):
                continue
            copied.append((register, origin))
        self._copied, self._derived = tuple(copied), tuple(derived)
        # The inverter's registers as they stand: its simulation catches up from midnight at the first
        # read of either device, as it does for an inverter without a battery (decisions §36).
        self._follow(simulate=False)

    def _follow(self, simulate: bool = True) -> None:
        """Show what the inverter says about its battery now (registers pinned here stay)."""
        host = self.host
        if simulate and host.simulator is not None:
            host.simulator.update()
        pinned = self.pinned
        for register, origin in self._copied:
            if (register.table, register.number) not in pinned:
                self._put(register, host.from_raw(origin, host.image.get_raw(origin)))
        if self._derived:
            by_name = self.layout.by_name
            voltage = self.from_raw(by_name[PACK_VOLTAGE], self.image.get_raw(by_name[PACK_VOLTAGE]))
            temperature = self.from_raw(by_name[PACK_TEMPERATURE], self.image.get_raw(by_name[PACK_TEMPERATURE]))
            values = derived_values(self.pack, voltage, temperature)
            for register, quantity in self._derived:
                if (register.table, register.number) not in pinned:
                    self._put(register, values[quantity])

    def _put(self, register: Register, value: float) -> None:
        low, high = codec.limits(register.type)
        self.image.put_raw(register, min(max(round(value / register.scale), low), high))

    def refresh(self) -> int:
        self._follow()  # first, so that the generation returned is the one the read then shows (read() refreshes)
        return super().refresh()

    def get_raw(self, ref: str | int, table: str | None = None) -> int | str:
        self._follow()
        return super().get_raw(ref, table)
