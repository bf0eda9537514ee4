"""The timeline's sidebar: the learner's topics and hashtags with their unread counts (as last
made: `feeds.counts`), and their blogs with how each one's last update went.

Rendering 50 blogs cost 15-25 ms a page on bench/run-dashboard, so each blog's entry is
written once (`feeds.sidebar_html`) and cached for every learner who follows it, under a
digest of all it shows (a follow, an unfollow, a poll's outcome or a renamed blog show at
once); its relative time ("Updated 3 minutes ago") is filled in on every view, as in the
items' cards.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db.models import F
from django.utils.safestring import SafeString, mark_safe

from feeds import cards, counts, sidebar_html
from feeds.network import Follows
from sources.models import Blog, Hashtag, Topic

TTL = 60 * 60  # seconds; an entry holds nothing that goes stale
# Changes with the code that writes entries: a deploy never serves entries of the old code.
_VERSION = hashlib.sha256(Path(sidebar_html.__file__).read_bytes()).hexdigest()[:12]


def context(user, network: Follows) -> dict:
    """What the sidebar shows `user`, whose network is `network` (`feeds.network.follows`)."""
    blogs = blog_list(user)
    return network_context(user, network) | {"blogs": blogs, "waiting_for": blogs.waiting_for}


def network_context(user, network: Follows) -> dict:
    """The sidebar's topics and followed hashtags with the unread counts last made (none yet:
    {}), and whether those are fresh (`feeds.counts.last_counts`; never counted here)."""
    unread, fresh = counts.last_counts(user)
    return {
        "hashtags": list(Hashtag.objects.filter(followers__user=user).order_by("name")),
        "topics": list(Topic.objects.filter(pk__in=network.topics).order_by("name")),
        "unread": unread or {},
        "counted": unread is not None,
        "counts_fresh": fresh,
    }


@dataclass(frozen=True)
class BlogList:
    html: SafeString  # the rendered entries; empty when the learner follows no blog
    count: int
    waiting_for: list[Blog]  # followed blogs not polled yet


def blog_list(user) -> BlogList:
    """`user`'s followed blogs: their entries (each cached), how many, and which ones
    wait for their first update."""
    rows = list(
        Blog.objects.filter(followers__user=user)
        .order_by("title")
        .values(
            "id",
            "title",
            "site_url",
            "source_id",
            last_polled_at=F("source__last_polled_at"),
            last_success_at=F("source__last_success_at"),
            last_error=F("source__last_error"),
            paused_at=F("source__paused_at"),
            pause_reason=F("source__pause_reason"),
        )
    )
    for blog in rows:  # what a Source's status reads
        blog["is_paused"] = blog["paused_at"] is not None
    keys = [_key(blog) for blog in rows]
    entries = cache.get_many(keys)
    missing = {key: blog for key, blog in zip(keys, rows, strict=True) if key not in entries}
    if missing:
        rendered = {key: sidebar_html.entry(blog) for key, blog in missing.items()}
        cache.set_many(rendered, TTL)
        entries |= rendered
    html = "".join(
        cards.with_time(entries[key], blog["last_success_at"]) if blog["last_success_at"]
        else entries[key]
        for key, blog in zip(keys, rows, strict=True)
    )  # fmt: skip
    never_polled = [blog["id"] for blog in rows if blog["last_polled_at"] is None]
    waiting_for = list(Blog.objects.filter(pk__in=never_polled)) if never_polled else []
    return BlogList(mark_safe(html), len(rows), waiting_for)  # noqa: S308 (rendered entries)


def _key(blog: dict) -> str:
    shown = {k: v for k, v in blog.items() if k != "last_polled_at"}
    digest = hashlib.sha256(repr(sorted(shown.items())).encode()).hexdigest()[:16]
    return f"pln:blog:{_VERSION}:{blog['id']}:{digest}"
