"""Self-hosted WordPress sites through the REST API, with their RSS feed as the fallback.

A Source's `url` is a site's posts endpoint, optionally filtered by one tag, e.g.
`https://blog.example.org/wp-json/wp/v2/posts?tags=57`: build it with `find_api_root` (on the
site's home page), `tag_id` and `target_url`.

Items are stored as blog items (`sources.platforms.ITEM_PLATFORM`) under the keys the site's
RSS feed gives them (`rss.item_key(host, guid)`), so a post read both ways is one item.

Cursor: the newest `date_gmt` seen. A poll with a cursor asks for `after=<cursor>` and follows
up to `MAX_PAGES` pages; the first poll reads one page. `after` rather than `modified_after`
because WordPress publishes a scheduled post without touching its `modified_gmt` (so a
modified cursor can skip it for good), and `after` works on every REST-enabled WordPress
(`modified_after` needs 5.7). The price: edits to posts already stored are not re-read.

Fallback: when `fetch` (or `tag_id`) raises `RestApiUnavailable` (HTTP 401/403/404: the REST
API is off or closed to anonymous readers, which security plugins often do), follow the site
as a blog instead, through `fallback_feed_url(site_url(source.url), tag_slug)` and the feed
connector; the items keep their keys. A site without pretty permalinks (`?rest_route=`) has
no `/feed/` path: use `sources.discovery.discover(site_url)` there.
"""

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from sources import net
from sources.connectors import http_status, rss
from sources.connectors.base import (
    AuthorRecord,
    ConnectorError,
    FetchResult,
    ItemRecord,
    PollState,
    Target,
)
from sources.connectors.http_status import raise_for_status
from sources.connectors.payload import as_str, http_url, iso_datetime

API_REL = "https://api.w.org/"
PER_PAGE = 50
MAX_PAGES = 5
# Only what an item needs; a bare `_embed` would embed every comment too (WordPress < 5.4
# ignores the list and embeds everything, which is harmless).
EMBED = "author,wp:term,wp:featuredmedia"
UNEXPECTED = "WordPress sent an unexpected response"
NOT_ALLOWED = "This WordPress site does not allow reading its posts through the REST API"
REST_OFF = "This WordPress site's REST API is switched off (HTTP 404)"
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


class RestApiUnavailable(ConnectorError):
    """The site answered, but not through its REST API: read its feed instead (see above)."""


def target_url(api_root: str, *, tag_id: int | None = None) -> str:
    """The posts endpoint under `api_root` (as `find_api_root` returns it), optionally
    filtered by a tag id (see `tag_id`)."""
    return _endpoint(api_root, "wp/v2/posts", {"tags": str(tag_id)} if tag_id else {})


def find_api_root(page: net.Response) -> str | None:
    """The REST API root a WordPress page advertises, from its `Link: <…>;
    rel="https://api.w.org/"` header or its `<link rel="https://api.w.org/">`. None when
    there is none or it points at another host (never followed: it could aim anywhere)."""
    hrefs = _link_header(page.headers.get("Link", ""), API_REL)
    if page.content_type in ("text/html", "application/xhtml+xml", ""):
        hrefs += _ApiLinks.read(page.body)
    for href in hrefs:
        try:
            root = http_url(urljoin(page.url, href.strip()))
        except ValueError:  # an unclosed IPv6 bracket
            continue
        if root and _host(root) is not None and _host(root) == _host(page.url):
            return root
    return None


def tag_id(api_root: str, slug: str) -> int | None:
    """The id of the tag `slug` on the site (None if it has no such tag).
    Raises ConnectorError (RestApiUnavailable when the REST API is off)."""
    slug = slug.strip().lstrip("#").lower()
    response = _checked(_get(_endpoint(api_root, "wp/v2/tags", {"slug": slug})))
    for tag in _json_list(response.body):
        found = tag.get("id") if isinstance(tag, dict) else None
        if isinstance(found, int) and not isinstance(found, bool) and 0 < found < 2**63:
            return found
    return None


def site_url(posts_url: str) -> str:
    """The site's home address for a posts endpoint: everything before `/wp-json/`."""
    parts = urlsplit(posts_url)
    path = parts.path.split("/wp-json/", 1)[0] if "/wp-json/" in parts.path else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/", "", ""))


