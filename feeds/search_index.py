"""Keeping the search documents up to date, after the poll rather than inside it.

A trigger on the item table queues every inserted or updated item in the backlog (migration
0007); `index_backlog` computes their documents in batches, each batch in its own short
transaction. Two indexers never take the same items (`SKIP LOCKED`), and an item edited while
its batch runs is queued again by the trigger, so no edit is missed. On SQLite, which has no
full-text search, there is nothing to do.
"""

from django.db import connection, transaction

from feeds.models import SearchBacklog

BATCH = 500

# Title weighted A and text D, so that `ts_rank` puts a match in the title first.
INDEX_BATCH = """
WITH batch AS (
    DELETE FROM feeds_searchbacklog
    WHERE item_id IN (
        SELECT item_id FROM feeds_searchbacklog ORDER BY item_id
        LIMIT %s FOR UPDATE SKIP LOCKED
    )
    RETURNING item_id
), written AS (
    INSERT INTO feeds_searchdocument (item_id, vector)
    SELECT item.id,
           setweight(to_tsvector('english'::regconfig, item.title), 'A')
           || setweight(to_tsvector('english'::regconfig, item.html), 'D')
    FROM feeds_item AS item JOIN batch ON batch.item_id = item.id
    ORDER BY item.id
    ON CONFLICT (item_id) DO UPDATE SET vector = excluded.vector
    RETURNING 1
)
SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM written)
"""


def index_backlog(*, limit: int = 20_000) -> int:
    """Compute the search documents of up to `limit` queued items; how many were written.
    Items deleted meanwhile are dropped from the backlog."""
    if connection.vendor != "postgresql":
        return 0
    taken = written = 0
    while taken < limit:
        size = min(BATCH, limit - taken)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INDEX_BATCH, [size])
            batch, done = cursor.fetchone()
        taken += batch
        written += done
        if batch < size:  # the backlog is empty, or the rest is another indexer's
            break
    return written


def backlog_size() -> int:
    """How many items wait for their search document."""
    return SearchBacklog.objects.count()
