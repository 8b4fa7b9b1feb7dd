"""The command line: ready line, model list, one-line errors with exit code 2."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
from serve_cli import CLI, serve


def test_serve_prints_one_ready_line_and_stops_on_sigterm():
    process = subprocess.Popen([*CLI, "serve", "--model", "SG10RT"], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["model"] == "SG10RT"
        host, port = ready["endpoints"]["modbus"].split(":")
        with socket.create_connection((host, int(port)), timeout=2) as connection:
            connection.sendall(bytes.fromhex("000100000006010413870001"))
            assert connection.recv(64) == bytes.fromhex("0001000000050104022433")
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
        assert process.stdout.read() == ""  # exactly one line
    finally:
        process.kill()


def test_serve_stops_on_sigint():
    process = subprocess.Popen([*CLI, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(5) == 0
    finally:
        process.kill()


def test_models_lists_the_catalogue():
    result = subprocess.run([*CLI, "models", "--json"], capture_output=True, text=True, check=True)
    rows = json.loads(result.stdout)
    models = {row["model"]: row for row in rows}
    assert len(models) == len(rows) > 150
    assert set(models) >= {"SH10RT", "SH8.0RT", "SH5.0RS", "SG10RT", "SG5.0RS", "SG33CX", "SH20T", "SG110CX"}
    assert {key: models["SG33CX"][key] for key in ("device_type_code", "family", "nominal_power_w", "mppt", "phases", "battery")} == {
        "device_type_code": 0x2C00, "family": "SG-CX", "nominal_power_w": 33000, "mppt": 3, "phases": 3, "battery": False,
    }  # fmt: skip
    assert models["SH20T"]["family"] == "SH-T" and models["SH20T"]["battery"] is True
    assert models["SG50KTL-M"]["aliases"] == ["SG50KTL-M-20"]


def test_models_prints_a_table_of_one_line_per_model():
    result = subprocess.run([*CLI, "models"], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["model", "code", "family", "kW"]
    sh10rt = next(line for line in lines if line.startswith("SH10RT "))
    assert sh10rt.split()[:8] == ["SH10RT", "0x0E03", "SH-RT", "10", "3", "2", "1", "yes"]
    count = len(json.loads(subprocess.run([*CLI, "models", "--json"], capture_output=True, text=True, check=True).stdout))
    assert len(lines) == count + 2 and lines[-1].startswith(f"{count} models in ")


@pytest.mark.parametrize(("given", "model"), [("0x0E26", "SH20T"), ("11270", "SG110CX"), ("sg5.0rs-l", "SG5.0RS-L")])
def test_serve_takes_a_model_by_device_type_code_or_any_case(given, model):
    process = subprocess.Popen([*CLI, "serve", "--model", given, "--doors", "modbus"], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["model"] == model
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
    finally:
        process.kill()


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--model", "SH99RT"], "unknown model 'SH99RT'; did you mean SH10RT, SH8.0RT"),
        (["serve", "--model", "0x7777"], "no model has device type code 0x7777"),
        (["serve", "--modbus-port", "nope"], "modbus_port 'nope' is not a whole number"),
        (["serve", "--unit-id", "300"], "unit id 300 is out of range; valid: 1..247"),
        (["serve", "--serial", "X" * 30], "at most 20 fit"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(args, message):
    result = subprocess.run(CLI + args, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_busy_port_is_reported_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([*CLI, "serve", "--modbus-port", str(port)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot listen" in result.stderr




def test_serve_with_no_flags_opens_every_door_on_free_ports():
    process, ready = serve()
    try:
        assert set(ready["endpoints"]) == {"modbus", "encrypted", "winet_ws", "winet_http"}
        assert len(set(ready["endpoints"].values())) == 4
        assert len(ready["encryption_key"]) == 32 and ready["firmware"] == "legacy"
        for address in ready["endpoints"].values():
            host, port = address.rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=2).close()
    finally:
        process.terminate()
        assert process.wait(5) == 0


def test_serve_flags_choose_doors_ports_firmware_and_key():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process, ready = serve(
        "--doors", "encrypted,winet", "--encrypted-port", str(port), "--firmware", "tls",
        "--encryption-key", "00112233445566778899aabbccddeeff",
    )  # fmt: skip
    try:
        assert ready["endpoints"]["encrypted"] == f"127.0.0.1:{port}"
        assert "modbus" not in ready["endpoints"]
        assert ready["endpoints"]["winet_ws"] == ready["endpoints"]["winet_http"]  # tls: one port
        assert ready["encryption_key"] == "00112233445566778899aabbccddeeff" and ready["firmware"] == "tls"
        assert (ready["modbus_path"], ready["battery_unit_id"]) == ("direct", 200)
    finally:
        process.terminate()
        process.wait(5)


def test_standard_ports_on_a_loopback_address_of_its_own():
    from SungrowMockLibrary.netutil import free_loopback_address

    host = free_loopback_address([502, 8082, 80])
    process, ready = serve("--host", host, "--standard-ports")
    try:
        assert ready["endpoints"]["modbus"] == f"{host}:502"
        assert ready["endpoints"]["winet_ws"] == f"{host}:8082"
        assert ready["endpoints"]["winet_http"] == f"{host}:80"
        assert ready["endpoints"]["encrypted"] != f"{host}:502"  # the plain door holds 502
    finally:
        process.terminate()
        process.wait(5)


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--doors", "modbus,ftp"], "valid: modbus, encrypted, winet"),
        (["serve", "--firmware", "v4"], "unknown firmware 'v4'; valid: legacy, login, tls"),
        (["serve", "--encryption-key", "abc"], "32 hex digits"),
    ],
)
def test_bad_door_arguments_get_one_line_and_exit_2(args, message):
    result = subprocess.run(CLI + args, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_serve_injects_the_faults_of_a_file_and_rejects_a_bad_one(tmp_path):
    faults = tmp_path / "faults.toml"
    faults.write_text('[[fault]]\nkind = "exception"\ncode = "02"\nregisters = "5003"\ntimes = 1\n')
    process, ready = serve("--doors", "modbus", "--model", "SG10RT", "--faults", str(faults))
    try:
        host, port = ready["endpoints"]["modbus"].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=2) as connection:
            request = bytes.fromhex("0001000000060104138A0001")  # documented 5003
            connection.sendall(request)
            assert connection.recv(64) == bytes.fromhex("000100000003018402")
            connection.sendall(request)
            assert connection.recv(64)[7] == 4  # once only
    finally:
        process.terminate()
        process.wait(5)
    faults.write_text('[[fault]]\nkind = "exception"\ncode = 5\n')
    result = subprocess.run([*CLI, "serve", "--faults", str(faults)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "fault 1" in result.stderr and "code" in result.stderr


def test_record_then_serve_the_snapshot(tmp_path):
    process, ready = serve("--doors", "modbus", "--model", "SG5.0RS", "--serial", "CLI0000001", "--no-simulate")
    snapshot = tmp_path / "recorded.json"
    try:
        result = subprocess.run(
            [*CLI, "record", ready["endpoints"]["modbus"], str(snapshot)], capture_output=True, text=True, timeout=30
        )
    finally:
        process.terminate()
        process.wait(5)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == "SG5.0RS"
    replay, replay_ready = serve("--doors", "modbus", "--snapshot", str(snapshot))
    try:
        assert (replay_ready["model"], replay_ready["serial"]) == ("SG5.0RS", "CLI0000001")
    finally:
        replay.terminate()
        replay.wait(5)
    failed = subprocess.run([*CLI, "record", "127.0.0.1:9", str(tmp_path / "x.json"), "--timeout", "1"],
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert failed.returncode == 1 and "127.0.0.1:9" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr


# -- the control endpoint's flags -------------------------------------------------------------------


def _without_token() -> dict:
    return {name: value for name, value in os.environ.items() if name != "SUNGROW_MOCK_CONTROL_TOKEN"}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "mock.example"])
def test_serve_refuses_a_public_control_endpoint_without_a_token(host):
    result = subprocess.run([*CLI, "serve", "--doors", "modbus", "--control-port", "0", "--control-host", host],
                            capture_output=True, text=True, timeout=20, env=_without_token())  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "without a token" in lines[0] and "--control-token" in lines[0] and "--insecure" in lines[0]


@pytest.mark.parametrize(
    "flags, refused",
    [
        (["--control-host", "127.0.0.1"], False),
        (["--control-host", "127.9.8.7"], False),
        (["--control-host", "localhost"], False),
        (["--control-host", "::1"], False),
        (["--control-host", "0.0.0.0", "--control-token", "t0ken"], False),
        (["--control-host", "0.0.0.0", "--insecure"], False),
        (["--control-host", "0.0.0.0"], True),
        (["--control-host", ""], True),  # every interface
    ],
)
def test_only_a_control_endpoint_beyond_loopback_without_token_or_insecure_is_refused(flags, refused, monkeypatch):
    from SungrowMockLibrary.cli import build_parser, control_refusal

    monkeypatch.delenv("SUNGROW_MOCK_CONTROL_TOKEN", raising=False)
    args = build_parser().parse_args(["serve", "--control-port", "0", *flags])
    assert (control_refusal(args) is not None) == refused


def test_insecure_serves_a_public_control_endpoint_and_says_so_in_one_line():
    process = subprocess.Popen(
        [*CLI, "serve", "--doors", "modbus", "--control-port", "0", "--control-host", "0.0.0.0", "--insecure"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_without_token(),
    )  # fmt: skip
    try:
        ready = json.loads(process.stdout.readline())
        port = int(ready["endpoints"]["control"].rsplit(":", 1)[1])
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        process.terminate()
        assert process.wait(5) == 0
    warning = process.stderr.read().strip().splitlines()
    assert len(warning) == 1 and "has no token (--insecure)" in warning[0]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--data-dir", "/no/such/directory"], "data directory '/no/such/directory' is not a directory"),
        (["--allow-recording-from", "192.168.1.50,,"], "an empty host"),
    ],
)
def test_bad_control_flags_get_one_line_and_exit_2(flags, message):
    result = subprocess.run([*CLI, "serve", "--doors", "modbus", "--control-port", "0", *flags],
                            capture_output=True, text=True, timeout=20)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_serve_presents_the_winet_path():
    process, ready = serve("--doors", "modbus", "--modbus-path", "winet")
    try:
        assert (ready["modbus_path"], ready["battery_unit_id"]) == ("winet", 2)
        host, port = ready["endpoints"]["modbus"].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=2) as connection:
            connection.sendall(bytes.fromhex("000100000006010417d30001"))  # input 6100: not forwarded
            assert connection.recv(64) == bytes.fromhex("000100000003018402")
    finally:
        process.terminate()
        assert process.wait(5) == 0


def test_models_piped_into_a_reader_that_stops_early_ends_quietly():
    """`sungrow-mock models | head -2`: no traceback when the reader closes the pipe."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(read_end, 1031, 4096)  # F_SETPIPE_SZ: the listing outgrows the pipe, as a long one does
    process = subprocess.Popen([sys.executable, "-m", "SungrowMockLibrary", "models"],
                               stdout=write_end, stderr=subprocess.PIPE)  # fmt: skip
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.readline().startswith(b"model")
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0 and errors == b""
