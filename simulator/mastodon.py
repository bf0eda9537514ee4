"""Fake Mastodon servers whose hashtag timelines federate, under `/mastodon/<server>/`.

Any server name works (`social.example`, `edu.example`, `fosstodon.example` are the usual
ones); a server's API base URL is `server_base_url(sim, server)`. Routes:

    /mastodon/<server>/api/v1/timelines/tag/<tag>   Array of Status, newest first: `limit`
        (default 20, max 40), `max_id`, `since_id`, `min_id` as Mastodon documents them
        (`min_id` gives the page just above it, still newest first); `Link` rel="next" and
        rel="prev" back to here; X-RateLimit-* (300 requests per 5 minutes per server, then 429)
    /mastodon/<server>/api/v2/instance              a minimal Instance: hashtag feeds public

The tags of `prose.HASHTAGS` start with 60 statuses spread over the last few days; `hostile`
holds script, event handlers and javascript: links around "Harmless text survives"; any other
tag is empty (`[]`, as most servers answer) until `publish` adds to it. A status lives on its
author's home server and shows on about 70% of the others, each giving it its own local id
(a snowflake: milliseconds << 16 plus 16 bits) but the same `uri`, `url` and account URL.
Everything is deterministic from the simulator's seed except dates, relative to when the
simulator's Mastodon state was first used. State is per `Site`, guarded by a lock.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote

from simulator import faults, prose
from simulator.replies import Reply, Request

if TYPE_CHECKING:
    from collections.abc import Iterable

    from simulator.server import Simulator
    from simulator.site import Site

SERVERS = ("social.example", "edu.example", "fosstodon.example")
INITIAL_STATUSES = 60
HOSTILE_TAG = "hostile"
TIMELINE = "api/v1/timelines/tag/"
RATE_LIMIT, RATE_WINDOW = 300, 300  # requests per window, seconds (Mastodon's defaults)
_SERVER = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
_TAG = re.compile(r"\w{1,100}")
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    home: str
    note: str
    bot: bool = False

    @property
    def url(self) -> str:
        return f"https://{self.home}/@{self.username}"


ACCOUNTS = (
    Account("mira", "Mira Jansen 📚", "social.example", "Primary teacher, lifelong learner."),
    Account("tomasz", "Tomasz K.", "edu.example", "CS teacher. he/him"),
    Account("rosa", "Rosa Méndez", "fedi.school.example", "Learning designer · she/her"),
    Account("kofi", "Kofi Okafor", "fosstodon.example", "Python, open data, open classrooms."),
    Account("lena", "", "social.example", "Reads everything twice."),  # no display name
    Account("hana", "Hana Fujita", "edu.example", "Teaching assistant, note taker."),
    Account("jonas", "Jonas Eriksen", "mastodon.example", "Astronomy club on Thursdays."),
    Account("pln_bot", "PLN Digest", "social.example", "Automated digest.", bot=True),
)
EVE = Account("eve", "<script>alert(1)</script>Eve", "hostile.example", "<b>hi</b>")
SENTENCES = (
    "Spent {time} with {noun}; it was more {adj} than I expected.",
    "Question for everyone here: how do you get started with {noun}?",
    "Small win today: {noun} finally clicked.",
    "Turns out {noun2} depends on {noun} more than I thought.",
    "Sharing my notes on {noun} in case they help someone.",
    "Does anyone know a {adj} introduction to {noun}?",
    "I keep coming back to {noun}, and I am not sure why yet.",
    "Tried {noun} with a group {time}. Mixed results, lots learned.",
    "Reminder to self: {noun2} before {noun}.",
)
WARNINGS = ("long post", "assessment & grading", "politics (school funding)", "eye contact")


@dataclass(frozen=True)
class _Status:
    tag: str
    key: int  # position in its tag's list, oldest first
    ms: int  # created_at, milliseconds since the epoch; strictly increasing per tag
    account: Account
    content: str
    tags: tuple[str, ...]
    spoiler: str = ""
    images: tuple[tuple[int, str], ...] = ()  # (static-img number, description)
    reply_to: _Status | None = None
    counts: tuple[int, int, int] = (0, 0, 0)  # replies, favourites, reblogs
    servers: frozenset[str] | None = None  # None: every server
    sampled: bool = False  # seen on its home server and ~70% of the others only
    overrides: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass
class _Fediverse:
    seed: int
    start_ms: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    tags: dict[str, list[_Status]] = field(default_factory=dict)
    last_ms: int = 0
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # server: (window, used)


# Site has no slot for platform state, so it lives here, keyed by id(site); the finalizer
# drops it with its Site, so a later Site that reuses the id starts fresh.


def server_base_url(sim: Simulator, server: str) -> str:
    """The API base URL of fake server `server`, e.g. "http://127.0.0.1:41234/mastodon/edu.example"."""
    return f"{sim.base_url}/mastodon/{server}"


def publish(
    sim: Simulator, tag: str, count: int = 1, servers: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Post `count` new statuses tagged `tag` (oldest first in the result), seen only by
    `servers` (default: every server, whatever its name). Returns them as the first of
    `servers` (or social.example) serves them. Raises ValueError for an invalid tag."""
    name = tag.lstrip("#").lower()
    if not _TAG.fullmatch(name):
        raise ValueError(f"Not a hashtag: {tag!r}")
    audience = frozenset(s.lower() for s in servers) if servers is not None else None
    state = _state(sim.site)
    with state.lock:
        statuses = _statuses(state, name, create=True)
        new = []
        for _ in range(count):
            newest = statuses[-1].ms if statuses else 0
            state.last_ms = max(_now_ms(), state.last_ms + 1, newest + 1)
            status = _make_status(state.seed, name, len(statuses), state.last_ms, statuses)
            statuses.append(replace(status, servers=audience))
            new.append(statuses[-1])
    viewer = sorted(audience)[0] if audience else SERVERS[0]
    return [_render(s, viewer, sim.base_url) for s in new]


