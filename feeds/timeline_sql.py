"""The timeline's page query in hand-written SQL, for PostgreSQL: what `feeds.timeline.page`
reads of `timeline_items(user, filters)`, in one statement whose text depends only on which
filters are set.

Built by the ORM, this query (a dozen subqueries: visibility, what the learner follows,
their hidden items, the filters, the keyset, the reading states) cost ~7 ms of Python per
page on bench/run-dashboard, twice its SQL. Here the id lists are array parameters, so the
text is fixed per shape and made once. It must mean exactly what `visible_items`, `narrow`
and `page` mean: `feeds/tests/test_timeline_sql.py` checks both against each other, for
every filter, with closed groups, moderated and hidden items.

Every check on a link table is a scalar subquery (one index probe per item, never hashed:
see `feeds.timeline.followed_items`), but for a hashtag with fewer than LARGE_STREAM tagged
items, which PostgreSQL hashes first (see `feeds.timeline._in_stream_of`).
"""

from dataclasses import dataclass
from functools import cache

from django.db import connection

from feeds.filters import TimelineFilter
from feeds.models import Item
from feeds.network import Follows

# What a page reads of each item: `feeds.cards.WRAPPER_FIELDS`, the author's `updated_at`
# (the card's key) and the learner's reading state.
COLUMNS = ["id", "url", "title", "published_at", "updated_at"]

# The page's items are found first by their ids alone: every column the walk down the
# timeline reads (published_at, id, hidden, group_id, author_id) is in `item_timeline_idx`
# (migration feeds/0010), so it is an index-only scan, and only the page's rows are read in
# full afterwards (`_OUTER`). Reading every walked row in full made a deep page or a small
# hashtag several times slower.
_INNER = """
SELECT i.id, i.published_at FROM feeds_item i
WHERE NOT i.hidden
    AND (i.group_id IS NULL OR i.group_id = ANY(%(groups)s::bigint[])
        OR EXISTS (SELECT 1 FROM sources_group g WHERE g.id = i.group_id AND g.privacy = 'open'))
    AND NOT EXISTS (SELECT 1 FROM feeds_itemstate h
        WHERE h.user_id = %(user)s AND h.item_id = i.id AND h.is_hidden)
    AND ((SELECT x.item_id FROM feeds_item_sources x
            WHERE x.item_id = i.id AND x.source_id = ANY(%(sources)s::bigint[]) LIMIT 1)
            IS NOT NULL
        OR (SELECT x.item_id FROM feeds_item_hashtags x
            WHERE x.item_id = i.id AND x.hashtag_id = ANY(%(hashtags)s::bigint[]) LIMIT 1)
            IS NOT NULL
        OR i.author_id = ANY(%(people)s::bigint[])
        OR i.group_id = ANY(%(groups)s::bigint[]))
"""
_OUTER = """
SELECT i.id, i.url, i.title, i.published_at, i.updated_at, p.updated_at,
    coalesce(st.is_read, false), coalesce(st.is_favourite, false), coalesce(st.is_saved, false)
FROM found
JOIN feeds_item i ON i.id = found.id
LEFT JOIN feeds_person p ON p.id = i.author_id
LEFT JOIN feeds_itemstate st ON st.item_id = i.id AND st.user_id = %(user)s
ORDER BY found.published_at DESC, found.id DESC
"""

# A topic: the learner's topic of that slug (none: nothing), its hashtags and a course's
# class hashtag, its blogs' Sources and those hashtags' streams, its people; read once
# (initplans), then probed per item like the learner's own lists.
_TOPIC = """
    AND EXISTS (SELECT 1 FROM topic)
    AND ((SELECT x.item_id FROM feeds_item_sources x
            WHERE x.item_id = i.id
                AND x.source_id = ANY((SELECT sources FROM topic)::bigint[]) LIMIT 1)
            IS NOT NULL
        OR (SELECT x.item_id FROM feeds_item_hashtags x
            WHERE x.item_id = i.id
                AND x.hashtag_id = ANY((SELECT hashtags FROM topic)::bigint[]) LIMIT 1)
            IS NOT NULL
        OR i.author_id = ANY((SELECT people FROM topic)::bigint[]))
"""
_TOPIC_CTE = """topic AS MATERIALIZED (
    SELECT t.hashtags,
        ARRAY(SELECT b.source_id FROM sources_topic_blogs tb
                JOIN sources_blog b ON b.id = tb.blog_id WHERE tb.topic_id = t.id
            UNION SELECT s.id FROM sources_source s WHERE s.hashtag_id = ANY(t.hashtags)
        ) AS sources,
        ARRAY(SELECT person_id FROM sources_topic_people WHERE topic_id = t.id) AS people
    FROM (
        SELECT t.id, ARRAY(
            SELECT hashtag_id FROM sources_topic_hashtags WHERE topic_id = t.id
            UNION SELECT t.class_hashtag_id WHERE t.class_hashtag_id IS NOT NULL
        ) AS hashtags
        FROM sources_topic t
        WHERE t.slug = %(topic)s AND t.id = ANY(%(topics)s::bigint[])
    ) t
)
"""
# A hashtag's stream, as `feeds.timeline._in_stream_of`: tagged with it or found by one of
# its Sources (%(tag_sources)s, read with the tag's id).
_LARGE_TAG = """
    AND ((SELECT x.item_id FROM feeds_item_hashtags x
            WHERE x.item_id = i.id AND x.hashtag_id = %(tag)s LIMIT 1) IS NOT NULL
        OR (SELECT x.item_id FROM feeds_item_sources x
            WHERE x.item_id = i.id AND x.source_id = ANY(%(tag_sources)s::bigint[]) LIMIT 1)
            IS NOT NULL)
"""
_SMALL_TAG = """
    AND (EXISTS (SELECT 1 FROM feeds_item_hashtags x
            WHERE x.hashtag_id = %(tag)s AND x.item_id = i.id)
        OR EXISTS (SELECT 1 FROM feeds_item_sources x
            WHERE x.source_id = ANY(%(tag_sources)s::bigint[]) AND x.item_id = i.id))
"""
_FILTERS = {
    "platform": "\n    AND i.platform = %(platform)s",
    # A person's posts from every account linked to the same PLN Hub user (`accounts_of`):
    # a literal list, which PostgreSQL can estimate and read through the author index.
    "person": "\n    AND i.author_id = ANY(%(authors)s::bigint[])",
    "blog": """
    AND EXISTS (SELECT 1 FROM feeds_item_sources x JOIN sources_blog b ON b.source_id = x.source_id
        WHERE x.item_id = i.id AND b.id = %(blog)s)""",
    # A learner has few favourites and saved items: PostgreSQL starts from those.
    "unread": """
    AND NOT EXISTS (SELECT 1 FROM feeds_itemstate r
        WHERE r.user_id = %(user)s AND r.item_id = i.id AND r.is_read)""",
    "favourites": """
    AND EXISTS (SELECT 1 FROM feeds_itemstate r
        WHERE r.user_id = %(user)s AND r.item_id = i.id AND r.is_favourite)""",
    "saved": """
    AND EXISTS (SELECT 1 FROM feeds_itemstate r
        WHERE r.user_id = %(user)s AND r.item_id = i.id AND r.is_saved)""",
}
_AFTER = "\n    AND (i.published_at, i.id) < (%(after_at)s, %(after_id)s)"
_ORDER = "\nORDER BY i.published_at DESC, i.id DESC LIMIT %(limit)s"


