"""Search documents computed after the poll instead of an expression index on every insert.

0006 indexed `to_tsvector(title || text)` on the item table, so PostgreSQL parsed and stemmed
every post inside the poll's transaction (~18 CPU seconds for 50,000 posts, more than all the
rest of storing them). Now a statement-level trigger only queues the ids of inserted and
updated items in `feeds_searchbacklog`, whoever writes them (ingest, the admin, fixtures), and
`feeds.search_index` turns the backlog into `feeds_searchdocument` rows a batch at a time.
Existing items are queued here. SQLite has no full-text search: there this is only the tables.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    "DROP INDEX IF EXISTS feeds_item_search_gin",
    "CREATE INDEX feeds_searchdocument_gin ON feeds_searchdocument USING gin (vector)",
    """
    CREATE FUNCTION feeds_item_queue_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO feeds_searchbacklog (item_id) SELECT id FROM changed ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER feeds_item_search_insert AFTER INSERT ON feeds_item"
    " REFERENCING NEW TABLE AS changed FOR EACH STATEMENT"
    " EXECUTE FUNCTION feeds_item_queue_search()",
    "CREATE TRIGGER feeds_item_search_update AFTER UPDATE ON feeds_item"
    " REFERENCING NEW TABLE AS changed FOR EACH STATEMENT"
    " EXECUTE FUNCTION feeds_item_queue_search()",
    "INSERT INTO feeds_searchbacklog (item_id) SELECT id FROM feeds_item",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS feeds_item_search_update ON feeds_item",
    "DROP TRIGGER IF EXISTS feeds_item_search_insert ON feeds_item",
    "DROP FUNCTION IF EXISTS feeds_item_queue_search()",
    "CREATE INDEX IF NOT EXISTS feeds_item_search_gin ON feeds_item USING gin ("
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, ''))"
    ") WITH (fastupdate = on)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('feeds', '0006_item_search'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchBacklog',
            fields=[
                ('item_id', models.BigIntegerField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('item', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='feeds.item')),
                ('vector', django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
