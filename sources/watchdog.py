"""One thread per process that calls back at deadlines: `sources.net` cuts a response off
when its total time is up.

A `threading.Timer` per request did the same, but starting and cancelling a thread cost
~150 microseconds of CPU a request, a tenth of what a "not modified" poll costs. Callbacks
run under the watchdog's lock and `disarm` takes it, so once `disarm` has returned, the
callback has either run or never will: a connection handed back to the pool is never cut.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int]] = []  # a heap of (deadline, key)
        # The callbacks still armed. Disarming drops the callback at once, and with it what
        # it holds (a response, its decompressor): only the heap's small entries wait for
        # their deadline to be popped.
        self._armed: dict[int, Callable[[], None]] = {}
        self._keys = itertools.count()
        threading.Thread(target=self._run, name="pln-watchdog", daemon=True).start()

    def arm(self, seconds: float, callback: Callable[[], None]) -> int:
        """Call `callback` in `seconds` unless disarmed first; returns the key to disarm."""
        with self._lock:
            key = next(self._keys)
            self._armed[key] = callback
            heapq.heappush(self._due, (time.monotonic() + seconds, key))
            if self._due[0][1] == key:
                self._lock.notify()  # sooner than what the thread waits for
            return key

    def disarm(self, key: int) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][1] not in self._armed:
                    heapq.heappop(self._due)
                if not self._due:
                    self._lock.wait()
                    continue
                due, key = self._due[0]
                if due > time.monotonic():
                    self._lock.wait(due - time.monotonic())
                    continue
                heapq.heappop(self._due)
                callback = self._armed.pop(key)
                try:
                    callback()
                except Exception:  # a failed callback must not stop the watchdog
                    logger.exception("Watchdog callback failed")


def watchdog() -> Watchdog:
    """This process's watchdog (a forked worker starts its own: threads do not survive a
    fork)."""
    return _watchdog_of(os.getpid())


@functools.cache
def _watchdog_of(pid: int) -> Watchdog:
    return Watchdog()
