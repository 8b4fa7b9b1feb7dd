"""Builds the mock's container image from deploy/Containerfile and runs it as the manifest runs its pod.

No container registry and no container engine daemon are reachable on the CI machine, so the image
is built the daemon-less way, from Debian's own packages:

- the base is a Debian root file system made by ``mmdebstrap`` (python3, its venv module and the CA
  certificates) from the host's own apt sources and its apt options for reaching them (a mirror,
  a proxy, a snapshot's expired dates), imported into a private ``buildah`` store (vfs driver, so
  no overlay mount is needed) and passed to the Containerfile as its ``BASE`` build argument. The
  base is the machine's part: when it cannot be made, the suite skips with the tools' own words
  (as for a missing tool); from the Containerfile build on, a failure is the project's;
- ``buildah bud --isolation chroot`` builds the Containerfile unchanged; the host's CA bundle is
  lent to pip through the ``PIP_CERT`` build argument, for registries behind a TLS-inspecting proxy;
- the image is run with ``buildah run --isolation chroot`` (``podman run``'s OCI runtimes cannot
  set resource limits inside this sandbox) in a network namespace made for it, where the image's
  own entry command and arguments bind the device's ports on every interface, and the pod's sysctls
  from deploy/kubernetes/sungrow-mock.yaml let its unprivileged user bind those below 1024.

Nothing here talks to anything outside 127.0.0.0/8 but the package registries during the build; the
namespace has only its loopback interface.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import yaml
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library

REPOSITORY = Path(__file__).resolve().parents[2]
CONTAINERFILE = REPOSITORY / "deploy" / "Containerfile"
MANIFEST = REPOSITORY / "deploy" / "kubernetes" / "sungrow-mock.yaml"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
CA_IN_BUILD = "/run/host-ca.crt"
# What the Containerfile's BASE must hold (see its header); minbase keeps the tar near 225 MB.
BASE_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
TOOLS = {"buildah": "buildah", "mmdebstrap": "mmdebstrap", "ip": "iproute2"}
HOW_TO_RUN = "see 'The image suite' in atest/README.md"
REQUIRED_VARIABLE = "SUNGROW_MOCK_REQUIRE_IMAGE"  # set by .ci/run: there a missing tool fails the suite
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
# The apt options that say how this host reaches its mirror; anything else stays apt's default.
APT_OPTIONS = ("Acquire::Check-Valid-Until", "Acquire::Check-Date", "Acquire::http::Proxy", "Acquire::https::Proxy")
BUILD_TIMEOUT = 900.0  # seconds for each of: the base, the image
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def store() -> Path:
    """The private buildah store: ``SUNGROW_MOCK_IMAGE_STORE``, else under the user's cache."""
    configured = os.environ.get("SUNGROW_MOCK_IMAGE_STORE")
    return Path(configured) if configured else Path.home() / ".cache" / "sungrow-mock" / "containers"


def why_images_cannot_be_built() -> list[str]:
    """What this machine lacks to build and run the image; empty when it can."""
    missing = [f"no {tool} command (apt-get install {package})" for tool, package in TOOLS.items() if not shutil.which(tool)]
    if os.geteuid() != 0:
        missing.append("not root (chroot isolation, the network namespace and the vfs store need it)")
    return missing


def host_apt_sources() -> list[str]:
    """The host's apt source files that name the base's suite (mmdebstrap pastes each into the base)."""
    files = [APT_SOURCES[0]] if APT_SOURCES[0].is_file() else []
    if APT_SOURCES[1].is_dir():
        files += sorted(f for f in APT_SOURCES[1].iterdir() if f.suffix in (".list", ".sources"))
    return [str(f) for f in files if any(BASE_SUITE in line.split("#")[0].split() for line in f.read_text(errors="replace").splitlines())]


def host_apt_options() -> list[str]:
    """The host's settings of :data:`APT_OPTIONS`, as ``--aptopt`` arguments of mmdebstrap."""
    try:
        dump = subprocess.run(("apt-config", "dump"), capture_output=True, text=True, timeout=30, check=False,
                              stdin=subprocess.DEVNULL).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [f"--aptopt={line}" for line in dump.splitlines() if line.split(" ", 1)[0] in APT_OPTIONS]


