"""What each data point of sungrow-websocket 0.2.2 should show, checked against the mock.

sungrow-websocket turns the WiNet-S ``real`` / ``real_battery`` items into ids (the i18n key
without ``I18N_COMMON_`` / ``I18N_``, lower case) and the ``direct`` items into
``mppt1_voltage``, ``string_1_current`` ... (PROTOCOLS 4.3). The table below says, for each id,
which inverter register holds the value (by its meaning in PROTOCOLS 4.3, 2.3 and 2.4), how it
converts to the reported unit, and what unit the dongle shows. The expected number is read
from the mock with ``Get Inverter Value`` / ``Get Register`` at check time, so the check
follows whatever values the test set.

A shown number passes when it equals the expected value rounded to the decimals the dongle
showed (within half a unit of its last digit).
"""

from __future__ import annotations

import math
from decimal import Decimal

from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn

NA = "--"
KILO = Decimal("0.001")


def value(register: str, unit: str, factor: Decimal = Decimal(1)) -> dict:
    return {"kind": "value", "register": register, "unit": unit, "factor": factor}


def part(register: str, unit: str, sign: int) -> dict:
    """The positive (sign 1) or negative (sign -1) part of a signed power, in kW."""
    return {"kind": "part", "register": register, "unit": unit, "factor": KILO, "sign": sign}


def flagged(register: str, flags: str, bit: int) -> dict:
    """A battery power magnitude shown only while a bit of the power-flow flags is set (2.5.4)."""
    return {"kind": "flagged", "register": register, "unit": "kW", "factor": KILO, "flags": flags, "bit": bit}


def state(register: str) -> dict:
    return {"kind": "state", "register": register, "unit": ""}


def apparent(active: str, reactive: str) -> dict:
    """|P + jQ| of two registers in W and var, shown in kVA."""
    return {"kind": "apparent", "register": active, "reactive": reactive, "unit": "kVA", "factor": KILO}


def not_available(unit: str) -> dict:
    return {"kind": "na", "unit": unit}


COMMON = {
    "daily_power_yield": value("daily_power_yields", "kWh"),
    "air_tem_inside_machine": value("internal_temperature", "℃"),
    "total_dcpower": value("total_dc_power", "kW", KILO),
    "total_active_power": value("total_active_power", "kW", KILO),
    "total_reactive_power": value("total_reactive_power", "kvar", KILO),
    "total_power_factor": value("power_factor", ""),
    "grid_frequency": value("grid_frequency_precise", "Hz"),
    "commonua": value("phase_a_voltage", "V"),
    "commonub": value("phase_b_voltage", "V"),
    "commonuc": value("phase_c_voltage", "V"),
    "fragment_run_type1": value("phase_a_current", "A"),
    "fragment_run_type2": value("phase_b_current", "A"),
    "fragment_run_type3": value("phase_c_current", "A"),
    "daily_feed_network_volume": value("daily_export_energy", "kWh"),
    "total_feed_network_volume": value("total_export_energy", "kWh"),
    "energy_get_from_grid_daily": value("daily_import_energy", "kWh"),
    "total_electric_grid_get_power": value("total_import_energy", "kWh"),
    "daily_direct_consumption_electricity_pv": value("daily_direct_energy_consumption", "kWh"),
    "total_direct_power_consumption_pv": value("total_direct_energy_consumption", "kWh"),
}

