"""X API v2 recent search, as PLN Hub's connector (through tweepy) uses it.

Routes (prefix /x/, so the API base URL is "<simulator>/x"):
    GET /x/2/tweets/search/recent   Bearer BEARER_TOKEN; `query` must hold a #hashtag (other
        operators such as -is:retweet are accepted and ignored); max_results 10-100 (default
        10), since_id / until_id (exclusive), next_token or pagination_token, tweet.fields (or
        post.fields), expansions (author_id, attachments.media_keys), user.fields, media.fields
        -> {data, includes: {users, media}, meta: {newest_id, oldest_id, result_count,
        next_token?}}, newest first; no `data` or `includes` when nothing matches.

As the real API: posts carry only id, text and edit_history_tweet_ids unless more fields are
asked for; ids are strings, snowflakes that grow with time; `text` escapes &, < and > as
&amp; &lt; &gt;; entity offsets count code points. A missing or wrong token gets a 401
problem document; bad parameters a 400. Every reply carries x-rate-limit-limit/-remaining/
-reset (epoch seconds): 450 requests per 15 minutes per server, then 429.

Each tag gets POSTS_PER_TAG generated posts over the last few days, deterministic from the
seed (times relative to the first request), in the shapes of
`/work/shared/fixtures/platforms/x_recent_search_page1.json`. The tag `hostile` holds script,
event handler and javascript: attempts plus the text "Harmless text survives".
Test control: `publish`.
"""

from __future__ import annotations

import functools
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

BEARER_TOKEN = "simulated-x-bearer-token"  # noqa: S105 (the simulator's fixed test credential)
POSTS_PER_TAG = 150
RATE_LIMIT, RATE_WINDOW = 450, 900
TWITTER_EPOCH_MS = 1288834974657
NEXT_TOKEN_PREFIX = "b26v"  # noqa: S105 (a pagination token, not a secret)
TWEET_FIELDS = {
    "created_at",
    "author_id",
    "conversation_id",
    "lang",
    "possibly_sensitive",
    "reply_settings",
    "public_metrics",
    "entities",
    "attachments",
    "referenced_tweets",
    "in_reply_to_user_id",
}
_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@(\w{1,15})")
_TCO = re.compile(r"https://t\.co/\w+")
EMOJI = ("🧠✏️", "📚", "🎓", "🙌", "🌍")
TEMPLATES = (
    "Week {n} of #{tag} starts today: {noun}. Template here {link}",
    "Sketchnote from {time}'s #{tag} session on {noun} {emoji}",
    "Reminder: office hours moved to Thursday 16:00 CET. #{tag} #PLN",
    "Three things I'm stealing from #{tag}: {noun}, {noun2} and exit tickets.",
    "Q&amp;A on {noun} for #{tag} tonight {emoji} #edtech",
    "Reading list for #{tag} is up: {noun} and {noun2} {link}",
)
USERS = (
    ("1460000000000000001", "Dr. Amara Okafor", "amara_teaches"),
    ("2784511903", "Lukas Brenner", "lbrenner_edu"),
    ("1522334455667788990", "Priya Natarajan 🌱", "priya_pln"),
    ("98765432", "Course Team", "course_team"),
    ("3141592653", "Sami Haddad", "sami_h"),
)


@dataclass
class _State:
    start: datetime
    seed: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: dict[str, list[dict]] = field(default_factory=dict)  # tag -> posts, oldest first
    window_start: float = 0.0
    calls: int = 0


def publish(sim: Simulator, tag: str, count: int = 1) -> list[str]:
    """Add `count` new newest posts tagged `tag`; returns their ids."""
    state = _state(sim.site)
    with state.lock:
        posts = _posts(state, tag)
        for _ in range(count):
            posts.append(_post(state.seed, tag, len(posts), datetime.now(UTC), posts[-1]))
        return [p["id"] for p in posts[-count:]] if count else []


# --- Routes --------------------------------------------------------------------------------


