"""X hashtag search: API v2 recent search through tweepy, on the guarded HTTP path.

tweepy hard-codes "https://api.twitter.com"; its session comes from `net.requests_session`,
which sends every request through `sources.net` and rewrites that host to
`PLN_X_API_BASE_URL`. The Source URL only names the tag.

Poll state: `cursor` holds the newest post id seen (X's `since_id`). A poll with a cursor
follows `next_token` for up to MAX_PAGES pages with the same `since_id`, and keeps the FIRST
page's `newest_id` as the next cursor (X's documented polling pattern); the first poll reads
one page. Reads are paid per post: a poll reads no more than `target.read_budget` posts
(booked against `PLN_X_DAILY_READ_CAP` by feeds.read_caps) and reports how many it read.
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import tweepy
from django.conf import settings

from sources import net
from sources.connectors.base import (
    AuthorRecord,
    ConnectorError,
    FetchResult,
    ItemRecord,
    PollState,
    Target,
)
from sources.connectors.http_status import reset_time, retry_time
from sources.connectors.payload import (
    as_dict,
    as_list,
    as_str,
    count,
    http_url,
    is_int,
    iso_datetime,
)

READS_PER_ITEM = 1  # X bills each post returned as one read
MIN_READS = 10  # the smallest page X serves (max_results 10-100)
SEARCH = "/2/tweets/search/recent"
TWEEPY_HOST = "https://api.twitter.com"
PAGE_SIZE = 100
MAX_PAGES = 5
TWEET_FIELDS = [
    "created_at", "author_id", "public_metrics", "entities", "lang", "conversation_id",
    "attachments",
]  # fmt: skip
EXPANSIONS = ["author_id", "attachments.media_keys"]
USER_FIELDS = ["username", "name", "profile_image_url"]
MEDIA_FIELDS = ["url", "preview_image_url", "alt_text", "type"]
NOT_CONFIGURED = "X search needs an API bearer token; the site admin has not set one"
UNEXPECTED = "X sent an unexpected response"
WEB = "https://x.com"
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_HASHTAG = re.compile(r"\w+")
_ID = re.compile(r"[0-9]{1,20}")


@dataclass
class Page:
    items: list[ItemRecord]
    newest_id: str
    next_token: str
    returned: int = 0  # posts X sent (and bills), usable or not


def target_url(tag: str) -> str:
    """The URL a Source of hashtag `tag` (without "#") stores."""
    return f"{_base()}{SEARCH}?{urlencode({'query': f'#{tag}'})}"


def reads_wanted(cursor: str) -> int:
    """The most posts one poll may read: a page on the first poll, MAX_PAGES after it."""
    return PAGE_SIZE * (MAX_PAGES if _ID.fullmatch(cursor) else 1) * READS_PER_ITEM


def is_configured() -> bool:
    return bool(settings.PLN_X_BEARER_TOKEN)


def fetch(target: Target) -> FetchResult:
    """Posts newer than the cursor carrying the target's hashtag, newest first.
    Raises ConnectorError."""
    if not is_configured():
        raise ConnectorError(NOT_CONFIGURED)
    tag = _tag(target)
    since_id = target.state.cursor if _ID.fullmatch(target.state.cursor) else None
    client = tweepy.Client(
        bearer_token=settings.PLN_X_BEARER_TOKEN, return_type=net.RequestsResponse
    )
    client.session = net.requests_session(rewrite_from=TWEEPY_HOST, rewrite_to=_base())
    items: list[ItemRecord] = []
    cursor, next_token, retry_at, reads = target.state.cursor, "", None, 0
    budget = reads_wanted(target.state.cursor) if target.read_budget is None else target.read_budget
    with client.session:
        for page_number in range(MAX_PAGES if since_id else 1):
            size = min(PAGE_SIZE, (budget - reads) // READS_PER_ITEM)
            if size < MIN_READS:
                break  # today's reads are booked up: the rest waits, as after MAX_PAGES
            response = _search(client, tag, since_id=since_id, next_token=next_token, size=size)
            page = parse(response.content)
            reads += page.returned * READS_PER_ITEM
            if page_number == 0 and page.newest_id:
                cursor = page.newest_id  # later pages are older: never move the cursor back
            known = {item.external_id for item in items}
            items += [item for item in page.items if item.external_id not in known]
            retry_at = _busy_until(response.headers)
            next_token = page.next_token
            if not next_token:
                break
    return FetchResult(items=items, state=PollState(cursor=cursor), retry_at=retry_at, reads=reads)


def _search(
    client: tweepy.Client, tag: str, *, since_id: str | None, next_token: str, size: int
) -> Any:
    try:
        return client.search_recent_tweets(
            f"#{tag} -is:retweet",
            max_results=size,
            since_id=since_id,
            next_token=next_token or None,
            tweet_fields=TWEET_FIELDS,
            expansions=EXPANSIONS,
            user_fields=USER_FIELDS,
            media_fields=MEDIA_FIELDS,
        )
    except tweepy.TooManyRequests as exc:
        headers = exc.response.headers
        retry_at = reset_time(headers.get("x-rate-limit-reset", "")) or retry_time(
            headers.get("Retry-After", "")
        )
        raise ConnectorError("X asked us to slow down (HTTP 429).", retry_at=retry_at) from None
    except tweepy.Unauthorized:
        raise ConnectorError("X refused the site's API token (HTTP 401).") from None
    except tweepy.Forbidden:
        raise ConnectorError(
            "X refused access (HTTP 403): the site's API token may not include search."
        ) from None
    except tweepy.HTTPException as exc:
        status = exc.response.status_code
        raise ConnectorError(f"X answered with an error (HTTP {status}).") from None
    except net.GuardedRequestError as exc:
        blocked = isinstance(exc.error, net.BlockedAddress)
        raise ConnectorError(exc.error.message, permanent=blocked) from None
    except OSError:  # requests' other exceptions
        raise ConnectorError("Could not reach X.") from None
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
        # tweepy reads error bodies and the reset header without checking their types.
        raise ConnectorError(UNEXPECTED) from None


def parse(body: bytes) -> Page:
    """One recent-search response. Posts of the wrong shape are skipped; raises
    ConnectorError when the response itself is not the documented JSON object."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ConnectorError(UNEXPECTED) from None
    if not isinstance(payload, dict):
        raise ConnectorError(UNEXPECTED)
    data, includes = payload.get("data", []), payload.get("includes", {})
    meta = payload.get("meta", {})
    if not (isinstance(data, list) and isinstance(includes, dict) and isinstance(meta, dict)):
        raise ConnectorError(UNEXPECTED)
    users = {_id(u.get("id")): u for u in map(as_dict, as_list(includes.get("users")))}
    media = {as_str(m.get("media_key")): m for m in map(as_dict, as_list(includes.get("media")))}
    items = [item for item in (_item(t, users, media) for t in data) if item is not None]
    newest = _id(meta.get("newest_id")) or max(
        (item.external_id for item in items), key=int, default=""
    )
    return Page(
        items=items,
        newest_id=newest,
        next_token=as_str(meta.get("next_token")),
        returned=len(data),
    )