HYBRID = {
    "total_apparent_power": apparent("total_active_power", "total_reactive_power"),
    **COMMON,
    # the SH5.0RS dump shows "--" for these; the hybrid register map has no such registers
    "total_grid_running_time": not_available("h"),
    "bus_voltage": not_available("V"),
    "square_array_insulation_impedance": not_available("kΩ"),
    "pv_dayily_energy_generation": value("daily_pv_generation", "kWh"),
    "pv_total_energy_generation": value("total_pv_generation", "kWh"),
    "total_yield": value("total_power_yields", "kWh"),
    "running_state": state("system_state"),
    "config_key_1001188": value("self_consumption_of_day", "%"),
    # 13010 export power: positive = exporting, negative = importing (2.4)
    "feed_network_total_active_power": part("export_power_hybrid", "kW", 1),
    "config_key_4060": part("export_power_hybrid", "kW", -1),
    "daily_feed_network_pv": value("daily_pv_export", "kWh"),
    "total_feed_network_pv": value("total_pv_export", "kWh"),
    "load_total_active_power": value("load_power_hybrid", "kW", KILO),
    "phase_a_backup_current_qfkyging": value("backup_phase_a_current", "A"),
    "phase_b_backup_current_odxctvms": value("backup_phase_b_current", "A"),
    "phase_c_backup_current_pbsqlzix": value("backup_phase_c_current", "A"),
    "phase_a_backup_power_brbjdgvb": value("backup_phase_a_power", "kW", KILO),
    "phase_b_backup_power_ocdhlmzb": value("backup_phase_b_power", "kW", KILO),
    "phase_c_backup_power_hambbgnl": value("backup_phase_c_power", "kW", KILO),
    "total_backup_power_wlecivpm": value("total_backup_power", "kW", KILO),
    # real_battery
    "config_key_3907": flagged("battery_power", "running_state", 1),  # charging power
    "config_key_3921": flagged("battery_power", "running_state", 2),  # discharging power
    "battery_voltage": value("battery_voltage", "V"),
    "battery_current": value("battery_current", "A"),
    "battery_temperature": value("battery_temperature", "℃"),
    "battery_soc": value("battery_level", "%"),
    "battary_health": value("battery_state_of_healthy", "%"),
    "max_charge_current_bms": value("bms_max_charging_current", "A"),
    "max_discharge_current_bms": value("bms_max_discharging_current", "A"),
    "daily_battery_charge_pv": value("daily_battery_charge_from_pv", "kWh"),
    "total_battery_charge_pv": value("total_battery_charge_from_pv", "kWh"),
    "daily_battery_discharge": value("daily_battery_discharge_energy", "kWh"),
    "total_battry_discharge": value("total_battery_discharge_energy", "kWh"),
    "daily_battery_charge": value("daily_charge_energy", "kWh"),
    "total_battery_charge": value("total_charge_energy", "kWh"),
}

STRING = {
    **COMMON,
    "total_grid_running_time": value("total_running_time", "h"),
    "bus_voltage": value("bus_voltage", "V"),
    "square_array_insulation_impedance": value("array_insulation_resistance", "kΩ"),
    "total_yield": value("total_power_yields_precise", "kWh"),  # the 0.1 kWh register 5144
    "running_state": state("work_state_1"),
    # 5083 meter power: positive = importing, negative = exporting (2.3)
    "feed_network_total_active_power": part("meter_power", "kW", -1),
    "config_key_4060": part("meter_power", "kW", 1),
    "load_total_active_power": value("load_power", "kW", KILO),
    "total_apparent_power": value("total_apparent_power", "kVA", KILO),
}

TABLES = {"SH": HYBRID, "SG": STRING}

# Ids that must be there, one per step of the client, so a silent early stop is noticed.
REQUIRED = {
    "SH": ("daily_power_yield", "total_active_power", "running_state", "battery_soc", "mppt1_voltage",
           "string_1_voltage"),
    "SG": ("daily_power_yield", "total_active_power", "running_state", "mppt1_voltage", "string_1_voltage"),
}

# Words of the documented state names (PROTOCOLS 2.5.1, 2.5.3) the translated value must contain.
STATE_WORDS = {
    0x0000: "run", 0x0040: "run", 0x8000: "stop", 0x8100: "derating", 0x8200: "dispatch",
    0x0800: "forced", 0x1000: "off-grid", 0x5500: "fault", 0x1400: "standby", 0x9100: "alarm",
}


def decimals_of(text: str) -> int:
    return len(text.partition(".")[2])


