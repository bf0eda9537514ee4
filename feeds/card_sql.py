"""What an item's card shows, read in one hand-written statement, for PostgreSQL: the items
whose cards are not cached, with their authors, their hashtags (aggregated) and the name of
the first Source that found each (its blog's, or its own).

Through the ORM this was three queries (items with authors, hashtags, Sources with blogs)
and ~12 ms of a page whose 30 cards were not cached on bench/run-dashboard, most of it
Python building and reading the queries. It must show what `feeds.cards.full` loads:
`feeds/tests/test_cards.py` checks that both paths write the same cards.
"""

import json

from django.db import connection
from django.utils.safestring import SafeString

from feeds import item_html
from feeds.models import Item, Person

# In the models' field order, as `Model.from_db` takes them.
ITEM_COLUMNS = ["id", "platform", "url", "title", "html", "published_at", "media"]
PERSON_COLUMNS = ["id", "platform", "external_id", "handle", "name", "profile_url", "avatar_url"]

# Hashtags in name order, as `Hashtag.Meta.ordering` gives them to the ORM; "via" from the
# Source that found the item first (the lowest link).
_SQL = """
SELECT i.id, i.platform, i.url, i.title, i.html, i.published_at, i.media,
    p.id, p.platform, p.external_id, p.handle, p.name, p.profile_url, p.avatar_url,
    ARRAY(SELECT ARRAY[h.name, h.display] FROM feeds_item_hashtags x
        JOIN sources_hashtag h ON h.id = x.hashtag_id
        WHERE x.item_id = i.id ORDER BY h.name),
    (SELECT CASE WHEN b.id IS NULL THEN coalesce(nullif(s.title, ''), s.url)
            ELSE coalesce(nullif(b.title, ''), b.site_url) END
        FROM feeds_item_sources x JOIN sources_source s ON s.id = x.source_id
        LEFT JOIN sources_blog b ON b.source_id = s.id
        WHERE x.item_id = i.id ORDER BY x.id LIMIT 1)
FROM feeds_item i LEFT JOIN feeds_person p ON p.id = i.author_id
WHERE i.id = ANY(%s::bigint[])
"""


def applies() -> bool:
    """Whether this module reads the cards' items (on PostgreSQL; else `feeds.cards.full`)."""
    return connection.vendor == "postgresql"


def render(pks: list[int]) -> dict[int, SafeString]:
    """The cards of the items `pks` (their time slots unfilled), by id; an item deleted
    meanwhile has none. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [pks])
        found = cursor.fetchall()
    cards = {}
    n = len(ITEM_COLUMNS)
    for row in found:
        item = Item.from_db(connection.alias, ITEM_COLUMNS, row[:n])
        if isinstance(item.media, str):  # psycopg2 hands jsonb to Django as text
            item.media = json.loads(item.media)
        author = row[n : n + len(PERSON_COLUMNS)]
        item.author = (
            Person.from_db(connection.alias, PERSON_COLUMNS, author)
            if author[0] is not None
            else None
        )
        tags, via = row[-2], row[-1]
        cards[item.pk] = item_html.card_of(item, tags=[tuple(t) for t in tags], via=via)
    return cards