@dataclass(frozen=True)
class TagStream:
    """What the tag filter needs of a hashtag: its id, its Sources, whether it is large."""

    hashtag: int
    sources: list[int]
    large: bool


def applies(filters: TimelineFilter) -> bool:
    """Whether this module answers for `filters`: on PostgreSQL, without search words (a
    search goes through `feeds.search`)."""
    return connection.vendor == "postgresql" and not filters.q


def rows(
    user,
    network: Follows,
    filters: TimelineFilter,
    *,
    tag: TagStream | None,
    after: tuple | None,
    limit: int,
) -> list[Item]:
    """Up to `limit` items of `user`'s timeline narrowed by `filters`, newest first, after
    `after` ((published_at, id)); each with only COLUMNS loaded, `author_updated_at` and the
    reading state (`is_read`, `is_favourite`, `is_saved`). `tag` is `tag_stream(filters.tag)`
    when a tag is set (None then: no item)."""
    if filters.tag and tag is None:
        return []
    params = {
        "user": user.pk,
        "groups": network.groups,
        "sources": network.sources,
        "hashtags": network.hashtags,
        "people": network.people,
        "topic": filters.topic,
        "topics": network.topics,
        "tag": tag.hashtag if tag else None,
        "tag_sources": tag.sources if tag else [],
        "platform": filters.platform,
        "authors": _accounts_of(filters.person) if filters.person else [],
        "blog": filters.blog,
        "after_at": after[0] if after else None,
        "after_id": after[1] if after else None,
        "limit": limit,
    }
    shape = (
        bool(filters.topic),
        None if tag is None else tag.large,
        bool(filters.platform),
        bool(filters.person),
        bool(filters.blog),
        filters.show,
        after is not None,
    )
    with connection.cursor() as cursor:
        cursor.execute(_sql(*shape), params)
        found = cursor.fetchall()
    items = []
    for *values, author_updated_at, is_read, is_favourite, is_saved in found:
        item = Item.from_db(connection.alias, COLUMNS, values)
        item.author_updated_at = author_updated_at
        item.is_read, item.is_favourite, item.is_saved = is_read, is_favourite, is_saved
        items.append(item)
    return items


def _accounts_of(person: int) -> list[int]:
    """`person` and the other accounts linked to the same PLN Hub user."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT other.id FROM feeds_person one"
            " JOIN feeds_person other ON other.user_id = one.user_id WHERE one.id = %s",
            [person],
        )
        return sorted({person, *(pk for (pk,) in cursor.fetchall())})


_TAG_SQL = """
SELECT h.id,
    ARRAY(SELECT s.id FROM sources_source s WHERE s.hashtag_id = h.id),
    (SELECT count(*) FROM (
        SELECT 1 FROM feeds_item_hashtags x WHERE x.hashtag_id = h.id LIMIT %(large)s
    ) tagged) = %(large)s
FROM sources_hashtag h WHERE h.name = %(name)s
"""


def tag_stream(name: str, *, large: int) -> TagStream | None:
    """The hashtag named `name` as the tag filter needs it (one query), or None when there is
    none; `large`: from how many tagged items on a stream counts as large."""
    with connection.cursor() as cursor:
        cursor.execute(_TAG_SQL, {"name": name, "large": large})
        found = cursor.fetchone()
    return TagStream(found[0], found[1], found[2]) if found else None


@cache
def _sql(topic, large_tag, platform, person, blog, show, after) -> str:
    inner = _INNER + (_TOPIC if topic else "")
    if large_tag is not None:
        inner += _LARGE_TAG if large_tag else _SMALL_TAG
    for name, on in (("platform", platform), ("person", person), ("blog", blog)):
        if on:
            inner += _FILTERS[name]
    if show:
        inner += _FILTERS[show]
    inner += (_AFTER if after else "") + _ORDER
    ctes = [_TOPIC_CTE] if topic else []
    ctes.append(f"found AS MATERIALIZED ({inner})")
    return "WITH " + ",\n".join(ctes) + _OUTER
