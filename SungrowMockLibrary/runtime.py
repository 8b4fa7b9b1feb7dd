"""A private asyncio event loop in its own thread, one per mock.

Robot runs async keywords in a loop that stops between keywords, and pytest may run its own;
a server must live on a loop nobody else stops. Callers hand work to this loop and wait.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .limits import ACCEPT_ERROR_LOG_INTERVAL

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0

log = logging.getLogger("SungrowMockLibrary.doors")

_OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class Throttled:
    """A logger that writes one line per ``interval`` seconds and counts the ones it held back."""

    def __init__(self, logger: logging.Logger, interval: float):
        self._logger = logger
        self._interval = interval
        self._next = 0.0
        self._held = 0

    def warning(self, message: str, *args) -> bool:
        """Log ``message`` unless a line went out less than ``interval`` ago; True if logged."""
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return False
        held, self._held = self._held, 0
        suffix = f" ({held} more since the last message)" if held else ""
        self._logger.warning(message + suffix, *args)
        self._next = now + self._interval
        return True


class AcceptErrors:
    """The loop's exception handler: accept errors (out of file descriptors or memory) become one
    log line per interval without a traceback; everything else goes to asyncio's default handler.

    asyncio (3.11) reports such an error once per pending connection, up to the listen backlog,
    each with a traceback, and retries the accept every second: at the file-descriptor limit that
    was megabytes of log per minute.
    """

    def __init__(self, interval: float = ACCEPT_ERROR_LOG_INTERVAL):
        self._log = Throttled(log, interval)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        error = context.get("exception")
        if isinstance(error, OSError) and error.errno in _OUT_OF_RESOURCES and "accept" in context.get("message", ""):
            sock = context.get("socket")
            where = ""
            if sock is not None:
                try:
                    where = " on {}:{}".format(*sock.getsockname()[:2])
                except (OSError, TypeError, ValueError):
                    pass
            self._log.warning("cannot accept connections%s: %s; retrying every second", where, error.strerror or error)
            return
        loop.default_exception_handler(context)


EVENT_LOOP_VARIABLE = "SUNGROW_MOCK_EVENT_LOOP"
"""Environment variable choosing the mocks' event loop: ``asyncio`` (the default) or ``uvloop``
(``pip install robotframework-sungrowmocklibrary[fast]``; docs/performance.md gives both figures)."""
EVENT_LOOPS = ("asyncio", "uvloop")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop of the kind :data:`EVENT_LOOP_VARIABLE` names."""
    kind = os.environ.get(EVENT_LOOP_VARIABLE, "").strip().lower() or "asyncio"
    if kind not in EVENT_LOOPS:
        raise ValueError(f"{EVENT_LOOP_VARIABLE}={kind!r}: choose {' or '.join(EVENT_LOOPS)}")
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise ValueError(
                f"{EVENT_LOOP_VARIABLE}=uvloop but uvloop is not installed: "
                "pip install robotframework-sungrowmocklibrary[fast]"
            ) from None
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


class EventLoopThread:
    """Runs an event loop in a daemon thread until :meth:`stop`, which joins the thread."""

    def __init__(self, name: str):
        self.loop = new_event_loop()
        self.loop.set_exception_handler(AcceptErrors())
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()

    def start(self) -> EventLoopThread:
        self._thread.start()
        self._started.wait()
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()

    @property
    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = DEFAULT_TIMEOUT) -> T:
        """Run a coroutine on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[..., T], *args, timeout: float = DEFAULT_TIMEOUT) -> T:
        """Run a plain function on the loop thread (so it never races the servers) and return its result."""
        if self.in_loop_thread:
            return function(*args)
        future: concurrent.futures.Future = concurrent.futures.Future()

        def invoke() -> None:
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed back to the caller's thread
                future.set_exception(error)

        self.loop.call_soon_threadsafe(invoke)
        return future.result(timeout)

    def stop(self) -> None:
        """Cancel what is left, stop the loop, join the thread and close the loop's resources."""
        if self._thread.is_alive():
            self.run(self._cancel_remaining())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        if not self.loop.is_closed():
            self.loop.close()

    async def _cancel_remaining(self) -> None:
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.loop.shutdown_asyncgens()
