"""WordPress.com tag streams through the public Reader API (no authentication):
`GET <PLN_WPCOM_API_BASE_URL>/rest/v1.1/read/tags/<tag>/posts` (see `target_url`).

Posts come from many blogs hosted on (or connected to) WordPress.com. Each is keyed like the
item its own blog's RSS feed gives it, `rss.item_key(<post URL>, guid)`, and stored as a blog
item (`sources.platforms.ITEM_PLATFORM`): a learner's post found through the course tag and
through their followed blog is one item. The host comes from the post's `URL`, which
WordPress.com derives from the blog's own (verified) domain, so one blog cannot claim
another's keys; a post without an http(s) `URL` is skipped.

Cursor: the newest `date` seen. A poll with a cursor asks for `after=<cursor>` and follows
`page` up to `MAX_PAGES` pages of `NUMBER` (the documented maximum); the first poll reads one.
"""

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings

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

NUMBER = 40
MAX_PAGES = 5
UNEXPECTED = "WordPress.com sent an unexpected response"


def target_url(tag: str) -> str:
    """The tag stream of `tag` ("#SUB101" and "sub101" are the same tag)."""
    slug = quote(tag.strip().lstrip("#").lower(), safe="")
    return f"{settings.PLN_WPCOM_API_BASE_URL.rstrip('/')}/rest/v1.1/read/tags/{slug}/posts"


def fetch(target: Target) -> FetchResult:
    """The tag's newest posts (all posts after the cursor, up to MAX_PAGES pages).
    Raises ConnectorError."""
    cursor = iso_datetime(target.state.cursor)
    headers = {"If-None-Match": target.state.etag} if target.state.etag else {}
    first = _get(_page_url(target.url, cursor, 1), headers)
    if first.status == 304:
        return FetchResult(items=[], state=target.state, not_modified=True)
    items, full = parse(_checked(first).body)
    page, more = 1, items
    while cursor and full and page < MAX_PAGES and any(_newer(i, cursor) for i in more):
        page += 1
        more, full = parse(_checked(_get(_page_url(target.url, cursor, page))).body)
        items += more
    # `after` is trusted no further than this; pages that shifted while read bring repeats.
    items = list({i.external_id: i for i in reversed(items) if _newer(i, cursor)}.values())[::-1]
    dates = [i.published_at for i in items if i.published_at] + ([cursor] if cursor else [])
    newest = max(dates, default=None)
    state = PollState(
        etag=first.headers.get("ETag", ""),
        cursor=newest.isoformat().replace("+00:00", "Z") if newest else "",
    )
    return FetchResult(items=items, state=state)


def parse(body: bytes) -> tuple[list[ItemRecord], bool]:
    """(items, whether the page was full) from one page of a tag stream. Posts of the wrong
    shape are skipped; a body that is not `{"posts": [...]}` raises ConnectorError."""
    try:
        page = json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8 and over-long integers are ValueErrors
        raise ConnectorError(f"{UNEXPECTED} (not JSON).") from None
    posts = page.get("posts") if isinstance(page, dict) else None
    if not isinstance(posts, list):
        raise ConnectorError(f"{UNEXPECTED} (no list of posts).")
    return [item for post in posts if (item := _item(post))], len(posts) >= NUMBER


def _item(post: Any) -> ItemRecord | None:
    if not isinstance(post, dict):
        return None
    link = http_url(post.get("URL"))
    if not link:
        return None
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    discussion = post.get("discussion") if isinstance(post.get("discussion"), dict) else {}
    image = http_url(post.get("featured_image"))
    return ItemRecord(
        external_id=rss.item_key(link, as_str(post.get("guid")).strip() or link),
        url=link,
        title=as_str(post.get("title")),
        html=as_str(post.get("content")) or as_str(post.get("excerpt")),
        author=_author(author, link=link),
        published_at=iso_datetime(post.get("date")),
        hashtags=_term_names(post.get("tags"), post.get("categories")),
        media=[{"url": image, "type": "image"}] if image else [],
        base_url=link,
        reply_count=_int(discussion.get("comment_count")),
        like_count=_int(post.get("like_count")),
    )


def _author(author: dict, *, link: str) -> AuthorRecord | None:
    """Keyed like the blog feed's `<dc:creator>`: the display name on the post's host."""
    name = as_str(author.get("name")).strip()
    if not name:
        return None
    return AuthorRecord(
        external_id=rss.item_key(link, name),
        name=name,
        profile_url=http_url(author.get("URL")) or http_url(author.get("profile_URL")),
        avatar_url=http_url(author.get("avatar_URL")),
    )


def _term_names(*groups: Any) -> list[str]:
    """Names from `{"Name": {"name": ...}}` maps, once each (PHP sends an empty map as `[]`)."""
    names = [
        as_str(term.get("name")).strip()
        for terms in groups
        if isinstance(terms, dict)
        for term in terms.values()
        if isinstance(term, dict)
    ]
    return list(dict.fromkeys(name for name in names if name))


def _get(url: str, headers: dict[str, str] | None = None) -> net.Response:
    return http_status.get(url, headers={"Accept": "application/json", **(headers or {})})


def _checked(response: net.Response) -> net.Response:
    if response.status == 404:
        raise ConnectorError("WordPress.com has no such tag stream (HTTP 404).")
    if response.status in (401, 403):
        raise ConnectorError(f"WordPress.com refused to list this tag (HTTP {response.status}).")
    raise_for_status(response)
    return response


def _page_url(url: str, cursor: datetime | None, page: int) -> str:
    params = {"number": str(NUMBER), "order": "DESC"}
    if cursor:
        params["after"] = cursor.isoformat().replace("+00:00", "Z")
    if page > 1:
        params["page"] = str(page)
    return f"{url.split('?', 1)[0]}?{urlencode(params, safe=':')}"


def _newer(item: ItemRecord, cursor: datetime | None) -> bool:
    return not cursor or not item.published_at or item.published_at > cursor


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