def _item(tweet: Any, users: dict[str, dict], media: dict[str, dict]) -> ItemRecord | None:
    tweet = as_dict(tweet)
    tweet_id = _id(tweet.get("id"))
    if not tweet_id:
        return None
    author_id = _id(tweet.get("author_id"))
    user = users.get(author_id, {}) if author_id else {}
    username = as_str(user.get("username"))
    username = username if _USERNAME.fullmatch(username) else ""
    text_html, tags = render_text(as_str(tweet.get("text")), as_dict(tweet.get("entities")))
    metrics = as_dict(tweet.get("public_metrics"))
    keys = as_list(as_dict(tweet.get("attachments")).get("media_keys"))
    attached = [media.get(key) for key in keys if isinstance(key, str)]
    return ItemRecord(
        external_id=tweet_id,
        url=f"{WEB}/{username or 'i/web'}/status/{tweet_id}",
        html=text_html,
        author=_author(author_id, user, username) if author_id else None,
        published_at=iso_datetime(tweet.get("created_at")) or _snowflake_time(tweet_id),
        hashtags=tags,
        media=[entry for entry in map(_media, attached) if entry],
        reply_count=count(metrics.get("reply_count")),
        like_count=count(metrics.get("like_count")),
        repost_count=count(metrics.get("retweet_count")),
    )


