#!/usr/bin/env python3
"""Create and look up one virtual environment per real client group.

The real Sungrow clients pin conflicting pymodbus versions, so every client
group gets its own venv, built from ``atest/clients/requirements/<group>.txt``.

Usage::

    python atest/clients/venvs.py ensure [GROUP ...]   # no group = all groups
    python atest/clients/venvs.py python GROUP         # print the venv's python
    python atest/clients/venvs.py list                 # groups and their state

Venvs live in ``<repo>/.venvs/<group>``; set ``SUNGROW_MOCK_VENVS`` to use
another directory. ``ensure`` is idempotent: each venv holds a stamp with the
hash of its requirements file (and the interpreter version) and is rebuilt only
when that changes. After every install the group's modules are imported as a
check. Groups are installed in parallel.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REQUIREMENTS = HERE / "requirements"
STAMP_NAME = ".sungrow-mock-stamp"

# Statement run by the venv's python to prove the install is usable.
IMPORT_CHECKS = {
    "sungrowclient": "from SungrowClient import SungrowClient; import yaml, pymodbus; "
                     "from SungrowModbusTcpClient import SungrowModbusTcpClient; "
                     "from SungrowModbusWebClient import SungrowModbusWebClient; "
                     "from importlib.metadata import version as v; "
                     "assert pymodbus.__version__ == '2.5.3', pymodbus.__version__; "
                     "assert v('SungrowModbusTcpClient') == '0.1.6', v('SungrowModbusTcpClient'); "
                     "assert v('SungrowModbusWebClient') == '0.3.2', v('SungrowModbusWebClient')",
    "pysungrow": "import pysungrow, pysungrow.compat; from pysungrow import identify, SungrowClient",
    "sungrowinverter": "from sungrowinverter import SungrowInverter",
    "intelbras": "import intelbras_solar_local",
    "jesseklm": "from SungrowModbusTcpClient import SungrowModbusTcpClient; import pymodbus; "
                "from importlib.metadata import version as v; "
                "assert pymodbus.__version__ == '3.7.4', pymodbus.__version__; "
                "assert v('SungrowModbusTcpClient-jesseklm') == '0.1.9'",
    "sungrowwebsocket": "from sungrow_websocket import SungrowWebsocket; import aiohttp",
    "httpconfig": "from sungrow_http_config.SungrowHttpConfig import SungrowHttpConfig",
}

_print_lock = threading.Lock()


class VenvError(Exception):
    """A one-line, user-facing failure."""


def say(message: str, stream=sys.stderr) -> None:
    with _print_lock:
        print(message, file=stream, flush=True)


def groups() -> list[str]:
    return sorted(p.stem for p in REQUIREMENTS.glob("*.txt"))


def venvs_dir() -> Path:
    override = os.environ.get("SUNGROW_MOCK_VENVS")
    return Path(override).expanduser().resolve() if override else REPO / ".venvs"


def venv_path(group: str) -> Path:
    return venvs_dir() / group


def venv_python(group: str) -> Path:
    root = venv_path(group)
    if os.name == "nt":
        return root / "Scripts" / "python.exe"
    return root / "bin" / "python"


def requirements_file(group: str) -> Path:
    path = REQUIREMENTS / f"{group}.txt"
    if not path.is_file():
        raise VenvError(f"unknown client group {group!r}; known groups: {', '.join(groups())}")
    return path


def wanted_stamp(group: str) -> str:
    digest = hashlib.sha256(requirements_file(group).read_bytes()).hexdigest()
    return f"{digest} python{sys.version_info.major}.{sys.version_info.minor}\n"


def current_stamp(group: str) -> str | None:
    stamp = venv_path(group) / STAMP_NAME
    try:
        return stamp.read_text()
    except OSError:
        return None


def is_ready(group: str) -> bool:
    return venv_python(group).exists() and current_stamp(group) == wanted_stamp(group)


def _run(cmd: list[str], group: str, what: str, timeout: float) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise VenvError(f"{group}: {what} timed out after {timeout:.0f} s: {' '.join(cmd)}") from None
    except OSError as error:
        raise VenvError(f"{group}: {what} could not run: {error}") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit code {result.returncode}"
        raise VenvError(f"{group}: {what} failed: {last}")


def import_check(group: str) -> None:
    check = IMPORT_CHECKS.get(group)
    if check:
        _run([str(venv_python(group)), "-c", check], group, "import check", timeout=120)


def ensure(group: str, force: bool = False) -> str:
    """Make the group's venv exist and match its requirements file."""
    requirements = requirements_file(group)
    root = venv_path(group)
    if not force and is_ready(group):
        import_check(group)
        return f"{group}: up to date ({root})"
    started = time.monotonic()
    say(f"{group}: creating venv in {root}")
    root.parent.mkdir(parents=True, exist_ok=True)
    stamp = root / STAMP_NAME
    if stamp.exists():
        stamp.unlink()
    # --clear: a changed requirements file gets a clean venv, no leftovers.
    _run([sys.executable, "-m", "venv", "--clear", str(root)], group, "venv creation", timeout=300)
    say(f"{group}: installing {requirements.relative_to(REPO)}")
    _run([str(venv_python(group)), "-m", "pip", "install", "--disable-pip-version-check",
          "--no-input", "-q", "-r", str(requirements)], group, "pip install", timeout=1200)
    import_check(group)
    stamp.write_text(wanted_stamp(group))
    return f"{group}: ready in {time.monotonic() - started:.0f} s ({root})"


def cmd_ensure(names: list[str], force: bool) -> int:
    names = names or groups()
    for name in names:
        requirements_file(name)  # fail early on a typo
    failures = 0
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {name: pool.submit(ensure, name, force) for name in names}
        for future in futures.values():
            try:
                say(future.result(), sys.stdout)
            except VenvError as error:
                failures += 1
                say(f"ERROR: {error}")
    return 1 if failures else 0


def cmd_python(name: str) -> int:
    requirements_file(name)
    python = venv_python(name)
    if not python.exists():
        raise VenvError(f"no venv for {name!r} at {venv_path(name)}; "
                        f"create it with: python3 atest/clients/venvs.py ensure {name}")
    if not is_ready(name):
        say(f"WARNING: venv for {name!r} is out of date with its requirements; "
            f"run: python3 atest/clients/venvs.py ensure {name}")
    print(python)
    return 0


def cmd_list() -> int:
    for name in groups():
        if is_ready(name):
            state = "ready"
        elif venv_python(name).exists():
            state = "out of date"
        else:
            state = "missing"
        print(f"{name:16} {state:12} {venv_path(name)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_ensure = sub.add_parser("ensure", help="create or update venvs (all groups by default)")
    p_ensure.add_argument("groups", nargs="*", metavar="GROUP")
    p_ensure.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p_python = sub.add_parser("python", help="print the python of a group's venv")
    p_python.add_argument("group", metavar="GROUP")
    sub.add_parser("list", help="show groups and whether their venvs are ready")
    args = parser.parse_args(argv)
    try:
        if args.command == "ensure":
            return cmd_ensure(args.groups, args.force)
        if args.command == "python":
            return cmd_python(args.group)
        return cmd_list()
    except VenvError as error:
        say(f"ERROR: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
