"""An item's card and the hidden fields of its forms, and links that keep the timeline's
filters: "load more" and "mark all above read"."""

from urllib.parse import urlencode

from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from feeds import cards
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
def form_fields(context, filters: TimelineFilter | None = None) -> SafeString:
    """The hidden fields that an item's form repeats on every item of a page: the CSRF
    token and the page to come back to, or with `filters` the filters (for "mark this and
    all above read"). Built once per request and reused."""
    request = context["request"]
    built = vars(request).setdefault("_pln_form_fields", {})
    if filters not in built:
        fields = {"csrfmiddlewaretoken": get_token(request)}
        fields |= filters.as_params() if filters else {"next": request.get_full_path()}
        built[filters] = format_html_join(
            "", '<input type="hidden" name="{}" value="{}">', fields.items()
        )
    return built[filters]


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
