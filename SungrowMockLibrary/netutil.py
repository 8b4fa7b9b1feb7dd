"""Finding where a mock can listen when clients hard-code their ports."""

from __future__ import annotations

import random
import socket

from .mock import MockSungrowError


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except PermissionError:
            raise MockSungrowError(
                f"binding port {port} needs root (or `sysctl net.ipv4.ip_unprivileged_port_start={port}`); "
                "clients that hard-code ports 80 and 8082 can only be served that way or in a network namespace"
            ) from None
        except OSError:
            return False
    return True


def free_loopback_address(ports: list[int], attempts: int = 200) -> str:
    """An address of 127.0.0.0/8 (not 127.0.0.1) on which every port in ``ports`` can be bound now.

    Each mock on its own loopback address can use standard ports without colliding with other
    mocks or parallel test runs.
    """
    chooser = random.SystemRandom()
    for _ in range(attempts):
        host = f"127.{chooser.randint(1, 254)}.{chooser.randint(0, 255)}.{chooser.randint(1, 254)}"
        if all(_bindable(host, int(port)) for port in ports):
            return host
    raise MockSungrowError(f"no loopback address with free ports {ports} after {attempts} tries")


def reachable_address(towards: str) -> str:
    """This machine's address on the route to ``towards`` (a host name or address).

    A mock serving a cluster listens on 0.0.0.0; pods reach it at the address the host uses on
    the route to them (for example towards the cluster's API server or a pod). A UDP socket
    "connected" to ``towards`` asks the kernel for that route without sending anything.
    """
    try:
        infos = socket.getaddrinfo(towards, 9, type=socket.SOCK_DGRAM)
    except socket.gaierror as error:
        raise MockSungrowError(f"cannot resolve {towards!r}: {error.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(address)
        except OSError as error:
            raise MockSungrowError(f"no route from this machine to {towards}: {error.strerror}") from None
        return probe.getsockname()[0]
