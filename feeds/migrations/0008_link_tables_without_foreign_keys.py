"""The item link tables become explicit models, and they and `Item.author` lose their
database foreign keys.

`feeds_item_sources` and `feeds_item_hashtags` keep their tables, their unique (item, other)
index and their index on the other column. Dropped: their four foreign-key constraints and
the item's author constraint, which PostgreSQL checked row by row at every poll's commit,
locking the same parent rows (~200 checks per feed, a quarter of the database's work on a
first poll), and the index on `item_id` alone, which the unique index already covers. Only
Django's state changes on SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models


LINKS = {"feeds_item_sources": "source_id", "feeds_item_hashtags": "hashtag_id"}
AUTHOR_FK = "feeds_item_author_id_fk"
PARENTS = {"item_id": "feeds_item", "source_id": "sources_source", "hashtag_id": "sources_hashtag"}


def _drop_foreign_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in LINKS:
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in constraints.items():
                if info["foreign_key"]:
                    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
                elif info["index"] and info["columns"] == ["item_id"] and not info["unique"]:
                    schema_editor.execute(f"DROP INDEX {name}")
        for name, info in connection.introspection.get_constraints(cursor, "feeds_item").items():
            if info["foreign_key"] and info["columns"] == ["author_id"]:
                schema_editor.execute(f"ALTER TABLE feeds_item DROP CONSTRAINT {name}")


def _add_foreign_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE feeds_item ADD CONSTRAINT {AUTHOR_FK} FOREIGN KEY (author_id)"
        " REFERENCES feeds_person (id) DEFERRABLE INITIALLY DEFERRED"
    )
    for table, other in LINKS.items():
        schema_editor.execute(f"CREATE INDEX {table}_item_id ON {table} (item_id)")
        for column in ("item_id", other):
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY ({column})"
                f" REFERENCES {PARENTS[column]} (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):

    dependencies = [
        ('feeds', '0007_search_document'),
        ('sources', '0004_platform_choices'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='item',
                    name='author',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='items', to='feeds.person'),
                ),
                migrations.CreateModel(
                    name='ItemHashtag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('hashtag', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to='sources.hashtag')),
                        ('item', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to='feeds.item')),
                    ],
                    options={
                        'db_table': 'feeds_item_hashtags',
                        'unique_together': {('item', 'hashtag')},
                    },
                ),
                migrations.AlterField(
                    model_name='item',
                    name='hashtags',
                    field=models.ManyToManyField(blank=True, related_name='items', through='feeds.ItemHashtag', to='sources.hashtag'),
                ),
                migrations.CreateModel(
                    name='ItemSource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('item', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to='feeds.item')),
                        ('source', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to='sources.source')),
                    ],
                    options={
                        'db_table': 'feeds_item_sources',
                        'unique_together': {('item', 'source')},
                    },
                ),
                migrations.AlterField(
                    model_name='item',
                    name='sources',
                    field=models.ManyToManyField(blank=True, related_name='items', through='feeds.ItemSource', to='sources.source'),
                ),
            ],
            database_operations=[
                migrations.RunPython(_drop_foreign_keys, _add_foreign_keys, elidable=False),
            ],
        ),
    ]
