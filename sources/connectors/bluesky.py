"""Bluesky hashtag search: `app.bsky.feed.searchPosts` over XRPC, logged in with an app password.

Every request goes to `PLN_BLUESKY_BASE_URL`; the Source URL only names the tag. The session's
`didDoc` (which names the account's PDS) is ignored on purpose: a server must not be able to
send our tokens, or our requests, to a host of its choosing. The session is shared by every
poll in the process and refreshed shortly before its access token expires.

Poll state: `cursor` holds the newest post time seen (ISO 8601). A poll pages backwards from
the newest post until it meets that time (at most MAX_PAGES pages) and returns only newer
posts; the first poll reads one page.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

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
from sources.connectors.http_status import raise_for_status, reset_time, retry_time
from sources.connectors.payload import (
    as_dict,
    as_list,
    as_str,
    count,
    http_url,
    is_int,
    iso_datetime,
)

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
PAGE_SIZE = 100
MAX_PAGES = 5
REFRESH_MARGIN = 60  # seconds: refresh an access token this close to its expiry
NOT_CONFIGURED = "Bluesky search needs an app password; the site admin has not set one"
UNEXPECTED = "Bluesky sent an unexpected response"
WEB = "https://bsky.app"
FACET = "app.bsky.richtext.facet#"


def target_url(tag: str) -> str:
    """The URL a Source of hashtag `tag` (without "#") stores."""
    return f"{_base()}{SEARCH}?{urlencode({'tag': tag})}"


def is_configured() -> bool:
    return bool(settings.PLN_BLUESKY_HANDLE and settings.PLN_BLUESKY_APP_PASSWORD)


def fetch(target: Target) -> FetchResult:
    """Newer posts carrying the target's tag, newest first. Raises ConnectorError."""
    if not is_configured():
        raise ConnectorError(NOT_CONFIGURED)
    tag = _tag(target)
    since = iso_datetime(target.state.cursor)
    items: list[ItemRecord] = []
    newest = since
    seen: set[str] = set()
    cursor = ""
    for _ in range(MAX_PAGES if since else 1):
        posts, cursor = _search_page(tag, cursor)
        reached_known = False
        for post in posts:
            parsed = parse_post(post)
            if parsed is None:
                continue
            item, sort_at = parsed
            if since and sort_at <= since:
                reached_known = True
            elif item.external_id not in seen:
                seen.add(item.external_id)
                items.append(item)
                newest = max(newest or sort_at, sort_at)
        if reached_known or not cursor or not posts:
            break
    state = PollState(cursor=newest.isoformat() if newest else "")
    return FetchResult(items=items, state=state)


def parse(body: bytes) -> tuple[list[ItemRecord], str]:
    """A searchPosts response as (items, API cursor); posts of the wrong shape are skipped.
    Raises ConnectorError when the response itself is not the expected JSON object."""
    posts, cursor = _posts_and_cursor(body)
    return [parsed[0] for parsed in map(parse_post, posts) if parsed is not None], cursor


def parse_post(post: Any) -> tuple[ItemRecord, datetime] | None:
    """A PostView as (record, the time search sorts it by), or None if it is malformed."""
    if not isinstance(post, dict):
        return None
    author, record = as_dict(post.get("author")), as_dict(post.get("record"))
    uri, did, handle = (
        as_str(post.get("uri")),
        as_str(author.get("did")),
        as_str(author.get("handle")),
    )
    created, indexed = iso_datetime(record.get("createdAt")), iso_datetime(post.get("indexedAt"))
    sort_at = indexed or created
    if not uri.startswith("at://") or not did or not handle or sort_at is None:
        return None
    html, tags = render_text(as_str(record.get("text")), as_list(record.get("facets")))
    tags += [t for t in as_list(record.get("tags")) if isinstance(t, str) and t not in tags]
    profile = f"{WEB}/profile/{quote(handle, safe='')}"
    item = ItemRecord(
        external_id=uri,
        url=f"{profile}/post/{quote(uri.rsplit('/', 1)[-1], safe='')}",
        html=html,
        author=AuthorRecord(
            external_id=did,
            name=as_str(author.get("displayName")) or handle,
            handle=f"@{handle}",
            profile_url=profile,
            avatar_url=http_url(author.get("avatar")),
        ),
        published_at=created or indexed,
        hashtags=tags,
        media=_media(as_dict(post.get("embed"))),
        reply_count=count(post.get("replyCount")),
        like_count=count(post.get("likeCount")),
        repost_count=count(post.get("repostCount")),
    )
    return item, sort_at


