"""Keywords that deploy the real SunGather charm (sungather-k8s) with Jubilant against a mock.

Everything here except the keywords that talk to Juju runs without Juju: which charm options
point the charm at a mock (`Charm Options For Mock Endpoints`) is plain data from the mock's
ready line, and why the juju suite cannot run (`Why Juju Is Unavailable`, `Why Low Ports Are
Unavailable`) is read from this machine; both are tested in atest/deployment/charm_options.robot.

Charm facts (sungather-k8s, /work/shared/reference/CHARM.md): not on Charmhub, so it is deployed
from a local ``.charm`` file (Jubilant takes a charm argument as a path only when it starts with
``/`` or ``./``) with the resource ``sungather-image`` = the rock built from the charm
repository's ``rock/rockcraft.yaml`` (the upstream ``bohdans/sungather`` image has another layout
and does not work). Options ``inverter-host``, ``inverter-port``, ``connection-type`` (``modbus``,
``sungrow``, ``http``), ``enable-webserver`` (default true) ...; on a config change the charm
rewrites ``/config/config.yaml`` in the ``sungather`` container and replans Pebble. Actions
``run-once`` (results ``output``, ``error``), ``test-connection`` (``status``, ``message``,
``output``; ``failed`` when the word "error" is in SunGather's output, so with the default
``enable-webserver=true`` the webserver port clash makes it fail on a healthy deployment) and
``get-inverter-info`` (``status``, ``config-path``, ``message``; it never contacts the inverter).
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import socket
import time
from pathlib import Path

from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library

DOOR_OF_CONNECTION = {"modbus": "modbus", "sungrow": "encrypted", "http": "winet_ws"}
APP = "sungather"
CONTAINER = "sungather"
CONFIG_PATH = "/config/config.yaml"
LOWEST_STANDARD_PORT = 80  # --standard-ports binds 80 (WiNet HTTP), 502 and 8082 among others
UPSTREAM_IMAGE = "bohdans/sungather"
HOW_TO_RUN = "see 'The juju suite' in atest/README.md"
CONFIG_APPLIED_TIMEOUT = 300.0  # seconds for the charm to render a changed config.yaml


def charm_options(endpoints: dict, connection_type: str, address: str | None = None, **options) -> dict:
    """The charm options that point the charm at the mock's door for ``connection_type``.

    ``address`` is where the charm reaches the mock (default: the host the door listens on);
    further ``options`` (charm names: ``level``, ``smart-meter`` ...) are added as given.
    """
    if connection_type not in DOOR_OF_CONNECTION:
        raise ValueError(f"unknown connection type {connection_type!r}; valid: {', '.join(DOOR_OF_CONNECTION)}")
    door = DOOR_OF_CONNECTION[connection_type]
    if door not in endpoints:
        raise ValueError(f"the mock has no {door} door for connection type {connection_type}; open: {', '.join(endpoints)}")
    host, _, port = str(endpoints[door]).rpartition(":")
    if connection_type == "http" and (port != "8082" or not str(endpoints.get("winet_http", "")).endswith(":80")):
        raise ValueError(
            "connection type http needs the WiNet door on the standard ports 8082 and 80 (SungrowClient forces "
            "them): start the mock with 'Start Mock With Standard WiNet Ports' or serve it with --standard-ports"
        )
    return {"inverter-host": address or host, "inverter-port": int(port), "connection-type": connection_type, **options}


def charm_file_problem(value: str | None) -> str:
    """Why ``$SUNGATHER_CHARM`` does not name a deployable charm file, or an empty string."""
    if not value:
        return ("no charm file: set SUNGATHER_CHARM to the sungather-k8s .charm built with 'charmcraft pack' "
                "(the charm is not on Charmhub)")
    path = Path(value).expanduser()
    if path.suffix != ".charm":
        return (f"SUNGATHER_CHARM={value} is not a .charm file: sungather-k8s is not on Charmhub, so it must be "
                "the path of the .charm built with 'charmcraft pack'")
    if not path.is_file():
        return f"no charm file: SUNGATHER_CHARM={value} does not exist"
    return ""


def image_problem(value: str | None) -> str:
    """Why ``$SUNGATHER_IMAGE`` is not a usable ``sungather-image`` resource, or an empty string."""
    if not value:
        return ("no workload image: set SUNGATHER_IMAGE to the rock built with 'rockcraft pack' from the charm's "
                "rock/rockcraft.yaml and pushed to a registry the cluster pulls from")
    if value.split("@")[0].split(":")[0].endswith(UPSTREAM_IMAGE):
        return (f"SUNGATHER_IMAGE={value} is the upstream SunGather image, whose layout the charm cannot run: "
                "use the rock built from the charm's rock/rockcraft.yaml")
    return ""


def low_ports_problem(euid: int, unprivileged_port_start: int | None, can_bind=None,
                      port: int = LOWEST_STANDARD_PORT) -> str:
    """Why this process may not bind ``port`` for ``--standard-ports``, or an empty string.

    ``can_bind`` (a callable, or None to skip the probe) settles the case of a capability.
    """
    if euid == 0 or (unprivileged_port_start is not None and unprivileged_port_start <= port):
        return ""
    if can_bind is not None and can_bind(port):
        return ""
    sysctl = f"net.ipv4.ip_unprivileged_port_start is {unprivileged_port_start}" \
        if unprivileged_port_start is not None else "net.ipv4.ip_unprivileged_port_start is unknown"
    return (f"no low ports: the mock serves --standard-ports (80, 502 and 8082 among them) and uid {euid} may not bind "
            f"port {port} ({sysctl}); run as root or 'sudo sysctl net.ipv4.ip_unprivileged_port_start=80'")


def _unprivileged_port_start() -> int | None:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text().strip())
    except (OSError, ValueError):
        return None


def _can_bind(port: int) -> bool:
    """Binds ``port`` on a few random loopback addresses: permission denied means no privilege."""
    for _ in range(10):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}", port))
            return True
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM):
                return False
        finally:
            probe.close()
    return False


def _first_api_host(show_controller_json: str) -> str:
    """The host of the first API endpoint in ``juju show-controller --format json`` output."""
    import json

    details = next(iter(json.loads(show_controller_json).values()))
    endpoint = details["details"]["api-endpoints"][0]
    return endpoint.rsplit(":", 1)[0].strip("[]")


def config_applied(rendered: dict, options: dict) -> bool:
    """Whether the charm's rendered config.yaml (parsed) reflects ``options`` (host, port, type, webserver)."""
    inverter = (rendered or {}).get("inverter") or {}
    expected = {"host": options.get("inverter-host"), "port": int(options.get("inverter-port", 502)),
                "connection": options.get("connection-type", "modbus")}
    if any(inverter.get(key) != value for key, value in expected.items()):
        return False
    webserver = any(export.get("name") == "webserver" for export in rendered.get("exports") or [])
    return webserver == (str(options.get("enable-webserver", True)).lower() == "true")


