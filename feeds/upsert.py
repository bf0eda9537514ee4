"""The polling hot path's statements, written by hand: a multi-row `INSERT ... ON CONFLICT`,
and lookups by a list of keys.

Django's `bulk_create(update_conflicts=True)` builds the same insert, but building it (one
model instance and one prepared value per field and row) cost as much as PostgreSQL running
it; building `filter(key__in=...).values_list(...)` cost four times running it (0.5 ms).

On PostgreSQL, a batch of rows is copied (`COPY ... FROM STDIN`) into a temporary staging
table and inserted from there with one `INSERT ... SELECT ... ON CONFLICT`; rows known to be
new are copied straight into their table (`insert_new`, `copy_rows`). A `VALUES` list of
string literals cost more than the insert itself: PostgreSQL spent about 45 of a post's 80
microseconds lexing, coercing and planning its literals, and psycopg2 20 more adapting them.
COPY's text format is read in one pass, and building it is a few `str.replace` calls.

A few rows (and SQLite, 3.35+, which has no COPY) take the `VALUES` path: integers, booleans
and NULLs are written as literals, and a string repeated across rows (the platform, the
poll's time) is one parameter, since psycopg2 adapts each parameter on its own (~2
microseconds each).
"""

import io
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models, transaction

MAX_PARAMETERS = 30_000  # below SQLite's and PostgreSQL's limits on one statement's parameters
# From this many rows, PostgreSQL gets them by COPY. Below it, the staging table's two more
# statements cost more than the literals they save: CPU (PostgreSQL's and ours) per post,
# VALUES against COPY, was 287 against 425 microseconds for 10 posts, 232 against 254 for
# 20, 165 against 160 for 50.
COPY_FROM_ROWS = 50


def upsert(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert `rows`; a row whose `conflict` columns match a stored one updates its `update`
    columns (or is skipped when `update` is empty). Returns the `returning` columns of every
    row inserted or updated. Values must already be in database form."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    action = (
        "UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        if update
        else "NOTHING"
    )
    tail = f" RETURNING {', '.join(map(quote, returning))}" if returning else ""
    end = f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO {action}{tail}"
    # Identifiers come from our models and are quoted; values are parameters, literals of
    # the types that cannot carry anything else (`_values`), or COPY data (`_copy_text`).
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        return _upsert_copied(table, columns, rows, head, end, returning=bool(returning))
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            values, params = _values(rows[start : start + per_statement])
            cursor.execute(head + "VALUES " + values + end, params)
            if returning:
                found += cursor.fetchall()
    return found


def _upsert_copied(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    head: str,
    end: str,
    *,
    returning: bool,
) -> list[tuple]:
    """`upsert` on PostgreSQL: COPY the rows into this session's staging table for `table`
    and `columns`, then move them into `table`.

    The staging table is temporary (this session's own) and emptied at every commit; the
    insert deletes the rows it reads, so two upserts in one transaction do not see each
    other's rows. Both statements run in one transaction: were COPY committed alone, the
    commit would empty the staging table before the insert read it.
    """
    quote = connection.ops.quote_name
    listed = ", ".join(map(quote, columns))
    name = _stage_name(table, columns)
    stage = quote(name)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {listed} FROM {quote(table)} WITH NO DATA"
        )
        _copy(cursor, name, columns, rows)
        cursor.execute(
            f"WITH staged AS (DELETE FROM {stage} RETURNING {listed}) "  # noqa: S608
            f"{head}SELECT {listed} FROM staged{end}"
        )
        return cursor.fetchall() if returning else []


