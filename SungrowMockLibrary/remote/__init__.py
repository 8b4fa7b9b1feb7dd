"""The control endpoint of ``sungrow-mock serve --control-port``: the library's keywords, remotely.

One port, two interfaces onto the same keywords:

- ``POST /`` (``/TOKEN`` when a token is set): Robot Framework's remote library API over XML-RPC,
  so ``Library    Remote    http://HOST:PORT/`` gives every keyword of the library. Robot's
  Remote library cannot send headers, hence the token in the URL path.
- ``/api/...``: JSON routes for other tools; the token goes in ``Authorization: Bearer`` (``/api/health``
  needs none, so that a readiness probe can ask). Keyword routes answer
  ``{"status": "PASS", "return": ..., "output": ...}`` or ``{"status": "FAIL", "error": ...}``:

  ======================================  ==========================================================
  ``GET /api/health``                     ``{"status": "ok"}``
  ``GET /api/mock``                       the ready line
  ``GET /api/keywords``                   ``{"keywords": [names]}``
  ``POST /api/keywords/{name}``           any keyword, ``{"args": [...], "kwargs": {...}}``
  ``GET|PUT /api/registers/{ref}``        ``Get Register`` / ``Set Register`` (``{"value": ...}``)
  ``GET /api/requests``                   ``Get Mock Requests`` (filters as query parameters)
  ``POST|DELETE /api/faults``             ``Inject Fault`` (body: its arguments) / ``Clear Faults``
  ``POST /api/scopes``                    ``Open Mock Scope`` (``{"scope": "test", "name": "..."}``):
                                          returns the scope's id
  ``DELETE /api/scopes/{id}``             ``Close Mock Scope``: undoes what was set in the scope,
                                          returns how many settings it undid
  ======================================  ==========================================================

  The daemon cannot see the caller's tests: a caller that wants each test to start clean opens a
  scope when a test starts and closes it when the test ends.

Both run the keywords of one real ``SungrowMockLibrary`` whose current mock is the served one
(alias ``served``), so they behave exactly as in-process: Robot's argument rules and conversion,
Robot's error messages, on Robot's public API only (``robot.api``, the dynamic library API).

What differs from in-process is what the keywords may touch beyond the mock: the endpoint's
library has a restricted :class:`~..keywords.access.AccessPolicy` (files inside ``--data-dir``,
recording from loopback and ``--allow-recording-from``, doors on loopback unless
``--allow-public-doors``). Every answer is JSON (under ``/api/``) or an XML-RPC fault, never a
traceback; bodies are bounded in size and nesting (:mod:`..limits`).

Modules: :mod:`.arguments` binds and converts a keyword's arguments, :mod:`.dispatch` finds and
calls keywords, :mod:`.xmlrpc_api` speaks Robot's remote API, :mod:`.server` serves both over HTTP.
"""

from .dispatch import Keywords, Outcome
from .server import SERVED, ControlServer, check_token
from .xmlrpc_api import xmlrpc_safe

__all__ = ["SERVED", "ControlServer", "Keywords", "Outcome", "check_token", "xmlrpc_safe"]
