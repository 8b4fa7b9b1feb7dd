"""Robot keywords that turn sungather-k8s charm options into SunGather's config.yaml.

The mapping is the charm's (tonyandrewmeyer/sungather-k8s-operator): option names, types and
defaults from ``charmcraft.yaml``; validation (``CharmConfig.validate``) and rendering
(``SungatherCharm._generate_config_yaml``) from ``src/charm.py``. Only the facts are taken
over; the code is this project's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn

# Registers SunGather folds into its own "timestamp" / "alarm_timestamp" (never in a collection).
SUNGATHER_FOLDED = frozenset({"year", "month", "day", "hour", "minute", "second", "alarm_time_year",
                              "alarm_time_month", "alarm_time_day", "alarm_time_hour", "alarm_time_minute",
                              "alarm_time_second"})

# charmcraft.yaml config.options: name -> (type, default); None = no default (unset).
CHARM_OPTIONS: dict[str, tuple[str, object]] = {
    "inverter-host": ("string", None),
    "inverter-port": ("int", 502),
    "connection-type": ("string", "modbus"),
    "inverter-model": ("string", None),
    "scan-interval": ("int", 30),
    "smart-meter": ("boolean", False),
    "level": ("int", 1),
    "enable-webserver": ("boolean", True),
    "webserver-port": ("int", 8080),
    "enable-mqtt": ("boolean", False),
    "mqtt-host": ("string", None),
    "mqtt-port": ("int", 1883),
    "mqtt-topic": ("string", "sungather"),
    "mqtt-homeassistant": ("boolean", False),
    "enable-influxdb": ("boolean", False),
    "influxdb-host": ("string", None),
    "influxdb-port": ("int", 8086),
    "influxdb-database": ("string", "sungather"),
    "influxdb-version": ("int", 2),
    "pvoutput-enabled": ("boolean", False),
    "log-level": ("string", "INFO"),
}


class CharmConfigError(AssertionError):
    """The charm would refuse this configuration (juju config error or Blocked status)."""

    ROBOT_SUPPRESS_NAME = True


def charm_config(options: dict) -> dict:
    """The options with the charm's types applied and defaults filled in (as ``self.config``).

    Raises like ``juju config`` for an unknown option or a value of the wrong type.
    """
    unknown = sorted(set(options) - set(CHARM_OPTIONS))
    if unknown:
        hints = [f"'{name}' (did you mean '{name.replace('_', '-')}'?)"
                 if name.replace("_", "-") in CHARM_OPTIONS else f"'{name}'" for name in unknown]
        raise CharmConfigError(f"unknown charm option(s) {', '.join(hints)}; the sungather charm has: "
                               + ", ".join(CHARM_OPTIONS))
    config = {name: default for name, (_, default) in CHARM_OPTIONS.items()}
    for name, value in options.items():
        if value is None:  # like 'juju config --reset NAME'
            continue
        kind = CHARM_OPTIONS[name][0]
        config[name] = _convert(name, kind, value)
    return config


def _convert(name: str, kind: str, value):
    if kind == "int":
        if isinstance(value, bool):
            raise CharmConfigError(f"option '{name}' expects an int, got {value!r}")
        try:
            return int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise CharmConfigError(f"option '{name}' expects an int, got {value!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise CharmConfigError(f"option '{name}' expects a boolean (true or false), got {value!r}")
    return str(value)


def validation_errors(config: dict) -> list[str]:
    """``CharmConfig.validate()``: the errors the charm reports (it shows the first as Blocked)."""
    errors = []
    if not config["inverter-host"]:
        errors.append("missing inverter-host: set with 'juju config sungather inverter-host=<ip-address>'")
    if config["connection-type"] not in ("modbus", "sungrow", "http"):
        errors.append(f"invalid connection-type '{config['connection-type']}': use "
                      "'juju config sungather connection-type=modbus' (or sungrow/http)")
    if config["level"] not in (1, 2, 3):
        errors.append(f"invalid level {config['level']}: use 'juju config sungather level=1' "
                      "(1=essential, 2=complete, 3=all)")
    if config["enable-mqtt"] and not config["mqtt-host"]:
        errors.append("mqtt-host required when MQTT enabled: set with 'juju config sungather "
                      "mqtt-host=<hostname>' or disable with 'juju config sungather enable-mqtt=false'")
    if config["enable-influxdb"] and not config["influxdb-host"]:
        errors.append("influxdb-host required when InfluxDB enabled: set with 'juju config sungather "
                      "influxdb-host=<hostname>' or disable with 'juju config sungather "
                      "enable-influxdb=false'")
    if config["log-level"] not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        errors.append(f"invalid log-level '{config['log-level']}': use 'juju config sungather "
                      "log-level=INFO' (DEBUG/INFO/WARNING/ERROR)")
    return errors


def sungather_config(config: dict) -> dict:
    """``_generate_config_yaml``: the SunGather config.yaml document for validated options.

    Juju secrets (mqtt-username/-password, influxdb-token, pvoutput-api-key/-system-id) are
    added by the charm when they exist; a test has none, so they are never rendered.
    """
    document: dict = {
        "inverter": {
            "host": config["inverter-host"],
            "port": config["inverter-port"],
            "connection": config["connection-type"],
            "scan_interval": config["scan-interval"],
            "level": config["level"],
            "smart_meter": config["smart-meter"],
        },
        "exports": [],
    }
    if config["inverter-model"]:
        document["inverter"]["model"] = config["inverter-model"]
    if config["enable-webserver"]:
        document["exports"].append({"name": "webserver", "enabled": True, "port": config["webserver-port"]})
    if config["enable-mqtt"]:
        mqtt = {"name": "mqtt", "enabled": True, "host": config["mqtt-host"], "port": config["mqtt-port"],
                "topic": config["mqtt-topic"]}
        if config["mqtt-homeassistant"]:
            mqtt["homeassistant"] = True
        document["exports"].append(mqtt)
    if config["enable-influxdb"]:
        document["exports"].append({"name": "influxdb", "enabled": True, "host": config["influxdb-host"],
                                    "port": config["influxdb-port"], "database": config["influxdb-database"],
                                    "version": config["influxdb-version"]})
    if config["pvoutput-enabled"]:
        document["exports"].append({"name": "pvoutput", "enabled": True})
    return document


@library(scope="GLOBAL", auto_keywords=False)
class sungather_workload:
    """Renders SunGather's config.yaml from sungather-k8s charm options, as the charm does."""

    def __init__(self) -> None:
        self._renders = 0

    @keyword("Render SunGather Config")
    def render_sungather_config(self, **charm_options) -> str:
        """Renders the SunGather ``config.yaml`` the sungather-k8s charm would push for ``charm_options`` and returns its path.

        ``charm_options`` are the charm's config options by their juju names
        (``inverter-host``, ``inverter-port``, ``connection-type``, ``inverter-model``,
        ``scan-interval``, ``smart-meter``, ``level``, ``enable-webserver``,
        ``webserver-port``, ``enable-mqtt``, ``mqtt-host``, ``mqtt-port``, ``mqtt-topic``,
        ``mqtt-homeassistant``, ``enable-influxdb``, ``influxdb-host``, ``influxdb-port``,
        ``influxdb-database``, ``influxdb-version``, ``pvoutput-enabled``, ``log-level``),
        values as ``juju config`` takes them (``level=2``, ``smart-meter=true``); an option
        not given (or given as ``${None}``, like ``juju config --reset``) has the charm's
        default. The mapping is the charm's:

        | = charm option = | = config.yaml = |
        | inverter-host | inverter.host |
        | inverter-port (502) | inverter.port |
        | connection-type (modbus) | inverter.connection |
        | scan-interval (30) | inverter.scan_interval |
        | level (1) | inverter.level |
        | smart-meter (false) | inverter.smart_meter |
        | inverter-model | inverter.model, only when set |
        | enable-webserver (true), webserver-port (8080) | exports: webserver |
        | enable-mqtt, mqtt-host, mqtt-port, mqtt-topic, mqtt-homeassistant | exports: mqtt |
        | enable-influxdb, influxdb-host, -port, -database, -version | exports: influxdb |
        | pvoutput-enabled | exports: pvoutput |
        | log-level | nothing: the charm puts it into the LOG_LEVEL environment variable, which SunGather does not read |

        Fails like the charm refuses a configuration: an unknown option or a value of the
        wrong type (``juju config`` errors), or, with exactly the charm's Blocked status
        message ``Config error: <first error>``, what the charm's validation blocks on
        (``Config error: missing inverter-host ...``, an invalid ``connection-type``,
        ``level`` not 1-3, MQTT/InfluxDB enabled without a host, an invalid ``log-level``).
        Nothing is written then.

        The file is ``${OUTPUT DIR}/sungather/<suite>-<test>-<n>/config.yaml`` (the charm's
        path in the container is ``/config/config.yaml``); every render gets a new
        directory, so earlier configs stay for the log.

        Example:
        | ${path} = | Render SunGather Config | inverter-host=127.0.0.1 | inverter-port=1502 | level=2 |
        """
        config = charm_config(charm_options)
        errors = validation_errors(config)
        if errors:  # the charm's Blocked status shows the first error only
            if len(errors) > 1:
                BuiltIn().log(f"The charm's validation also found: {'; '.join(errors[1:])}")
            raise CharmConfigError(f"Config error: {errors[0]}")
        text = yaml.dump(sungather_config(config), default_flow_style=False)
        path = self._new_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        BuiltIn().log(f"SunGather config.yaml rendered to {path}:\n{text}")
        return str(path)

    def _new_path(self) -> Path:
        variables = BuiltIn().get_variables()
        output = Path(variables.get("${OUTPUT DIR}", "."))
        parts = [variables.get("${SUITE NAME}", "suite"), variables.get("${TEST NAME}", "")]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", "-".join(p for p in parts if p)).strip("-").lower()[:80]
        self._renders += 1
        return output / "sungather" / f"{slug}-{self._renders}" / "config.yaml"

    @keyword("Collection Should Be Complete")
    def collection_should_be_complete(self, result: dict, missing_from: int | None = None,
                                      missing_to: int | None = None) -> None:
        """Checks that the emulated run (`Get Last Workload Run`) collected every register SunGather selected, with no failed scan range.

        ``result`` is the emulation's view of a ``run-once`` or ``test-connection`` (the
        charm's results hold no collection). Every register of
        ``${result}[register_addresses]`` (from ``atest/resources/registers-sungrow.yaml``,
        not SunGather's own register file) must be in ``${result}[collection]``, except the clock and alarm-time registers SunGather folds
        into ``timestamp`` and ``alarm_timestamp``. With ``missing_from`` and ``missing_to``
        (documented input register numbers, inclusive) the registers read from that range
        must be absent instead, and only scan ranges overlapping it may have failed (e.g. the
        hybrid range 13000-13124 that an encrypted frame cannot carry).

        Example:
        | ${run} = | Get Last Workload Run |
        | Collection Should Be Complete | ${run} | missing_from=13000 | missing_to=13124 |
        """
        if (missing_from is None) != (missing_to is None):
            raise ValueError("give both missing_from and missing_to, or neither")
        addresses, collection = result["register_addresses"], result["collection"]

        def in_gap(address: str) -> bool:
            kind, _, number = address.partition(" ")
            return (missing_from is not None and kind == "read"
                    and int(missing_from) <= int(number) <= int(missing_to))

        gap = sorted(name for name, address in addresses.items() if in_gap(address))
        problems = []
        absent = sorted(name for name in addresses
                        if name not in collection and name not in SUNGATHER_FOLDED and name not in gap)
        if absent:
            problems.append(f"selected but not collected: {', '.join(absent)}")
        present = [name for name in gap if name in collection]
        if present:
            problems.append(f"should be missing (input {missing_from}-{missing_to}) but collected: "
                            + ", ".join(present))
        if missing_from is not None and not gap:
            problems.append(f"no register of input {missing_from}-{missing_to} was selected at all")
        for failed in result.get("failed_ranges") or []:
            kind, _, span = str(failed.get("range")).partition(" ")
            start, _, count = span.partition("x")
            overlaps = (missing_from is not None and kind == "read" and start.isdigit() and count.isdigit()
                        and int(start) + 1 <= int(missing_to) and int(start) + int(count) >= int(missing_from))
            if not overlaps:
                problems.append(f"scan range {failed.get('range')} failed: {failed.get('messages')}")
        if problems:
            raise AssertionError("SunGather's collection is not complete: " + "; ".join(problems))
        BuiltIn().log(f"{len(collection)} values collected; every selected register is there")

