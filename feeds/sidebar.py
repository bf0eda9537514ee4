"""The timeline's sidebar: the learner's topics and hashtags with their unread counts (as last
made: `feeds.counts`), and their blogs with how each one's last update went.

The blogs' entries are written in Python (`feeds.sidebar_html`) on every view: ~20
microseconds an entry, 1 ms for 50 blogs, which is less than reading them back from the
cache took (~2.7 ms on bench/run-dashboard, keys and all). So a follow, an unfollow, a poll's
outcome or a renamed blog shows at once, with nothing to invalidate.
"""

from dataclasses import dataclass
from operator import attrgetter

from django.db import connection
from django.db.models import F
from django.utils.safestring import SafeString, mark_safe

from feeds import cards, counts, sidebar_html
from feeds.network import Follows
from sources.models import Blog, Hashtag, Topic


def context(user, network: Follows) -> dict:
    """What the sidebar shows `user`, whose network is `network` (`feeds.network.follows`)."""
    blogs = blog_list(user)
    return network_context(user, network) | {"blogs": blogs, "waiting_for": blogs.waiting_for}


def network_context(user, network: Follows) -> dict:
    """The sidebar's topics and followed hashtags with the unread counts last made (none yet:
    {}), and whether those are fresh (`feeds.counts.last_counts`; never counted here)."""
    unread, fresh = counts.last_counts(user)
    hashtags, topics = _hashtags_and_topics(user, network.topics)
    return {
        "hashtags": hashtags,
        "topics": topics,
        "unread": unread or {},
        "counted": unread is not None,
        "counts_fresh": fresh,
    }


_HASHTAGS_AND_TOPICS_SQL = """
SELECT 'hashtag', h.id, h.name, h.display FROM sources_hashtag h
JOIN sources_followedhashtag f ON f.hashtag_id = h.id WHERE f.user_id = %s
UNION ALL SELECT 'topic', t.id, t.name, t.slug FROM sources_topic t WHERE t.id IN ({in_topics})
"""


def _hashtags_and_topics(user, topic_ids: list[int]) -> tuple[list[Hashtag], list[Topic]]:
    """The hashtags `user` follows and the topics `topic_ids`, each by name, with what the
    sidebar shows of them, in one query (two through the ORM cost ~1.5 ms more a page)."""
    sql = _HASHTAGS_AND_TOPICS_SQL.replace("{in_topics}", counts.placeholders(topic_ids))
    hashtags, topics = [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *topic_ids])
        for kind, pk, name, other in cursor.fetchall():
            if kind == "hashtag":
                hashtags.append(Hashtag(id=pk, name=name, display=other))
            else:
                topics.append(Topic(id=pk, name=name, slug=other))
    by_name = attrgetter("name")
    return sorted(hashtags, key=by_name), sorted(topics, key=by_name)


@dataclass(frozen=True)
class BlogList:
    html: SafeString  # the rendered entries; empty when the learner follows no blog
    count: int
    waiting_for: list[Blog]  # followed blogs not polled yet


def blog_list(user) -> BlogList:
    """`user`'s followed blogs: their entries, how many, and which ones wait for their
    first update."""
    rows = (
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
    entries = []
    never_polled = []
    for blog in rows:
        blog["is_paused"] = blog["paused_at"] is not None  # what a Source's status reads
        entry = sidebar_html.entry(blog)
        entries.append(cards.with_time(entry, when) if (when := blog["last_success_at"]) else entry)
        if blog["last_polled_at"] is None:
            never_polled.append(blog["id"])
    waiting_for = list(Blog.objects.filter(pk__in=never_polled)) if never_polled else []
    html = mark_safe("".join(entries))  # noqa: S308 (sidebar_html escapes every value)
    return BlogList(html, len(entries), waiting_for)
