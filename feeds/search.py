"""Full-text search over items: PostgreSQL full-text search ranked by relevance, and a plain
word match on SQLite (development and most tests).

On PostgreSQL it matches each item's stored search document (`SearchDocument`, GIN-indexed,
kept up to date by `feeds.search_index` shortly after each poll); `websearch_to_tsquery`
accepts any input (quotes, `or`, `-word`, stray operators) without raising.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet, Subquery

MAX_QUERY_CHARS = 200
MAX_WORDS = 12  # SQLite: each word is one more match over every title and post
# A search shows at most this many results: the newest matches, ranked by relevance, so that
# a common word does not rank tens of thousands of posts.
RESULTS_CAP = 1000

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"\w+")


def _web_query(query: str) -> SearchQuery:
    """`websearch_to_tsquery('english', query)`: Google-like syntax, never a syntax error."""
    return SearchQuery(query, config="english", search_type="websearch")


def clean(query: str) -> str:
    """`query` without control characters (NUL included), spaces collapsed, at most
    MAX_QUERY_CHARS long; "" when nothing searchable is left (no letter or digit)."""
    query = " ".join(_CONTROL.sub(" ", query or "").split())[:MAX_QUERY_CHARS].strip()
    return query if _WORD.search(query) else ""


def matching(items: QuerySet, query: str) -> QuerySet:
    """`items` that match `query`: on PostgreSQL by full-text search (stemmed English, so
    "galaxies" finds "galaxy"), elsewhere every word in the title or the post's text (and
    none of the -words). Nothing matches a query with no letter or digit."""
    query = clean(query)
    if not query:
        return items.none()
    if _on_postgresql():
        return items.filter(search_document__vector=_web_query(query))
    for token in query.split()[:MAX_WORDS]:
        for word in _WORD.findall(token):
            # In the HTML, but not inside a tag: "strong" must not find every bold word.
            outside_tags = rf"{re.escape(word)}(?![^<]*>)"
            found = Q(title__icontains=word) | Q(html__iregex=outside_tags)
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
        .annotate(rank=SearchRank(F("search_document__vector"), _web_query(query)))
        .order_by("-rank", "-published_at", "-pk")
    )


def capped_count(items: QuerySet, *, cap: int = RESULTS_CAP) -> int:
    """How many `items` there are, counting no further than `cap`."""
    return items.order_by().values("pk")[:cap].count()


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"
