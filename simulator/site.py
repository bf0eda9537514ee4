"""What route modules know about the running simulator.

`Site` is created once per server. `base_url` (e.g. "http://127.0.0.1:41234", no trailing
slash) is what generated feeds use for absolute links and ids, so they are stable whatever
`Host` a client sends. `stopping` is set when the server shuts down; streaming routes wait on
it instead of `time.sleep` so they end promptly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from simulator.blogs import BlogSet


@dataclass
class Site:
    base_url: str
    port: int
    blogs: BlogSet
    stopping: threading.Event = field(default_factory=threading.Event)
