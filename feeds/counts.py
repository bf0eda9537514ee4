"""Unread counts for the sidebar: per topic and per followed hashtag.

A count looks at the last 30 days only (as feed readers do) and is shown as "99+" from 100 on.
All of a learner's counts come from four queries, whatever the number of hashtags and topics:
the (hashtag, item) pairs of recent unread posts tagged with or found for their hashtags, and
the recent unread posts of their topics' blogs and people; each count is then the size of a
set. Counts are cached per learner for a minute; a reading action clears them.
"""

from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone

from feeds.models import Item, ItemState
from feeds.timeline import my_topics, visible_items
from sources.models import Hashtag, Source

WINDOW = timedelta(days=30)
CAP = 100
TTL = 60  # seconds


def _key(user) -> str:
    return f"pln:unread:{user.pk}"


def unread_counts(user) -> dict[str, dict[str, int]]:
    """{"topics": {slug: n}, "hashtags": {name: n}}; n is at most CAP."""
    counts = cache.get(_key(user))
    if counts is None:
        counts = _count(user)
        cache.set(_key(user), counts, TTL)
    return counts


def forget(user) -> None:
    """Drop `user`'s cached counts (after they read, hide or follow something)."""
    cache.delete(_key(user))


def _count(user) -> dict[str, dict[str, int]]:
    mine = my_topics(user).select_related("class_hashtag")
    topics = list(mine.prefetch_related("hashtags", "blogs", "people"))
    followed = dict(Hashtag.objects.filter(followers__user=user).values_list("pk", "name"))
    tag_ids = set(followed) | {h.pk for t in topics for h in _topic_hashtags(t)}
    blog_ids = {b.pk for t in topics for b in t.blogs.all()}
    people_ids = {p.pk for t in topics for p in t.people.all()}

    unseen = ItemState.objects.filter(user=user, item=OuterRef("item_id"))
    recent = visible_items(user).filter(published_at__gte=timezone.now() - WINDOW)
    recent_ids = recent.values("pk")
    by_tag: dict[int, set[int]] = defaultdict(set)
    tagged = Item.hashtags.through.objects.filter(hashtag__in=tag_ids, item__in=recent_ids)
    found = Item.sources.through.objects.filter(source__hashtag__in=tag_ids, item__in=recent_ids)
    for tag, item in tagged.exclude(Exists(unseen.filter(is_read=True))).values_list(
        "hashtag_id", "item_id"
    ):
        by_tag[tag].add(item)
    for tag, item in found.exclude(Exists(unseen.filter(is_read=True))).values_list(
        "source__hashtag_id", "item_id"
    ):
        by_tag[tag].add(item)
    by_blog: dict[int, set[int]] = defaultdict(set)
    if blog_ids:
        from_blogs = Item.sources.through.objects.filter(
            source__in=Source.objects.filter(blog__in=blog_ids), item__in=recent_ids
        ).exclude(Exists(unseen.filter(is_read=True)))
        for blog, item in from_blogs.values_list("source__blog", "item_id"):
            by_blog[blog].add(item)
    by_person: dict[int, set[int]] = defaultdict(set)
    if people_ids:
        read = ItemState.objects.filter(user=user, item=OuterRef("pk"), is_read=True)
        for person, item in (
            recent.filter(author__in=people_ids).exclude(Exists(read)).values_list("author", "pk")
        ):
            by_person[person].add(item)
    hidden = set(
        ItemState.objects.filter(user=user, is_hidden=True).values_list("item_id", flat=True)
    )

    def size(items: set[int]) -> int:
        return min(len(items - hidden), CAP)

    topic_counts = {}
    for topic in topics:
        items: set[int] = set()
        for hashtag in _topic_hashtags(topic):
            items |= by_tag[hashtag.pk]
        for blog in topic.blogs.all():
            items |= by_blog[blog.pk]
        for person in topic.people.all():
            items |= by_person[person.pk]
        topic_counts[topic.slug] = size(items)
    return {
        "topics": topic_counts,
        "hashtags": {name: size(by_tag[pk]) for pk, name in followed.items()},
    }


def _topic_hashtags(topic) -> list[Hashtag]:
    """A topic's hashtags, with a course's class hashtag."""
    return [*topic.hashtags.all(), *([topic.class_hashtag] if topic.class_hashtag else [])]