def handle(request: Request) -> Reply:
    """Serve the routes in the module docstring; anything else is a JSON 404."""
    if request.method not in ("GET", "HEAD"):
        return _json({"error": "Method not allowed"}, 405)
    server, _, endpoint = request.path.removeprefix("/mastodon/").partition("/")
    server = server.lower()
    if not _SERVER.fullmatch(server) or not endpoint.startswith(("api/v1/", "api/v2/")):
        return _json({"error": "Record not found"}, 404)
    state = _state(request.site)
    limits, exhausted = _count_request(state, server)
    if exhausted:
        return _json({"error": "Too many requests"}, 429, limits)
    if endpoint == "api/v2/instance":
        return _json(_instance(server), 200, limits)
    tag = endpoint.removeprefix(TIMELINE)
    if tag != endpoint and "/" not in tag:
        return _timeline(request, state, server, unquote(tag), limits)
    return _json({"error": "Record not found"}, 404, limits)


def _timeline(
    request: Request, state: _Fediverse, server: str, tag: str, headers: dict[str, str]
) -> Reply:
    params = dict(parse_qsl(request.query))
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else 20
    limit = min(max(limit, 1), 40)
    with state.lock:
        known = _statuses(state, tag.lower(), create=False)
        visible = [(_local_id(s, server), s) for s in reversed(known) if _visible(s, server, state)]
    # Newest first. Ids are compared as Mastodon does: by length, then text.
    for name, keep in (("max_id", -1), ("since_id", 1), ("min_id", 1)):
        if bound := params.get(name):
            visible = [(i, s) for i, s in visible if _cmp(i, bound) == keep]
    page = visible[-limit:] if params.get("min_id") else visible[:limit]
    if page:
        here = f"{request.site.base_url}/mastodon/{server}/{TIMELINE}{quote(tag)}"
        links = [f'<{here}?limit={limit}&min_id={page[0][0]}>; rel="prev"']
        if len(page) == limit:
            links.insert(0, f'<{here}?limit={limit}&max_id={page[-1][0]}>; rel="next"')
        headers = {**headers, "Link": ", ".join(links)}
    body = [_render(s, server, request.site.base_url) for _, s in page]
    return _json(body, 200, headers)


def _statuses(state: _Fediverse, tag: str, *, create: bool) -> list[_Status]:
    """A tag's statuses, oldest first, generated on first use (caller holds the lock)."""
    if tag not in state.tags:
        if tag == HOSTILE_TAG:
            state.tags[tag] = _hostile(state.start_ms)
        elif tag in prose.HASHTAGS:
            state.tags[tag] = _generate(state, tag)
        elif create:
            state.tags[tag] = []
        else:
            return []
    return state.tags[tag]