def insert_new(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> list[int] | None:
    """Insert rows none of which is stored yet (by `table`'s unique keys) and return their
    new ids, in order. Returns None, having written nothing, where this cannot be done and
    the caller should `upsert` them instead: on SQLite, for a few rows, or when one of them
    was stored meanwhile by a concurrent transaction.

    On PostgreSQL the ids are drawn from the `id` column's sequence and the rows are copied
    straight into the table, inside a savepoint. Without the staging table and the conflict
    checks, a new post costs PostgreSQL a sixth less, and its links (`copy_rows`) a third.
    """
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM_ROWS:
        return None
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The sequence looked up once, not for each id: 1 microsecond an id instead of 8.
        cursor.execute(
            "WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS id)"
            " SELECT nextval(seq.id) FROM seq, generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        try:
            with transaction.atomic():
                _copy(
                    cursor,
                    table,
                    ["id", *columns],
                    [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
                )
        except IntegrityError:
            return None  # stored meanwhile: the savepoint is rolled back, the ids unused
    return ids


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Copy rows that no stored row can conflict with into `table` (PostgreSQL only): the
    links of posts `insert_new` has just added, which no other transaction can see yet."""
    if rows:
        with connection.cursor() as cursor:
            _copy(cursor, table, columns, rows)


def _copy(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    quote = connection.ops.quote_name
    data = io.StringIO(_copy_text(rows))
    with connection.wrap_database_errors:  # Django wraps `execute`'s errors, not COPY's
        cursor.copy_expert(
            f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN", data, size=1 << 20
        )


def _stage_name(table: str, columns: Sequence[str]) -> str:
    """The staging table for upserting `columns` of `table`: one per column list, so that a
    table upserted with two column lists has two. It keeps the column types it was created
    with until the session ends: a worker started before a migration that changes a type
    should be restarted, as deploys do anyway."""
    return f"upsert_{table}_{zlib.crc32(','.join(columns).encode()):08x}"


def _copy_text(rows: Sequence[Sequence[object]]) -> str:
    """`rows` in COPY's text format: tab-separated, one row a line, NULL as `\\N`, and
    backslash, tab, newline and carriage return escaped with a backslash."""
    return "".join("\t".join([_copy_cell(value) for value in row]) + "\n" for row in rows)


def _copy_cell(value: object) -> str:
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        if "\x00" in value:  # as psycopg2 says of a parameter
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return value
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime:
        return value.isoformat()
    raise TypeError(f"upsert cannot copy a {kind.__name__}; give its database form")


def _values(rows: Sequence[Sequence[object]]) -> tuple[str, dict[str, object]]:
    """The VALUES list of `rows` and its named parameters. An int is written as itself
    (`str` of an int is digits and a sign), a bool and None as TRUE, FALSE and NULL; a
    string is one parameter however many times it appears; anything else is a parameter."""
    params: dict[str, object] = {}
    strings: dict[str, str] = {}  # string -> its placeholder
    written = []
    for row in rows:
        cells = []
        for value in row:
            kind = type(value)
            if kind is str:
                placeholder = strings.get(value)
                if placeholder is None:
                    placeholder = strings[value] = _parameter(params, value)
            elif kind is int:
                placeholder = str(value)
            elif value is None:
                placeholder = "NULL"
            elif kind is bool:
                placeholder = "TRUE" if value else "FALSE"
            else:
                placeholder = _parameter(params, value)
            cells.append(placeholder)
        written.append("(" + ", ".join(cells) + ")")
    return ", ".join(written), params


def _parameter(params: dict[str, object], value: object) -> str:
    name = f"p{len(params)}"
    params[name] = value
    return f"%({name})s"


def select_in(
    model: type[models.Model],
    columns: Sequence[str],
    key: str,
    values: Sequence[object],
    **equal: object,
) -> list[tuple]:
    """`model.objects.filter(**equal, <key>__in=values).values_list(*columns)`, for plain
    columns whose values are already in database form."""
    quote = connection.ops.quote_name
    # Identifiers come from our models and are quoted; every value is a parameter.
    head = f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} WHERE "  # noqa: S608
    head += "".join(f"{quote(column)} = %s AND " for column in equal)
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), MAX_PARAMETERS):
            chunk = list(values[start : start + MAX_PARAMETERS])
            cursor.execute(
                f"{head}{quote(key)} IN ({', '.join(['%s'] * len(chunk))})",
                [*equal.values(), *chunk],
            )
            found += cursor.fetchall()
    return found


def select_unique(
    model: type[models.Model], columns: Sequence[str], key: str, values: Sequence[str], **equal: str
) -> list[tuple]:
    """`select_in` for text keys that are unique together with the `equal` columns (one
    unique index on (*equal, key)), looked up one key at a time on PostgreSQL.

    With `IN (...)` on a table that has not been analysed yet (a new installation's first
    polls, before autovacuum's first visit), PostgreSQL guessed that `platform = 'feed'`
    alone was selective and read every post of the platform for each feed polled: 10 ms at
    10,000 posts, growing with the table. A LATERAL subquery with LIMIT 1 is one index probe
    per key whatever the statistics say (0.4 ms for 50 keys).
    """
    if connection.vendor != "postgresql":
        return select_in(model, columns, key, values, **equal)
    quote = connection.ops.quote_name
    wanted = ", ".join(quote(column) for column in columns)
    where = "".join(f"{quote(column)} = %s AND " for column in equal)
    # Identifiers come from our models and are quoted; every value is a parameter.
    sql = (
        f"SELECT found.* FROM unnest(%s::text[]) AS wanted(key) CROSS JOIN LATERAL ("  # noqa: S608
        f"SELECT {wanted} FROM {quote(model._meta.db_table)} "
        f"WHERE {where}{quote(key)} = wanted.key LIMIT 1) AS found"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values), *equal.values()])
        return cursor.fetchall()
