"""``sungrow-mock``: serve a mock inverter from the command line, record a real one, or list the models.

``serve`` prints exactly one JSON line to stdout once every door accepts connections, then
serves until SIGINT or SIGTERM. Bad arguments get one line on stderr and exit code 2, and so does
a control endpoint beyond loopback without a token (unless ``--insecure``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import signal
import sys
import threading

from .errors import RecordingError, SungrowMockError
from .options import FLEET_OPTIONS, OPTIONS, FleetOptions, Option, StartOptions, whole_between
from .ready import ready_line
from .vocabulary import DEFAULT_HOST, PORTS, Door

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """Refusals in one line; a flag's help may be a function (its text needs data files), called
    only when help is printed, so that serving never pays for it."""

    def format_help(self) -> str:
        for action in self._actions:
            if callable(action.help):
                action.help = action.help()
        return super().format_help()

    def error(self, message: str):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def _argument_type(parser):
    """A model parser as argparse's type: its refusal becomes argparse's one line."""

    def parse(text: str):
        try:
            return parser(text)
        except SungrowMockError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _flag_help(option: Option, default: str) -> str:
    return f"{option.help} (default: {default})".replace("%", "%%")


def _add_flags(group, options: dict[str, Option], default_words: dict[str, str] | None = None) -> None:
    """One flag per option of an options model: name, type, help, choices and default from it
    (``default_words`` where the help says the default otherwise)."""
    for option in options.values():
        default = (default_words or {}).get(option.name, option.default_words)
        help_text = functools.partial(_flag_help, option, default)
        if option.switch:
            group.add_argument(option.flag, dest=option.name, action=argparse.BooleanOptionalAction, default=None,
                               help=help_text)  # fmt: skip
            continue
        metavar = option.metavar or (f"{{{','.join(option.choices)}}}" if option.choices else option.name.upper())
        group.add_argument(option.flag, dest=option.name, type=_argument_type(option.parse), default=None,
                           metavar=metavar, help=help_text)  # fmt: skip


def add_start_options(parser: argparse.ArgumentParser) -> None:
    """One flag per start option."""
    _add_flags(parser.add_argument_group("start options (as MockSungrow and Start Mock Sungrow take them)"), OPTIONS)


def add_fleet_options(parser: argparse.ArgumentParser) -> None:
    """The fleet's flags, as the start options' are."""
    group = parser.add_argument_group(
        "fleet (serve N inverters on one event loop, as Start Mock Sungrow Fleet does; the start options are "
        "shared, a port given is the base of a range)"
    )
    _add_flags(group, FLEET_OPTIONS, {"count": "one mock, no fleet"})


def start_options(args: argparse.Namespace) -> StartOptions:
    """The start options the flags gave (the others keep their defaults)."""
    return StartOptions.of(**{name: getattr(args, name) for name in OPTIONS})


def fleet_options(args: argparse.Namespace) -> FleetOptions | None:
    """The fleet the flags ask for, or None for one mock; fleet flags without ``--fleet`` are refused."""
    given = {name: getattr(args, name) for name in FLEET_OPTIONS if getattr(args, name) is not None}
    if not given:
        return None
    if "count" not in given:
        flags = ", ".join(FLEET_OPTIONS[name].flag for name in given)
        raise SungrowMockError(f"{flags}: only a fleet takes these; give its size with {FLEET_OPTIONS['count'].flag} N")
    return FleetOptions.of(**given)


def _host_list(text: str) -> tuple[str, ...]:
    from .keywords.access import AccessPolicy  # the control endpoint's alone, as below

    hosts = tuple(host.strip() for host in text.split(","))
    try:
        AccessPolicy.control_endpoint(recording_from=hosts)
    except SungrowMockError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return hosts


def control_refusal(args: argparse.Namespace) -> str | None:
    """Why ``serve`` must not open this control endpoint, in one line, or None."""
    if args.control_port is None or args.control_token or args.insecure:
        return None
    from .keywords.access import is_loopback  # a control endpoint's alone: a plain start does not import it

    if is_loopback(args.control_host):
        return None
    return (
        f"a control endpoint on {args.control_host!r} without a token lets anyone who reaches it drive the mock: "
        "give --control-token TOKEN (or $SUNGROW_MOCK_CONTROL_TOKEN), or --insecure to serve it anyway"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sungrow-mock", description="A mock Sungrow inverter for testing clients.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve a mock inverter until SIGINT or SIGTERM")
    add_start_options(serve)
    add_fleet_options(serve)
    control = serve.add_argument_group("control endpoint (Robot Remote + JSON API)")
    control.add_argument(
        "--control-port", type=_argument_type(whole_between("control port", *PORTS, " (0 = a free port)")), default=None, metavar="PORT",
        help="open the control endpoint on this port (0 = a free port)",
    )  # fmt: skip
    control.add_argument("--control-host", default=DEFAULT_HOST, help=f"address of the control endpoint (default {DEFAULT_HOST})")
    control.add_argument(
        "--control-token",
        default=os.environ.get("SUNGROW_MOCK_CONTROL_TOKEN") or None,
        help="require this token from control requests (default: $SUNGROW_MOCK_CONTROL_TOKEN, else none)",
    )
    control.add_argument(
        "--insecure", action="store_true",
        help="serve a control endpoint beyond loopback without a token (refused otherwise: anyone who reaches it drives the mock)",
    )  # fmt: skip
    control.add_argument(
        "--data-dir", default=".", metavar="DIR",
        help="the only directory whose files control requests may read and write (snapshots, scenarios, fault files); "
        "paths that leave it are refused (default: the working directory)",
    )  # fmt: skip
    control.add_argument(
        "--allow-recording-from", type=_host_list, default=(), metavar="HOST[,HOST...]",
        help="hosts or networks (10.0.0.0/8) Record Inverter Snapshot may reach through the control endpoint "
        "besides loopback (default: loopback only)",
    )  # fmt: skip
    control.add_argument(
        "--allow-public-doors", action="store_true",
        help="let Start Mock Sungrow through the control endpoint open doors beyond loopback (default: loopback only)",
    )  # fmt: skip
    recorder = commands.add_parser("record", help="record every register of an inverter (or a mock) into a snapshot file")
    recorder.add_argument("endpoint", help="HOST:PORT of the inverter's plain Modbus TCP server")
    recorder.add_argument("path", help="the snapshot file to write (JSON)")
    recorder.add_argument("--unit-id", type=_argument_type(OPTIONS["unit_id"].parse), default=1, metavar="UNIT",
                          help="Modbus unit id (default 1)")  # fmt: skip
    recorder.add_argument("--model", type=_argument_type(OPTIONS["model"].parse), default=None, metavar="MODEL",
                          help="skip detection: the inverter's catalogue model")  # fmt: skip
    recorder.add_argument("--timeout", type=float, default=3.0, help="seconds per request (default 3)")
    models = commands.add_parser("models", help="list the model catalogue")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


@contextlib.contextmanager
def quick_start(serving: bool):
    """No garbage collection while starting: start-up builds many objects and frees few, so a
    collection meanwhile only costs time (about a tenth of the imports). A process that goes on
    serving then freezes what start-up built (``gc.freeze``), so later collections skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if serving:
                gc.freeze()
            gc.enable()


