"""What a learner's timeline gathers, read as lists of ids before the timeline's query:
the hashtags, blogs and people they follow or their topics gather, the Sources of those
blogs and of those hashtags' streams, the groups they belong to, and their topics."""

import functools
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Follows:
    """What a learner's timeline gathers, as ids: what they follow or their topics gather
    (hashtags, the Sources of blogs and of those hashtags' streams, people), the groups
    they belong to, and their topics (those of `feeds.timeline.my_topics`)."""

    topics: list[int]
    hashtags: list[int]
    sources: list[int]
    people: list[int]
    groups: list[int]


# One round trip for every list: the ORM's queries of OR'd subqueries took 15-25 ms a page
# on bench/run-dashboard, mostly in building them. A learner's topics are
# `feeds.timeline.my_topics`: their own, and the courses they take or coordinate. The Sources
# are those of the blogs and the hashtags' streams. Named parameters work on PostgreSQL and
# SQLite alike.
_FOLLOWS_SQL = """
WITH topic AS (
    SELECT id FROM sources_topic WHERE owner_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_members WHERE user_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_coordinators WHERE user_id = %(user)s
), hashtag AS (
    SELECT hashtag_id AS id FROM sources_followedhashtag WHERE user_id = %(user)s
    UNION SELECT hashtag_id FROM sources_topic_hashtags WHERE topic_id IN (SELECT id FROM topic)
), blog AS (
    SELECT blog_id AS id FROM sources_followedblog WHERE user_id = %(user)s
    UNION SELECT blog_id FROM sources_topic_blogs WHERE topic_id IN (SELECT id FROM topic)
), source AS (
    SELECT source_id AS id FROM sources_blog WHERE id {IN_BLOGS}
    UNION SELECT id FROM sources_source WHERE hashtag_id {IN_HASHTAGS}
), person AS (
    SELECT person_id AS id FROM sources_followedperson WHERE user_id = %(user)s
    UNION SELECT person_id FROM sources_topic_people WHERE topic_id IN (SELECT id FROM topic)
)
SELECT 'topic', id FROM topic
UNION ALL SELECT 'hashtag', id FROM hashtag
UNION ALL SELECT 'source', id FROM source
UNION ALL SELECT 'person', id FROM person
UNION ALL SELECT 'group', group_id FROM sources_membership WHERE user_id = %(user)s
"""  # noqa: E501
# PostgreSQL reads a few dozen blogs and streams by their indexes when given them as an array;
# with IN (subquery) it scanned both tables whole (~1.4 ms of 2.5 on bench/run-dashboard).
_IN = {
    "postgresql": ("= ANY(ARRAY(SELECT id FROM blog))", "= ANY(ARRAY(SELECT id FROM hashtag))"),
    "sqlite": ("IN (SELECT id FROM blog)", "IN (SELECT id FROM hashtag)"),
}


@functools.cache
def _follows_sql(vendor: str) -> str:
    in_blogs, in_hashtags = _IN.get(vendor, _IN["sqlite"])
    return _FOLLOWS_SQL.replace("{IN_BLOGS}", in_blogs).replace("{IN_HASHTAGS}", in_hashtags)


def follows(user) -> Follows:
    """What `user`'s timeline gathers, in one query (`feeds.timeline.followed_items` and
    the sidebar use it)."""
    found: dict[str, list[int]] = {k: [] for k in ("topic", "hashtag", "source", "person", "group")}
    with connection.cursor() as cursor:
        cursor.execute(_follows_sql(connection.vendor), {"user": user.pk})
        for kind, pk in cursor.fetchall():
            found[kind].append(pk)
    return Follows(
        topics=found["topic"],
        hashtags=found["hashtag"],
        sources=found["source"],
        people=found["person"],
        groups=found["group"],
    )
