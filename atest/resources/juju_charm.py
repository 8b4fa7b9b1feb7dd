"""Keywords that deploy the real SunGather charm (sungather-k8s) with Jubilant against a mock.

Everything here except the keywords that talk to Juju runs without Juju: which charm options
point the charm at a mock (`Charm Options For Mock Endpoints`) is plain data from the mock's
ready line, and is tested in atest/deployment/charm_options.robot.

Charm facts (sungather-k8s, charmcraft.yaml): the application is ``sungather``; options
``inverter-host``, ``inverter-port`` (502 for Modbus, 8082 for ``http``), ``connection-type``
(``modbus``, ``sungrow``, ``http``), ``scan-interval``, ``level``, ``smart-meter``; actions
``run-once``, ``test-connection``, ``get-inverter-info``; the workload image is the resource
``sungather-image``.
"""

from __future__ import annotations

import os
import shutil

from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library

DOOR_OF_CONNECTION = {"modbus": "modbus", "sungrow": "encrypted", "http": "winet_ws"}
APP = "sungather"


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


def _first_api_host(show_controller_json: str) -> str:
    """The host of the first API endpoint in ``juju show-controller --format json`` output."""
    import json

    details = next(iter(json.loads(show_controller_json).values()))
    endpoint = details["details"]["api-endpoints"][0]
    return endpoint.rsplit(":", 1)[0].strip("[]")


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
        Address`); further ``options`` are charm options added as given (``level=2``).
        """
        return charm_options(endpoints, connection_type, address, **options)

    @keyword
    def why_juju_is_unavailable(self) -> str:
        """Returns why the juju suite cannot run here (no Jubilant, no juju command, no controller), or an empty string."""
        try:
            import jubilant
        except ImportError:
            return "the juju suite needs Jubilant: pip install jubilant"
        if shutil.which("juju") is None:
            return "no juju command on this machine: install Juju and bootstrap a Kubernetes controller"
        juju = jubilant.Juju(model=os.environ.get("JUJU_MODEL") or None)
        try:
            status = juju.status()
        except jubilant.CLIError as error:
            return f"no Juju controller or model is reachable: {(error.stderr or '').strip() or error}"
        self._juju = juju
        logger.info(f"Juju model {status.model.name} on controller {status.model.controller}")
        return ""

    @keyword
    def juju_model_should_be_available(self) -> str:
        """Skips the test with the reason unless Jubilant is installed and a Juju controller and model answer.

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
        """Deploys the sungather charm with ``options`` and waits until it is active.

        The charm comes from ``$SUNGATHER_CHARM`` (a .charm file; default: ``sungather`` from
        Charmhub); its workload image from ``$SUNGATHER_IMAGE`` when set.
        """
        import jubilant

        juju = self._require()
        charm = os.environ.get("SUNGATHER_CHARM", APP)
        resources = {"sungather-image": os.environ["SUNGATHER_IMAGE"]} if os.environ.get("SUNGATHER_IMAGE") else None
        config = dict(options.items())
        if APP in juju.status().apps:
            juju.config(APP, config)
        else:
            juju.deploy(charm, APP, config=config, resources=resources, trust=True)
        juju.wait(jubilant.all_active, timeout=float(timeout))

    @keyword
    def run_charm_action(self, action: str, expect_ok: bool = True) -> dict:
        """Runs ``action`` on the charm's unit and returns its results (fails when the action fails, unless ``expect_ok`` is false)."""
        import jubilant

        juju = self._require()
        try:
            task = juju.run(f"{APP}/0", action)
        except jubilant.TaskError as error:
            if expect_ok:
                raise AssertionError(f"action {action} failed: {error.task.message}") from None
            return {"status": "failed", "message": error.task.message, **error.task.results}
        return {"status": task.status, **task.results}

    @keyword
    def remove_sungather_charm(self) -> None:
        if self._juju is not None and APP in self._juju.status().apps:
            self._juju.remove_application(APP, destroy_storage=True, force=True)

    def _require(self):
        if self._juju is None:
            raise SkipExecution("call Juju Model Should Be Available first")
        return self._juju
