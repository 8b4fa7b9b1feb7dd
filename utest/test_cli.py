"""The command line: ready line, model list, one-line errors with exit code 2."""

import json
import signal
import socket
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "SungrowMockLibrary"]


def test_serve_prints_one_ready_line_and_stops_on_sigterm():
    process = subprocess.Popen(CLI + ["serve", "--model", "SG10RT"], stdout=subprocess.PIPE, text=True)
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
    process = subprocess.Popen(CLI + ["serve"], stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(5) == 0
    finally:
        process.kill()


def test_models_lists_the_catalogue():
    result = subprocess.run(CLI + ["models", "--json"], capture_output=True, text=True, check=True)
    models = {row["model"]: row for row in json.loads(result.stdout)}
    assert set(models) >= {"SH10RT", "SH8.0RT", "SH5.0RS", "SG10RT", "SG5.0RS", "SG33CX"}
    assert models["SG33CX"]["type_code"] == "0x2C00"


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--model", "XX"], "valid: SH10RT"),
        (["serve", "--modbus-port", "nope"], "invalid port"),
        (["serve", "--unit-id", "300"], "valid 1..247"),
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
        result = subprocess.run(CLI + ["serve", "--modbus-port", str(port)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot listen" in result.stderr
