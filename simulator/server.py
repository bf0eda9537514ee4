"""The simulator's HTTP server, its routing table and the `Simulator` handle tests drive.

Routing is by path prefix through `ROUTES`, longest prefix first; each value is a module with
`handle(request: Request) -> Reply` (see `simulator.replies`). A new platform (Mastodon,
Bluesky, ...) is a new module plus one line here.

`start_in_thread()` starts a `ThreadingHTTPServer` (daemon threads, so concurrent requests are
fine) in a background thread and returns a `Simulator`. Its test controls are thread-safe.
"""

from __future__ import annotations

import functools
import gzip
import random
import sys
import threading
import traceback
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple, Protocol

from simulator import blogs, bluesky, faults, images, mastodon, wordpress, wpcom, x
from simulator.blogs import BlogSet, Post
from simulator.replies import Reply, Request, html_page
from simulator.site import Site


class RouteModule(Protocol):
    def handle(self, request: Request) -> Reply: ...


ROUTES: dict[str, RouteModule] = {
    "/bsky/": bluesky,
    "/x/": x,
    "/blogs/": blogs,
    "/faults/": faults,
    "/mastodon/": mastodon,
    "/static-img/": images,
    "/wp/": wordpress,
    "/wpcom/": wpcom,
    "/": blogs,  # the index page; blogs answers 404 for anything else
}
_PREFIXES = sorted(ROUTES, key=len, reverse=True)
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
MAX_REQUEST_BODY = 1024 * 1024


def route(path: str) -> RouteModule:
    return next(ROUTES[p] for p in _PREFIXES if path.startswith(p))


class RecordedRequest(NamedTuple):
    """One request as received. `path` includes the query string; header names as sent."""

    method: str
    path: str
    headers: dict[str, str]


@functools.lru_cache(maxsize=4096)
def _gzipped(body: bytes) -> bytes:
    """Compressed once per distinct body, as a real server's cache would: rendered feeds are
    cached (one bytes object per version), so the benchmark measures PLN Hub, not zlib."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The stdlib default backlog of 5 drops connections when many workers poll at once, and
    # the kernel retries a dropped connection only after a second.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        self.sim = sim
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], _DISCONNECTS):  # clients hanging up is normal
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PLNSimulator/0.1"
    timeout = 30  # idle keep-alive connections give up
    # TCP_NODELAY, as real web servers set it. With Nagle's algorithm on, the body (a second
    # write after the headers) waited for the client to acknowledge the headers, and a client
    # delays that acknowledgement by up to 40 ms: every request on a reused connection took
    # 44 ms instead of 1-4 ms.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        sim = self.server.sim
        path, _, query = self.path.partition("?")
        try:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_REQUEST_BODY)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        sim._record(RecordedRequest(self.command, self.path, dict(self.headers.items())))
        request = Request(self.command, path, query, self.headers, body, sim.site)
        delay = sim._delay(path)
        if delay:
            sim.site.stopping.wait(delay)  # a slow platform; ends early when the server stops
        try:
            reply = sim._override(path) or route(path).handle(request)
        except Exception:
            traceback.print_exc()
            reply = html_page("Simulator bug", "<h1>Simulator bug</h1>", status=500)
        try:
            self._send(reply)
        except _DISCONNECTS:
            self.close_connection = True

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _send(self, reply: Reply) -> None:
        body, headers = reply.body, dict(reply.headers)
        wants_gzip = accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if reply.stream is None and reply.gzip and body and wants_gzip:
            if "Content-Encoding" not in headers:
                body = _gzipped(body)
                headers["Content-Encoding"] = "gzip"
                headers["Vary"] = "Accept-Encoding"
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if reply.stream is None:
            if reply.status not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)
            return
        # Streams have no length: the end of the body is the end of the connection.
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        try:
            for chunk in reply.stream:
                if self.command == "HEAD":
                    break
                self.wfile.write(chunk)
        finally:
            close = getattr(reply.stream, "close", None)
            if close is not None:
                close()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        if self.server.sim.log_requests:
            super().log_message(format, *args)


class Simulator:
    """A running simulator. `base_url` has no trailing slash, e.g. "http://127.0.0.1:41234"."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        blogs: int,
        seed: int,
        posts_per_blog: int,
        log_requests: bool = False,
        post_chars: int = 900,
    ) -> None:
        self.log_requests = log_requests
        self._lock = threading.Lock()
        self._overrides: dict[str, Reply] = {}
        self._delays: dict[str, float] = {}
        self._requests: list[RecordedRequest] = []
        self._server = _Server((host, port), self)
        self.port: int = self._server.server_address[1]
        self.host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        self.base_url = f"http://{self.host}:{self.port}"
        blog_set = BlogSet(
            count=blogs, seed=seed, posts_per_blog=posts_per_blog, post_chars=post_chars
        )
        self.site = Site(self.base_url, self.port, blog_set)
        self._rng = random.Random(seed)  # noqa: S311 (picks a blog, not a secret)
        self._threads = [threading.Thread(target=self._serve, name="simulator", daemon=True)]

    @property
    def host_port(self) -> str:
        """The "host:port" string `PLN_NET_ALLOWED_PRIVATE_HOSTS` expects."""
        return f"{self.host}:{self.port}"

    def feed_url(self, n: int) -> str:
        """Absolute URL of blog `n`'s feed (whatever its format)."""
        blog = self.site.blogs.blogs[n]
        return f"{self.base_url}{blog.path}{blog.format.filename}"

    def add_post(self, n: int) -> Post:
        """Publish a new newest post on blog `n`; its feed's ETag changes."""
        return self.site.blogs.add_post(n)

    def set_status(
        self,
        path: str,
        status: int,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Make `path` (exact, without query string) answer `status` until `clear_status`."""
        all_headers = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        with self._lock:
            self._overrides[path] = Reply(status, body, all_headers)

    def clear_status(self, path: str) -> None:
        with self._lock:
            self._overrides.pop(path, None)

    def set_delay(self, path: str, seconds: float) -> None:
        """Make `path` (exact, without query string) wait `seconds` before answering;
        0 removes the delay."""
        with self._lock:
            self._delays[path] = seconds

    def _delay(self, path: str) -> float:
        with self._lock:
            return self._delays.get(path, 0.0)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, newest last."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def start(self, *, new_post_every: float | None = None) -> Simulator:
        if new_post_every:
            self._threads.append(
                threading.Thread(target=self._grow, args=(new_post_every,), daemon=True)
            )
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end streaming replies and close the socket. Idempotent."""
        self.site.stopping.set()
        if self._threads[0].is_alive():
            self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.1)

    def _grow(self, every: float) -> None:
        while not self.site.stopping.wait(every):
            self.add_post(self._rng.randrange(len(self.site.blogs.blogs)))

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _override(self, path: str) -> Reply | None:
        with self._lock:
            found = self._overrides.get(path)
        if found is None:
            return None
        return Reply(found.status, found.body, dict(found.headers), gzip=False)


def start_in_thread(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    blogs: int = 12,
    seed: int = 1,
    posts_per_blog: int = 20,
    new_post_every: float | None = None,
    log_requests: bool = False,
    post_chars: int = 900,
) -> Simulator:
    """Start a simulator in background daemon threads; `port=0` picks a free port."""
    if blogs < 1 or posts_per_blog < 1:
        raise ValueError("blogs and posts_per_blog must be at least 1")
    sim = Simulator(
        host=host,
        port=port,
        blogs=blogs,
        seed=seed,
        posts_per_blog=posts_per_blog,
        log_requests=log_requests,
        post_chars=post_chars,
    )
    return sim.start(new_post_every=new_post_every)
