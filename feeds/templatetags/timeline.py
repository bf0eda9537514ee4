"""Items (`feeds.item_html`: the cached card inside the learner's part), and links that keep
the timeline's filters: "load more" and "mark all above read"."""

from urllib.parse import urlencode

from django import template
from django.utils.safestring import SafeString

from feeds import cards, item_html
from feeds.filters import TimelineFilter
from feeds.timeline import Cursor

register = template.Library()


@register.simple_tag
def item_card(item) -> str:
    """The item's card (feeds.cards) with its relative time: the cached one `page()`
    attached, or rendered now for items loaded in full (search, a hashtag's page)."""
    card = getattr(item, "card", None) or cards.render(item)
    return cards.with_time(card, item.published_at)


@register.simple_tag(takes_context=True)
def item_entry(context, item) -> SafeString:
    """One item of a list: its card inside the learner's part (reading state, action forms;
    "mark this and all above read" when the context has `filters` and `mark_read_url`). The
    forms' hidden fields are built once per request."""
    request = context["request"]
    filters, mark_read_url = context.get("filters"), context.get("mark_read_url") or ""
    built = vars(request).setdefault("_pln_item_forms", {})
    forms = built.get((filters, mark_read_url))
    if forms is None:
        forms = item_html.Forms.for_request(request, filters, mark_read_url)
        built[filters, mark_read_url] = forms
    cursor = Cursor(item.published_at, item.pk).encode()
    return item_html.item(item, item_card(item), forms, cursor)


@register.simple_tag
def more_url(filters: TimelineFilter | None, cursor: Cursor) -> str:
    """`?<the filters>&after=<cursor>`: the next page of the same view."""
    params = filters.as_params() if filters else {}
    return "?" + urlencode({**params, "after": cursor.encode()})


@register.filter
def get_item(mapping: dict, key: str):
    """`mapping[key]`, or None: for per-topic and per-hashtag counts."""
    return mapping.get(key) if mapping else None
