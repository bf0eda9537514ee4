"""A fake WordPress.com: the Reader's public tag streams and the blogs they draw from.

Routes:
    /wpcom/rest/v1.1/read/tags/<tag>/posts   `{"date_range", "number", "posts": [...]}`: the
                                             posts of every blog tagged <tag>, in the
                                             documented shape (ID, site_ID, author{}, date,
                                             URL, guid, content, tags{}, categories{}, …);
                                             number (default 10, at most 40), page, order
                                             (DESC|ASC), after, before (ISO 8601, exclusive)
    /wpcom/sites/<blog>/…                    each blog as a WordPress site (home page, /feed/,
                                             /tag/<t>/feed/, post pages; see
                                             `simulator.wordpress`): a post's guid is the same
                                             in the tag stream and in its blog's feed

Blogs: "mira-learns" and "study-desk" (about sub101), "open-staffroom" (edtech) and
"hostile-wpcom", whose posts (tag "hostile") carry script, event handlers and javascript: URLs.
`publish(sim, tag, count=…)` adds posts tagged `tag`, on the ordinary blogs in turn.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from simulator import wordpress
from simulator.replies import Reply, Request, not_found
from simulator.wordpress import Term, WpPost, WpSite

if TYPE_CHECKING:
    from simulator.server import Simulator
    from simulator.site import Site

BLOGS = (  # slug, title, tagline, main hashtag
    ("mira-learns", "Mira Learns in Public", "A SUB101 learning log", "sub101"),
    ("study-desk", "The Study Desk", "Notes between lectures", "sub101"),
    ("open-staffroom", "Open Staffroom", "Teaching with the web", "edtech"),
    ("hostile-wpcom", "<script>alert(1)</script>Hostile", "Every field tries", "reading"),
)
MAX_NUMBER = 40
JSON = "application/json; charset=utf-8"


@dataclass
class Blogs:
    seed: int
    blogs: dict[str, WpSite]
    lock: threading.Lock = field(default_factory=threading.Lock)
    published: int = 0  # posts added through `publish`, to take the blogs in turn


def _make_blogs(site: Site) -> Blogs:
    start = datetime.now(UTC).replace(microsecond=0)
    seed = site.blogs.seed
    blogs = {}
    for n, (slug, title, tagline, topic) in enumerate(BLOGS):
        path = f"/wpcom/sites/{slug}/"
        blog = wordpress.make_site(slug, path, title, tagline, topic, seed=seed, start=start)
        blog.site_id = 210_000_001 + 7919 * n
        blog.utc_offset = timedelta(hours=n - 1)  # sites keep their own time zones
        blogs[slug] = blog
    return Blogs(seed, blogs)


def _state(site: Site) -> Blogs:
    return site.state("wpcom", _make_blogs)


def publish(sim: Simulator, tag: str, *, count: int = 1) -> list[WpPost]:
    """Publish `count` posts tagged `tag` (on the hostile blog for "hostile"), each newer than
    every post before it."""
    state = _state(sim.site)
    ordinary = [b for slug, b in state.blogs.items() if not slug.startswith("hostile")]
    added = []
    with state.lock:
        for _ in range(count):
            blog = state.blogs["hostile-wpcom"] if tag == "hostile" else None
            blog = blog or ordinary[state.published % len(ordinary)]
            state.published += 1
            newest = max(p.published for b in state.blogs.values() for p in b.posts)
            now = max(datetime.now(UTC).replace(microsecond=0), newest + timedelta(seconds=1))
            post = wordpress.new_post(blog, now, seed=state.seed, tags=(tag,))
            blog.posts.append(post)
            added.append(post)
    return added


def handle(request: Request) -> Reply:
    """Serve the tag streams and the blogs (see the module docstring)."""
    state = _state(request.site)
    if request.method not in ("GET", "HEAD"):
        return not_found()
    if request.path.startswith("/wpcom/sites/"):
        slug, _, rest = request.path.removeprefix("/wpcom/sites/").partition("/")
        with state.lock:
            blog = state.blogs.get(slug)
            posts = blog.posts[::-1] if blog else []
        return wordpress.serve_site(request, blog, posts, rest) if blog else not_found()
    parts = request.path.removeprefix("/wpcom/rest/v1.1/read/tags/").split("/")
    if not request.path.startswith("/wpcom/rest/v1.1/read/tags/") or parts[1:] != ["posts"]:
        return not_found()
    return _tag_posts(request, state, unquote(parts[0]).lower())


def _tag_posts(request: Request, state: Blogs, tag: str) -> Reply:
    query = dict(parse_qsl(request.query))
    try:
        number = min(int(query.get("number") or 10), MAX_NUMBER)
        page = int(query.get("page") or 1)
        after, before = _moment(query.get("after")), _moment(query.get("before"))
        if number < 1 or page < 1:
            raise ValueError
    except ValueError:
        return _error(400, "invalid_input", "Invalid number, page, after or before.")
    with state.lock:
        tagged = [
            (blog, post)
            for blog in state.blogs.values()
            for post in blog.posts
            if any(t.taxonomy == "post_tag" and t.slug == tag for t in post.terms)
            and (after is None or post.published > after)
            and (before is None or post.published < before)
        ]
    tagged.sort(key=lambda bp: (bp[1].published, bp[0].site_id, bp[1].id))
    if query.get("order", "DESC").upper() != "ASC":
        tagged.reverse()
    chunk = tagged[(page - 1) * number : page * number]
    base = request.site.base_url
    posts = [_post_json(blog, post, base) for blog, post in chunk]
    dates = [post.published for _, post in chunk]
    date_range = {"before": _iso(max(dates)), "after": _iso(min(dates))} if dates else {}
    body = {"date_range": date_range, "number": len(posts), "posts": posts}
    return Reply(200, json.dumps(body).encode(), {"Content-Type": JSON})


def _post_json(blog: WpSite, post: WpPost, base: str) -> dict[str, Any]:
    """One post in the Reader's v1.1 shape."""
    a, offset = post.author, blog.utc_offset
    home = f"{base}{blog.path}".rstrip("/")
    api = f"{base}/wpcom/rest/v1.1/sites/{blog.site_id}"
    return {
        "ID": post.id, "site_ID": blog.site_id,
        "author": {
            "ID": a.id, "login": a.slug, "email": False, "name": a.name, "nice_name": a.slug,
            "URL": home, "avatar_URL": f"{base}/static-img/{500 + a.id}.png",
            "profile_URL": f"https://gravatar.example/{a.slug}", "site_ID": blog.site_id,
        },
        "date": _iso(post.published, offset), "modified": _iso(post.modified, offset),
        "title": post.title, "URL": blog.permalink(base, post),
        "short_URL": f"https://wp.example/p{blog.site_id}-{post.id}",
        "content": post.html, "excerpt": f"<p>{wordpress.excerpt(post)} [&hellip;]</p>\n",
        "slug": post.slug, "guid": blog.guid(base, post), "status": "publish",
        "sticky": False, "password": "", "parent": False, "type": "post",
        "discussion": {
            "comments_open": True, "comment_status": "open", "pings_open": True,
            "ping_status": "open", "comment_count": post.id % 4,
        },
        "likes_enabled": True, "sharing_enabled": True, "like_count": post.id % 7,
        "i_like": False, "is_reblogged": False, "is_following": False,
        "global_ID": hashlib.md5(f"{blog.site_id}:{post.id}".encode()).hexdigest(),  # noqa: S324
        "featured_image": blog.featured_url(base, post), "format": "standard", "geo": False,
        "menu_order": 0, "publicize_URLs": [],
        "tags": _terms(post, "post_tag", api), "categories": _terms(post, "category", api),
        "attachments": {}, "attachment_count": 0, "metadata": [],
        "meta": {"links": {"self": f"{api}/posts/{post.id}", "site": api}},
        "site_name": blog.title, "site_URL": home, "is_external": False, "is_jetpack": False,
    }  # fmt: skip


def _terms(post: WpPost, taxonomy: str, api: str) -> dict[str, Any] | list:
    """`{name: term}`, or `[]` when empty (what PHP's json_encode makes of an empty array)."""
    kind = "tags" if taxonomy == "post_tag" else "categories"
    chosen: list[Term] = [t for t in post.terms if t.taxonomy == taxonomy]
    return {
        t.name: {
            "ID": t.id, "name": t.name, "slug": t.slug, "description": "", "post_count": 1,
            "meta": {"links": {"self": f"{api}/{kind}/slug:{t.slug}"}},
        }
        for t in chosen
    } or []  # fmt: skip


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime, offset: timedelta = timedelta(0)) -> str:
    """ "2026-11-23T19:42:10+01:00": WordPress.com's dates carry the blog's own offset."""
    return moment.astimezone(timezone(offset)).isoformat()


def _error(status: int, code: str, message: str) -> Reply:
    body = json.dumps({"error": code, "message": message}).encode()
    return Reply(status, body, {"Content-Type": JSON})
