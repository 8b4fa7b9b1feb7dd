"""The image suite's buildah store: whatever backend an earlier run left in it, buildah is told
the one installed now (the first CI run failed on a store that remembered a removed netavark)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "atest" / "resources"))
import container_image  # the suite's library, beside the suites


@pytest.fixture
def image_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUNGROW_MOCK_IMAGE_STORE", str(tmp_path / "store"))
    monkeypatch.setattr(container_image, "NETAVARK_DIRS", (str(tmp_path / "podman"),))
    return tmp_path


def test_without_netavark_buildah_is_told_cni(image_store: Path) -> None:
    conf = Path(container_image.buildah_environment()["CONTAINERS_CONF"])
    assert conf.read_text() == '[network]\nnetwork_backend = "cni"\n'


def test_with_netavark_installed_buildah_is_told_netavark(image_store: Path) -> None:
    (image_store / "podman").mkdir()
    (image_store / "podman" / "netavark").write_text("")
    conf = Path(container_image.buildah_environment()["CONTAINERS_CONF"])
    assert 'network_backend = "netavark"' in conf.read_text()


def test_every_buildah_command_uses_the_private_vfs_store(image_store: Path) -> None:
    command = container_image.buildah_command("images")
    assert command[:7] == ["buildah", "--root", str(image_store / "store" / "storage"), "--runroot",
                           str(image_store / "store" / "run"), "--storage-driver", "vfs"]  # fmt: skip
    assert command[7:] == ["images"]