def serve(args: argparse.Namespace) -> int:
    refusal = control_refusal(args)
    if refusal is not None:
        print(f"sungrow-mock: error: {refusal}", file=sys.stderr)
        return USAGE_ERROR
    with quick_start(serving=True):
        started = _start(args)
    if isinstance(started, int):
        return started
    mock, control, stop = started
    try:
        print(json.dumps(ready_line(mock, None if control is None else control.address)), flush=True)
        while not stop.wait(3600):
            pass
    finally:
        if control is not None:
            control.stop()
        mock.stop()
    return 0


def _import_server_first(needed: bool) -> None:
    """aiohttp's server alone, before a door's module imports aiohttp (decision "serve imports
    aiohttp's server without its client"), when a door or the control endpoint needs it."""
    if needed:
        from .aiohttp_server import import_server

        import_server()


def _start(args: argparse.Namespace):
    """The started mock (or fleet), its control endpoint (or None) and the event that stops them; or
    the exit status when they could not start."""
    try:
        options = start_options(args)
        fleet = fleet_options(args)
        access = None
        if args.control_port is not None:
            from .keywords.access import AccessPolicy, is_loopback

            access = AccessPolicy.control_endpoint(args.data_dir, args.allow_recording_from, args.allow_public_doors)
        if fleet is None:
            _import_server_first(access is not None or Door.winet in options.doors)
            from .mock import MockSungrow  # here, not at the top: inside quick_start

            mock = MockSungrow(options=options)
        else:
            from .fleet import MockSungrowFleet

            mock = MockSungrowFleet(fleet=fleet, options=options)  # builds no door: its layout decides them
            _import_server_first(access is not None or Door.winet in mock.options.doors)
        control = None
        if access is not None:
            from .remote import ControlServer  # imports Robot Framework: only when asked for

            control = ControlServer(
                mock, args.control_host, args.control_port, args.control_token, options.clock_speed, options.start_time,
                access=access,
            )  # fmt: skip
            if not args.control_token and not is_loopback(args.control_host):
                print(f"sungrow-mock: warning: the control endpoint on {args.control_host!r} has no token (--insecure)",
                      file=sys.stderr)  # fmt: skip
    except (SungrowMockError, ValueError) as error:
        print(f"sungrow-mock: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        mock.start()
        if control is not None:
            control.start()
    except OSError as error:
        mock.stop()
        print(f"sungrow-mock: error: cannot listen: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # the event loop asked for (SUNGROW_MOCK_EVENT_LOOP) is not there; a fleet too large
        mock.stop()
        print(f"sungrow-mock: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except SungrowMockError as error:  # a fleet's mock could not listen; the fleet stopped the others
        mock.stop()
        print(f"sungrow-mock: error: {error}", file=sys.stderr)
        return 1
    return mock, control, stop


def model_rows() -> list[dict]:
    """One row per catalogue model, as ``models --json`` prints them."""
    from .device import catalogue

    return [
        {
            "model": m.name,
            "device_type_code": m.type_code,
            "family": m.family,
            "kind": m.kind,
            "nominal_power_w": round(m.nominal_power_kw * 1000),
            "phases": m.phases,
            "mppt": m.mppts,
            "strings_per_mppt": list(m.strings_per_mppt),
            "battery": m.battery,
            "meter": m.meter,
            "serial": m.serial,
            "aliases": list(m.aliases),
            "guesses": list(m.guesses),
        }
        for m in catalogue.models().values()
    ]


_COLUMNS = (  # heading, width, cell
    ("model", 14, lambda r: r["model"]),
    ("code", 6, lambda r: f"0x{r['device_type_code']:04X}"),
    ("family", 10, lambda r: r["family"]),
    ("kW", 6, lambda r: f"{r['nominal_power_w'] / 1000:g}"),
    ("phases", 6, lambda r: str(r["phases"])),
    ("MPPTs", 5, lambda r: str(r["mppt"])),
    ("strings/MPPT", 12, lambda r: _strings(r["strings_per_mppt"])),
    ("battery", 7, lambda r: "yes" if r["battery"] else "no"),
    ("also sold as / guessed", 0, lambda r: " ".join([*r["aliases"], *(f"[GUESS {g}]" for g in r["guesses"])])),
)


def _strings(per_mppt: list[int]) -> str:
    """Strings per MPPT as PROTOCOLS §2.2 writes them: ``2`` when every MPPT has two, else ``2;1``."""
    return str(per_mppt[0]) if len(set(per_mppt)) == 1 else ";".join(map(str, per_mppt))


def list_models(as_json: bool) -> int:
    rows = model_rows()
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    lines = [[heading for heading, _, _ in _COLUMNS], *([cell(r) for _, _, cell in _COLUMNS] for r in rows)]
    for line in lines:
        print("  ".join(text.ljust(width) for text, (_, width, _) in zip(line, _COLUMNS, strict=True)).rstrip())
    families = {r["family"] for r in rows}
    print(f"{len(rows)} models in {len(families)} families; start one with --model NAME or its device type code")
    return 0


def record_snapshot(args: argparse.Namespace) -> int:
    from .recording import record

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
    with quick_start(serving=False):
        args = build_parser().parse_args(argv)
    if args.command == "models":
        try:
            return list_models(args.json)
        except BrokenPipeError:  # `sungrow-mock models | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.command == "record":
        return record_snapshot(args)
    return serve(args)
