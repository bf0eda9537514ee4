"""What each set filter is called on the page: the removable chips of the timeline and search."""

from feeds.filters import PLATFORM_CHOICES, SHOW_CHOICES, TimelineFilter
from feeds.models import Person
from feeds.timeline import my_topics
from sources.models import Blog, Hashtag


def labels(filters: TimelineFilter, user) -> list[tuple[str, str]]:
    """(field, label) for each filter set besides the search words, in URL order."""
    return [(f, label(f, v, user)) for f, v in filters.as_params().items() if f != "q"]


def label(field: str, value: str, user) -> str:
    if field == "topic":
        topic = my_topics(user).filter(slug=value).first()
        return f"Topic: {topic.name if topic else value}"
    if field == "tag":
        return str(Hashtag.objects.filter(name=value).first() or f"#{value}")
    if field == "person":
        return f"Person: {Person.objects.filter(pk=value).first() or 'unknown'}"
    if field == "blog":
        return f"Blog: {Blog.objects.filter(pk=value).first() or 'unknown'}"
    return PLATFORM_CHOICES.get(value) or SHOW_CHOICES.get(value) or value
