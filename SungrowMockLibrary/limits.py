"""Every size, depth and count the mock bounds a request by, written down once.

Each limit says what it bounds and why the value; the code that enforces it imports it from here.
"""

from __future__ import annotations

# -- the control endpoint (``sungrow-mock serve --control-port``) -----------------------------------

# A request body, JSON or XML-RPC. A keyword's arguments are a few short values; files go by path
# (inside the data directory), never in a body. Larger bodies get 413 before they are read whole.
# At 1 MiB the widest body (350,000 empty JSON arrays) took 2.5 s to refuse and a concurrent Modbus
# reader waited 455 ms; with this limit and CONTROL_MAX_VALUES every hostile body is answered in
# under 15 ms and the reader waits under 5 ms (benchmarks/control_bodies.py).
CONTROL_MAX_BODY_BYTES = 64 * 1024
# How deeply arrays and objects (XML-RPC arrays and structs) may nest in a request. No keyword
# takes more than a list of lists; far below Python's recursion limit, so nothing that walks a
# value recursively (conversion, messages, marshalling) can run out of stack.
CONTROL_MAX_NESTING = 32
# How many values arrays and objects may hold in one request, all together. A keyword's arguments
# are a few values (a register block is at most 125); the limit stops a 64 KiB body of 21,000 tiny
# values before Robot's conversion and the keyword see it (that took 0.2 s and stalled a concurrent
# Modbus reader 90 ms on a loaded machine).
CONTROL_MAX_VALUES = 1000
