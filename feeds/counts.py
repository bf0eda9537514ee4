"""Unread counts for the sidebar: per topic and per followed hashtag.

A count looks at the last 30 days only (as feed readers do) and is shown as "99+" from 100 on.
Every count comes from one statement, whatever the number of hashtags and topics: the
learner's recent unread items (visible, not hidden by them) are gathered once, and joined
with the links of their hashtags, of those hashtags' streams and of their topics' blogs, and
with their topics' people; each count is then the size of a set.

Counting takes ~120 ms of PostgreSQL for a busy learner, too long for any request. So
requests never count: a page shows the counts last made (`last_counts`, kept for a day) and,
when those are older than TTL or a reading action made them stale (`forget`), asks for
fresh ones once loaded (`feeds.views.sidebar_counts`, htmx). That request only reads the
cache: it asks the worker for a count (`claim`, then `feeds.tasks.count_unread_task`, which
calls `refresh`), at most one at a time per learner however many requests ask, and the page
asks again shortly until the counts are fresh. Without JavaScript, a link counts in its
request (`unread_counts`), a rare click.
"""

import secrets
from collections import defaultdict
from collections.abc import Collection
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from feeds.models import ItemState
from feeds.timeline import my_topics, visible_items
from sources.models import Hashtag, Source

WINDOW = timedelta(days=30)
CAP = 100
TTL = 60  # seconds the counts are fresh
KEEP = 24 * 60 * 60  # seconds the last counts are shown while fresh ones are made
# Seconds a count asked of the worker stops others being asked: longer than a count waits
# and takes; if the worker lost it, the next request after this asks again.
PENDING = 2 * 60

Counts = dict[str, dict[str, int]]


def _key(user) -> str:
    return f"pln:unread:{user.pk}"


def _fresh_key(user) -> str:
    return f"pln:unread:fresh:{user.pk}"


def _pending_key(user) -> str:
    return f"pln:unread:pending:{user.pk}"


def unread_counts(user) -> Counts:
    """{"topics": {slug: n}, "hashtags": {name: n}}, fresh (counted now unless counted in the
    last TTL seconds and not made stale since); n is at most CAP."""
    found, fresh = last_counts(user)
    if found is None or not fresh:
        found = _count(user)
        cache.set(_key(user), found, KEEP)
        cache.set(_fresh_key(user), True, TTL)
        cache.delete(_pending_key(user))
    return found


def last_counts(user) -> tuple[Counts | None, bool]:
    """The counts last made for `user` (None: none in the last KEEP seconds), and whether
    they are fresh (made in the last TTL seconds, not made stale since, no newer count
    asked for). Never counts: one cache round trip."""
    keys = [_key(user), _fresh_key(user), _pending_key(user)]
    found = cache.get_many(keys)
    return found.get(keys[0]), keys[1] in found and keys[2] not in found


def claim(user) -> str | None:
    """When `user`'s counts are stale or missing and no count is being made for them: a
    token for the count to make (pass it to `refresh`), which stops others being asked for
    PENDING seconds. None otherwise. Never counts."""
    if last_counts(user)[1]:
        return None
    token = secrets.token_hex(8)
    return token if cache.add(_pending_key(user), token, PENDING) else None


