"""What route modules know about the running simulator.

`Site` is created once per server. `base_url` (e.g. "http://127.0.0.1:41234", no trailing
slash) is what generated feeds use for absolute links and ids, so they are stable whatever
`Host` a client sends. `stopping` is set when the server shuts down; streaming routes wait on
it instead of `time.sleep` so they end promptly. `state(name, make)` holds each platform
module's own state (its generated posts, sessions, rate-limit counters) for this server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from simulator.blogs import BlogSet

T = TypeVar("T")


@dataclass
class Site:
    base_url: str
    port: int
    blogs: BlogSet
    stopping: threading.Event = field(default_factory=threading.Event)
    _states: dict[str, Any] = field(default_factory=dict)
    _states_lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, name: str, make: Callable[[Site], T]) -> T:
        """Platform `name`'s state on this server, made by `make(site)` on first use."""
        with self._states_lock:
            if name not in self._states:
                self._states[name] = make(self)
            return self._states[name]
