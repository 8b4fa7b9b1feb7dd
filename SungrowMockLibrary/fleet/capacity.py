"""Whether this process can hold a fleet: its ports and its file descriptors, checked before
anything binds, so that a fleet too large fails at once with the limit it met, never half-started.

Each mock of a fleet listens on one socket per Modbus door and one or two for the WiNet door. A
port option given is the base of a range: the fleet's k-th mock takes base + k. Port 0 (free
ports) draws from the kernel's ephemeral range.
"""

from __future__ import annotations

import contextlib
import itertools
import os

try:
    import resource
except ImportError:  # not POSIX: no descriptor limit to ask about
    resource = None

from ..errors import OptionError
from ..limits import FLEET_FD_HEADROOM
from ..options import StartOptions
from ..vocabulary import PORTS, Door, Firmware

EPHEMERAL_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"


def port_options(options: StartOptions) -> tuple[str, ...]:
    """The port options of the doors ``options`` opens, one per listening socket of a mock."""
    names: list[str] = []
    if Door.modbus in options.doors:
        names.append("modbus_port")
    if Door.encrypted in options.doors:
        names.append("encrypted_port")
    if Door.winet in options.doors:
        names += ["winet_tls_port"] if options.firmware is Firmware.tls else ["winet_ws_port", "winet_http_port"]
    return tuple(names)


def group_ports(options: StartOptions, group: int) -> dict[str, int]:
    """The ports of the fleet's ``group``-th mock (from 0): base + group, or 0 (a free port)."""
    return {name: (base + group if base else 0) for name, base in options.ports.items()}


def check_port_ranges(options: StartOptions, mocks: int, layout: str) -> None:
    """Refuse port ranges that leave the port numbers or overlap one another."""
    ranges = []
    for name in port_options(options):
        base = options.ports[name]
        if not base:
            continue
        last = base + mocks - 1
        if last > PORTS[1]:
            raise OptionError(
                f"{name} {base}: a fleet of {mocks} mocks ({layout} layout) takes ports {base}..{last}, beyond "
                f"{PORTS[1]}; give a lower base port, or 0 for free ports"
            )
        ranges.append((base, last, name))
    ranges.sort()
    for (low, high, name), (other_low, other_high, other) in itertools.pairwise(ranges):
        if other_low <= high:
            raise OptionError(
                f"a fleet of {mocks} mocks takes {name} {low}..{high} and {other} {other_low}..{other_high}: "
                "the ranges overlap; give base ports further apart"
            )


def ephemeral_ports() -> int | None:
    """How many ports the kernel hands out for port 0, or None when it does not say."""
    try:
        with open(EPHEMERAL_RANGE, encoding="ascii") as range_file:
            low, high = (int(part) for part in range_file.read().split())
    except (OSError, ValueError):
        return None
    return high - low + 1


def check_free_ports(options: StartOptions, mocks: int) -> None:
    """Refuse a fleet whose free ports (port 0) outnumber the kernel's ephemeral range."""
    wanted = mocks * sum(1 for name in port_options(options) if not options.ports[name])
    available = ephemeral_ports()
    if available is not None and wanted > available:
        raise OptionError(
            f"a fleet of {mocks} mocks listens on {wanted} free ports, more than the {available} ports of the kernel's "
            f"ephemeral range ({EPHEMERAL_RANGE}); use the units layout (247 inverters per port) or base ports"
        )


def open_descriptors() -> int:
    """File descriptors this process has open now (0 when the system does not say)."""
    with contextlib.suppress(OSError):
        return len(os.listdir("/proc/self/fd"))
    return 0


def ensure_descriptors(sockets: int, what: str) -> None:
    """Make room for ``sockets`` listening sockets beside the descriptors open now and
    :data:`FLEET_FD_HEADROOM`: raise the soft RLIMIT_NOFILE towards the hard one if need be, and
    refuse, naming the limit, when even the hard one is too low."""
    if resource is None:
        return
    needed = open_descriptors() + sockets + FLEET_FD_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return
    if hard == resource.RLIM_INFINITY or needed <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        return
    raise OptionError(
        f"{what} listens on {sockets} sockets; with the {needed - sockets - FLEET_FD_HEADROOM} file descriptors open "
        f"now and {FLEET_FD_HEADROOM} kept free for connections it needs {needed}, beyond this process's limit of "
        f"{soft} (RLIMIT_NOFILE, hard limit {hard}): raise it (ulimit -n), or use the units layout (247 inverters "
        "per port)"
    )
