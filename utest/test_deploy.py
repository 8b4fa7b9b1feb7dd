"""The container image and the Kubernetes manifest describe the same `sungrow-mock serve` the tests run."""

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from SungrowMockLibrary.netutil import free_loopback_address

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
MANIFEST = ROOT / "deploy" / "kubernetes" / "sungrow-mock.yaml"
ENDPOINT_OF_PORT = {"modbus": "modbus", "encrypted": "encrypted", "winet-ws": "winet_ws", "winet-http": "winet_http", "control": "control"}


def _instruction(name: str) -> list[str]:
    line = next(line for line in CONTAINERFILE.read_text().splitlines() if line.startswith(f"{name} "))
    return json.loads(line[len(name) + 1 :])


def _manifest():
    documents = list(yaml.safe_load_all(MANIFEST.read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    service = next(d for d in documents if d["kind"] == "Service")
    return deployment["spec"]["template"]["spec"]["containers"][0], service


def test_the_image_runs_serve_with_the_arguments_the_manifest_gives():
    container, _ = _manifest()
    assert _instruction("ENTRYPOINT") == ["sungrow-mock", "serve"]
    assert _instruction("CMD") == container["args"]
    exposed = {int(p) for p in re.search(r"^EXPOSE (.+)$", CONTAINERFILE.read_text(), re.M).group(1).split()}
    assert exposed == {p["containerPort"] for p in container["ports"]}


def test_the_service_exposes_every_container_port_by_name():
    container, service = _manifest()
    names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} == names == set(ENDPOINT_OF_PORT)


def test_serve_with_the_manifest_arguments_listens_where_the_manifest_says():
    container, _ = _manifest()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    host = free_loopback_address(list(ports.values()))
    args = [host if previous in ("--host", "--control-host") else arg for previous, arg in zip([""] + container["args"], container["args"])]
    process = subprocess.Popen([sys.executable, "-m", "SungrowMockLibrary", "serve", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        endpoints = json.loads(line)["endpoints"]
        for name, port in ports.items():
            assert endpoints[ENDPOINT_OF_PORT[name]] == f"{host}:{port}"
    finally:
        process.terminate()
        process.wait(10)
