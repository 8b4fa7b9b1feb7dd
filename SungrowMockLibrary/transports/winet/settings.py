"""How a mock WiNet-S dongle behaves: firmware generation, ports, accounts, token rules.

Firmware generations follow PROTOCOLS §4.1 (WiNet Extractor's v1/v2/v3 naming):

* ``legacy`` (v1): WebSocket on ``ws_port``, HTTP on ``http_port``, ``connect`` alone gives a
  usable token.
* ``login`` (v2 with the login requirement): same ports; every service except ``connect``,
  ``login`` and ``ping`` answers 401 until a ``login`` succeeded.
* ``tls`` (v3): WSS and HTTPS on ``tls_port`` with a self-signed certificate made at start,
  login required.
"""

from __future__ import annotations

from ...errors import ChoiceError
from ...records import MutableRecord
from ...vocabulary import DEFAULT_HOST, PORTS, Firmware

FIRMWARES = tuple(Firmware)  # the vocabulary's, in its order

DEFAULT_CREDENTIALS = {"admin": "pw8888", "user": "pw1111"}  # PROTOCOLS §4.1


class WinetSettings(MutableRecord):
    """Settings of one mock dongle.

    ``token_lifetime`` counts seconds since the token was issued (use does not extend it).
    ``session_limit`` is the number of concurrent logged-in sessions; a login beyond it ends
    the oldest one (0 or less = no limit). ``token_lifetime``, ``session_limit`` and
    ``credentials`` are read each time they are needed, so changing them on a running door
    takes effect at once.
    """

    firmware: str
    host: str
    ws_port: int
    http_port: int
    tls_port: int
    credentials: dict[str, str]
    token_lifetime: float
    session_limit: int
    dongle_serial: str

    def __init__(
        self, firmware: str = Firmware.legacy.value, host: str = DEFAULT_HOST, ws_port: int = 0, http_port: int = 0,
        tls_port: int = 0, credentials: dict[str, str] | None = None, token_lifetime: float = 1800.0,
        session_limit: int = 1, dongle_serial: str = "B2241200001",
    ):  # fmt: skip
        self.__dict__.update(
            firmware=firmware, host=host, ws_port=ws_port, http_port=http_port, tls_port=tls_port,
            credentials=dict(DEFAULT_CREDENTIALS) if credentials is None else credentials,
            token_lifetime=token_lifetime, session_limit=session_limit, dongle_serial=dongle_serial,
        )  # fmt: skip

    @property
    def tls(self) -> bool:
        return self.firmware == Firmware.tls

    @property
    def login_by_default(self) -> bool:
        return self.firmware != Firmware.legacy

    def check(self) -> None:
        """Raise ``ValueError`` naming the valid choices for the first bad setting."""
        if self.firmware not in FIRMWARES:
            raise ChoiceError(f"unknown WiNet firmware {self.firmware!r}; valid: {', '.join(FIRMWARES)}")
        for name in ("ws_port", "http_port", "tls_port"):
            port = getattr(self, name)
            if isinstance(port, bool) or not isinstance(port, int) or not PORTS[0] <= port <= PORTS[1]:
                raise ValueError(f"{name} {port!r} is out of range; valid: {PORTS[0]}..{PORTS[1]} (0 = a free port)")
        if not self.host:
            raise ValueError("host must not be empty")
        if not isinstance(self.credentials, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.credentials.items()
        ):
            raise ValueError("credentials must map user names to passwords (both text)")
        if not self.token_lifetime > 0:
            raise ValueError(f"token_lifetime must be more than 0 seconds, got {self.token_lifetime!r}")
        if isinstance(self.session_limit, bool) or not isinstance(self.session_limit, int):
            raise ValueError(f"session_limit must be an integer (0 = no limit), got {self.session_limit!r}")
