"""The hand-written lookups of the polling hot path answer as the ORM would."""

import json
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds.models import Item
from feeds.tests.factories import ItemFactory
from feeds.upsert import select_in, select_unique

pytestmark = pytest.mark.django_db


def test_a_unique_lookup_finds_each_key_of_the_platform_once():
    feed = ItemFactory(platform="feed", external_id="blog.example.org|1")
    ItemFactory(platform="mastodon", external_id="blog.example.org|1")  # another platform
    other = ItemFactory(platform="feed", external_id="blog.example.org|2")
    ItemFactory(platform="feed", external_id="blog.example.org|3")  # not asked for
    keys = ["blog.example.org|1", "blog.example.org|2", "blog.example.org|missing", "it's"]

    found = select_unique(Item, ["external_id", "id"], "external_id", keys, platform="feed")

    assert sorted(found) == [("blog.example.org|1", feed.pk), ("blog.example.org|2", other.pk)]
    assert sorted(found) == sorted(
        select_in(Item, ["external_id", "id"], "external_id", keys, platform="feed")
    )


def _rows_read(sql: str) -> int:
    """How many rows of the item table running `sql` read (EXPLAIN ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, read = [plan[0]["Plan"]], 0
    while nodes:
        node = nodes.pop()
        if node.get("Relation Name") == "feeds_item":
            read += node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
            read += node.get("Rows Removed by Filter", 0) + node.get(
                "Rows Removed by Index Recheck", 0
            )
        nodes += node.get("Plans", [])
    return read


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's planner"
)
def test_before_the_first_analyze_a_lookup_reads_only_the_posts_asked_for():
    now = timezone.now()
    Item.objects.bulk_create(
        Item(platform="feed", external_id=f"blog.example.org|{n}", published_at=now)
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'feeds_item'")
        assert cursor.fetchone()[0] <= 0  # never analysed, as on a new installation
    keys = [f"blog.example.org|{n}" for n in range(0, 5000, 100)]

    with CaptureQueriesContext(connection) as queries:
        found = select_unique(Item, ["id"], "external_id", keys, platform="feed")

    assert len(found) == 50
    # `IN (...)` read all 5,000: PostgreSQL took `platform = 'feed'` alone for selective.
    assert _rows_read(queries[-1]["sql"]) == 50
