"""The container image and the Kubernetes manifest describe the same `sungrow-mock serve` the tests run."""

import json
import os
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


def _argument(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def _replaced(args: list[str], values: dict[str, str]) -> list[str]:
    return [values.get(previous, arg) for previous, arg in zip(["", *args], args)]


def test_the_control_token_comes_from_a_secret_the_pod_cannot_start_without():
    container, _ = _manifest()
    token = next(e for e in container["env"] if e["name"] == "SUNGROW_MOCK_CONTROL_TOKEN")
    secret = token["valueFrom"]["secretKeyRef"]
    assert (secret["name"], secret["key"]) == ("sungrow-mock-control", "token")
    assert not secret.get("optional", False)
    assert _argument(container["args"], "--control-host") == "0.0.0.0"  # so the token is what guards it


def test_serve_with_the_image_arguments_refuses_to_start_without_a_token():
    environment = {name: value for name, value in os.environ.items() if name != "SUNGROW_MOCK_CONTROL_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "SungrowMockLibrary", "serve", *_instruction("CMD")],
                            capture_output=True, text=True, timeout=30, env=environment)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--control-token" in result.stderr


def test_the_data_dir_is_a_volume_the_unprivileged_mock_can_write():
    container, _ = _manifest()
    pod = yaml.safe_load_all(MANIFEST.read_text())
    spec = next(d for d in pod if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    data_dir = _argument(container["args"], "--data-dir")
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == data_dir)
    assert any(v["name"] == mount["name"] and "emptyDir" in v for v in spec["volumes"])
    assert spec["securityContext"]["runAsNonRoot"] and spec["securityContext"]["runAsUser"] != 0
    assert {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"} in spec["securityContext"]["sysctls"]
    text = CONTAINERFILE.read_text()
    user = re.search(r"^USER (\d+)", text, re.M).group(1)
    assert int(user) == spec["securityContext"]["runAsUser"]
    assert re.search(rf"mkdir {data_dir} && chown {user}:", text) and f"WORKDIR {data_dir}" in text


def test_serve_with_the_manifest_arguments_listens_where_the_manifest_says(tmp_path):
    container, _ = _manifest()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    host = free_loopback_address(list(ports.values()))
    args = _replaced(container["args"], {"--host": host, "--control-host": host, "--data-dir": str(tmp_path)})
    process = subprocess.Popen([sys.executable, "-m", "SungrowMockLibrary", "serve", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "SUNGROW_MOCK_CONTROL_TOKEN": "from-the-secret"})  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        endpoints = json.loads(line)["endpoints"]
        for name, port in ports.items():
            assert endpoints[ENDPOINT_OF_PORT[name]] == f"{host}:{port}"
    finally:
        process.terminate()
        process.wait(10)