# Where buildah looks for netavark (its error message lists these).
NETAVARK_DIRS = ("/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", "/usr/lib/podman")


def buildah_environment() -> dict[str, str]:
    """The environment of every buildah call: a containers.conf of the store's own that names the
    network backend installed now.

    A store remembers the backend it was first used with (``storage/defaultNetworkBackend``); once
    that was netavark and netavark is gone (``run_tests.py`` installs buildah without it), every
    buildah call on the store fails ("could not find netavark"). So it was, in the first CI run.
    """
    backend = "netavark" if any(Path(d, "netavark").is_file() for d in NETAVARK_DIRS) else "cni"
    conf = store() / "containers.conf"
    text = f'[network]\nnetwork_backend = "{backend}"\n'
    if not conf.is_file() or conf.read_text() != text:
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(text)
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def buildah_command(*arguments: str) -> list[str]:
    """A buildah command line on the private vfs store."""
    root = store()
    return ["buildah", "--root", str(root / "storage"), "--runroot", str(root / "run"), "--storage-driver", "vfs",
            *arguments]  # fmt: skip


def _run(*command: str, timeout: float, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    logger.info("+ " + " ".join(command))
    started = time.monotonic()
    result = subprocess.run(command, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                            capture_output=True, timeout=timeout, check=False, env=env)  # fmt: skip
    logger.info(f"({time.monotonic() - started:.1f} s)")
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command[:4])} ... failed ({result.returncode}):\n"
            f"{result.stderr.decode(errors='replace')[-4000:]}"
        )
    return result.stdout.decode(errors="replace")


def _pod() -> dict:
    deployment = next(d for d in yaml.safe_load_all(MANIFEST.read_text()) if d["kind"] == "Deployment")
    return deployment["spec"]["template"]["spec"]


def pod_sysctls() -> dict[str, str]:
    """The sysctls the manifest sets for the mock's pod."""
    return {entry["name"]: str(entry["value"]) for entry in _pod()["securityContext"].get("sysctls", [])}


# Asks one URL from inside the namespace and prints the status and body as JSON; a refusal is an
# answer (its status), not an error.
_REQUEST_SCRIPT = """
import json, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]} if sys.argv[2] else {})
try:
    with urllib.request.urlopen(request, timeout=10) as answer:
        status, body = answer.status, answer.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
print(json.dumps({"status": status, "body": body.decode(errors="replace")}))
"""


