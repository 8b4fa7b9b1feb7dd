"""Scenario files: a simulated day described as data (TOML).

    [site]
    latitude = 48.1
    seed = 3

    [clock]
    start_time = "2026-06-21T04:00:00"
    speed = 600

    [battery]
    soc = 40

    [irradiance]            # W/m2; a constant `value`, or `points` over the day
    points = [["06:00", 0], ["12:00", 900], ["18:00", 0]]

    [load]                  # W
    value = 1200

    [registers]             # engineering values or labels, as Set Inverter Value (pinned)
    ems_mode = "forced"

Every section and field is optional. An error names the file, the line and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScenarioError
from .clock import DAY_S
from .profiles import TimeSeriesProfile

_FIELDS = {
    "site": {"latitude", "seed"},
    "clock": {"start_time", "speed"},
    "battery": {"soc"},
    "irradiance": {"value", "points"},
    "load": {"value", "points"},
    "registers": None,  # any register name
}


@dataclass
class Scenario:
    latitude: float | None = None
    seed: int | None = None
    start_time: str | None = None
    speed: float | None = None
    soc: float | None = None
    irradiance: float | TimeSeriesProfile | None = None
    load: float | TimeSeriesProfile | None = None
    registers: dict[str, object] = field(default_factory=dict)


def _line_of(lines: list[str], section: str, key: str | None) -> int:
    """The 1-based line of ``key`` in ``[section]`` (or of the section header)."""
    in_section = False
    header_line = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith("["):
            in_section = text.strip("[] ") == section
            if in_section:
                header_line = number
            continue
        if in_section and key is not None and text.split("=", 1)[0].strip() == key:
            return number
    return header_line


def _seconds_of_day(text: object) -> float:
    if isinstance(text, (int, float)):
        return float(text)
    hours, _, minutes = str(text).partition(":")
    value = int(hours) * 3600 + int(minutes or 0) * 60
    if not 0 <= value <= DAY_S:
        raise ValueError(f"{text!r} is not a time of day (00:00..24:00)")
    return float(value)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"cannot read scenario {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"cannot read scenario {path}: it is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: {error}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: arrays or tables are nested too deeply") from None
    lines = text.splitlines()

    def fail(section: str, key: str | None, message: str) -> ScenarioError:
        where = f"{section}.{key}" if key else f"[{section}]"
        return ScenarioError(f"{path}:{_line_of(lines, section, key)}: {where}: {message}")

    scenario = Scenario()
    for section, values in data.items():
        if section not in _FIELDS:
            raise fail(section, None, f"unknown section; valid: {', '.join(_FIELDS)}")
        if not isinstance(values, dict):
            raise fail(section, None, "must be a [section] table")
        allowed = _FIELDS[section]
        for key, value in values.items():
            if allowed is not None and key not in allowed:
                raise fail(section, key, f"unknown field; valid: {', '.join(sorted(allowed))}")
            try:
                _apply(scenario, section, key, value)
            except (ValueError, TypeError) as error:
                raise fail(section, key, str(error)) from None
    return scenario


def _number(value: object, low: float, high: float, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number")
    if not low <= value <= high:
        raise ValueError(f"{value:g}{unit} is out of range; valid: {low:g}..{high:g}{unit}")
    return float(value)


def _apply(scenario: Scenario, section: str, key: str, value: object) -> None:
    if section == "site":
        if key == "latitude":
            scenario.latitude = _number(value, -90, 90)
        else:
            scenario.seed = int(_number(value, 0, 2**31))
    elif section == "clock":
        if key == "start_time":
            from .clock import parse_moment

            scenario.start_time = parse_moment(str(value)).isoformat()
        else:
            scenario.speed = _number(value, 0, 1_000_000)
    elif section == "battery":
        scenario.soc = _number(value, 0, 100, " %")
    elif section in ("irradiance", "load"):
        high = 1500 if section == "irradiance" else 1_000_000
        if key == "value":
            profile: float | TimeSeriesProfile = _number(value, 0, high)
        else:
            if not isinstance(value, list) or not value:
                raise ValueError('points must be a list of ["HH:MM", value] pairs')
            points = []
            for index, point in enumerate(value, start=1):
                if not isinstance(point, list) or len(point) != 2:
                    raise ValueError(f'point {index} must be ["HH:MM", value]')
                points.append((_seconds_of_day(point[0]), _number(point[1], 0, high)))
            profile = TimeSeriesProfile.from_points(points)
        setattr(scenario, section, profile)
    else:
        scenario.registers[key] = value
