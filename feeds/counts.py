"""Unread counts for the sidebar: per topic and per followed hashtag.

Counting a stream of a million items on every page view would cost more than the page, so a
count looks at the last 30 days only (as feed readers do) and stops at 100 ("99+"). Counts
are cached per learner for a minute; a reading action clears them.
"""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from feeds.filters import TimelineFilter
from feeds.timeline import my_topics, timeline_items
from sources.models import Hashtag

WINDOW = timedelta(days=30)
CAP = 100
TTL = 60  # seconds


def _key(user) -> str:
    return f"pln:unread:{user.pk}"


def unread_counts(user) -> dict[str, dict[str, int]]:
    """{"topics": {slug: n}, "hashtags": {name: n}}; n is at most CAP."""
    counts = cache.get(_key(user))
    if counts is None:
        counts = {
            "topics": {t.slug: _count(user, topic=t.slug) for t in my_topics(user)},
            "hashtags": {
                h.name: _count(user, tag=h.name)
                for h in Hashtag.objects.filter(followers__user=user)
            },
        }
        cache.set(_key(user), counts, TTL)
    return counts


def forget(user) -> None:
    """Drop `user`'s cached counts (after they read, hide or follow something)."""
    cache.delete(_key(user))


def _count(user, **narrowing: str) -> int:
    items = timeline_items(user, TimelineFilter(show="unread", **narrowing))
    recent = items.filter(published_at__gte=timezone.now() - WINDOW)
    return recent.order_by()[:CAP].count()