def render_text(text: str, facets: list[Any]) -> tuple[str, list[str]]:
    """Post text as HTML with its facets as links, and the facets' hashtags.

    Facet offsets count UTF-8 bytes. Facets out of range, overlapping an earlier one, or
    linking anywhere but http(s) leave their text plain; everything else is escaped.
    """
    data = text.encode()
    spans: list[tuple[int, int, str]] = []
    tags: list[str] = []
    for facet in facets:
        index, features = (
            as_dict(as_dict(facet).get("index")),
            as_list(as_dict(facet).get("features")),
        )
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (is_int(start) and is_int(end) and 0 <= start < end <= len(data)):
            continue
        for feature in map(as_dict, features):
            kind, href = as_str(feature.get("$type")), ""
            if kind == FACET + "link":
                href = http_url(feature.get("uri"))
            elif kind == FACET + "tag" and as_str(feature.get("tag")):
                tag = as_str(feature.get("tag"))
                tags += [tag] if tag not in tags else []
                href = f"{WEB}/hashtag/{quote(tag, safe='')}"
            elif kind == FACET + "mention" and as_str(feature.get("did")).startswith("did:"):
                href = f"{WEB}/profile/{quote(as_str(feature.get('did')), safe=':')}"
            if href:
                spans.append((start, end, href))
                break
    parts, position = [], 0
    for start, end, href in sorted(spans):
        if start < position:
            continue
        parts.append(_plain(data[position:start]))
        parts.append(f'<a href="{escape(href)}">{_plain(data[start:end])}</a>')
        position = end
    parts.append(_plain(data[position:]))
    return "".join(parts), tags


def _media(embed: dict) -> list[dict[str, str]]:
    kind = as_str(embed.get("$type"))
    if kind == "app.bsky.embed.recordWithMedia#view":
        return _media(as_dict(embed.get("media")))
    if kind == "app.bsky.embed.images#view":
        return [
            {
                "type": "image",
                "url": http_url(image.get("fullsize")),
                "alt": as_str(image.get("alt")),
            }
            for image in map(as_dict, as_list(embed.get("images")))
            if http_url(image.get("fullsize"))
        ]
    if kind == "app.bsky.embed.external#view":
        external = as_dict(embed.get("external"))
        if http_url(external.get("uri")):
            return [
                {
                    "type": "link",
                    "url": http_url(external.get("uri")),
                    "title": as_str(external.get("title")),
                    "description": as_str(external.get("description")),
                    "thumb": http_url(external.get("thumb")),
                }
            ]
    if kind == "app.bsky.embed.video#view" and http_url(embed.get("thumbnail")):
        return [
            {
                "type": "video",
                "url": http_url(embed.get("thumbnail")),
                "alt": as_str(embed.get("alt")),
            }
        ]
    return []


# --- Requests and the session --------------------------------------------------------------


@dataclass(frozen=True)
class _Session:
    access: str
    refresh: str
    expires: float  # epoch seconds; 0 when the token does not say


_sessions: dict[tuple[str, str], _Session] = {}
_sessions_lock = threading.Lock()


def forget_sessions() -> None:
    """Drop every cached session (tests; an admin who changed the account or password)."""
    with _sessions_lock:
        _sessions.clear()


def _search_page(tag: str, cursor: str) -> tuple[list[Any], str]:
    params = {"q": f"#{tag}", "tag": tag, "sort": "latest", "limit": PAGE_SIZE}
    url = f"{_base()}{SEARCH}?{urlencode(params | ({'cursor': cursor} if cursor else {}))}"
    session = _session()
    response = _call("GET", url, token=session.access)
    if _token_expired(response) or response.status == 401:
        response = _call("GET", url, token=_session(stale=session).access)
    _raise_for_status(response)
    return _posts_and_cursor(response.body)


