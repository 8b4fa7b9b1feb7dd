"""Every size, depth and count the mock bounds a request by, written down once.

Each limit says what it bounds and why the value; the code that enforces it imports it from here.
"""

from __future__ import annotations

# -- the control endpoint (``sungrow-mock serve --control-port``) -----------------------------------

# A request body, JSON or XML-RPC. A keyword's arguments are a few short values; files go by path
# (inside the data directory), never in a body. Larger bodies get 413 before they are read whole.
CONTROL_MAX_BODY_BYTES = 1024 * 1024
# How deeply arrays and objects (XML-RPC arrays and structs) may nest in a request. No keyword
# takes more than a list of lists; far below Python's recursion limit, so nothing that walks a
# value recursively (conversion, messages, marshalling) can run out of stack.
CONTROL_MAX_NESTING = 32