def refresh(user_id: int, *, token: str) -> None:
    """Count the unread posts of the learner `user_id` now (no one: nothing) and store the
    counts; they are fresh if nothing made them stale since `token` was claimed. Counting
    twice stores the same counts, so a redelivered task does no harm."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    if last_counts(user)[1]:
        return  # counted since they were asked for (the no-JavaScript link, say)
    cache.set(_key(user), _count(user), KEEP)
    # `forget` drops the claim: counts begun before a reading action must not pass for fresh.
    if cache.get(_pending_key(user)) == token:
        cache.set(_fresh_key(user), True, TTL)
        cache.delete(_pending_key(user))


def forget(user) -> None:
    """Make `user`'s counts stale (after they read, hide or follow something): pages show
    them until fresh ones are made; a count begun before is not taken as fresh."""
    cache.delete_many([_fresh_key(user), _pending_key(user)])


def _count(user) -> dict[str, dict[str, int]]:
    mine = my_topics(user).select_related("class_hashtag")
    topics = list(mine.prefetch_related("hashtags", "blogs", "people"))
    followed = dict(Hashtag.objects.filter(followers__user=user).values_list("pk", "name"))
    tag_ids = set(followed) | {h.pk for t in topics for h in _topic_hashtags(t)}
    blog_ids = {b.pk for t in topics for b in t.blogs.all()}
    people_ids = {p.pk for t in topics for p in t.people.all()}
    sources = Source.objects.filter(Q(hashtag__in=tag_ids) | Q(blog__in=blog_ids))
    stream_of, blog_of = {}, {}
    for source, hashtag, blog in sources.values_list("pk", "hashtag_id", "blog"):
        if hashtag in tag_ids:
            stream_of[source] = hashtag
        if blog in blog_ids:
            blog_of[source] = blog

    by_tag: dict[int, set[int]] = defaultdict(set)
    by_blog: dict[int, set[int]] = defaultdict(set)
    by_person: dict[int, set[int]] = defaultdict(set)
    links = _recent_unread_links(user, tag_ids, {*stream_of, *blog_of}, people_ids)
    for kind, key, item in links:
        if kind == "hashtag":
            by_tag[key].add(item)
        elif kind == "person":
            by_person[key].add(item)
        else:  # a Source: a hashtag's stream, a topic's blog, or both
            if key in stream_of:
                by_tag[stream_of[key]].add(item)
            if key in blog_of:
                by_blog[blog_of[key]].add(item)

    topic_counts = {}
    for topic in topics:
        items: set[int] = set()
        for hashtag in _topic_hashtags(topic):
            items |= by_tag[hashtag.pk]
        for blog in topic.blogs.all():
            items |= by_blog[blog.pk]
        for person in topic.people.all():
            items |= by_person[person.pk]
        topic_counts[topic.slug] = min(len(items), CAP)
    return {
        "topics": topic_counts,
        "hashtags": {name: min(len(by_tag[pk]), CAP) for pk, name in followed.items()},
    }


def _recent_unread_links(
    user, hashtags: set[int], sources: set[int], people: set[int]
) -> list[tuple[str, int, int]]:
    """("hashtag", hashtag id, item id), ("source", source id, item id) and ("person",
    author id, item id) for each of `user`'s unread items of the last WINDOW (visible to
    them, not hidden by them) tagged with one of `hashtags`, found by one of `sources` or
    written by one of `people`.

    One statement: the recent unread items are gathered once (an index-only scan of the
    window, migration feeds/0010) and joined with each link table, read from the lowest id
    among them on (item, other) indexes. `+ 0` keeps PostgreSQL off the index led by the
    hashtag (or Source), whose bitmap read every link the hashtag ever had. Four ORM
    queries, each joining the links with the whole window, took ~550 ms for a learner on
    bench/run-dashboard; this, ~150.
    """
    read = ItemState.objects.filter(
        Q(is_read=True) | Q(is_hidden=True), user=user, item=OuterRef("pk")
    )
    recent = (
        visible_items(user)
        .filter(published_at__gte=timezone.now() - WINDOW)
        .exclude(Exists(read))
        .values("id", "author_id")
    )
    recent_sql, recent_params = recent.query.sql_with_params()
    sql = f"""
        WITH recent AS MATERIALIZED ({recent_sql}),
        low AS (SELECT min(id) AS id FROM recent)
        SELECT 'hashtag', t.hashtag_id, t.item_id
            FROM feeds_item_hashtags t JOIN recent ON recent.id = t.item_id
            WHERE t.item_id >= (SELECT id FROM low)
                AND t.hashtag_id + 0 IN ({placeholders(hashtags)})
        UNION ALL SELECT 'source', s.source_id, s.item_id
            FROM feeds_item_sources s JOIN recent ON recent.id = s.item_id
            WHERE s.item_id >= (SELECT id FROM low)
                AND s.source_id + 0 IN ({placeholders(sources)})
        UNION ALL SELECT 'person', recent.author_id, recent.id
            FROM recent WHERE recent.author_id IN ({placeholders(people)})
    """  # noqa: S608 (the ORM's SQL and placeholders; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*recent_params, *hashtags, *sources, *people])
        return cursor.fetchall()


def placeholders(values: Collection[int]) -> str:
    """Placeholders for an IN list of `values` (NULL, matching nothing, when empty)."""
    return ", ".join(["%s"] * len(values)) or "NULL"


def _topic_hashtags(topic) -> list[Hashtag]:
    """A topic's hashtags, with a course's class hashtag."""
    return [*topic.hashtags.all(), *([topic.class_hashtag] if topic.class_hashtag else [])]