def handle(request: Request) -> Reply:
    state = _state(request.site)
    with state.lock:
        now = time.time()
        if now >= state.window_start + RATE_WINDOW:
            state.window_start, state.calls = now, 0
        state.calls += 1
        if request.path.rstrip("/") != "/x/2/tweets/search/recent":
            reply = _problem(404, "Not Found Error", "The requested resource was not found")
        elif request.headers.get("Authorization", "") != f"Bearer {BEARER_TOKEN}":
            reply = _problem(401, "Unauthorized", "Unauthorized")
        elif state.calls > RATE_LIMIT:
            reply = _problem(429, "Too Many Requests", "Too Many Requests")
        else:
            reply = _search(state, parse_qs(request.query, keep_blank_values=True))
            avatars = f"{request.site.base_url}/static-img/".encode()
            reply.body = reply.body.replace(AVATARS.encode(), avatars)
        reply.headers.update(
            {
                "x-rate-limit-limit": str(RATE_LIMIT),
                "x-rate-limit-remaining": str(max(0, RATE_LIMIT - state.calls)),
                "x-rate-limit-reset": str(int(state.window_start + RATE_WINDOW)),
            }
        )
        return reply


def _search(state: _State, params: dict[str, list[str]]) -> Reply:
    def one(name: str) -> str:
        return params.get(name, [""])[0]

    tags = _HASHTAG.findall(one("query"))
    max_results = one("max_results") or "10"
    since, until = one("since_id"), one("until_id")
    token = one("next_token") or one("pagination_token")
    if not tags:
        return _invalid("query", "The query must contain a #hashtag in this simulator")
    if not (max_results.isdigit() and 10 <= int(max_results) <= 100):
        return _invalid("max_results", f"The `max_results` value [{max_results}] is not valid")
    for name, value in (("since_id", since), ("until_id", until)):
        if value and not value.isdigit():
            return _invalid(name, f"The `{name}` query parameter value [{value}] is not valid")
    if token:
        try:
            until = str(int(token.removeprefix(NEXT_TOKEN_PREFIX), 36))
        except ValueError:
            return _invalid("next_token", f"The `next_token` value [{token}] is not valid")
    matches = [
        p
        for p in reversed(_posts(state, tags[0]))
        if (not since or int(p["id"]) > int(since)) and (not until or int(p["id"]) < int(until))
    ]
    page = matches[: int(max_results)]
    if not page:
        return _json(200, {"meta": {"result_count": 0}})
    meta = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
    if len(matches) > len(page):
        meta["next_token"] = NEXT_TOKEN_PREFIX + _base36(int(page[-1]["id"]))
    return _json(200, _render(page, params) | {"meta": meta})


def _render(page: list[dict], params: dict[str, list[str]]) -> dict:
    """The page with only the fields and expansions asked for, as X sends them."""

    def listed(*names: str) -> set[str]:
        return {v for n in names for p in params.get(n, []) for v in p.split(",") if v}

    tweet_fields = listed("tweet.fields", "post.fields") & TWEET_FIELDS
    expansions = listed("expansions")
    data = [
        {k: v for k, v in p["tweet"].items() if k in tweet_fields or k in ("id", "text")}
        | {"edit_history_tweet_ids": [p["id"]]}
        for p in page
    ]
    includes: dict[str, list] = {}
    if "author_id" in expansions:
        user_fields = listed("user.fields")
        users = {p["user"]["id"]: p["user"] for p in page}
        includes["users"] = [
            {k: v for k, v in u.items() if k in user_fields or k in ("id", "name", "username")}
            for u in users.values()
        ]
    media = [m for p in page for m in p["media"]]
    if "attachments.media_keys" in expansions and media:
        media_fields = listed("media.fields")
        includes["media"] = [
            {k: v for k, v in m.items() if k in media_fields or k in ("media_key", "type")}
            for m in media
        ]
    return {"data": data, "includes": includes} if includes else {"data": data}