def _generate(state: _Fediverse, tag: str) -> list[_Status]:
    rng = random.Random(f"{state.seed}:mastodon:{tag}")  # noqa: S311 (demo text)
    moment = state.start_ms - rng.randint(3, 30) * 60_000
    moments = []
    for _ in range(INITIAL_STATUSES):
        moments.append(moment)
        moment -= rng.randint(20 * 60_000, 120 * 60_000)
    statuses: list[_Status] = []
    for key, ms in enumerate(reversed(moments)):
        statuses.append(_make_status(state.seed, tag, key, ms, statuses))
    return [replace(s, sampled=True) for s in statuses]


def _make_status(seed: int, tag: str, key: int, ms: int, earlier: list[_Status]) -> _Status:
    rng = random.Random(f"{seed}:mastodon:{tag}:{key}")  # noqa: S311
    account = rng.choice(ACCOUNTS)
    topic = tag if tag in prose.TOPIC_NOUNS else rng.choice(sorted(prose.TOPIC_NOUNS))
    nouns = prose.TOPIC_NOUNS[topic]
    reply_to = rng.choice(earlier[-10:]) if earlier and rng.random() < 0.2 else None
    others = [t for t in prose.HASHTAGS if t != tag]
    tags = (tag, rng.choice(others)) if rng.random() < 0.3 else (tag,)
    words = [
        template.format(
            noun=(pair := rng.sample(nouns, 2))[0],
            noun2=pair[1],
            adj=rng.choice(prose.ADJECTIVES),
            time=rng.choice(prose.TIMES),
        )
        for template in rng.sample(SENTENCES, rng.randint(2, 3))
    ]
    mention = _mention(reply_to.account) + " " if reply_to else ""
    hashtags = " ".join(_hashtag(account.home, t, rng) for t in tags)
    content = f"<p>{mention}{escape(' '.join(words), quote=False)} {hashtags}</p>"
    images: tuple[tuple[int, str], ...] = ()
    if rng.random() < 0.25:
        count = rng.randint(1, 2)
        images = tuple(
            (rng.randrange(10_000), f"Photo of {rng.choice(nouns)}") for _ in range(count)
        )
    spoiler = rng.choice(WARNINGS) if rng.random() < 0.1 else ""
    counts = (rng.randint(0, 6), rng.randint(0, 40), rng.randint(0, 15))
    return _Status(tag, key, ms, account, content, tags, spoiler, images, reply_to, counts)


def _hostile(start_ms: int) -> list[_Status]:
    link = _hashtag(EVE.home, HOSTILE_TAG, None)
    overrides: list[dict[str, Any]] = [
        {"url": "javascript:alert(1)"},
        {
            "tags": [{"name": "<svg onload=alert(1)>", "url": "javascript:alert(1)"}, "x"],
            "media_attachments": [
                {"type": "image", "url": "javascript:alert(1)", "description": "<script>"},
                {"type": "image", "url": "https://files.hostile.example/1.png", "description": 7},
            ],
        },
        {"uri": "javascript:alert(1)//eve/3", "url": None, "reblogs_count": "9" * 50},
    ]
    return [
        _Status(
            HOSTILE_TAG,
            k,
            start_ms - (3 - k) * 60_000,
            EVE,
            f"{html}<p>{link}</p>",
            (HOSTILE_TAG,),
            spoiler="<script>alert(1)</script>Spoiler" if k == 0 else "",
            overrides=overrides[k],
        )
        for k, (_, html) in enumerate(faults.HOSTILE_ITEMS)
    ]