def _posts_and_cursor(body: bytes) -> tuple[list[Any], str]:
    payload = _json(body)
    posts = payload.get("posts")
    if not isinstance(posts, list):
        raise ConnectorError(UNEXPECTED)
    return posts, as_str(payload.get("cursor"))


def _session(*, stale: _Session | None = None) -> _Session:
    """A session whose access token is good for REFRESH_MARGIN more seconds: the cached one,
    else a refreshed one, else a new login. `stale` is a session the server just refused."""
    key = (_base(), settings.PLN_BLUESKY_HANDLE)
    with _sessions_lock:  # one login or refresh at a time: createSession is rate-limited
        current = _sessions.get(key)
        if current and current is not stale and not _expiring(current):
            return current
        fresh = _refresh(current) if current else None
        if fresh is None:
            _sessions.pop(key, None)  # a failed login below must not leave it cached
            fresh = _login()
        _sessions[key] = fresh
        return fresh


def _expiring(session: _Session) -> bool:
    """True when the access token expires within REFRESH_MARGIN. A token that names no
    expiry is used until the server refuses it."""
    return bool(session.expires) and session.expires - REFRESH_MARGIN <= time.time()


def _login() -> _Session:
    credentials = {
        "identifier": settings.PLN_BLUESKY_HANDLE,
        "password": settings.PLN_BLUESKY_APP_PASSWORD,
    }
    response = _call("POST", _base() + CREATE_SESSION, body=credentials)
    if response.status == 401:
        raise ConnectorError("Bluesky refused the handle or app password (HTTP 401)")
    _raise_for_status(response)
    return _session_from(response.body)


def _refresh(session: _Session) -> _Session | None:
    """The refreshed session, or None if Bluesky refused it (then we log in again)."""
    response = _call("POST", _base() + REFRESH_SESSION, token=session.refresh)
    if not 200 <= response.status < 300:
        return None
    try:
        return _session_from(response.body)
    except ConnectorError:
        return None


def _session_from(body: bytes) -> _Session:
    payload = _json(body)
    access, refresh = as_str(payload.get("accessJwt")), as_str(payload.get("refreshJwt"))
    if not access or not refresh:
        raise ConnectorError(UNEXPECTED)
    return _Session(access, refresh, _jwt_expiry(access))


def _jwt_expiry(token: str) -> float:
    """The `exp` claim, read without checking the signature (only the server needs to)."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        exp = claims["exp"]
    except (IndexError, KeyError, TypeError, ValueError, RecursionError):
        return 0.0
    return float(exp) if is_int(exp) else 0.0


def _call(method: str, url: str, *, token: str = "", body: dict | None = None) -> net.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    try:
        return net.request(method, url, headers=headers, body=data)
    except net.FetchError as exc:
        raise ConnectorError(exc.message, permanent=isinstance(exc, net.BlockedAddress)) from exc


def _token_expired(response: net.Response) -> bool:
    if response.status not in (400, 401):
        return False
    try:
        return _json(response.body).get("error") == "ExpiredToken"
    except ConnectorError:
        return False


def _raise_for_status(response: net.Response) -> None:
    if response.status == 429:
        reset = response.headers.get("ratelimit-reset", "")
        raise ConnectorError(
            "Bluesky asked us to slow down (HTTP 429).",
            retry_at=reset_time(reset) or retry_time(response.headers.get("Retry-After", "")),
        )
    raise_for_status(response)


# --- Small readers ---------------------------------------------------------------------------


def _base() -> str:
    return str(settings.PLN_BLUESKY_BASE_URL).rstrip("/")


def _tag(target: Target) -> str:
    try:
        tags = parse_qs(urlsplit(target.url).query).get("tag") or [target.hashtag]
    except ValueError:
        tags = [target.hashtag]
    tag = tags[0].strip().lstrip("#")
    if not tag:
        raise ConnectorError("This Bluesky source names no hashtag.", permanent=True)
    return tag


def _json(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ConnectorError(UNEXPECTED) from None
    if not isinstance(payload, dict):
        raise ConnectorError(UNEXPECTED)
    return payload


def _plain(data: bytes) -> str:
    return escape(data.decode("utf-8", "replace")).replace("\n", "<br>")
