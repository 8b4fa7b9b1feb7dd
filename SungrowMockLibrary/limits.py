"""Every size, depth and count the mock bounds a request by, written down once.

Each limit says what it bounds and why the value; the code that enforces it imports it from here.
"""

from __future__ import annotations

# -- the control endpoint (``sungrow-mock serve --control-port``) -----------------------------------

# A request body, JSON or XML-RPC. A keyword's arguments are a few short values; files go by path
# (inside the data directory), never in a body. Larger bodies get 413 before they are read whole.
# Parsing and checking the widest body of this size (21,000 empty JSON arrays) takes about 0.1 s
# and a concurrent Modbus reader waited at most 35 ms; at 1 MiB it was 2.5 s and 455 ms.
CONTROL_MAX_BODY_BYTES = 64 * 1024
# How deeply arrays and objects (XML-RPC arrays and structs) may nest in a request. No keyword
# takes more than a list of lists; far below Python's recursion limit, so nothing that walks a
# value recursively (conversion, messages, marshalling) can run out of stack.
CONTROL_MAX_NESTING = 32
