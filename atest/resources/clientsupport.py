"""Robot keywords the client resource needs beyond Process and OperatingSystem.

- pausing a running client driver at a phase boundary (the drivers' ``--handshake DIR``),
- checking that this process may bind privileged ports before a mock tries to.
"""

from __future__ import annotations

import errno
import os
import random
import socket
import tempfile
import time
from pathlib import Path

from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import timestr_to_secs

HOW_TO_BIND_80 = (
    "Two real clients hard-code their ports (SungrowModbusWebClient and sungrow-websocket use "
    "HTTP port 80, SunGather's http mode WebSocket port 8082), so these tests start the mock on "
    "a free loopback address with the standard WiNet ports. Binding port 80 needs one of: run "
    "the tests as root; 'sudo sysctl net.ipv4.ip_unprivileged_port_start=80'; the capability "
    "CAP_NET_BIND_SERVICE for the python running Robot; or a user and network namespace of "
    "their own ('unshare -rn', see atest/README.md)."
)


# Keys SunGather computes itself (clock, daily integration), not read from one register.
SUNGATHER_DERIVED = ("timestamp", "last_reset", "daily_export_to_grid", "daily_import_from_grid",
                     "export_to_grid", "import_from_grid")


@library(scope="GLOBAL", auto_keywords=False)
class clientsupport:
    @keyword
    def ranges_the_dongle_refuses(self, scan_ranges: list[str], model: str) -> list[str]:
        """The SunGather scan ranges (``read 5039x61``: FC 4 from wire 5039, 61 registers; ``hold``:
        FC 3) that a WiNet-S refuses for an inverter of catalogue ``model``, by the dongle's
        rules (``transports/winet/data/dongle.toml`` ``[modbus]``)."""
        from SungrowMockLibrary.device.catalogue import models
        from SungrowMockLibrary.transports.dongle_screen import INVERTER, refusals

        kind = models()[model].kind

        tables = {"read": "input", "hold": "holding"}
        refused = []
        for scan in scan_ranges:
            verb, _, span = scan.partition(" ")
            start, count = (int(n) for n in span.split("x"))
            first, last = start + 1, start + count  # documented numbers
            if any(rule.about(INVERTER, kind, tables[verb]) and rule.refuses(first, last) for rule in refusals()):
                refused.append(scan)
        return refused

    @keyword
    def create_handshake_directory(self) -> str:
        """Creates an empty directory for one driver's ``--handshake`` marker files and returns it."""
        return tempfile.mkdtemp(prefix="sungrow-handshake-")

    @keyword
    def wait_for_client_phase(self, directory: str, phase: int, handle: str | None = None,
                              timeout: str | float = "60s") -> None:
        """Waits until the driver started with ``--handshake directory`` is about to start ``phase``.

        Fails at once when the driver process (``handle`` of Process' `Start Process`) has
        ended without reaching the phase, and after ``timeout`` otherwise.
        """
        seconds = timestr_to_secs(timeout)
        marker = Path(directory) / f"ready-{int(phase)}"
        process = BuiltIn().get_library_instance("Process")
        deadline = time.monotonic() + seconds
        while not marker.exists():
            if handle is not None and not process.is_process_running(handle):
                if marker.exists():
                    break
                raise AssertionError(f"the client ended before reaching phase {phase} "
                                     f"(no {marker}); see its result")
            if time.monotonic() > deadline:
                raise AssertionError(f"the client did not reach phase {phase} within {seconds:g} s")
            time.sleep(0.02)

    @keyword
    def let_client_continue(self, directory: str, phase: str) -> None:
        """Lets a driver waiting before ``phase`` go on (creates its ``go-<phase>`` marker).

        ``all`` lets it run every later phase without waiting.
        """
        name = "all" if str(phase).strip().lower() == "all" else str(int(phase))
        (Path(directory) / f"go-{name}").write_text("go\n")

    @keyword
    def sungather_model_names(self, register_file: str) -> dict[int, str]:
        """Returns {device type code: model name} as SungrowClient detects models with ``register_file``.

        The names come from the ``datarange`` of the ``device_type_code`` entry of the SunGather
        register file; where a code has several names, the last wins (SungrowClient keeps the last
        match). A code that is not there is detected as model None.
        """
        import yaml

        data = yaml.safe_load(Path(register_file).read_text(encoding="utf-8"))
        entry = next(r for r in data["registers"][0]["read"] if r["name"] == "device_type_code")
        return {int(item["response"]): str(item["value"]) for item in entry["datarange"]}

    @keyword
    def privileged_ports_should_be_bindable(self, port: int = 80) -> None:
        """Fails, explaining what to do, when this process may not bind ``port`` (below 1024).

        The check binds ``port`` on a few random 127.0.0.0/8 addresses: permission denied
        means the process lacks the privilege; an address in use is simply skipped.
        """
        port = int(port)
        if port >= 1024:
            return
        last_error: OSError | None = None
        for _ in range(20):
            host = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                probe.bind((host, port))
                return
            except OSError as error:
                last_error = error
                if error.errno in (errno.EACCES, errno.EPERM):
                    start = _unprivileged_port_start()
                    raise AssertionError(
                        f"This process (uid {os.geteuid()}) may not bind port {port}: {error}"
                        f"{f' (net.ipv4.ip_unprivileged_port_start is {start})' if start is not None else ''}. "
                        + HOW_TO_BIND_80) from None
            finally:
                probe.close()
        raise AssertionError(f"Could not bind port {port} on any of 20 loopback addresses "
                             f"(last error: {last_error}). " + HOW_TO_BIND_80)

    @keyword("SunGather Scrapes Should Agree")
    def sungather_scrapes_should_agree(self, reference: dict, other: dict, missing_from: int | None = None,
                                       missing_to: int | None = None) -> None:
        """Compares two SungrowClient results (driver JSON) of the same mock, register by register.

        ``reference`` and ``other`` must have the same scan ranges and decode every register to the
        same value, except the keys SunGather derives itself (timestamp, daily integrations, and
        the export/import split of a register that may be missing). With ``missing_from`` and
        ``missing_to`` (documented input register numbers, inclusive), the registers read from that
        input range must be absent from ``other`` instead.
        """
        if reference["scan_ranges"] != other["scan_ranges"]:
            raise AssertionError(f"scan ranges differ: {reference['scan_ranges']} != {other['scan_ranges']}")
        addresses = reference["register_addresses"]
        want, got = reference["latest_scrape"], other["latest_scrape"]
        problems = []
        for name in sorted(set(want) | set(got)):
            if name in SUNGATHER_DERIVED:
                continue
            table, _, number = addresses.get(name, " ").partition(" ")
            in_gap = (missing_from is not None and table == "read" and number.isdigit()
                      and int(missing_from) <= int(number) <= int(missing_to))
            if in_gap:
                if name in got:
                    problems.append(f"{name} (input {number}) should be missing but is {got[name]!r}")
            elif name not in got:
                problems.append(f"{name} ({table} {number}) missing; expected {want[name]!r}")
            elif name not in want:
                problems.append(f"{name} ({table} {number}) unexpected: {got[name]!r}")
            elif want[name] != got[name]:
                problems.append(f"{name} ({table} {number}): {got[name]!r} != {want[name]!r}")
        if missing_from is not None:
            gap = [n for n, a in addresses.items() if a.startswith("read ")
                   and int(missing_from) <= int(a.split()[1]) <= int(missing_to)]
            if not gap:
                problems.append(f"no register of input {missing_from}-{missing_to} was selected at all")
        if problems:
            raise AssertionError(f"{len(problems)} register(s) differ:\n" + "\n".join(problems))


def _unprivileged_port_start() -> int | None:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text().strip())
    except (OSError, ValueError):
        return None
