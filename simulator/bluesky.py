"""Bluesky's XRPC, as much as hashtag search needs: app-password sessions and searchPosts.

Routes (prefix /bsky/, so a client's base URL is "<simulator>/bsky"):
    POST /bsky/xrpc/com.atproto.server.createSession   JSON {identifier, password}: HANDLE and
         APP_PASSWORD -> {accessJwt, refreshJwt, handle, did, active} (no didDoc); else 401
    POST /bsky/xrpc/com.atproto.server.refreshSession  Bearer refreshJwt -> a new token pair;
         the old refresh token stops working
    GET  /bsky/xrpc/app.bsky.feed.searchPosts          Bearer accessJwt; q (required), tag
         (repeatable, AND-matched, no "#"), sort, limit 1-100 (default 25), cursor (an offset)
         -> {posts, hitsTotal, cursor?}, newest first by indexedAt

Missing or unknown tokens get 401 AuthenticationRequired; expired ones 400 ExpiredToken, as
the reference PDS answers. Every reply carries `ratelimit-*` headers (epoch-seconds reset).
Access tokens are real JWTs (HS256, with `exp`) that live `token_lifetime` seconds.

Each tag gets POSTS_PER_TAG generated posts over the last few days, deterministic from the
seed (times relative to the first request), in the shapes of
`/work/shared/fixtures/platforms/bluesky_search_posts.json`: facets with UTF-8 byte offsets,
emoji, mentions, replies, image and external embeds. The tag `hostile` holds script, event
handler and javascript: attempts plus the text "Harmless text survives".
Test controls: `publish`, `session_count`, `refresh_count`, `expire_tokens`,
`set_token_lifetime`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from simulator import prose
from simulator.replies import Reply, Request

if TYPE_CHECKING:
    from simulator.server import Simulator
    from simulator.site import Site

HANDLE = "pln-hub.bsky.social"
APP_PASSWORD = "simu-lated-app-pass"  # noqa: S105 (the simulator's fixed test credential)
ACCOUNT_DID = "did:plc:plnhubsimulatoraccount1"
POSTS_PER_TAG = 150
RATE_LIMIT = 3000
_SECRET = b"simulator-only"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TAG = re.compile(r"#(\w+)")
_LINK = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@([a-z0-9.-]+\.[a-z]+)")
EMOJI = ("🙋‍♀️", "🎓✨", "🧠", "🌱", "📚", "🙏", "✏️", "🧪")
TEMPLATES = (
    "Week {n} of #{tag}: {noun} and {noun2}. Who wants to swap notes? {emoji} #PLN",
    "{emoji} New reading for #{tag} is live: https://{tag}.example.org/week{n}/reading",
    "Honestly the best part of #{tag} is {noun}.\n\nAlso: {noun2}. #edtech",
    "@{mention} thanks for the pointer on {noun} {emoji} #{tag}",
    "Trying {noun} with my class tomorrow {emoji} #{tag}",
    "Notes from {time} on {noun} #{tag} https://notes.example.net/{n}",
)


@dataclass
class _State:
    start: datetime
    seed: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: dict[str, list[tuple[datetime, dict]]] = field(default_factory=dict)  # oldest first
    access: dict[str, float] = field(default_factory=dict)  # token -> exp (epoch seconds)
    refresh: dict[str, float] = field(default_factory=dict)
    token_lifetime: int = 7200
    sessions: int = 0
    refreshes: int = 0
    issued: int = 0
    calls: list[float] = field(default_factory=list)  # request times in the rate-limit window


# --- Test controls -------------------------------------------------------------------------


def publish(sim: Simulator, tag: str, count: int = 1) -> list[str]:
    """Add `count` new newest posts tagged `tag`; returns their at:// URIs."""
    state = _state(sim.site)
    with state.lock:
        posts = _posts(state, tag)
        uris = []
        for _ in range(count):
            moment = max(datetime.now(UTC), posts[-1][0] + timedelta(milliseconds=1))
            created = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            view = _post(state, tag, len(posts), created, previous=posts[-1][1])
            posts.append((_parse(view["indexedAt"]), view))
            uris.append(view["uri"])
        return uris


def session_count(sim: Simulator) -> int:
    """How many createSession calls the server has received."""
    return _state(sim.site).sessions


def refresh_count(sim: Simulator) -> int:
    return _state(sim.site).refreshes


def expire_tokens(sim: Simulator, *, refresh_too: bool = False) -> None:
    """Make every access token (and with `refresh_too`, every refresh token) expired."""
    state = _state(sim.site)
    with state.lock:
        state.access = dict.fromkeys(state.access, 0.0)
        if refresh_too:
            state.refresh = dict.fromkeys(state.refresh, 0.0)


def set_token_lifetime(sim: Simulator, seconds: int) -> None:
    _state(sim.site).token_lifetime = seconds


