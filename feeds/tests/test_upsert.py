"""The hand-written lookups of the polling hot path answer as the ORM would."""

import json
import os

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds.ingest import ITEM_COLUMNS
from feeds.models import Item
from feeds.tests.factories import ItemFactory
from feeds.upsert import COPY_FROM_ROWS, insert_new, select_in, select_unique, upsert

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


def _item_row(key: str, title: str, *, hidden: bool, reposts: int, stamp: object) -> tuple:
    return (
        "feed", key, f"https://blog.example.org/{key}/", title, "<p>Shared body</p>", None,
        stamp, stamp, stamp, "[]", 0, 3, reposts, hidden, "0" * 32,
    )  # fmt: skip


# A few rows are written as a VALUES list; a batch, on PostgreSQL, is copied in.
@pytest.mark.parametrize("padding", [0, COPY_FROM_ROWS], ids=["few", "batch"])
def test_an_upsert_stores_every_value_as_given_and_a_conflict_updates_in_place(padding):
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    # Text that looks like SQL, like upsert's own placeholders or like COPY's escapes and
    # separators is only text.
    odd = "it's %(p0)s; DROP TABLE feeds_item; -- \\ \\N \\t\tü\r\nnïcode"
    rows = [
        _item_row("a", odd, hidden=True, reposts=2**31 - 1, stamp=stamp),
        _item_row("b", "", hidden=False, reposts=0, stamp=stamp),
        *(_item_row(f"pad{n}", "", hidden=False, reposts=0, stamp=stamp) for n in range(padding)),
    ]

    ids = dict(
        upsert(
            Item._meta.db_table, ITEM_COLUMNS, rows, conflict=["platform", "external_id"],
            update=["title"], returning=["external_id", "id"],
        )
    )  # fmt: skip

    stored = {item.external_id: item for item in Item.objects.filter(pk__in=ids.values())}
    assert len(stored) == 2 + padding and {"a", "b"} <= stored.keys()
    assert (stored["a"].title, stored["a"].hidden, stored["a"].repost_count) == (
        odd, True, 2**31 - 1
    )  # fmt: skip
    assert (stored["b"].title, stored["b"].hidden, stored["b"].repost_count) == ("", False, 0)
    assert {item.html for item in stored.values()} == {"<p>Shared body</p>"}
    assert {(item.author_id, item.like_count) for item in stored.values()} == {(None, 3)}
    assert {item.published_at for item in stored.values()} == {
        Item.objects.get(pk=ids["a"]).fetched_at
    }

    again = upsert(
        Item._meta.db_table, ITEM_COLUMNS,
        [_item_row("a", "Edited", hidden=False, reposts=0, stamp=stamp)],
        conflict=["platform", "external_id"], update=["title"], returning=["external_id", "id"],
    )  # fmt: skip

    assert again == [("a", ids["a"])]
    edited = Item.objects.get(pk=ids["a"])
    assert (edited.title, edited.hidden, edited.repost_count) == ("Edited", True, 2**31 - 1)


def _batch(prefix: str, stamp: object) -> list[tuple]:
    return [
        _item_row(f"{prefix}{n}", f"{prefix} {n}", hidden=False, reposts=n, stamp=stamp)
        for n in range(COPY_FROM_ROWS)
    ]


def _insert(rows: list[tuple]) -> list[tuple]:
    return upsert(
        Item._meta.db_table, ITEM_COLUMNS, rows, conflict=["platform", "external_id"],
        update=["title"], returning=["external_id"],
    )  # fmt: skip


def test_two_batches_in_one_transaction_each_write_their_own_rows():
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())

    with transaction.atomic():
        first = _insert(_batch("first", stamp))
        second = _insert(_batch("second", stamp))

    assert sorted(key for (key,) in first) == sorted(f"first{n}" for n in range(COPY_FROM_ROWS))
    assert sorted(key for (key,) in second) == sorted(f"second{n}" for n in range(COPY_FROM_ROWS))
    assert Item.objects.count() == 2 * COPY_FROM_ROWS


ON_POSTGRESQL = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's checks"
)


@pytest.mark.parametrize(
    "column, value",
    [
        # refused by the item table when the rows are moved into it
        ("repost_count", -1),
        # refused on the way in (SQLite does not check a text column's length)
        pytest.param("content_hash", "x" * 33, marks=ON_POSTGRESQL),
    ],
)
def test_a_failed_batch_leaves_nothing_behind_for_the_next_one(column, value):
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    broken = _batch("broken", stamp)
    at = ITEM_COLUMNS.index(column)
    broken[-1] = (*broken[-1][:at], value, *broken[-1][at + 1 :])

    with pytest.raises(DatabaseError), transaction.atomic():
        _insert(broken)
    written = _insert(_batch("next", stamp))

    assert sorted(key for (key,) in written) == sorted(f"next{n}" for n in range(COPY_FROM_ROWS))
    assert not Item.objects.filter(external_id__startswith="broken").exists()


@ON_POSTGRESQL
def test_new_rows_are_inserted_outright_with_their_ids_in_order():
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = _batch("new", stamp)

    ids = insert_new(Item._meta.db_table, ITEM_COLUMNS, rows)

    assert ids is not None and len(ids) == len(rows)
    stored = dict(Item.objects.filter(pk__in=ids).values_list("id", "external_id"))
    assert [stored[pk] for pk in ids] == [row[1] for row in rows]
    assert Item.objects.create(
        platform="feed", external_id="later", published_at=timezone.now()
    ).pk > max(ids)


@ON_POSTGRESQL
def test_new_rows_of_which_one_is_stored_meanwhile_are_left_to_upsert():
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = _batch("new", stamp)
    ItemFactory(platform="feed", external_id=rows[-1][1], title="Stored meanwhile")

    with transaction.atomic():
        assert insert_new(Item._meta.db_table, ITEM_COLUMNS, rows) is None
        written = _insert(rows)  # the transaction is still usable

    assert len(written) == len(rows)
    assert Item.objects.count() == len(rows)
    assert Item.objects.get(external_id=rows[-1][1]).title == rows[-1][3]


@ON_POSTGRESQL  # SQLite stores it
@pytest.mark.parametrize("size", [1, COPY_FROM_ROWS])
def test_text_with_a_nul_character_is_refused_with_a_clear_error(size):
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = _batch("nul", stamp)[:size]
    rows[0] = _item_row("nul", "before\x00after", hidden=False, reposts=0, stamp=stamp)

    with pytest.raises(ValueError, match="NUL"):
        _insert(rows)


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


@ON_POSTGRESQL
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
