"""Mastodon: one hashtag's public timeline on one server (`GET /api/v1/timelines/tag/:tag`).

A Source's `url` is that endpoint (`target_url`); its `cursor` is the newest status id seen
there. The first poll reads the newest page; later ones ask for the statuses just above the
cursor (`min_id`) and follow `Link rel="prev"` upwards (same scheme, host and port only), at
most MAX_PAGES pages: a busy tag catches up over a few polls, with no gap. Statuses are keyed
by their ActivityPub `uri`, the same on every server, so one seen through two servers is
stored once. Ids are opaque strings. `fetch` does the HTTP; `parse` reads one page's bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

from sources import net
from sources.connectors import http_status
from sources.connectors.base import (
    AuthorRecord,
    ConnectorError,
    FetchResult,
    ItemRecord,
    PollState,
    Target,
)
from sources.connectors.http_status import raise_for_status, reset_time, retry_time
from sources.connectors.payload import as_list, as_str, count, http_url, iso_datetime

TIMELINE = "/api/v1/timelines/tag/"
PAGE_SIZE = 40  # Mastodon's maximum `limit`
MAX_PAGES = 5
UNEXPECTED = "Mastodon sent an unexpected response"
MAX_ID_LENGTH = 100  # Mastodon ids are ~18 digits; anything far longer is not an id
MAX_KEY_LENGTH = 500  # Item.external_id and Person.external_id
MAX_URL_LENGTH = 2000
MAX_TAGS = 30
MAX_MEDIA = 10
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""rel\s*=\s*["']?([^"';,]*)""", re.IGNORECASE)
_HASHTAG = re.compile(r"[\w\u00b7\u200c]{1,100}")  # Mastodon allows a middle dot and ZWNJ


@dataclass
class Page:
    """One timeline page: the usable statuses as records, the newest status id on the page
    ("" if none) and how many statuses it held, usable or not (a short page is the end)."""

    items: list[ItemRecord]
    newest_id: str
    size: int


def target_url(server_base_url: str, tag: str) -> str:
    """The endpoint a Source stores: ("https://mastodon.social", "#SUB101") ->
    "https://mastodon.social/api/v1/timelines/tag/sub101". A bare host gets https://; the tag
    is lower-cased (Mastodon's are case-insensitive: one Source for every spelling). Raises
    ValueError for an empty tag or a base URL that is not http(s)."""
    base = server_base_url.strip().rstrip("/")
    if "://" not in base:
        base = f"https://{base}"
    parts = urlsplit(base)
    parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(f"Not a Mastodon server address: {server_base_url!r}")
    name = tag.strip().lstrip("#").strip().lower()
    if not name:
        raise ValueError("A hashtag is needed")
    return f"{base}{TIMELINE}{quote(name, safe='')}"


def fetch(target: Target) -> FetchResult:
    """Statuses newer than `target.state.cursor` (the newest page on a first poll), with the
    newest id seen as the new cursor. `retry_at` is set when the server's rate limit is spent.

    Raises ConnectorError when the first request fails. A failure on a later page ends the
    poll with the pages already read: the cursor covers exactly those, so nothing is lost.
    """
    cursor = target.state.cursor
    params: dict[str, str | int] = {"min_id": cursor} if cursor else {}
    url = _with_query(target.url, {**params, "limit": PAGE_SIZE})
    items: list[ItemRecord] = []
    newest = cursor
    retry_at: datetime | None = None
    for page_number in range(MAX_PAGES):
        try:
            response = _get(url)
            page = parse(response.body, url=target.url)
        except ConnectorError as exc:
            if page_number == 0:
                raise
            retry_at = exc.retry_at
            break
        items.extend(page.items)
        progressed = _newer(page.newest_id, newest)
        newest = page.newest_id if progressed else newest
        retry_at = _rate_limit_spent(response.headers)
        url = _prev_link(response, origin=target.url)
        # A first poll takes the newest page only; a short page means we are up to date.
        if not cursor or not progressed or page.size < PAGE_SIZE or retry_at or not url:
            break
    return FetchResult(
        items=items, state=PollState(cursor=newest), title=_title(target.url), retry_at=retry_at
    )


