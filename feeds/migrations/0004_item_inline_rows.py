"""Keep item rows (a post's HTML and plain text, a few KB) inline and uncompressed.

PostgreSQL compresses or moves out of line any row over ~2 KB; posts are usually 2-8 KB, so
every insert paid for compression. Rows up to a page now stay as they are. PostgreSQL only.
"""

from django.db import migrations


def keep_rows_inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE feeds_item SET (toast_tuple_target = 8160)")


def default_toasting(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE feeds_item RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("feeds", "0003_platform_choices")]

    operations = [migrations.RunPython(keep_rows_inline, default_toasting)]
