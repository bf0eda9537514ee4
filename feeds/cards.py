"""An item's card: the part of its rendering that is the same for every learner (author,
platform badge, title, body, media, hashtags, links), cached so that a page renders only
each learner's own part around it (reading state, action forms).

Only rendering is cached, never visibility: cards are looked up for items that the
timeline's queries already chose for the learner. A card is keyed by the item's id, its
`updated_at` (ingest moves it whenever it writes a post anew, so an edited post gets a new
card), its author's `updated_at` and a digest of the code that writes it (`feeds.item_html`);
what a key does not cover (a blog renamed, a Source that finds the post later) lasts at most
TTL. The relative time ("3 minutes ago") is filled in per request, in the card's time slot.
"""

import hashlib
from datetime import datetime
from pathlib import Path

from django.core.cache import cache as django_cache
from django.db.models import F, Prefetch, QuerySet
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from feeds import card_sql, item_html
from feeds.models import Item
from feeds.relative_time import ago
from sources.models import Hashtag, Source

TTL = 60 * 60  # seconds
# Where the relative time goes (`feeds.item_html`).
TIME_SLOT = mark_safe(item_html.TIME_SLOT)  # noqa: S308 (a constant)
# What the learner's part of `_item.html` and the card key read; the rest stays in the table.
WRAPPER_FIELDS = ["published_at", "updated_at", "url", "title"]


def lean(items: QuerySet[Item]) -> QuerySet[Item]:
    """`items` loading only what `attach` and the learner's part of an item need."""
    return items.only(*WRAPPER_FIELDS).annotate(author_updated_at=F("author__updated_at"))


def attach(items: list[Item]) -> None:
    """Set `item.card` on each of `items` (rows of `lean()`): from the cache when it holds
    the card of the item's current version, else rendered and cached. Items rendered here
    are read again in full (author, hashtags, sources): one query whatever their number on
    PostgreSQL (three elsewhere), none when every card was cached."""
    keys = {_key(item): item for item in items}
    cards = django_cache.get_many(list(keys))
    missing = {key: item.pk for key, item in keys.items() if key not in cards}
    if missing:
        made = _render_many(list(missing.values()))
        rendered = {key: made[pk] for key, pk in missing.items() if pk in made}
        django_cache.set_many(rendered, TTL)
        cards |= rendered
    for key, item in keys.items():
        item.card = cards.get(key)  # None only for an item deleted meanwhile


def render(item: Item) -> SafeString:
    """The card of `item` (with its author, hashtags and sources), its time slot unfilled.
    Rendered without the request: nothing of the learner can end up in it."""
    return item_html.card(item)


def with_time(card: str, moment: datetime, now: datetime | None = None) -> SafeString:
    """`card` showing `moment` as a relative time, as of `now` (default: now)."""
    relative = conditional_escape(ago(moment, now))
    return mark_safe(card.replace(TIME_SLOT, relative, 1))  # noqa: S308 (cards are rendered HTML)


def full(items: QuerySet[Item]) -> QuerySet[Item]:
    """`items` with everything a card shows: their authors, hashtags and sources."""
    return items.select_related("author").prefetch_related(
        Prefetch("hashtags", queryset=Hashtag.objects.only("name", "display")),
        Prefetch("sources", queryset=Source.objects.select_related("blog")),
    )


def _render_many(pks: list[int]) -> dict[int, SafeString]:
    """The cards of the items `pks`, by id: one query (`feeds.card_sql` on PostgreSQL)."""
    if card_sql.applies():
        return card_sql.render(pks)
    items = full(Item.objects.all()).in_bulk(pks)
    return {pk: render(item) for pk, item in items.items()}


def _key(item: Item) -> str:
    author, updated = _stamp(item.author_updated_at), _stamp(item.updated_at)
    return f"pln:card:{_VERSION}:{item.pk}:{updated}:{author}"


def _stamp(moment: datetime | None) -> str:
    return f"{moment.timestamp():.6f}" if moment else "-"


# Changes with the code that writes cards: a deploy never serves cards of the old code.
_VERSION = hashlib.sha256(Path(item_html.__file__).read_bytes()).hexdigest()[:12]
