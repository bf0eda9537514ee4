"""Links that keep the timeline's filters: "load more" and "mark all above read"."""

from urllib.parse import urlencode

from django import template

from feeds.filters import TimelineFilter
from feeds.timeline import Cursor

register = template.Library()


@register.simple_tag
def more_url(filters: TimelineFilter | None, cursor: Cursor) -> str:
    """`?<the filters>&after=<cursor>`: the next page of the same view."""
    params = filters.as_params() if filters else {}
    return "?" + urlencode({**params, "after": cursor.encode()})


@register.filter
def cursor_of(item) -> str:
    """The keyset position of `item`, as "mark this and all above read" sends it."""
    return Cursor(item.published_at, item.pk).encode()


@register.filter
def get_item(mapping: dict, key: str):
    """`mapping[key]`, or None: for per-topic and per-hashtag counts."""
    return mapping.get(key) if mapping else None
