"""What a learner's timeline gathers, read as lists of ids before the timeline's query:
the hashtags, blogs and people they follow or their topics gather, the Sources of those
blogs and of those hashtags' streams, the groups they belong to, and their topics."""

from dataclasses import dataclass

from django.db import connection

from sources.models import Blog, Source


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


# One round trip for every list but the Sources: the ORM's four queries of OR'd subqueries
# took 15-25 ms a page on bench/run-dashboard, mostly in building them. A learner's topics
# are `feeds.timeline.my_topics`: their own, and the courses they take or coordinate. Named
# parameters work on PostgreSQL and SQLite alike.
_FOLLOWS_SQL = """
WITH topic AS (
    SELECT id FROM sources_topic WHERE owner_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_members WHERE user_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_coordinators WHERE user_id = %(user)s
)
SELECT 'topic', id FROM topic
UNION SELECT 'hashtag', hashtag_id FROM sources_followedhashtag WHERE user_id = %(user)s
UNION SELECT 'hashtag', hashtag_id FROM sources_topic_hashtags WHERE topic_id IN (SELECT id FROM topic)
UNION SELECT 'blog', blog_id FROM sources_followedblog WHERE user_id = %(user)s
UNION SELECT 'blog', blog_id FROM sources_topic_blogs WHERE topic_id IN (SELECT id FROM topic)
UNION SELECT 'person', person_id FROM sources_followedperson WHERE user_id = %(user)s
UNION SELECT 'person', person_id FROM sources_topic_people WHERE topic_id IN (SELECT id FROM topic)
UNION SELECT 'group', group_id FROM sources_membership WHERE user_id = %(user)s
"""  # noqa: E501


def follows(user) -> Follows:
    """What `user`'s timeline gathers, in two queries (`feeds.timeline.followed_items` and
    the sidebar use it)."""
    found: dict[str, list[int]] = {k: [] for k in ("topic", "hashtag", "blog", "person", "group")}
    with connection.cursor() as cursor:
        cursor.execute(_FOLLOWS_SQL, {"user": user.pk})
        for kind, pk in cursor.fetchall():
            found[kind].append(pk)
    sources = (
        Blog.objects.filter(pk__in=found["blog"]).order_by().values_list("source_id", flat=True)
    )
    streams = Source.objects.filter(hashtag__in=found["hashtag"]).values_list("pk", flat=True)
    return Follows(
        topics=found["topic"],
        hashtags=found["hashtag"],
        sources=list(sources.union(streams)),
        people=found["person"],
        groups=found["group"],
    )
