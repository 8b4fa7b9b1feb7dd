"""Tokens, logins and the session limit of the mock dongle (PROTOCOLS §4.1, §4.2, §4.3).

* ``connect`` issues a token (``uuid4``). Without the login requirement it opens every service.
* ``login`` with configured credentials issues a new token that replaces the one the request
  carried; wrong credentials answer 200 (a guess), and ``LOCK_AFTER`` failures in a row lock the
  user name for ``LOCK_SECONDS`` (114).
* A token lives ``settings.token_lifetime`` seconds from issue, or until ``expire_all``,
  ``logout``, a replacing login, or a login beyond ``settings.session_limit`` that ends the
  oldest logged-in session (its websocket gets the notice 100 "normal user limit").
* An unknown or dead token answers 106. With the login requirement a live token that has not
  logged in answers 401, as does a request without any token.

Everything runs on the door's event loop thread: no locking.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from ...records import MutableRecord
from .codes import ACCOUNT_LOCKED, LOGIN_FAILED, LOGIN_REQUIRED, TOKEN_INVALID, WinetError
from .settings import WinetSettings

LOCK_AFTER = 5  # failed logins in a row that lock a user name [GUESS]
LOCK_SECONDS = 60.0  # how long the lock lasts [GUESS]
MAX_TOKENS = 1000  # live tokens kept at most; the oldest connect tokens go first


class Session(MutableRecord):
    token: str
    issued: float
    connection: Any  # the websocket connection it was issued on (None over HTTP)
    user: str | None  # set by login
    uid: int
    upgraded: bool  # POST /upgrade/upgradeStatus was called with this token

    def __init__(self, token: str, issued: float, connection: Any = None, user: str | None = None, uid: int = 1,
                 upgraded: bool = False):  # fmt: skip
        self.__dict__.update(token=token, issued=issued, connection=connection, user=user, uid=uid, upgraded=upgraded)

    @property
    def logged_in(self) -> bool:
        return self.user is not None


class Sessions:
    """The dongle's token table."""

    def __init__(self, settings: WinetSettings, now: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.login_required = settings.login_by_default
        self._now = now
        self._sessions: dict[str, Session] = {}  # insertion order = issue order
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    # -- issuing ------------------------------------------------------------------------------

    def connect(self, connection: Any = None) -> Session:
        self._prune()
        session = Session(str(uuid.uuid4()), self._now(), connection)
        self._sessions[session.token] = session
        return session

    def login(
        self, username: Any, password: Any, old_token: Any, connection: Any = None
    ) -> tuple[Session, list[Session]]:
        """Check credentials; return the new session and the sessions it pushed out."""
        name = username if isinstance(username, str) else ""
        now = self._now()
        if self._locked_until.get(name, 0.0) > now:
            raise WinetError(ACCOUNT_LOCKED, f"user {name!r} is locked after {LOCK_AFTER} failed logins")
        credentials = self.settings.credentials
        if not name or credentials.get(name) != password or not isinstance(password, str):
            failures = self._failures.get(name, 0) + 1
            self._failures[name] = failures
            if failures >= LOCK_AFTER:
                self._failures.pop(name, None)
                self._locked_until[name] = now + LOCK_SECONDS
                raise WinetError(ACCOUNT_LOCKED, f"user {name!r} locked after {failures} failed logins")
            raise WinetError(LOGIN_FAILED, f"wrong user name or password for {name!r}")
        self._failures.pop(name, None)
        if isinstance(old_token, str):
            self._sessions.pop(old_token, None)
        self._prune()
        session = Session(str(uuid.uuid4()), now, connection, name, list(credentials).index(name) + 1)
        kicked = []
        limit = self.settings.session_limit
        if limit > 0:
            logged_in = [s for s in self._sessions.values() if s.logged_in]
            while len(logged_in) >= limit:
                oldest = logged_in.pop(0)
                del self._sessions[oldest.token]
                kicked.append(oldest)
        self._sessions[session.token] = session
        return session, kicked

    # -- checking -----------------------------------------------------------------------------

    def live(self, token: Any) -> Session:
        """The live session of ``token``; 106 when unknown or dead, 401 without a token at all."""
        session = self._sessions.get(token) if type(token) is str else None
        if session is not None and self._alive(session):  # the usual request: a live token
            return session
        if not isinstance(token, str) or not token:
            if self.login_required:
                raise WinetError(LOGIN_REQUIRED, "no token; log in first")
            raise WinetError(TOKEN_INVALID, "no token; call connect first")
        if session is not None:
            del self._sessions[token]
        raise WinetError(TOKEN_INVALID, "unknown or expired token")

    def authorize(self, token: Any, upgrade_counts: bool = False) -> Session:
        """The session of a request that needs a token (and a login when that is required)."""
        session = self.live(token)  # raises the dongle's error
        if self.login_required and not session.logged_in and not (upgrade_counts and session.upgraded):
            raise WinetError(LOGIN_REQUIRED, "this firmware requires login")
        return session

    # -- ending -------------------------------------------------------------------------------

    def logout(self, token: str) -> None:
        self._sessions.pop(token, None)

    def expire_all(self) -> int:
        """End every token issued so far; return how many were still live."""
        count = sum(1 for s in self._sessions.values() if self._alive(s))
        self._sessions.clear()
        return count

    def forget_connection(self, connection: Any) -> None:
        """A websocket closed: its sessions stay valid, but nothing is pushed to it any more."""
        for session in self._sessions.values():
            if session.connection is connection:
                session.connection = None

    # -- internals ----------------------------------------------------------------------------

    def _alive(self, session: Session) -> bool:
        return self._now() - session.issued < self.settings.token_lifetime

    def _prune(self) -> None:
        for token in [t for t, s in self._sessions.items() if not self._alive(s)]:
            del self._sessions[token]
        while len(self._sessions) >= MAX_TOKENS:
            victim = next((t for t, s in self._sessions.items() if not s.logged_in), next(iter(self._sessions)))
            del self._sessions[victim]
