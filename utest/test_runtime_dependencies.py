"""The package runs on its declared runtime dependencies only; pymodbus is a test tool.

Real clients pin pymodbus 2.5.3, 3.6.9 or 3.7.4 (atest/clients/requirements), so a library that
needed pymodbus at run time could not be installed beside them (docs/decisions.md, "pymodbus
out of the runtime").
"""

import ast
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import SungrowMockLibrary

PACKAGE = Path(SungrowMockLibrary.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_package_imports_pymodbus():
    offenders = sorted(
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if any(name.split(".")[0] == "pymodbus" for name in imported_modules(path))
    )
    assert offenders == []


def test_every_module_imports_with_pymodbus_unavailable():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        sys.modules["pymodbus"] = None  # any import of it now raises ImportError
        import SungrowMockLibrary
        modules = pkgutil.walk_packages(SungrowMockLibrary.__path__, "SungrowMockLibrary.")
        names = [m.name for m in modules if not m.name.endswith(".__main__")]  # that one runs the CLI
        for name in names:
            importlib.import_module(name)
        print(len(names))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 40  # every module was walked, not just the top package


def test_pymodbus_is_a_test_dependency_only():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]

    def names(requirements):
        return {requirement.split(">")[0].split("=")[0].split("<")[0].strip() for requirement in requirements}

    assert "pymodbus" not in names(project["dependencies"])
    assert "pymodbus" in names(project["optional-dependencies"]["test"])