def _author(author_id: str, user: dict, username: str) -> AuthorRecord:
    """The post's author from the `author_id` expansion; `username` is already checked."""
    return AuthorRecord(
        external_id=author_id,
        name=as_str(user.get("name")) or username,
        handle=f"@{username}" if username else "",
        profile_url=f"{WEB}/{username}" if username else "",
        avatar_url=http_url(user.get("profile_image_url")),
    )


def render_text(text: str, entities: dict) -> tuple[str, list[str]]:
    """Post text as HTML with URL, hashtag and mention entities as links, and the hashtags.

    Offsets count code points (Python's own indexing). X escapes &, < and > in `text`, so each
    piece is unescaped, then escaped again. Entities out of range or overlapping an earlier
    one stay plain text; URLs link only to http(s).
    """
    spans: list[tuple[int, int, str, str]] = []
    tags: list[str] = []
    for kind in ("urls", "hashtags", "mentions"):
        for entity in map(as_dict, as_list(entities.get(kind))):
            start, end = entity.get("start"), entity.get("end")
            if not (is_int(start) and is_int(end) and 0 <= start < end <= len(text)):
                continue
            label, href = _plain(text[start:end]), ""
            if kind == "urls":
                href = http_url(entity.get("expanded_url"))
                label = _plain(as_str(entity.get("display_url"))) if href else label
                href = href or http_url(entity.get("url"))
            elif kind == "hashtags" and _HASHTAG.fullmatch(as_str(entity.get("tag"))):
                tags += [entity["tag"]] if entity["tag"] not in tags else []
                href = f"{WEB}/hashtag/{quote(entity['tag'])}"
            elif kind == "mentions" and _USERNAME.fullmatch(as_str(entity.get("username"))):
                href = f"{WEB}/{entity['username']}"
            if href:
                spans.append((start, end, href, label or _plain(text[start:end])))
    parts, position = [], 0
    for start, end, href, label in sorted(spans):
        if start < position:
            continue
        parts += [_plain(text[position:start]), f'<a href="{html.escape(href)}">{label}</a>']
        position = end
    parts.append(_plain(text[position:]))
    return "".join(parts), tags


def _media(entry: Any) -> dict[str, str] | None:
    entry = as_dict(entry)
    kind = as_str(entry.get("type"))
    url = http_url(entry.get("url") if kind == "photo" else entry.get("preview_image_url"))
    if not url:
        return None
    return {
        "type": "image" if kind == "photo" else "video",
        "url": url,
        "alt": as_str(entry.get("alt_text")),
    }


def _busy_until(headers: Any) -> datetime | None:
    """The reset time when this response used up the rate-limit window, else None."""
    if headers.get("x-rate-limit-remaining", "").strip() != "0":
        return None
    return reset_time(headers.get("x-rate-limit-reset", ""))


# --- Small readers ---------------------------------------------------------------------------


def _base() -> str:
    return str(settings.PLN_X_API_BASE_URL).rstrip("/")


def _tag(target: Target) -> str:
    try:
        query = parse_qs(urlsplit(target.url).query).get("query", [""])[0]
    except ValueError:
        query = ""
    found = re.search(r"#(\w+)", query)
    tag = found[1] if found else target.hashtag.strip().lstrip("#")
    if not tag:
        raise ConnectorError("This X source names no hashtag.", permanent=True)
    return tag


def _snowflake_time(tweet_id: str) -> datetime:
    """When a post was made, from its id: milliseconds since X's epoch, shifted 22 bits."""
    milliseconds = (int(tweet_id) >> 22) + 1288834974657
    return datetime.fromtimestamp(min(milliseconds / 1000, time.time()), UTC)


def _plain(text: str) -> str:
    return html.escape(html.unescape(text)).replace("\n", "<br>")


def _id(value: Any) -> str:
    """An id as X sends it, a string of digits; an integer is spelled out; else nothing."""
    if is_int(value) and value >= 0:
        value = str(value)
    return value if isinstance(value, str) and _ID.fullmatch(value) else ""
