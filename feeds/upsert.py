"""The polling hot path's statements, written by hand: a multi-row `INSERT ... ON CONFLICT`,
and lookups by a list of keys.

Django's `bulk_create(update_conflicts=True)` builds the same insert, but building it (one
model instance and one prepared value per field and row) cost as much as PostgreSQL running
it; building `filter(key__in=...).values_list(...)` cost four times running it (0.5 ms).
Both PostgreSQL and SQLite (3.35+) accept this SQL, `RETURNING` included.

psycopg2 adapts each parameter on its own, ~2 microseconds each: 1.5 ms of CPU for the 750
values of a feed's 50 posts, as much as sanitising them. So `upsert` writes integers,
booleans and NULLs as literals, and makes a string repeated across rows (the platform, the
poll's time) one parameter: a feed's posts then have about 300 parameters.
"""

from collections.abc import Sequence

from django.db import connection, models

MAX_PARAMETERS = 30_000  # below SQLite's and PostgreSQL's limits on one statement's parameters


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
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    found: list[tuple] = []
    # Identifiers come from our models and are quoted; values are parameters or literals
    # of the types that cannot carry anything else (`_values`).
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608
    end = f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO {action}{tail}"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            values, params = _values(rows[start : start + per_statement])
            cursor.execute(head + values + end, params)
            if returning:
                found += cursor.fetchall()
    return found


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