# --- Routes --------------------------------------------------------------------------------


def handle(request: Request) -> Reply:
    state = _state(request.site)
    path = request.path.removeprefix("/bsky")
    with state.lock:
        now = time.time()
        state.calls = [t for t in state.calls if t > now - 300] + [now]
        if path == "/xrpc/com.atproto.server.createSession" and request.method == "POST":
            reply = _create_session(state, request)
        elif path == "/xrpc/com.atproto.server.refreshSession" and request.method == "POST":
            reply = _refresh_session(state, request)
        elif path == "/xrpc/app.bsky.feed.searchPosts" and request.method in ("GET", "HEAD"):
            reply = _authorised(state, request) or _search(state, request)
        else:
            reply = _error(404, "XRPCNotSupported", "XRPCNotSupported")
        window_end = int(min(state.calls) + 300)
        reply.headers.update(
            {
                "ratelimit-limit": str(RATE_LIMIT),
                "ratelimit-remaining": str(max(0, RATE_LIMIT - len(state.calls))),
                "ratelimit-reset": str(window_end),
                "ratelimit-policy": f"{RATE_LIMIT};w=300",
            }
        )
        return reply


def _create_session(state: _State, request: Request) -> Reply:
    state.sessions += 1
    try:
        body = json.loads(request.body)
        identifier, password = body["identifier"], body["password"]
    except (ValueError, KeyError, TypeError):
        return _error(400, "InvalidRequest", "Input must have the properties identifier, password")
    if identifier not in (HANDLE, ACCOUNT_DID) or password != APP_PASSWORD:
        return _error(401, "AuthenticationRequired", "Invalid identifier or password")
    return _tokens(state)


def _refresh_session(state: _State, request: Request) -> Reply:
    state.refreshes += 1
    token = _bearer(request)
    if token not in state.refresh:
        return _error(401, "InvalidToken", "Token could not be verified")
    if state.refresh.pop(token) < time.time():
        return _error(400, "ExpiredToken", "Token has expired")
    return _tokens(state)


def _tokens(state: _State) -> Reply:
    now = int(time.time())
    state.issued += 1
    claims = {"sub": ACCOUNT_DID, "iat": now, "jti": str(state.issued)}
    access_exp, refresh_exp = now + state.token_lifetime, now + 90 * 86400
    access = _jwt(claims | {"scope": "com.atproto.appPass", "exp": access_exp})
    refresh = _jwt(claims | {"scope": "com.atproto.refresh", "exp": refresh_exp})
    state.access[access], state.refresh[refresh] = access_exp, refresh_exp
    body = {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": ACCOUNT_DID}
    return _json(200, body | {"active": True})


def _authorised(state: _State, request: Request) -> Reply | None:
    """None if the request carries a live access token, else the error reply."""
    exp = state.access.get(_bearer(request))
    if exp is None:
        return _error(401, "AuthenticationRequired", "Authentication Required")
    if exp < time.time():
        return _error(400, "ExpiredToken", "Token has expired")
    return None


def _search(state: _State, request: Request) -> Reply:
    params = parse_qs(request.query, keep_blank_values=True)
    q, limit, cursor = (params.get(name, [""])[0] for name in ("q", "limit", "cursor"))
    if not q:
        return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
    if limit and not (limit.isdigit() and 1 <= int(limit) <= 100):
        return _error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
    if cursor and not cursor.isdigit():
        return _error(400, "InvalidRequest", "Malformed cursor")
    tags = [t.lstrip("#") for t in params.get("tag", [])] or _TAG.findall(q)
    wanted = {t.lower() for t in tags}
    matches = []
    if tags:
        candidates = _posts(state, tags[0])
        matches = [v for _, v in reversed(candidates) if wanted <= _tags_of(v)]
    offset, size = int(cursor or 0), int(limit or 25)
    body: dict[str, Any] = {"posts": matches[offset : offset + size], "hitsTotal": len(matches)}
    if offset + size < len(matches):
        body["cursor"] = str(offset + size)
    return _json(200, body, base_url=request.site.base_url)


# --- Generated posts -----------------------------------------------------------------------


def _posts(state: _State, tag: str) -> list[tuple[datetime, dict]]:
    """The tag's posts, oldest first, generated on first use (call with state.lock held)."""
    key = tag.lower()
    if key not in state.posts:
        views: list[dict] = []
        if key == "hostile":
            views = _hostile(state)
        else:
            rng = random.Random(f"{state.seed}:bsky:{key}")  # noqa: S311 (demo data)
            moment = state.start - timedelta(minutes=rng.randint(3, 30), milliseconds=137)
            times = []
            for _ in range(POSTS_PER_TAG):
                times.append(moment)
                moment -= timedelta(minutes=rng.randint(10, 45), milliseconds=rng.randint(0, 999))
            for k, at in enumerate(reversed(times)):
                views.append(_post(state, tag, k, at, previous=views[-1] if views else None))
        state.posts[key] = [(_parse(v["indexedAt"]), v) for v in views]
    return state.posts[key]


def _post(state: _State, tag: str, k: int, created: datetime, *, previous: dict | None) -> dict:
    """Post `k` of `tag` as a PostView; every seventh replies to `previous`."""
    rng = random.Random(f"{state.seed}:bsky:{tag.lower()}:{k}")  # noqa: S311
    author, mentioned = rng.sample(_authors(state.seed), 2)
    nouns = prose.TOPIC_NOUNS.get(tag.lower(), prose.TOPIC_NOUNS["pedagogy"])
    noun, noun2 = rng.sample(nouns, 2)
    text = rng.choice(TEMPLATES).format(
        n=k % 12 + 1,
        tag=tag,
        noun=noun,
        noun2=noun2,
        emoji=rng.choice(EMOJI),
        time=rng.choice(prose.TIMES),
        mention=mentioned["handle"],
    )
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso(created)}
    record |= {
        "langs": ["en"],
        "text": text,
        "facets": facets(text, {mentioned["handle"]: mentioned["did"]}),
    }
    if k % 6 == 2:
        record["tags"] = ["cohort4"]  # tags outside the text, as some clients add
    uri = f"at://{author['did']}/app.bsky.feed.post/{_tid(created, k)}"
    view: dict[str, Any] = {"uri": uri, "cid": _cid(uri), "author": author, "record": record}
    if k % 7 == 3 and previous is not None:
        ref = {"uri": previous["uri"], "cid": previous["cid"]}
        record["reply"] = {"root": ref, "parent": ref}
    link = _LINK.search(text)
    if link:
        external = {
            "uri": link[0],
            "title": f"{noun.capitalize()} ({tag})",
            "description": f"Notes on {noun2}.",
        }
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        view["embed"] = {"$type": "app.bsky.embed.external#view", "external": external}
    elif k % 5 == 1:
        record["embed"], view["embed"] = _images(author["did"], uri, noun)
    view |= {
        "bookmarkCount": rng.randint(0, 9),
        "replyCount": rng.randint(0, 12),
        "repostCount": rng.randint(0, 20),
        "likeCount": rng.randint(0, 80),
        "quoteCount": rng.randint(0, 3),
        "indexedAt": _iso(created + timedelta(milliseconds=rng.randint(80, 900))),
        "labels": [],
    }
    return view