def fallback_feed_url(site_url: str, tag_slug: str | None) -> str:
    """The site's RSS feed, or its tag feed: what to follow when the REST API is unavailable."""
    base = site_url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    if tag_slug and tag_slug.strip().lstrip("#"):
        return f"{base}/tag/{quote(tag_slug.strip().lstrip('#').lower(), safe='')}/feed/"
    return f"{base}/feed/"


def fetch(target: Target) -> FetchResult:
    """Fetch the newest posts (all posts after the cursor, up to MAX_PAGES pages).
    Raises ConnectorError; RestApiUnavailable means "use the feed"."""
    cursor = iso_datetime(target.state.cursor)
    headers = {}
    if target.state.etag:
        headers["If-None-Match"] = target.state.etag
    if target.state.last_modified:
        headers["If-Modified-Since"] = target.state.last_modified
    first = _get(_page_url(target.url, cursor, 1), headers)
    if first.status == 304:
        return FetchResult(items=[], state=target.state, not_modified=True)
    # Keyed by the host that answered, after redirects, as the feed connector does.
    items = parse(_checked(first).body, url=first.url)
    response, page = first, 1
    while cursor and page < MAX_PAGES and _has_next(response, page):
        page += 1
        response = _get(_page_url(target.url, cursor, page))
        if response.status == 400:  # rest_post_invalid_page_number: the pages ran out
            break
        items += parse(_checked(response).body, url=response.url)
    # Sites that ignore `after` still bring nothing old; pages that shifted bring repeats.
    items = list({i.external_id: i for i in reversed(items) if _newer(i, cursor)}.values())[::-1]
    dates = [i.published_at for i in items if i.published_at] + ([cursor] if cursor else [])
    newest = max(dates, default=None)
    state = PollState(
        etag=first.headers.get("ETag", ""),
        last_modified=first.headers.get("Last-Modified", ""),
        cursor=newest.isoformat().replace("+00:00", "Z") if newest else "",
    )
    return FetchResult(items=items, state=state, site_url=site_url(first.url))


def parse(body: bytes, *, url: str) -> list[ItemRecord]:
    """Items from a posts response fetched from `url` (`_embed`ded). Posts of the wrong shape
    are skipped; a body that is not a JSON list raises ConnectorError."""
    return [item for post in _json_list(body) if (item := _item(post, url=url))]


def _item(post: Any, *, url: str) -> ItemRecord | None:
    """One post. Keyed like its RSS item: `rss.item_key` of the host that answered (the
    feed's host too: `find_api_root` refuses other hosts) and `guid.rendered`, which WordPress
    prints as the feed's `<guid>`; like the feed connector, the link stands in for a missing
    guid."""
    if not isinstance(post, dict):
        return None
    link = http_url(post.get("link"))
    guid = _rendered(post.get("guid")).strip() or link
    if not guid:
        return None
    embedded = post.get("_embedded") if isinstance(post.get("_embedded"), dict) else {}
    return ItemRecord(
        external_id=rss.item_key(url, guid),
        url=link,
        title=_rendered(post.get("title")),
        html=_rendered(post.get("content")) or _rendered(post.get("excerpt")),
        author=_author(_first(embedded.get("author")), url=url),
        published_at=iso_datetime(post.get("date_gmt")),
        hashtags=_term_names(embedded.get("wp:term")),
        media=_featured(_first(embedded.get("wp:featuredmedia"))),
        base_url=link or site_url(url),
    )


def _author(author: dict, *, url: str) -> AuthorRecord | None:
    """The embedded author, keyed like the feed's `<dc:creator>` (the same display name)."""
    name = as_str(author.get("name")).strip()
    if not name:
        return None
    avatars = author.get("avatar_urls") if isinstance(author.get("avatar_urls"), dict) else {}
    return AuthorRecord(
        external_id=rss.item_key(url, name),
        name=name,
        profile_url=http_url(author.get("link")),
        avatar_url=http_url(avatars.get("96")),
    )


def _term_names(groups: Any) -> list[str]:
    """Names of the embedded categories and tags (`[[categories…], [tags…]]`), once each."""
    names = [
        as_str(term.get("name")).strip()
        for group in (groups if isinstance(groups, list) else [])
        for term in (group if isinstance(group, list) else [])
        if isinstance(term, dict)
    ]
    return list(dict.fromkeys(name for name in names if name))