@library(scope="GLOBAL", auto_keywords=False)
class winetpoints:
    def _get(self, keyword_name: str, register: str, unit_id):
        args = [register] if unit_id in (None, "", "None") else [register, f"unit_id={unit_id}"]
        return BuiltIn().run_keyword(keyword_name, *args)

    def _expected(self, spec: dict, unit_id) -> Decimal:
        raw_value = Decimal(str(self._get("Get Inverter Value", spec["register"], unit_id)))
        number = raw_value * spec["factor"]
        if spec["kind"] == "part":
            number = max(number * spec["sign"], Decimal(0))
        elif spec["kind"] == "apparent":
            reactive = Decimal(str(self._get("Get Inverter Value", spec["reactive"], unit_id))) * spec["factor"]
            number = Decimal(math.hypot(number, reactive))
        elif spec["kind"] == "flagged":
            flags = int(self._get("Get Register", spec["flags"], unit_id))
            if not (flags >> spec["bit"]) & 1:
                number = Decimal(0)
        return number

    def _check_number(self, shown: str, expected: Decimal) -> str | None:
        try:
            number = Decimal(shown)
        except ArithmeticError:
            return f"{shown!r} is not a number; expected {expected}"
        tolerance = Decimal(5).scaleb(-decimals_of(shown) - 1) + Decimal("1e-9")
        if abs(number - expected) > tolerance:
            return f"{shown} != {expected} (rounded to {decimals_of(shown)} decimals)"
        return None

    @keyword("Sungrow Websocket Data Should Match The Mock")
    def data_should_match(self, data: dict, kind: str, unit_id=None) -> None:
        """Checks every data point sungrow-websocket returned against the mock's registers.

        ``kind`` is the model kind, ``SH`` (hybrid) or ``SG`` (string inverter). Every id must be known to the
        table of this module, show the expected unit, and the value the mock's register holds
        (converted to that unit); ``mpptN_*`` and ``string_N_*`` come from the ``direct`` service
        (an MPPT's voltage and current; each string shows its MPPT's voltage and at most its
        MPPT's current). Fails listing every mismatch.
        """
        table = TABLES[kind]
        problems = []
        for required in REQUIRED[kind]:
            if required not in data:
                problems.append(f"{required}: missing (the client stopped early or the service lacks it)")
        mppts = {}
        for key, item in data.items():
            if key.startswith("mppt") and key.endswith(("_voltage", "_current")):
                number, _, kind = key[len("mppt"):].partition("_")
                mppts.setdefault(int(number), {})
                register = f"mppt_{number}_{kind}"
                spec = value(register, "V" if kind == "voltage" else "A")
                problems += self._check(key, item, spec, unit_id)
                mppts[int(number)][kind] = Decimal(item["value"]) if item["value"] != NA else None
        for key, item in data.items():
            if key.startswith("mppt") and key.endswith(("_voltage", "_current")):
                continue
            if key.startswith("string_") and key.endswith(("_voltage", "_current")):
                problems += self._check_string(key, item, mppts)
                continue
            spec = table.get(key)
            if spec is None:
                problems.append(f"{key} ({item.get('name')}): a data point this test does not know; "
                                f"value {item.get('value')!r} {item.get('unit')!r}")
                continue
            problems += self._check(key, item, spec, unit_id)
        if problems:
            raise AssertionError(f"{len(problems)} data point(s) differ from the mock:\n" + "\n".join(problems))
        BuiltIn().log(f"{len(data)} data points match the mock")

    def _check(self, key: str, item: dict, spec: dict, unit_id) -> list[str]:
        shown, unit = item.get("value"), item.get("unit")
        out = []
        if unit != spec["unit"]:
            out.append(f"{key}: unit {unit!r}, expected {spec['unit']!r}")
        if spec["kind"] == "na":
            if shown != NA:
                out.append(f"{key}: {shown!r}, expected {NA!r} (no such register on this model)")
            return out
        if spec["kind"] == "state":
            raw = int(self._get("Get Register", spec["register"], unit_id))
            word = STATE_WORDS.get(raw)
            if str(shown).startswith("I18N_"):
                out.append(f"{key}: {shown!r} was not translated (missing from the properties file)")
            elif word is None:
                out.append(f"{key}: the test set {spec['register']} = {raw:#06x}, which this check does not know")
            elif word not in str(shown).lower():
                out.append(f"{key}: {shown!r} for {spec['register']} = {raw:#06x}, expected a text with {word!r}")
            return out
        problem = self._check_number(str(shown), self._expected(spec, unit_id))
        if problem:
            out.append(f"{key} ({spec['register']}): {problem}")
        return out

    def _check_string(self, key: str, item: dict, mppts: dict) -> list[str]:
        """A string shows the voltage of one MPPT and a current no larger than that MPPT's."""
        shown = item.get("value")
        if key.endswith("_voltage"):
            if item.get("unit") != "V":
                return [f"{key}: unit {item.get('unit')!r}, expected 'V'"]
            if not any(m.get("voltage") is not None and str(m["voltage"]) == shown for m in mppts.values()):
                return [f"{key}: {shown} V is the voltage of no MPPT ({mppts})"]
            return []
        if item.get("unit") != "A":
            return [f"{key}: unit {item.get('unit')!r}, expected 'A'"]
        largest = max((m.get("current") or Decimal(0)) for m in mppts.values()) if mppts else Decimal(0)
        try:
            if Decimal(shown) > largest + Decimal("0.05"):
                return [f"{key}: {shown} A is more than any MPPT's current ({largest} A)"]
        except ArithmeticError:
            return [f"{key}: {shown!r} is not a number"]
        return []