@library(scope="SUITE")
class juju_charm:
    def __init__(self):
        self._juju = None

    @keyword
    def charm_options_for_mock_endpoints(self, endpoints: dict, connection_type: str, address: str | None = None,
                                         **options) -> dict:  # fmt: skip
        """Returns the sungather charm options for the mock whose ``endpoints`` are given (a ready line's, or `Get Mock Sungrow Endpoints`).

        ``modbus`` points at the ``modbus`` door, ``sungrow`` at the ``encrypted`` door, ``http``
        at the WiNet door (which must be on ports 8082 and 80). ``address`` is where the charm
        reaches the mock (default: the door's host; across a cluster see `Find Reachable
        Address`); further ``options`` are charm options added as given (``level=2``,
        ``enable-webserver=false``).
        """
        return charm_options(endpoints, connection_type, address, **options)

    @keyword
    def config_yaml_reflects_options(self, config_yaml: str, options: dict) -> bool:
        """Returns whether the text of the charm's ``/config/config.yaml`` shows ``options`` (charm names).

        Compared: ``inverter-host``, ``inverter-port``, ``connection-type`` and whether the
        webserver export is on (``enable-webserver``, default true). `Deploy SunGather Charm`
        waits for this after ``juju config``, since the config-changed hook runs later.
        """
        import yaml

        return config_applied(yaml.safe_load(config_yaml), options)

    @keyword
    def why_low_ports_are_unavailable(self, euid: int | None = None, unprivileged_port_start: int | None = None) -> str:
        """Returns why the mock cannot serve ``--standard-ports`` here, or an empty string.

        ``euid`` and ``unprivileged_port_start`` replace this process's values (then no bind is tried).
        """
        if euid is None and unprivileged_port_start is None:
            return low_ports_problem(os.geteuid(), _unprivileged_port_start(), _can_bind)
        return low_ports_problem(os.geteuid() if euid is None else int(euid),
                                 None if unprivileged_port_start is None else int(unprivileged_port_start))

    @keyword
    def why_juju_is_unavailable(self) -> str:
        """Returns why the juju suite cannot run on this machine, naming everything missing, or an empty string.

        Checked: Jubilant, the juju command, ``$SUNGATHER_CHARM`` (a .charm file),
        ``$SUNGATHER_IMAGE`` (the rock), low ports, and a reachable controller and model.
        """
        missing = []
        try:
            import jubilant
        except ImportError:
            jubilant = None
            missing.append("no Jubilant: pip install jubilant")
        if shutil.which("juju") is None:
            missing.append("no juju command: install Juju and bootstrap a controller on MicroK8s")
        missing += [charm_file_problem(os.environ.get("SUNGATHER_CHARM")),
                    image_problem(os.environ.get("SUNGATHER_IMAGE")), self.why_low_ports_are_unavailable()]
        if jubilant is not None and shutil.which("juju") is not None:
            juju = jubilant.Juju(model=os.environ.get("JUJU_MODEL") or None)
            try:
                status = juju.status()
            except jubilant.CLIError as error:
                missing.append(f"no Juju controller or model: {(error.stderr or '').strip() or error}")
            else:
                self._juju = juju
                logger.info(f"Juju model {status.model.name} on controller {status.model.controller}")
        missing = [reason for reason in missing if reason]
        if not missing:
            return ""
        return f"the juju suite cannot run on this machine: {'; '.join(missing)} ({HOW_TO_RUN})"

    @keyword
    def juju_model_should_be_available(self) -> str:
        """Skips the test with the reason unless everything the juju suite needs is here (`Why Juju Is Unavailable`).

        Returns the host to find the reachable address towards: ``$SUNGATHER_CLUSTER_ADDRESS``,
        else the Juju controller's API address.
        """
        reason = self.why_juju_is_unavailable()
        if reason:
            raise SkipExecution(reason)
        target = os.environ.get("SUNGATHER_CLUSTER_ADDRESS")
        if not target:
            addresses = self._juju.cli("show-controller", "--format", "json", include_model=False)
            target = _first_api_host(addresses)
        return target

    @keyword
    def deploy_sungather_charm(self, options: dict, timeout: float = 900) -> None:
        """Deploys the sungather-k8s charm as ``sungather`` with ``options`` (or reconfigures it) and waits until the change is applied and the unit is active.

        The charm is the file ``$SUNGATHER_CHARM`` (made absolute, so Jubilant deploys it as a
        local charm), its ``sungather-image`` resource ``$SUNGATHER_IMAGE``. After ``juju
        config`` an immediate ``all_active`` can still see the old state, so this first waits
        until the unit's ``/config/config.yaml`` shows the new options, then for active.
        """
        import jubilant

        juju = self._require()
        timeout = float(timeout)
        config = dict(options.items())
        if APP in juju.status().apps:
            juju.config(APP, config)
        else:
            charm = str(Path(os.environ["SUNGATHER_CHARM"]).expanduser().resolve())
            juju.deploy(charm, APP, config=config, resources={"sungather-image": os.environ["SUNGATHER_IMAGE"]},
                        trust=True)
        self._wait_config_applied(config, min(timeout, CONFIG_APPLIED_TIMEOUT))
        juju.wait(jubilant.all_active, timeout=timeout, successes=3)

    def _wait_config_applied(self, options: dict, timeout: float) -> None:
        import jubilant
        import yaml

        deadline = time.monotonic() + timeout
        last = "nothing read yet"
        while time.monotonic() < deadline:
            try:
                text = self._juju.cli("ssh", "--container", CONTAINER, f"{APP}/0", "cat", CONFIG_PATH)
                if self.config_yaml_reflects_options(text, options):
                    return
                last = text
            except (jubilant.CLIError, yaml.YAMLError) as error:
                last = str(error)
            time.sleep(2)
        raise AssertionError(f"the charm did not apply {options} to {CONFIG_PATH} within {timeout:g} s; last: {last}")

    @keyword
    def run_charm_action(self, action: str, expect_ok: bool = True) -> dict:
        """Runs ``action`` on the charm's unit and returns its results plus ``task-status`` (``completed``, ``failed`` ...).

        The charm's own result keys are kept as they are (``test-connection`` has its own
        ``status``). Fails when the action fails, unless ``expect_ok`` is false.
        """
        import jubilant

        juju = self._require()
        try:
            task = juju.run(f"{APP}/0", action)
        except jubilant.TaskError as error:
            if expect_ok:
                raise AssertionError(f"action {action} failed: {error.task.message}") from None
            return {**error.task.results, "task-status": error.task.status, "task-message": error.task.message}
        return {**task.results, "task-status": task.status}

    @keyword
    def remove_sungather_charm(self) -> None:
        if self._juju is not None and APP in self._juju.status().apps:
            self._juju.remove_application(APP, destroy_storage=True, force=True)

    def _require(self):
        if self._juju is None:
            raise SkipExecution("call Juju Model Should Be Available first")
        return self._juju
