"""Who may see what among Sources: the one rule for source pages and their actions."""

from django.db.models import Q, QuerySet

from sources.models import Source


def sources_visible_to(user) -> QuerySet[Source]:
    """Staff see every Source; a learner sees the Sources of blogs and hashtags they follow."""
    if user.is_staff:
        return Source.objects.all()
    followed = Q(blog__followers__user=user) | Q(hashtag__followers__user=user)
    return Source.objects.filter(pk__in=Source.objects.filter(followed).values("pk"))