# --- Generated posts -----------------------------------------------------------------------


def _posts(state: _State, tag: str) -> list[dict]:
    """The tag's posts, oldest first, generated on first use (call with state.lock held)."""
    key = tag.lower()
    if key not in state.posts:
        if key == "hostile":
            state.posts[key] = _hostile(state)
            return state.posts[key]
        rng = random.Random(f"{state.seed}:x:{key}")  # noqa: S311 (demo data)
        moment = state.start - timedelta(minutes=rng.randint(3, 30))
        times = []
        for _ in range(POSTS_PER_TAG):
            times.append(moment)
            moment -= timedelta(minutes=rng.randint(10, 45), milliseconds=rng.randint(0, 999))
        posts: list[dict] = []
        for k, at in enumerate(reversed(times)):
            posts.append(_post(state.seed, tag, k, at, posts[-1] if posts else None))
        state.posts[key] = posts
    return state.posts[key]


def _post(seed: int, tag: str, k: int, created: datetime, previous: dict | None) -> dict:
    """Post `k` of `tag`: {"id", "tweet", "user", "media"}; every seventh replies to
    `previous`. Ids are snowflakes of `created`, kept above `previous`'s."""
    rng = random.Random(f"{seed}:x:{tag.lower()}:{k}")  # noqa: S311
    created = created.replace(microsecond=created.microsecond // 1000 * 1000)
    post_id = _snowflake(created, k)
    if previous is not None:
        post_id = str(max(int(post_id), int(previous["id"]) + 1))
    user_id, name, username = rng.choice(USERS)
    noun, noun2 = rng.sample(prose.TOPIC_NOUNS.get(tag.lower(), prose.TOPIC_NOUNS["reading"]), 2)
    link = "https://t.co/" + "".join(rng.choices("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789", k=10))
    text = rng.choice(TEMPLATES).format(
        n=k % 12 + 1,
        tag=tag,
        noun=noun,
        noun2=noun2,
        link=link,
        emoji=rng.choice(EMOJI),
        time=rng.choice(prose.TIMES),
    )
    tweet: dict[str, Any] = {"id": post_id, "author_id": user_id, "conversation_id": post_id}
    if k % 7 == 3 and previous is not None:
        parent = previous["tweet"]
        text = f"@{previous['user']['username']} {text}"
        tweet["conversation_id"] = parent["conversation_id"]
        tweet["in_reply_to_user_id"] = parent["author_id"]
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
    expanded = f"https://{tag.lower()}.example.org/week{k % 12 + 1}/notes"
    tweet |= {
        "text": text,
        "created_at": _iso(created),
        "lang": "en",
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "entities": entities(text, expanded),
        "public_metrics": {
            "retweet_count": rng.randint(0, 12),
            "reply_count": rng.randint(0, 6),
            "like_count": rng.randint(0, 60),
            "quote_count": rng.randint(0, 3),
            "bookmark_count": rng.randint(0, 9),
            "impression_count": rng.randint(100, 3000),
        },
    }
    media = []
    if k % 5 == 1:
        media = [_media(post_id, noun, video=k % 10 == 6)]
        tweet["attachments"] = {"media_keys": [media[0]["media_key"]]}
    return {"id": post_id, "tweet": tweet, "user": _user(user_id, name, username), "media": media}


def entities(text: str, expanded_url: str) -> dict:
    """Hashtag, mention and URL entities of `text`; offsets count code points, end exclusive."""
    found: dict[str, list] = {}
    for m in _HASHTAG.finditer(text):
        found.setdefault("hashtags", []).append({"start": m.start(), "end": m.end(), "tag": m[1]})
    for m in _MENTION.finditer(text):
        user = next((u for u in USERS if u[2] == m[1]), None)
        if user:
            mention = {"start": m.start(), "end": m.end(), "username": m[1], "id": user[0]}
            found.setdefault("mentions", []).append(mention)
    for m in _TCO.finditer(text):
        display = expanded_url.removeprefix("https://")
        url = {
            "start": m.start(),
            "end": m.end(),
            "url": m[0],
            "expanded_url": expanded_url,
            "display_url": display[:26] + "…" if len(display) > 27 else display,
        }
        found.setdefault("urls", []).append(url)
    return found


@functools.cache
def _user(user_id: str, name: str, username: str) -> dict:
    return {
        "id": user_id,
        "name": name,
        "username": username,
        "verified": False,
        "profile_image_url": f"{AVATARS}{int(user_id) % 1000}.png",
        "description": "Teacher, learner, sharer of links.",
        "created_at": "2014-09-02T17:40:03.000Z",
    }


def _media(post_id: str, noun: str, *, video: bool) -> dict:
    key = f"{7 if video else 3}_{post_id}"
    media: dict[str, Any] = {"media_key": key, "type": "video" if video else "photo"}
    image = f"https://pbs.twimg.example/media/{key}.jpg"
    media |= {"preview_image_url": image} if video else {"url": image}
    return media | {"width": 1600, "height": 1200, "alt_text": f"Sketchnote about {noun}"}


def _hostile(state: _State) -> list[dict]:
    """Posts with script, handlers and javascript: URLs where a careless client would make
    markup of them; their visible text is harmless once escaped."""
    user = {
        "id": "666",
        "name": "<img src=x onerror=alert(1)>Eve",
        "username": "eve_hostile",
        "profile_image_url": "javascript:alert(1)",
    }
    texts = (
        "<script>alert(1)</script> Harmless text survives https://t.co/evil000001 #hostile",
        "&lt;script&gt;alert(1)&lt;/script&gt; Harmless text survives 🙂 #hostile",
        '"><iframe src="http://127.0.0.1/"></iframe> Harmless text survives #hostile',
    )
    posts = []
    for k, text in enumerate(texts):
        created = state.start - timedelta(minutes=10 * (3 - k))
        post_id = _snowflake(created, k)
        ents = entities(text, "javascript:alert(1)")
        tweet = {
            "id": post_id,
            "text": text,
            "author_id": "666",
            "entities": ents,
            "created_at": _iso(created),
        }
        media = []
        if k == 2:
            media = [
                {
                    "media_key": f"3_{post_id}",
                    "type": "photo",
                    "url": "javascript:alert(1)",
                    "alt_text": '"><img src=x onerror=alert(1)>',
                }
            ]
            tweet["attachments"] = {"media_keys": [f"3_{post_id}"]}
        posts.append({"id": post_id, "tweet": tweet, "user": user, "media": media})
    return posts


# --- Encodings -----------------------------------------------------------------------------


def _snowflake(moment: datetime, sequence: int) -> str:
    """A Twitter-style id: milliseconds since the Twitter epoch << 22, plus a sequence."""
    ms = int(moment.timestamp() * 1000)
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (sequence % 4096))


def _iso(moment: datetime) -> str:
    """X's timestamp form: UTC, milliseconds, "Z"."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


# Avatars are the simulator's own images (`/static-img/`), so the demo shows real pictures;
# the placeholder prefix becomes the simulator's address when a reply is written.
AVATARS = "https://avatars.simulator.invalid/"


def _json(status: int, body: dict) -> Reply:
    return Reply(
        status, json.dumps(body).encode(), {"Content-Type": "application/json; charset=utf-8"}
    )


def _problem(status: int, title: str, detail: str) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return _json(status, body)


def _invalid(parameter: str, message: str) -> Reply:
    body = {
        "errors": [{"parameters": {parameter: [""]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return _json(400, body)


def _state(site: Site) -> _State:
    """This server's state, made on first use."""

    def make(site: Site) -> _State:
        return _State(start=datetime.now(UTC).replace(microsecond=0), seed=site.blogs.seed)

    return site.state("x", make)
