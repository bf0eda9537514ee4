"""Full-text search over items: PostgreSQL full-text search ranked by relevance, and a plain
word match on SQLite (development and most tests).

On PostgreSQL the filter renders exactly the expression that migration 0006 indexes with
GIN, so a search reads the index instead of parsing every post; `websearch_to_tsquery`
accepts any input (quotes, `or`, `-word`, stray operators) without raising.
"""

import re

from django.db import connection
from django.db.models import BooleanField, F, Field, FloatField, Func, Q, QuerySet, Subquery, Value

MAX_QUERY_CHARS = 200
MAX_WORDS = 12  # SQLite: each word is one more LIKE over every title and text
# A search shows at most this many results: the newest matches, ranked by relevance.
# Ranking parses each post again (the index keeps no tsvector), so it must stay bounded:
# ranking 1,000 posts takes ~0.3 s, ranking 50,000 (a common word) ~7 s.
RESULTS_CAP = 1000

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"\w+")


class Document(Func):
    """`to_tsvector` of an item's title and text: byte for byte the indexed expression.

    Renders `to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text,
    ''))`; the config is a literal, not a parameter, so the planner can match the index.
    """

    template = "to_tsvector('english'::regconfig, COALESCE(%(expressions)s, ''))"
    arg_joiner = ", '') || ' ' || COALESCE("

    def __init__(self) -> None:
        super().__init__(F("title"), F("text"), output_field=Field())


class WebQuery(Func):
    """`websearch_to_tsquery('english', query)`: Google-like syntax, never a syntax error."""

    template = "websearch_to_tsquery('english'::regconfig, %(expressions)s)"

    def __init__(self, query: str) -> None:
        super().__init__(Value(query), output_field=Field())


class Matches(Func):
    """`document @@ query`, a condition usable in `filter()`."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


class Rank(Func):
    """Relevance: a match in the title (weight A) counts more than one in the text (D).

    Computed apart from the indexed expression, so it does not stop the index from being used.
    """

    template = (
        "ts_rank(setweight(to_tsvector('english'::regconfig, COALESCE(%(title)s, '')), 'A')"
        " || to_tsvector('english'::regconfig, COALESCE(%(text)s, '')), %(query)s)"
    )
    output_field = FloatField()

    def __init__(self, query: str) -> None:
        super().__init__(F("title"), F("text"), WebQuery(query))

    def as_sql(self, compiler, connection, **extra):
        title, text, query = self.get_source_expressions()
        title_sql, title_params = compiler.compile(title)
        text_sql, text_params = compiler.compile(text)
        query_sql, query_params = compiler.compile(query)
        sql = self.template % {"title": title_sql, "text": text_sql, "query": query_sql}
        return sql, (*title_params, *text_params, *query_params)


def clean(query: str) -> str:
    """`query` without control characters (NUL included), spaces collapsed, at most
    MAX_QUERY_CHARS long; "" when nothing searchable is left (no letter or digit)."""
    query = " ".join(_CONTROL.sub(" ", query or "").split())[:MAX_QUERY_CHARS].strip()
    return query if _WORD.search(query) else ""


def matching(items: QuerySet, query: str) -> QuerySet:
    """`items` that match `query`: on PostgreSQL by full-text search (stemmed English, so
    "galaxies" finds "galaxy"), elsewhere every word in the title or the text (and none of
    the -words). Nothing matches a query with no letter or digit."""
    query = clean(query)
    if not query:
        return items.none()
    if _on_postgresql():
        return items.filter(Matches(Document(), WebQuery(query)))
    for token in query.split()[:MAX_WORDS]:
        for word in _WORD.findall(token):
            found = Q(title__icontains=word) | Q(text__icontains=word)
            items = items.exclude(found) if token.startswith("-") else items.filter(found)
    return items


def ranked(items: QuerySet, query: str) -> QuerySet:
    """The newest RESULTS_CAP of `items` (already narrowed by `matching`), most relevant
    first: by `ts_rank` on PostgreSQL, newest first elsewhere. Ties go newest first, then by
    id, so offset pages are stable."""
    query = clean(query)
    newest = items.order_by("-published_at", "-pk")
    if not (query and _on_postgresql()):
        return newest
    window = newest.values("pk")[:RESULTS_CAP]
    return (
        items.model.objects.filter(pk__in=Subquery(window))
        .annotate(rank=Rank(query))
        .order_by("-rank", "-published_at", "-pk")
    )


def capped_count(items: QuerySet, *, cap: int = RESULTS_CAP) -> int:
    """How many `items` there are, counting no further than `cap`."""
    return items.order_by().values("pk")[:cap].count()


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"