def _render(status: _Status, server: str, base_url: str) -> dict[str, Any]:
    """The Status entity as `server` serves it."""
    account, reply = status.account, status.reply_to
    home_id = _local_id(status, account.home)
    data: dict[str, Any] = {
        "id": _local_id(status, server),
        "created_at": _iso(status.ms, digits=3),
        "in_reply_to_id": _local_id(reply, server) if reply else None,
        "in_reply_to_account_id": _account_id(reply.account, server) if reply else None,
        "sensitive": bool(status.spoiler),
        "spoiler_text": status.spoiler,
        "visibility": "public",
        "language": "en",
        "uri": f"https://{account.home}/users/{account.username}/statuses/{home_id}",
        "url": f"{account.url}/{home_id}",
        "replies_count": status.counts[0],
        "reblogs_count": status.counts[2],
        "favourites_count": status.counts[1],
        "edited_at": None,
        "content": status.content,
        "reblog": None,
        "account": _render_account(account, server, base_url),
        "media_attachments": [
            {
                "id": str((status.ms << 16) + n),
                "type": "image",
                "url": f"{base_url}/static-img/{k}.png",
                "preview_url": f"{base_url}/static-img/{k}.png",
                "remote_url": None,
                "meta": {"original": {"width": 64, "height": 40, "size": "64x40", "aspect": 1.6}},
                "description": description,
                "blurhash": None,
            }
            for n, (k, description) in enumerate(status.images)
        ],
        "mentions": [_render_mention(reply.account, server, base_url)] if reply else [],
        "tags": [{"name": t, "url": f"https://{server}/tags/{t}"} for t in status.tags],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    data.update(status.overrides)
    return data


def _render_account(account: Account, server: str, base_url: str) -> dict[str, Any]:
    local = account.home == server
    return {
        "id": _account_id(account, server),
        "username": account.username,
        "acct": account.username if local else f"{account.username}@{account.home}",
        "display_name": account.display_name,
        "locked": False,
        "bot": account.bot,
        "group": False,
        "created_at": "2023-02-11T00:00:00.000Z",
        "note": f"<p>{escape(account.note)}</p>",
        "url": account.url,
        "uri": f"https://{account.home}/users/{account.username}",
        "avatar": f"{base_url}/static-img/{zlib.crc32(account.url.encode()) % 10_000}.png",
        "emojis": [],
        "fields": [],
    }


def _render_mention(account: Account, server: str, base_url: str) -> dict[str, str]:
    rendered = _render_account(account, server, base_url)
    return {key: rendered[key] for key in ("id", "username", "url", "acct")}


def _instance(server: str) -> dict[str, Any]:
    """A minimal Instance (v2) whose `timelines_access` says hashtag feeds are public."""
    public = {"local": "public", "remote": "public"}
    access = {"live_feeds": public, "hashtag_feeds": public, "trending_link_feeds": public}
    return {
        "domain": server,
        "title": f"{server} (simulated)",
        "version": "4.5.0",
        "description": "A fake Mastodon server run by the PLN Hub simulator.",
        "configuration": {"statuses": {"max_characters": 500}, "timelines_access": access},
    }


def _count_request(state: _Fediverse, server: str) -> tuple[dict[str, str], bool]:
    """Count a request against `server`'s window; (rate-limit headers, whether over)."""
    window = int(time.time()) // RATE_WINDOW
    with state.lock:
        current, used = state.windows.get(server, (window, 0))
        used = used + 1 if current == window else 1
        state.windows[server] = (window, used)
    headers = {
        "X-RateLimit-Limit": str(RATE_LIMIT),
        "X-RateLimit-Remaining": str(max(RATE_LIMIT - used, 0)),
        "X-RateLimit-Reset": _iso((window + 1) * RATE_WINDOW * 1000, digits=6),
    }
    return headers, used > RATE_LIMIT


def _visible(status: _Status, server: str, state: _Fediverse) -> bool:
    if status.servers is not None:
        return server in status.servers
    if not status.sampled or server == status.account.home:
        return True
    return zlib.crc32(f"{state.seed}|{status.tag}|{status.key}|{server}".encode()) % 10 < 7


def _local_id(status: _Status, server: str) -> str:
    """`server`'s id for `status`: its time in ms << 16, plus 16 bits of its own."""
    salt = zlib.crc32(f"{server}|{status.tag}|{status.key}".encode()) & 0xFFFF
    return str((status.ms << 16) | salt)


def _account_id(account: Account, server: str) -> str:
    return str(109_000_000_000_000_000 + zlib.crc32(f"{server}|{account.url}".encode()))


def _cmp(a: str, b: str) -> int:
    ka, kb = (len(a), a), (len(b), b)
    return (ka > kb) - (ka < kb)


def _hashtag(home: str, tag: str, rng: random.Random | None) -> str:
    shown = tag.upper() if rng is not None and rng.random() < 0.3 else tag
    return (
        f'<a href="https://{home}/tags/{quote(tag)}" class="mention hashtag" rel="tag">'
        f"#<span>{escape(shown)}</span></a>"
    )


def _mention(account: Account) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="{account.url}" class="u-url mention">'
        f"@<span>{account.username}</span></a></span>"
    )


def _iso(ms: int, *, digits: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    fraction = f"{ms % 1000:03d}".ljust(digits, "0")
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction}Z"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Reply(status, body, {"Content-Type": JSON, **(headers or {})})


def _state(site: Site) -> _Fediverse:
    return site.state("mastodon", lambda site: _Fediverse(seed=site.blogs.seed, start_ms=_now_ms()))