def _featured(media: dict) -> list[dict[str, str]]:
    source = http_url(media.get("source_url"))
    return (
        [{"url": source, "type": "image", "alt": as_str(media.get("alt_text"))}] if source else []
    )


def _feed_fallback(posts_url: str) -> tuple[str, str] | None:
    """The site's own feed, for whole-site sources on pretty-permalink sites."""
    parts = urlsplit(posts_url)
    if "/wp-json/" not in parts.path or "tags=" in parts.query:
        return None
    return ("feed", fallback_feed_url(site_url(posts_url), None))


def _get(url: str, headers: dict[str, str] | None = None) -> net.Response:
    return http_status.get(url, headers={"Accept": "application/json", **(headers or {})})


def _checked(response: net.Response) -> net.Response:
    if response.status in (401, 403, 404):
        message = f"{NOT_ALLOWED} (HTTP {response.status})." if response.status != 404 else REST_OFF
        raise RestApiUnavailable(message.rstrip(".") + ".", fallback=_feed_fallback(response.url))
    raise_for_status(response)
    return response


def _page_url(url: str, cursor: datetime | None, page: int) -> str:
    params = {"_embed": EMBED, "per_page": str(PER_PAGE), "orderby": "date", "order": "desc"}
    if cursor:
        params["after"] = cursor.isoformat().replace("+00:00", "Z")
    if page > 1:
        params["page"] = str(page)
    return _with_params(url, params)


def _has_next(response: net.Response, page: int) -> bool:
    total = response.headers.get("X-WP-TotalPages", "").strip()
    if total.isascii() and total.isdigit():
        return page < int(total[:6])
    return bool(_link_header(response.headers.get("Link", ""), "next"))


def _endpoint(api_root: str, route: str, params: dict[str, str]) -> str:
    """`route` under `api_root`, whether pretty (`…/wp-json/`) or plain (`…/?rest_route=/`)."""
    parts = urlsplit(api_root)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "rest_route" for name, _ in query):
        query = [(n, v.rstrip("/") + "/" + route if n == "rest_route" else v) for n, v in query]
        root = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
        return _with_params(root, params)
    path = parts.path.rstrip("/") + "/" + route
    return _with_params(urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), params)


def _with_params(url: str, params: dict[str, str]) -> str:
    """`url` with `params` set (replacing same-named ones, keeping the rest, e.g. `tags`)."""
    parts = urlsplit(url)
    kept = [(n, v) for n, v in parse_qsl(parts.query, keep_blank_values=True) if n not in params]
    query = urlencode(kept + list(params.items()), safe="/,:")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _link_header(header: str, rel: str) -> list[str]:
    """Targets of the `Link` header's links whose rel includes `rel`."""
    found = []
    for target, params in _LINK.findall(header):
        match = _REL.search(params)
        rels = (match.group(1) or match.group(2)).lower().split() if match else []
        if rel.lower() in rels:
            found.append(target)
    return found


class _ApiLinks(HTMLParser):
    """The hrefs of `<link rel="https://api.w.org/">` in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    @classmethod
    def read(cls, body: bytes) -> list[str]:
        parser = cls()
        parser.feed(body[:1_000_000].decode("utf-8", errors="replace"))
        return parser.hrefs

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "link" and API_REL in attr.get("rel", "").lower().split() and attr.get("href"):
            self.hrefs.append(attr["href"])


def _json_list(body: bytes) -> list:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8 and over-long integers are ValueErrors
        raise ConnectorError(f"{UNEXPECTED} (not JSON).") from None
    if not isinstance(value, list):
        raise ConnectorError(f"{UNEXPECTED} (not a list of posts).")
    return value


def _newer(item: ItemRecord, cursor: datetime | None) -> bool:
    return not cursor or not item.published_at or item.published_at > cursor


def _host(url: str) -> tuple[str | None, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.hostname, parts.port
    except ValueError:  # a bad port or IPv6 literal
        return None


def _rendered(value: Any) -> str:
    return as_str(value.get("rendered")) if isinstance(value, dict) else ""


def _first(value: Any) -> dict:
    first = value[0] if isinstance(value, list) and value else None
    return first if isinstance(first, dict) else {}
