"""``sungrow-mock``: serve a mock inverter from the command line, record a real one, or list the models.

``serve`` prints exactly one JSON line to stdout once every door accepts connections, then
serves until SIGINT or SIGTERM. Bad arguments get one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from .device import catalogue
from .device.catalogue import CatalogueError
from .faults import load_fault_file
from .mock import (
    DEFAULT_HOST, DEFAULT_MODEL, DOORS, FIRMWARES, MODBUS, STANDARD_PORTS, MockSungrow, MockSungrowError, parse_doors,
)  # fmt: skip
from .recording import RecordingError, record

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: valid 0..65535 (0 = a free port)")
    return port


def _unit(text: str) -> int:
    try:
        unit = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid unit id {text!r}: not a number") from None
    if not 1 <= unit <= 247:
        raise argparse.ArgumentTypeError(f"invalid unit id {unit}: valid 1..247")
    return unit


def _model(text: str) -> str:
    try:
        return catalogue.model(text).name
    except CatalogueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _doors(text: str) -> tuple[str, ...]:
    try:
        return parse_doors(text)
    except CatalogueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sungrow-mock", description="A mock Sungrow inverter for testing clients.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve a mock inverter until SIGINT or SIGTERM")
    serve.add_argument("--model", type=_model, default=None, help=f"catalogue model (default {DEFAULT_MODEL}, or the snapshot's)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--doors", type=_doors, default=DOORS, help=f"comma-separated doors (default {','.join(DOORS)})")
    serve.add_argument("--modbus-port", type=_port, help="plain Modbus TCP port (default: a free port)")
    serve.add_argument("--encrypted-port", type=_port, help="encrypted Modbus TCP port (default: a free port)")
    serve.add_argument("--winet-ws-port", type=_port, help="WiNet-S WebSocket port (default: a free port)")
    serve.add_argument("--winet-http-port", type=_port, help="WiNet-S HTTP port (default: a free port)")
    serve.add_argument("--winet-tls-port", type=_port, help="WiNet-S WSS + HTTPS port, firmware tls (default: a free port)")
    serve.add_argument(
        "--standard-ports",
        action="store_true",
        help="use the real device's ports where not given: Modbus 502, WiNet 8082 and 80, TLS 443 "
        "(the encrypted door takes 502 only when the plain Modbus door is closed)",
    )
    serve.add_argument("--firmware", choices=FIRMWARES, default="legacy", help="WiNet-S firmware profile (default legacy)")
    serve.add_argument("--encryption-key", default=None, help="public key of the encrypted door, 32 hex digits (default: random)")
    serve.add_argument("--clock-speed", type=float, default=1.0, help="simulated seconds per real second (0 = frozen)")
    serve.add_argument("--start-time", default=None, help="simulated local start time, ISO 8601 (default: now)")
    serve.add_argument(
        "--simulate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a living inverter: sun, load, battery, counters (default, except with --snapshot); "
        "--no-simulate serves static values",
    )
    serve.add_argument("--snapshot", default=None, help="replay a snapshot file made by `sungrow-mock record`")
    serve.add_argument("--faults", default=None, help="a fault file (TOML, [[fault]] tables) injected at start, global scope")
    serve.add_argument("--scenario", default=None, help="a scenario file (TOML) to apply at start (needs the simulation)")
    serve.add_argument("--latitude", type=float, default=50.0, help="latitude of the simulated site (default 50)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the simulated load profile (default 0)")
    serve.add_argument("--unit-id", type=_unit, default=1, help="Modbus unit id (default 1)")
    serve.add_argument("--serial", default=None, help="serial number (default: the model's)")
    serve.add_argument(
        "--control-port", type=_port, default=None, help="open the control endpoint (Robot Remote + JSON API) on this port (0 = free)"
    )
    serve.add_argument("--control-host", default=DEFAULT_HOST, help=f"address of the control endpoint (default {DEFAULT_HOST})")
    serve.add_argument(
        "--control-token",
        default=os.environ.get("SUNGROW_MOCK_CONTROL_TOKEN") or None,
        help="require this token from control requests (default: $SUNGROW_MOCK_CONTROL_TOKEN, else none)",
    )
    recorder = commands.add_parser("record", help="record every register of an inverter (or a mock) into a snapshot file")
    recorder.add_argument("endpoint", help="HOST:PORT of the inverter's plain Modbus TCP server")
    recorder.add_argument("path", help="the snapshot file to write (JSON)")
    recorder.add_argument("--unit-id", type=_unit, default=1, help="Modbus unit id (default 1)")
    recorder.add_argument("--model", type=_model, default=None, help="skip detection: the inverter's catalogue model")
    recorder.add_argument("--timeout", type=float, default=3.0, help="seconds per request (default 3)")
    models = commands.add_parser("models", help="list the model catalogue")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def serve(args: argparse.Namespace) -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if args.scenario and args.simulate is False:
        print("sungrow-mock: error: --scenario needs the simulation; drop --no-simulate", file=sys.stderr)
        return USAGE_ERROR
    ports = {name: getattr(args, name) for name in STANDARD_PORTS}
    if args.standard_ports:
        for name, standard in STANDARD_PORTS.items():
            if ports[name] is None and not (name == "encrypted_port" and MODBUS in args.doors):
                ports[name] = standard
    try:
        mock = MockSungrow(
            args.model,
            args.host,
            unit_id=args.unit_id,
            serial=args.serial,
            doors=args.doors,
            firmware=args.firmware,
            encryption_key=args.encryption_key,
            clock_speed=args.clock_speed,
            start_time=args.start_time,
            simulate=args.simulate,
            latitude=args.latitude,
            seed=args.seed,
            snapshot=args.snapshot,
            **{name: port or 0 for name, port in ports.items()},
        )
        if args.scenario:
            mock.load_scenario(args.scenario)
        for kind, options in load_fault_file(args.faults) if args.faults else ():
            mock.faults.inject(kind, **{**options, "scope": "global"})
        control = None
        if args.control_port is not None:
            from .remote import ControlServer  # imports Robot Framework: only when asked for

            control = ControlServer(
                mock, args.control_host, args.control_port, args.control_token, args.clock_speed, args.start_time
            )
    except (CatalogueError, ValueError, RecordingError, MockSungrowError) as error:
        print(f"sungrow-mock: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    try:
        mock.start()
        if control is not None:
            control.start()
    except OSError as error:
        mock.stop()
        print(f"sungrow-mock: error: cannot listen: {error}", file=sys.stderr)
        return 1
    try:
        ready = {"model": mock.model, "serial": mock.inverter.serial, "unit_id": mock.unit_id, "endpoints": mock.endpoints}
        if mock.encryption is not None:
            ready["encryption_key"] = mock.get_encryption_key()
        if mock.winet_settings is not None:
            ready["firmware"] = mock.firmware
        if control is not None:
            ready["endpoints"]["control"] = control.address
            control.ready = ready
        print(json.dumps(ready), flush=True)
        while not stop.wait(3600):
            pass
    finally:
        if control is not None:
            control.stop()
        mock.stop()
    return 0


def list_models(as_json: bool) -> int:
    rows = [
        {
            "model": m.name,
            "family": m.family,
            "type_code": f"0x{m.type_code:04X}",
            "nominal_power_kw": m.nominal_power_kw,
            "phases": m.phases,
            "mppts": m.mppts,
            "battery": m.battery,
        }
        for m in catalogue.models().values()
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'model':<9} {'family':<6} {'code':<7} {'kW':>5} {'phases':>6} {'mppts':>5}  battery")
    for r in rows:
        print(
            f"{r['model']:<9} {r['family']:<6} {r['type_code']:<7} {r['nominal_power_kw']:>5g} "
            f"{r['phases']:>6} {r['mppts']:>5}  {'yes' if r['battery'] else 'no'}"
        )
    return 0


def record_snapshot(args: argparse.Namespace) -> int:
    host, _, port = args.endpoint.rpartition(":")
    if not host or not port.isdigit():
        print(f"sungrow-mock: error: endpoint {args.endpoint!r} is not HOST:PORT", file=sys.stderr)
        return USAGE_ERROR
    try:
        snapshot = record(host, int(port), unit=args.unit_id, model=args.model, timeout=args.timeout)
        snapshot.save(args.path)
    except (RecordingError, OSError) as error:
        print(f"sungrow-mock: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"model": snapshot.model, "serial": snapshot.serial, "registers": snapshot.word_count, "path": args.path}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "models":
        return list_models(args.json)
    if args.command == "record":
        return record_snapshot(args)
    return serve(args)
