"""A GIN full-text index on Item's title and text, on PostgreSQL only.

The index is on an expression (no stored tsvector column, no trigger), so ingest pays only
the index update; ``fastupdate`` batches those into the GIN pending list. The expression must
stay byte-for-byte what ``feeds.search.SearchDocument`` renders, or the planner ignores it.
SQLite has no equivalent: search falls back to ``icontains`` there and this is a no-op.
"""

from django.db import migrations

INDEX = "feeds_item_search_gin"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON feeds_item USING gin ("
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, ''))"
    ") WITH (fastupdate = on)"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("feeds", "0005_feed_key")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