def facets(text: str, dids: dict[str, str]) -> list[dict]:
    """Tag, link and mention facets of `text`, with UTF-8 byte offsets as atproto wants."""
    found = []
    for match in _TAG.finditer(text):
        found.append((match, {"$type": "app.bsky.richtext.facet#tag", "tag": match[1]}))
    for match in _LINK.finditer(text):
        found.append((match, {"$type": "app.bsky.richtext.facet#link", "uri": match[0]}))
    for match in _MENTION.finditer(text):
        if match[1] in dids:
            found.append(
                (match, {"$type": "app.bsky.richtext.facet#mention", "did": dids[match[1]]})
            )
    return [
        {"index": _byte_span(text, m.start(), m.end()), "features": [feature]}
        for m, feature in sorted(found, key=lambda pair: pair[0].start())
    ]


def _byte_span(text: str, start: int, end: int) -> dict[str, int]:
    return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}


def _images(did: str, uri: str, noun: str) -> tuple[dict, dict]:
    cid = _cid(uri + "#image")
    alt = f"Photo: {noun} on the whiteboard"
    blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": "image/jpeg", "size": 183204}
    ratio = {"height": 1200, "width": 1600}
    record = {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": alt, "image": blob, "aspectRatio": ratio}],
    }
    cdn = "https://cdn.bsky.app/img"
    view_image = {
        "thumb": f"{cdn}/feed_thumbnail/plain/{did}/{cid}@jpeg",
        "fullsize": f"{cdn}/feed_fullsize/plain/{did}/{cid}@jpeg",
        "alt": alt,
        "aspectRatio": ratio,
    }
    return record, {"$type": "app.bsky.embed.images#view", "images": [view_image]}


