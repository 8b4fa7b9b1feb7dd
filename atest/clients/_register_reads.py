"""Read plans for the drivers of the encrypted-Modbus clients (``drive_sungrowmodbustcp.py``,
``drive_jesseklm.py``).

Like ``_driver`` this module has no third-party imports: every venv can use it. A driver
supplies a ``read(table, wire, count)`` callable that returns the client's response object
(or raises); this module runs the reads round by round and reports them as plain JSON.
"""

from __future__ import annotations

import argparse

import _driver

# Serial (input 4990-4999), device type code (input 5000), clock (holding 5000-5005).
DEFAULT_READS = ("input:4989:10", "input:4999:1", "holding:4999:6")
TABLES = {"input", "holding"}


def read_spec(text: str) -> tuple[str, int, int]:
    """``input:4989:10`` -> ("input", 4989, 10); wire (0-based) start address."""
    try:
        table, wire, count = text.split(":")
        table = table.strip().lower()
        if table not in TABLES:
            raise ValueError
        return table, int(wire, 0), int(count, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"read must be TABLE:WIRE:COUNT with TABLE input or holding, got {text!r}") from None


def add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read", dest="reads", action="append", type=read_spec, metavar="TABLE:WIRE:COUNT",
                        help="a read to make each round, wire (0-based) address; repeatable "
                             f"(default: {' '.join(DEFAULT_READS)})")
    parser.add_argument("--rounds", type=int, default=1,
                        help="how many times to make the reads with the same client object (default 1)")
    parser.add_argument("--retries", type=int, default=1,
                        help="the client's retries (default 1; pymodbus 3.7 reads nothing past the first "
                             "8 bytes of a reply with 0)")
    _driver.add_handshake_option(parser, "round")


def reads_of(args) -> list[tuple[str, int, int]]:
    return args.reads or [read_spec(text) for text in DEFAULT_READS]


def registers_text(registers: list[int]) -> str | None:
    """Registers as ASCII text (two bytes each, big endian, NULs and blanks stripped), or None
    when they hold anything but printable ASCII and NUL padding."""
    raw = b"".join(value.to_bytes(2, "big") for value in registers).rstrip(b"\x00")
    if not raw or not all(32 <= byte < 127 for byte in raw):
        return None
    return raw.decode("ascii").strip()


def one_read(read, table: str, wire: int, count: int) -> dict:
    entry: dict = {"table": table, "wire": wire, "count": count, "ok": False}
    try:
        response = read(table, wire, count)
    except Exception as error:  # the clients raise for I/O errors and closed connections
        entry["error"] = _driver.error_text(error)
        return entry
    if response is None:
        entry["error"] = "no response"
    elif response.isError():
        entry["error"] = str(response)
        code = getattr(response, "exception_code", None)
        if code is not None:
            entry["exception_code"] = code
    elif len(getattr(response, "registers", [])) != count:
        entry["error"] = f"{len(response.registers)} registers returned, {count} asked"
        entry["registers"] = list(response.registers)
    else:
        entry["ok"] = True
        entry["registers"] = list(response.registers)
        entry["text"] = registers_text(entry["registers"])
    return entry


def run_rounds(args, result: dict, client, read) -> int:
    """Make the reads ``--rounds`` times; fills ``result``; returns the driver's exit code."""
    result["rounds"] = []
    all_ok = True
    for number in range(1, args.rounds + 1):
        _driver.handshake(args, number)
        entries = [one_read(read, *spec) for spec in reads_of(args)]
        ok = all(e["ok"] for e in entries)
        all_ok = all_ok and ok
        result["rounds"].append({"ok": ok, "reads": entries, "encryption": _driver.encryption_state(client)})
        result["encryption"] = result["rounds"][-1]["encryption"]
    result["ok"] = all_ok
    if not all_ok:
        failed = [f"round {n}: {e['table']} {e['wire']}x{e['count']}: {e['error']}"
                  for n, r in enumerate(result["rounds"], 1) for e in r["reads"] if not e["ok"]]
        result["error"] = "; ".join(failed)
    return _driver.EXIT_OK if all_ok else _driver.EXIT_CLIENT_FAILED
