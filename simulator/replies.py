"""The small request/reply vocabulary shared by the simulator's route modules.

A route module exposes `handle(request: Request) -> Reply`. It never touches sockets: the
server (`simulator.server`) records the request, applies status overrides, gzips byte bodies
when the client asks for it, and writes the reply. A `Reply` carries either a complete `body`
or a `stream` of chunks (written as they come, connection closed afterwards); a stream stops
as soon as the client goes away.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.site import Site


@dataclass(frozen=True)
class Request:
    """One parsed request. `path` has no query string; `headers` is case-insensitive."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    site: Site


@dataclass
class Reply:
    """What to send back. `gzip=False` stops the server from compressing `body`."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None
    gzip: bool = True


def html_page(title: str, body_html: str, *, status: int = 200, head: str = "") -> Reply:
    """A minimal HTML page; `title` is escaped, `body_html` and `head` are trusted markup."""
    page = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{head}</head>\n<body>\n{body_html}\n</body></html>\n"
    )
    return Reply(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def not_found() -> Reply:
    return html_page("Not found", "<h1>Not found</h1>", status=404)


def method_not_allowed() -> Reply:
    reply = html_page("Method not allowed", "<h1>Method not allowed</h1>", status=405)
    reply.headers["Allow"] = "GET, HEAD"
    return reply


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", {"Location": location, "Content-Type": "text/plain"})


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


@functools.lru_cache(maxsize=4096)
def etag_for(body: bytes) -> str:
    """A strong, quoted ETag that changes whenever `body` does. Worked out once per distinct
    body, as a real server keeps it with its cached page: hashing a 100 KB feed on every
    request was a third of the simulator's CPU in the benchmark."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since >= last_modified.replace(microsecond=0)


def conditional(
    request: Request, body: bytes, content_type: str, *, last_modified: datetime
) -> Reply:
    """A 200 with `ETag`/`Last-Modified`, or a bodiless 304 when the validators match.

    `If-None-Match` wins when present; `If-Modified-Since` is consulted only without it.
    """
    etag = etag_for(body)
    headers = {
        "Content-Type": content_type,
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": "no-cache",
    }
    inm = request.headers.get("If-None-Match")
    ims = request.headers.get("If-Modified-Since")
    if inm is not None:
        fresh = _etag_matches(inm, etag)
    else:
        fresh = ims is not None and _not_modified_since(ims, last_modified)
    if fresh:
        del headers["Content-Type"]
        return Reply(304, b"", headers)
    return Reply(200, body, headers)
