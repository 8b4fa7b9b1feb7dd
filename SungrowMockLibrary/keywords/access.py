"""What keywords may touch beyond the mock: files and other hosts.

A library used in process (Robot, pytest, Python) trusts its caller: test code may read and write
any file and reach any host. The control endpoint (``sungrow-mock serve --control-port``) serves
callers it does not know, so its library gets a restricted :class:`AccessPolicy`:

- files the keywords read or write (`Record Inverter Snapshot`, `Load Scenario`, `Start Mock
  Sungrow`'s ``snapshot``, ``scenario`` and ``faults``) resolve inside one data directory
  (``--data-dir``); a path that leaves it (absolute elsewhere, ``..``, a symbolic link out) is
  refused with one message that does not depend on what exists outside;
- `Record Inverter Snapshot` connects to loopback only, and to the hosts and networks of
  ``--allow-recording-from``; `Find Reachable Address` (which tells the daemon's own address on
  the route to a host) answers for those hosts only;
- `Start Mock Sungrow` opens doors on loopback only, unless ``--allow-public-doors``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from ..errors import SungrowMockError
from ..options import OPTIONS, StartOptions
from ..records import Record


class AccessError(SungrowMockError, PermissionError):
    """A file or host the control endpoint's policy does not allow."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback only: ``localhost``, 127.0.0.0/8 or ::1.
    Other names count as beyond loopback (what they resolve to may change); '' and 0.0.0.0 mean
    every interface."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _allowed_host(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    text = entry.strip().strip("[]")
    if not text:
        raise AccessError("an empty host in the list of hosts to record from")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text.lower()


class AccessPolicy(Record):
    """Which files and hosts keywords may use. The default allows everything (in process).

    ``data_dir``: files resolve inside it (None: any file). ``recording_from``: the hosts and
    networks (``192.168.1.50``, ``10.0.0.0/8``, ``inverter.lan``) `Record Inverter Snapshot` may
    reach besides loopback (None: any host). ``public_doors``: whether new doors may bind beyond
    loopback.
    """

    data_dir: Path | None
    recording_from: tuple[str, ...] | None
    public_doors: bool

    def __init__(self, data_dir: Path | None = None, recording_from: tuple[str, ...] | None = None, public_doors: bool = True):
        self.__dict__.update(data_dir=data_dir, recording_from=recording_from, public_doors=public_doors)

    @classmethod
    def control_endpoint(
        cls, data_dir: str | os.PathLike = ".", recording_from: tuple[str, ...] = (), public_doors: bool = False
    ) -> AccessPolicy:
        """The control endpoint's policy; ``data_dir`` must be an existing directory."""
        directory = Path(data_dir)
        if not directory.is_dir():
            raise AccessError(f"data directory {str(data_dir)!r} is not a directory")
        for entry in recording_from:
            _allowed_host(entry)
        return cls(data_dir=directory, recording_from=tuple(recording_from), public_doors=public_doors)

    @property
    def restricted(self) -> bool:
        return self.data_dir is not None or self.recording_from is not None or not self.public_doors

    def file(self, path: str | os.PathLike, what: str = "file") -> str:
        """``path`` as the keyword must open it: relative paths are relative to the data directory.
        Raises :class:`AccessError` when it resolves outside it, with a message that is the same
        whether or not the file exists."""
        if self.data_dir is None:
            return os.fspath(path)
        text = os.fspath(path)
        candidate = self.data_dir / text
        try:
            inside = candidate.resolve().is_relative_to(self.data_dir.resolve())
        except (OSError, RuntimeError, ValueError):  # a symbolic link loop, a NUL byte
            inside = False
        if not inside or not text.strip():
            raise AccessError(
                f"{what} {text!r} is not inside the control endpoint's data directory: "
                "give a path relative to it (sungrow-mock serve --data-dir)"
            )
        return str(candidate)

    def recording_host(self, host: str, what: str = "recording from") -> None:
        """Refuses reaching out to ``host`` (``what`` says for what) unless it is loopback or allowed."""
        if self.recording_from is None or is_loopback(host):
            return
        wanted = host.strip().strip("[]")
        try:
            address = ipaddress.ip_address(wanted)
        except ValueError:
            address = None
        for entry in map(_allowed_host, self.recording_from):
            if isinstance(entry, str) and entry == wanted.lower():
                return
            if address is not None and not isinstance(entry, str) and address.version == entry.version and address in entry:
                return
        raise AccessError(
            f"{what} {host!r} needs permission: the control endpoint reaches loopback only, "
            "and the hosts of sungrow-mock serve --allow-recording-from HOST[,HOST...]"
        )

    def door_host(self, host: str) -> None:
        """Refuses doors on ``host`` unless it is loopback or public doors are allowed."""
        if self.public_doors or is_loopback(host):
            return
        raise AccessError(
            f"host {host!r} is beyond loopback: mocks started through the control endpoint listen on "
            "127.0.0.0/8 or ::1 only (give host=127.0.0.1), unless sungrow-mock serve has --allow-public-doors"
        )

    def start_options(self, options: StartOptions) -> StartOptions:
        """``options`` with every file option (``FILE`` in the options model: snapshot, scenario,
        faults) resolved in the data directory, once the host is allowed."""
        self.door_host(options.host)
        files = {
            name: self.file(getattr(options, name), name)
            for name, option in OPTIONS.items()
            if option.metavar == "FILE" and getattr(options, name)
        }
        return options.replaced(**files) if files else options
