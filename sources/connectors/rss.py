"""Blogs through their feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed, with conditional GET.

`fetch` does the HTTP; `parse` turns feed bytes into records and is tested on bytes alone.
"""

import calendar
import functools
import hashlib
import json
import re
import xml.sax
from datetime import UTC, datetime
from html import escape
from time import struct_time
from typing import Any
from urllib.parse import urlsplit

import feedparser

from sources.connectors import feedparse, http_status
from sources.connectors.base import (
    AuthorRecord,
    ConnectorError,
    FetchResult,
    ItemRecord,
    PollState,
    Target,
)
from sources.connectors.http_status import raise_for_status
from sources.connectors.payload import iso_datetime
from sources.urljoin import urljoin

JSON_FEED_TYPES = {"application/feed+json", "application/json"}
# Real feeds never declare entities; refusing them closes XXE and entity-expansion bombs
# before any XML parser sees the document.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(rb"\s*<(!doctype\s+html|html)[\s>]", re.IGNORECASE)


def fetch(target: Target) -> FetchResult:
    """Fetch and parse the feed at `target.url`. Raises ConnectorError."""
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/xml;q=0.9, */*;q=0.8"
    }
    if target.state.etag:
        headers["If-None-Match"] = target.state.etag
    if target.state.last_modified:
        headers["If-Modified-Since"] = target.state.last_modified
    response = http_status.get(target.url, headers=headers)
    if response.status == 304:
        return FetchResult(items=[], state=target.state, not_modified=True)
    raise_for_status(response)
    state = PollState(
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
    )
    result = parse(response.body, url=response.url, content_type=response.content_type)
    result.state = state
    return result


def parse(body: bytes, *, url: str, content_type: str = "") -> FetchResult:
    """Parse feed bytes fetched from `url`. Raises ConnectorError when it is not a feed."""
    if content_type in JSON_FEED_TYPES or body.lstrip()[:1] == b"{":
        return _parse_json_feed(body, url=url)
    return _parse_xml_feed(body, url=url)


def _parse_xml_feed(body: bytes, *, url: str) -> FetchResult:
    if _HTML_START.match(body[:1024]):
        raise ConnectorError("This address serves a web page, not a feed.")
    if _ENTITY_DECLARATION.search(body[:65536]):
        raise ConnectorError(feedparse.ENTITIES_REFUSED)
    return parse_xml(body, url=url)


def parse_xml(body: bytes, *, url: str, fast: bool = True) -> FetchResult:
    """Records from RSS/Atom bytes: through `feedparse` (lxml) when it models the document,
    else (or with `fast=False`) through feedparser. Both give the same records; tests compare
    them. Raises ConnectorError when it is not a feed."""
    try:
        if not fast:
            raise feedparse.Unsupported("feedparser asked for")
        feed, entries, _ = feedparse.parse(body, url=url)
    except feedparse.Unsupported:
        feed, entries = _feedparser(body, url=url)
    items = [_xml_entry(entry, feed=feed, url=url) for entry in entries]
    return FetchResult(
        items=items,
        state=PollState(),
        title=feed.get("title", ""),
        site_url=feed.get("link", ""),
    )


def _feedparser(body: bytes, *, url: str) -> tuple[Any, list[Any]]:
    """The forgiving reader, for what `feedparse` leaves: odd encodings, broken XML (which it
    still refuses with a readable message), shapes `feedparse` does not model."""
    # Bytes, never a string: feedparser treats a string as a URL or a path to open.
    parsed = feedparser.parse(
        body,
        sanitize_html=False,  # nh3 sanitises once, at ingest
        resolve_relative_uris=False,  # done while sanitising, against each entry's base
        response_headers={"content-location": url},
    )
    if isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        raise ConnectorError(f"The feed is not well-formed XML ({parsed.bozo_exception}).")
    if not parsed.version:
        raise ConnectorError("This address does not serve an RSS, Atom or JSON feed.")
    return parsed.feed, parsed.entries


def _xml_entry(entry: Any, *, feed: Any, url: str) -> ItemRecord:
    content = entry.get("content") or []
    detail = content[0] if content else entry.get("summary_detail") or {}
    html = detail.get("value", "") or entry.get("summary", "")
    if detail.get("type") == "text/plain":
        html = _escape_text(html)
    base = detail.get("base") or url
    link = _resolve(base, entry["link"]) if entry.get("link") else ""
    author = entry.get("author_detail") or feed.get("author_detail") or {}
    author_name = author.get("name") or entry.get("author") or feed.get("author", "")
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return ItemRecord(
        external_id=item_key(url, entry.get("id") or link or _digest(entry.get("title", ""), html)),
        url=link,
        title=entry.get("title", ""),
        html=html,
        author=_author(url, author_name, author.get("href", "") or feed.get("link", "")),
        published_at=_utc(published) if published else None,
        hashtags=[tag.get("term", "") for tag in entry.get("tags") or [] if tag.get("term")],
        media=[
            {"url": _resolve(base, e["href"]), "type": e.get("type", "")}
            for e in entry.get("enclosures") or []
            if e.get("href") and str(e.get("type", "")).startswith("image/")
        ],
        base_url=base,
    )


def _utc(parsed: struct_time) -> datetime:
    """The UTC datetime of a parsed feed date: its fields as they are, unless they are out of
    their ranges (a leap second, a 31 November), which `timegm` carries over."""
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _resolve(base: str, url: str) -> str:
    return urljoin(base, url)


def _parse_json_feed(body: bytes, *, url: str) -> FetchResult:
    try:
        feed = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ConnectorError(f"The JSON feed is not valid JSON ({exc}).") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise ConnectorError("This address serves JSON, but not a JSON Feed.")
    raw_items = feed.get("items")
    if not isinstance(raw_items, list):
        raise ConnectorError("The JSON feed has no list of items.")
    feed_authors = _json_authors(feed)
    items = [_json_item(raw, url=url, feed_authors=feed_authors) for raw in raw_items]
    return FetchResult(
        items=[item for item in items if item is not None],
        state=PollState(),
        title=_str(feed.get("title")),
        site_url=_str(feed.get("home_page_url")),
    )


def _json_item(raw: Any, *, url: str, feed_authors: list[dict]) -> ItemRecord | None:
    item_id = _str(raw.get("id")) if isinstance(raw, dict) else ""
    if not item_id.strip():
        return None  # the spec makes `id` a required string; without it there is no stable key
    link = urljoin(url, _str(raw.get("url"))) if raw.get("url") else ""
    if urlsplit(link).scheme not in ("http", "https"):
        link = ""
    html = _str(raw.get("content_html")) or _escape_text(_str(raw.get("content_text")))
    author = (_json_authors(raw) or feed_authors or [{}])[0]
    image = _str(raw.get("image"))
    return ItemRecord(
        external_id=item_key(url, item_id),
        url=link,
        title=_str(raw.get("title")),
        html=html,
        author=_author(url, _str(author.get("name")), _str(author.get("url"))),
        published_at=iso_datetime(raw.get("date_published") or raw.get("date_modified")),
        hashtags=[_str(t) for t in _list(raw.get("tags")) if _str(t)],
        media=[{"url": urljoin(url, image), "type": "image"}] if image else [],
        base_url=link or url,
    )


def _json_authors(obj: dict) -> list[dict]:
    authors = obj.get("authors") or ([obj["author"]] if obj.get("author") else [])
    return [a for a in authors if isinstance(a, dict)] if isinstance(authors, list) else []


def item_key(feed_url: str, guid: str) -> str:
    """The stored external id: the feed's host plus the entry's GUID.

    Scoping by host means a hostile feed cannot overwrite another site's posts by reusing
    their GUIDs, while the same post reached through two feeds of one site (its main feed
    and a tag feed) is still stored once.
    """
    return f"{_host(feed_url)}|{guid.strip()}"[:500]


@functools.lru_cache(maxsize=256)  # called for every entry of a feed, with the feed's URL
def _host(url: str) -> str | None:
    return urlsplit(url).hostname


def _author(feed_url: str, name: str, profile_url: str) -> AuthorRecord | None:
    name = name.strip()
    if not name:
        return None
    return AuthorRecord(external_id=item_key(feed_url, name), name=name, profile_url=profile_url)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _escape_text(text: str) -> str:
    return "<p>" + escape(text).replace("\n\n", "</p><p>") + "</p>" if text else ""


def _str(value: Any) -> str:
    """A JSON value as a string: strings as they are, integers spelled out, others empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