def parse(body: bytes, *, url: str) -> Page:
    """Parse one timeline page fetched from the endpoint `url` (its host qualifies local
    handles when an account has no profile URL). Statuses that are not objects or lack an
    id, uri or valid `created_at` are skipped. Raises ConnectorError when the body is not
    JSON or not a list."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError and huge integers included
        raise ConnectorError(f"{UNEXPECTED} (not valid JSON).") from None
    if not isinstance(payload, list):
        raise ConnectorError(f"{UNEXPECTED} (not a list of statuses).")
    host = urlsplit(url).hostname or ""
    items: list[ItemRecord] = []
    newest = ""
    for raw in payload:
        status_id = _status_id(raw)
        if not status_id:
            continue
        # Advance past unusable statuses too, or a page of them would be refetched forever.
        newest = status_id if _newer(status_id, newest) else newest
        item = _item(raw, host=host)
        if item is not None:
            items.append(item)
    return Page(items=items, newest_id=newest, size=len(payload))


def _get(url: str) -> net.Response:
    response = http_status.get(url, headers={"Accept": "application/json"})
    headers = response.headers
    if response.status == 429:
        retry_at = reset_time(headers.get("X-RateLimit-Reset", ""))
        retry_at = retry_at or retry_time(headers.get("Retry-After", ""))
        raise ConnectorError(
            "The Mastodon server asked us to slow down (HTTP 429).", retry_at=retry_at
        )
    if response.status == 401:
        raise ConnectorError(
            "This Mastodon server does not make its hashtag feeds public: "
            "it only shows them to signed-in users (HTTP 401)."
        )
    if response.status == 404:
        raise ConnectorError("This Mastodon server has no timeline for this hashtag (HTTP 404).")
    raise_for_status(response)
    return response


def _item(wrapper: dict, *, host: str) -> ItemRecord | None:
    status = wrapper.get("reblog") or wrapper  # a boost stands for the boosted status
    if not isinstance(status, dict):
        return None
    uri = as_str(status.get("uri")).strip()
    published = iso_datetime(status.get("created_at"))
    if not uri or len(uri) > MAX_KEY_LENGTH or published is None:
        return None
    url = http_url(status.get("url")) or http_url(uri)
    html = as_str(status.get("content"))
    if spoiler := as_str(status.get("spoiler_text")).strip():
        html = f"<p><strong>CW: {escape(spoiler)}</strong></p>{html}"
    return ItemRecord(
        external_id=uri,
        url=url,
        html=html,
        author=_author(status.get("account"), host=host),
        published_at=published,
        hashtags=[name for tag in as_list(status.get("tags"))[:MAX_TAGS] if (name := _tag(tag))],
        media=[m for a in as_list(status.get("media_attachments"))[:MAX_MEDIA] if (m := _image(a))],
        base_url=url,
        reply_count=count(status.get("replies_count")),
        like_count=count(status.get("favourites_count")),
        repost_count=count(status.get("reblogs_count")),
        # Any server can relay a status under its `uri`; only its home server may edit it.
        authoritative=(urlsplit(uri).hostname or "") == host,
    )


def _author(account: Any, *, host: str) -> AuthorRecord | None:
    """The account, keyed by its profile URL (the same on every server). A local `acct` has
    no domain: it is qualified with the profile's host, which for a local account is the
    server's own (and stays right when the API sits under a path, as in the simulator)."""
    if not isinstance(account, dict):
        return None
    profile = http_url(account.get("url"))
    if not profile or len(profile) > MAX_KEY_LENGTH:
        return None
    username = as_str(account.get("username")).strip()
    acct = as_str(account.get("acct")).strip().lstrip("@") or username
    if acct and "@" not in acct:
        acct = f"{acct}@{urlsplit(profile).hostname or host}"
    return AuthorRecord(
        external_id=profile,
        name=as_str(account.get("display_name")).strip() or username,
        handle=f"@{acct}" if acct else "",
        profile_url=profile,
        avatar_url=http_url(account.get("avatar")),
    )


def _tag(tag: Any) -> str:
    name = as_str(tag.get("name")).strip() if isinstance(tag, dict) else ""
    return name if _HASHTAG.fullmatch(name) else ""


def _image(attachment: Any) -> dict[str, str] | None:
    if not isinstance(attachment, dict) or attachment.get("type") != "image":
        return None
    url = http_url(attachment.get("url"))
    alt = as_str(attachment.get("description"))[:1500]
    return {"type": "image", "url": url, "alt": alt} if url else None


def _status_id(raw: Any) -> str:
    value = raw.get("id") if isinstance(raw, dict) else None
    ok = isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()
    return value if ok else ""


def _newer(candidate: str, than: str) -> bool:
    """Ids are opaque strings; Mastodon's sort by length, then text (never int())."""
    return bool(candidate) and (len(candidate), candidate) > (len(than), than)


def _rate_limit_spent(headers: Any) -> datetime | None:
    """The reset time when a successful response says (almost) no requests are left."""
    remaining = headers.get("X-RateLimit-Remaining", "").strip()
    if remaining.isascii() and remaining.isdigit() and int(remaining[:9]) <= 1:
        return reset_time(headers.get("X-RateLimit-Reset", ""))
    return None


def _prev_link(response: net.Response, *, origin: str) -> str:
    """The `rel="prev"` URL of the Link header, only if it stays on `origin`'s scheme, host
    and port (following a server's link elsewhere would let it aim our requests: SSRF)."""
    for match in _LINK.finditer(response.headers.get("Link", "")):
        rel = _REL.search(match[2])
        if rel and "prev" in rel[1].lower().split():
            link = urljoin(response.url, match[1].strip())
            where = _origin(link)
            return link if where is not None and where == _origin(origin) else ""
    return ""


def _origin(url: str) -> tuple[str, str | None, int] | None:
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:  # not a number
        return None
    return parts.scheme.lower(), parts.hostname, port


def _with_query(url: str, params: dict[str, str | int]) -> str:
    """`url` with `params` set, keeping its other query parameters (e.g. `local=true`)."""
    base, _, query = url.partition("?")
    drop = {"min_id", "max_id", "since_id", *params}
    kept = [(k, v) for k, v in parse_qsl(query) if k not in drop]
    return f"{base}?{urlencode([*kept, *params.items()])}"


def _title(url: str) -> str:
    """ "#sub101 on mastodon.social"; a server under a path keeps it, so two such servers on
    one host (the simulator) get different titles."""
    parts = urlsplit(url)
    prefix, _, tag = parts.path.rpartition(TIMELINE if TIMELINE in parts.path else "/")
    return f"#{unquote(tag)} on {parts.netloc}{prefix}"
