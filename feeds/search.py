"""Full-text search over items. (A simple word match for now.)"""

from django.db.models import Q, QuerySet


def matching(items: QuerySet, query: str) -> QuerySet:
    """`items` containing every word of `query` in their title or text."""
    for word in query.split()[:10]:
        items = items.filter(Q(title__icontains=word) | Q(text__icontains=word))
    return items