def _hostile(state: _State) -> list[dict]:
    """Three posts with script, handlers and javascript: links where a careless client would
    turn them into markup; their visible text is harmless once escaped."""
    eve = _account("Eve Hostile", "eve-hostile.bsky.social", state.seed)
    eve |= {"displayName": "<img src=x onerror=alert(1)>Eve", "avatar": "javascript:alert(1)"}
    text_a = "<script>alert(1)</script> Harmless text survives. Read this now #hostile"
    facets_a = facets(text_a, {})
    facets_a.append(
        {
            "index": _byte_span(text_a, text_a.index("Read"), text_a.index(" now")),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}],
        }
    )
    facets_a.append(
        {
            "index": _byte_span(text_a, text_a.index("now"), text_a.index(" #")),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": " JaVaScRiPt:alert(1)"}],
        }
    )
    text_b = '"><iframe src="http://127.0.0.1/"></iframe> Harmless text survives 🙂 #hostile'
    text_c = "Harmless text survives, with a picture 📷 #hostile"
    posts = []
    for k, (text, post_facets) in enumerate(
        [(text_a, facets_a), (text_b, facets(text_b, {})), (text_c, facets(text_c, {}))]
    ):
        created = state.start - timedelta(minutes=10 * (3 - k))
        uri = f"at://{eve['did']}/app.bsky.feed.post/{_tid(created, k)}"
        record = {
            "$type": "app.bsky.feed.post",
            "createdAt": _iso(created),
            "text": text,
            "facets": post_facets,
        }
        posts.append(
            {
                "uri": uri,
                "cid": _cid(uri),
                "author": eve,
                "record": record,
                "indexedAt": _iso(created),
                "likeCount": 1,
            }
        )
    posts[0]["embed"] = {
        "$type": "app.bsky.embed.external#view",
        "external": {
            "uri": "javascript:alert(1)",
            "title": "<script>alert(1)</script>",
            "description": "<img src=x onerror=alert(1)>",
        },
    }
    image = {
        "fullsize": "https://cdn.example/ok.jpg",
        "thumb": "javascript:alert(1)",
        "alt": '"><img src=x onerror=alert(1)>',
    }
    bad_image = {"fullsize": "javascript:alert(1)", "alt": "bad"}
    posts[2]["embed"] = {"$type": "app.bsky.embed.images#view", "images": [image, bad_image]}
    return posts


@functools.cache
def _authors(seed: int) -> list[dict]:
    rng = random.Random(f"{seed}:bsky:authors")  # noqa: S311
    authors = []
    for k, first in enumerate(rng.sample(prose.FIRST_NAMES, 6)):
        name = f"{first} {rng.choice(prose.LAST_NAMES)}"
        handle = f"{first.lower()}-{k}.bsky.social" if k % 3 else f"{first.lower()}.edu.example"
        author = _account(name, handle, seed)
        if k == 1:
            author["displayName"] = f"{first} 🌱"
        if k == 2:
            author["displayName"] = ""  # as in the fixture: handles then stand in for names
        if k == 4:
            del author["avatar"]
        authors.append(author)
    return authors


def _account(name: str, handle: str, seed: int) -> dict:
    digest = base64.b32encode(hashlib.sha256(f"{seed}:{handle}".encode()).digest()).decode()
    did = "did:plc:" + digest.lower()[:24]
    avatar = f"{AVATARS}{int(hashlib.sha256(did.encode()).hexdigest(), 16) % 1000}.png"
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "avatar": avatar,
        "labels": [],
        "createdAt": "2024-11-15T08:21:37.412Z",
    }


# --- Encodings -----------------------------------------------------------------------------


def _tid(moment: datetime, clock: int) -> str:
    """A record key in atproto's TID form: microseconds << 10 | clock id, sortable base32."""
    value = (int(moment.timestamp() * 1_000_000) << 10) | (clock % 1024)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _cid(text: str) -> str:
    digest = base64.b32encode(hashlib.sha256(text.encode()).digest()).decode().lower()
    return "bafyrei" + digest.rstrip("=")[:52]


def _jwt(claims: dict) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64(b'{"typ":"at+jwt","alg":"HS256"}') + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(_SECRET, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _tags_of(view: dict) -> set[str]:
    record = view["record"]
    found = {f["features"][0].get("tag", "").lower() for f in record.get("facets", [])}
    return found | {t.lower() for t in record.get("tags", [])}


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Avatars are the simulator's own images (`/static-img/`), so the demo shows real pictures;
# the placeholder prefix becomes the simulator's address when a reply is written.
AVATARS = "https://avatars.simulator.invalid/"


def _json(status: int, body: dict, *, base_url: str = "") -> Reply:
    encoded = json.dumps(body).encode()
    if base_url:
        encoded = encoded.replace(AVATARS.encode(), f"{base_url}/static-img/".encode())
    return Reply(status, encoded, {"Content-Type": "application/json; charset=utf-8"})


def _error(status: int, error: str, message: str) -> Reply:
    return _json(status, {"error": error, "message": message})


def _state(site: Site) -> _State:
    """This server's state, made on first use."""

    def make(site: Site) -> _State:
        return _State(start=datetime.now(UTC).replace(microsecond=0), seed=site.blogs.seed)

    return site.state("bluesky", make)
