"""What each set filter is called on the page: the removable chips of the timeline and search."""

from collections.abc import Iterable

from feeds.filters import PLATFORM_CHOICES, SHOW_CHOICES, TimelineFilter
from feeds.models import Person
from feeds.timeline import my_topics
from sources.models import Blog, Hashtag, Topic


def labels(
    filters: TimelineFilter,
    user,
    *,
    topics: Iterable[Topic] = (),
    hashtags: Iterable[Hashtag] = (),
) -> list[tuple[str, str]]:
    """(field, label) for each filter set besides the search words, in URL order.
    `topics` (the learner's) and `hashtags` are ones the caller has already read: a filter
    naming one of them is labelled without a query."""
    known = {"topic": {t.slug: t for t in topics}, "tag": {h.name: h for h in hashtags}}
    return [
        (f, label(f, v, user, known.get(f, {}).get(v)))
        for f, v in filters.as_params().items()
        if f != "q"
    ]


def label(field: str, value: str, user, found: Topic | Hashtag | None = None) -> str:
    if field == "topic":
        topic = found or my_topics(user).filter(slug=value).first()
        return f"Topic: {topic.name if topic else value}"
    if field == "tag":
        return str(found or Hashtag.objects.filter(name=value).first() or f"#{value}")
    if field == "person":
        return f"Person: {Person.objects.filter(pk=value).first() or 'unknown'}"
    if field == "blog":
        return f"Blog: {Blog.objects.filter(pk=value).first() or 'unknown'}"
    return PLATFORM_CHOICES.get(value) or SHOW_CHOICES.get(value) or value