@library(scope="SUITE")
class container_image:  # Robot imports a library class named as its module
    """Builds the mock's image (``Build Mock Image``) and runs it in a network namespace of its own.

    Example:
    | Skip Unless Images Can Be Built
    | ${image} =    Build Mock Image
    | ${ready} =    Start Mock Image    ${image}    token=secret
    | ${result} =    Run Client    sungrowclient    --host    127.0.0.1    --port    502    namespace=${NAMESPACE}
    | ${rc} =    Stop Mock Image
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._container: str | None = None
        self._namespace: str | None = None
        self._stderr_path: Path | None = None

    def _buildah(self, *arguments: str, timeout: float = 120.0) -> str:
        return _run(*buildah_command(*arguments), timeout=timeout, env=buildah_environment())

    @keyword
    def skip_unless_images_can_be_built(self) -> None:
        """Skips the test (or suite setup) naming what is missing, or fails if ``SUNGROW_MOCK_REQUIRE_IMAGE`` is set."""
        missing = why_images_cannot_be_built()
        if missing:
            self._machine_cannot("; ".join(missing))

    @keyword
    def build_mock_base_image(self) -> str:
        """Returns the name of a Debian base image (made once per store with mmdebstrap, then reused)."""
        digest = hashlib.sha256(" ".join((BASE_SUITE, *BASE_PACKAGES)).encode()).hexdigest()[:12]
        name = f"localhost/sungrow-mock-base:{BASE_SUITE}-{digest}"
        if name in self._buildah("images", "--format", "{{.Name}}:{{.Tag}}").split():
            logger.info(f"reusing {name}")
            return name
        tarball = store() / f"base-{digest}.tar"
        tarball.parent.mkdir(parents=True, exist_ok=True)
        try:
            _run("mmdebstrap", "--quiet", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
                 *host_apt_options(), BASE_SUITE, str(tarball), *host_apt_sources(), timeout=BUILD_TIMEOUT)  # fmt: skip
            container = self._buildah("from", "scratch").strip()
            try:
                self._buildah("add", container, str(tarball), "/", timeout=BUILD_TIMEOUT)
                self._buildah("commit", "--quiet", container, name, timeout=BUILD_TIMEOUT)
            finally:
                self._buildah("rm", container)
        except (AssertionError, subprocess.TimeoutExpired) as error:
            self._machine_cannot(f"the Debian base could not be made: {error}", required=False)
        finally:
            tarball.unlink(missing_ok=True)
        return name

    def _machine_cannot(self, why: str, required: bool = True) -> None:
        """Skips, naming why: what the machine lacks or refuses is not the project's failure.

        Under ``SUNGROW_MOCK_REQUIRE_IMAGE`` a ``required`` lack (a tool run_tests.py installs, root)
        fails instead; the Debian base is never required: it needs the machine's mirror and
        namespaces, which CI may refuse (issue 12: then block nothing, say what failed).
        """
        message = f"the image cannot be built on this machine: {why} ({HOW_TO_RUN})"
        if required and os.environ.get(REQUIRED_VARIABLE):
            raise AssertionError(f"{message}; {REQUIRED_VARIABLE} is set, so this is a failure")
        raise SkipExecution(message)

    @keyword
    def build_mock_image(self, tag: str = "localhost/sungrow-mock:test") -> str:
        """Builds deploy/Containerfile on the Debian base (`Build Mock Base Image`) and returns ``tag``."""
        base = self.build_mock_base_image()
        certificate = []
        if HOST_CA_BUNDLE.is_file():
            certificate = ["--volume", f"{HOST_CA_BUNDLE}:{CA_IN_BUILD}:ro", "--build-arg", f"PIP_CERT={CA_IN_BUILD}"]
        self._buildah("bud", "--isolation", "chroot", "--quiet", "--layers=false", "--build-arg", f"BASE={base}",
                      *certificate, "--file", str(CONTAINERFILE), "--tag", tag, str(REPOSITORY),
                      timeout=BUILD_TIMEOUT)  # fmt: skip
        return tag

    @keyword
    def get_image_config(self, image: str) -> dict:
        """The image's OCI configuration (``Entrypoint``, ``Cmd``, ``User``, ``WorkingDir``, ``ExposedPorts`` ...)."""
        return json.loads(self._buildah("inspect", "--type", "image", image))["OCIv1"]["config"]

    @keyword
    def start_mock_image(self, image: str, token: str = "", namespace: str = "sungrow-mock-image") -> dict:
        """Runs ``image``'s entry command with its own arguments in the new network namespace ``namespace``.

        The namespace gets a loopback interface and the pod's sysctls from the manifest; ``token`` is
        passed as ``SUNGROW_MOCK_CONTROL_TOKEN``, as the manifest passes its Secret. Returns the
        mock's ready line as a dictionary; fails with the mock's stderr if it exits first.
        """
        if self._process is not None:
            raise AssertionError("an image is already running: Stop Mock Image first")
        config = self.get_image_config(image)
        in_namespace = ("ip", "netns", "exec", namespace)
        try:  # a network namespace is the machine's to give, as the base is
            _run("ip", "netns", "add", namespace, timeout=30)
            self._namespace = namespace
            _run(*in_namespace, "ip", "link", "set", "lo", "up", timeout=30)
            for name, value in pod_sysctls().items():
                _run(*in_namespace, "sysctl", "-q", "-w", f"{name}={value}", timeout=30)
        except (AssertionError, subprocess.TimeoutExpired) as error:
            self._machine_cannot(f"no network namespace for the image: {error}", required=False)
        self._container = self._buildah("from", "--quiet", image).strip()
        environment = ["--env", f"SUNGROW_MOCK_CONTROL_TOKEN={token}"] if token else []
        command = [*in_namespace, *buildah_command("run", "--isolation", "chroot", "--network", "host", *environment,
                   self._container, "--", *config["Entrypoint"], *config.get("Cmd", []))]  # fmt: skip
        logger.info("+ " + " ".join(command))
        self._stderr_path = store() / f"{namespace}.stderr"
        with self._stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True,
                                             env=buildah_environment())  # fmt: skip
        line = self._ready_line()
        logger.info(f"ready: {line}")
        return json.loads(line)

    def _ready_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        os.set_blocking(self._process.stdout.fileno(), False)
        deadline = time.monotonic() + READY_TIMEOUT
        buffered = b""
        while time.monotonic() < deadline:
            buffered += self._process.stdout.read() or b""
            if b"\n" in buffered:
                return buffered.split(b"\n", 1)[0].decode()
            if self._process.poll() is not None:
                raise AssertionError(f"the image exited ({self._process.returncode}) before it was ready:\n{self._errors()}")
            time.sleep(0.05)
        raise AssertionError(f"the image printed no ready line within {READY_TIMEOUT:.0f} s:\n{self._errors()}")

    def _errors(self) -> str:
        return self._stderr_path.read_text(errors="replace")[-4000:] if self._stderr_path else ""

    @keyword
    def get_manifest_container(self) -> dict:
        """The manifest's container: ``args``, ``ports`` (``{name: containerPort}``) and the pod's ``runAsUser:runAsGroup``."""
        pod = _pod()
        container = pod["containers"][0]
        context = pod["securityContext"]
        return {"args": container["args"], "ports": {p["name"]: p["containerPort"] for p in container["ports"]},
                "user": f"{context['runAsUser']}:{context['runAsGroup']}"}  # fmt: skip

    @keyword
    def request_in_image_network(self, url: str, token: str = "") -> dict:
        """GETs ``url`` from inside the running image's namespace; returns ``status`` and ``body`` (``Authorization: Bearer token`` if given)."""
        if self._namespace is None:
            raise AssertionError("no image is running: Start Mock Image first")
        output = _run("ip", "netns", "exec", self._namespace, "python3", "-c", _REQUEST_SCRIPT, url, token, timeout=30)
        return json.loads(output)

    def _serve_process(self) -> int | None:
        """The pid of the mock's serve process (the container's main process) in the namespace, if it runs."""
        for pid in _run("ip", "netns", "pids", str(self._namespace), timeout=30).split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if command[0].endswith(b"python3") and b"serve" in command:
                return int(pid)
        return None

    @keyword
    def get_image_process_user(self) -> str:
        """The ``uid:gid`` the mock's serve process runs as inside the running image."""
        pid = self._serve_process()
        if pid is None:
            raise AssertionError(f"no serve process in namespace {self._namespace}")
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        ids = {line.split(":")[0]: line.split()[1] for line in status if line.startswith(("Uid:", "Gid:"))}
        return f"{ids['Uid']}:{ids['Gid']}"

    @keyword
    def stop_mock_image(self) -> int:
        """Sends SIGTERM to the running image, waits for it, cleans up and returns its exit code."""
        code = -1
        try:
            if self._process is not None:
                # As a container engine stops a container: SIGTERM to its main process (buildah run
                # would kill it), then buildah exits with that process's status.
                pid = self._serve_process()
                if pid is None:
                    self._process.send_signal(signal.SIGTERM)
                else:
                    os.kill(pid, signal.SIGTERM)
                try:
                    code = self._process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(self._process.pid, signal.SIGKILL)
                    self._process.wait(STOP_TIMEOUT)
                    raise AssertionError(f"the image did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM") from None
                finally:
                    self._process.stdout.close()
                    logger.info(f"stderr:\n{self._errors()}")
                    self._stderr_path.unlink(missing_ok=True)
        finally:
            self._process = None
            if self._container:
                self._buildah("rm", self._container)
                self._container = None
            if self._namespace:
                _run("ip", "netns", "delete", self._namespace, timeout=30)
                self._namespace = None
        return code

    @keyword
    def remove_mock_image(self, image: str) -> None:
        """Removes ``image`` and untagged images from the store (the base stays, for the next build)."""
        if not image:  # nothing was built (the suite skipped or its build failed)
            return
        if image in self._buildah("images", "--format", "{{.Name}}:{{.Tag}}").split():
            self._buildah("rmi", image)
        self._buildah("rmi", "--prune")  # earlier builds' images that lost their tag to a newer one
