"""The queries behind every timeline: what a learner may see, what they follow, and keyset
pagination on (published time, id) so "load more" never skips or repeats an item when new
ones arrive while the learner reads."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from feeds.models import Item
from sources.models import Hashtag, Membership, Source

PAGE_SIZE = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """Position after the last item shown: its published time and id."""

    published_at: datetime
    item_id: int

    def encode(self) -> str:
        return f"{(self.published_at - _EPOCH) // timedelta(microseconds=1)}_{self.item_id}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        """The cursor in `raw`, or None when it is absent or malformed."""
        micros, _, item_id = (raw or "").partition("_")
        try:
            return cls(_EPOCH + timedelta(microseconds=int(micros)), int(item_id))
        except (ValueError, OverflowError):
            return None


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: Cursor | None


def visible_items(user) -> QuerySet[Item]:
    """Every item `user` may see: the one visibility rule used by every view, feed and search.

    Hidden (moderated) items are out; posts of a closed group only for its members.
    """
    items = Item.objects.filter(hidden=False)
    open_or_none = Q(group__isnull=True) | Q(group__privacy="open")
    if not user.is_authenticated:
        return items.filter(open_or_none)
    member = Membership.objects.filter(group=OuterRef("group"), user=user)
    return items.filter(open_or_none | Exists(member))


def followed_items(user) -> QuerySet[Item]:
    """The learner's timeline: posts of the blogs they follow and the streams of the
    hashtags they follow."""
    blog_sources = Source.objects.filter(blog__followers__user=user).values("pk")
    hashtags = Hashtag.objects.filter(followers__user=user).values("pk")
    return visible_items(user).filter(
        Q(Exists(_found_by(Q(source__in=blog_sources)))) | _in_streams_of(hashtags)
    )


def hashtag_items(user, hashtag: Hashtag) -> QuerySet[Item]:
    """A hashtag's stream: what its Sources found on every platform, and posts of blogs
    known to PLN Hub whose categories or tags match it."""
    return visible_items(user).filter(_in_streams_of(Hashtag.objects.filter(pk=hashtag.pk)))


def _in_streams_of(hashtags: QuerySet[Hashtag]) -> Q:
    tagged = Item.hashtags.through.objects.filter(item=OuterRef("pk"), hashtag__in=hashtags)
    return Q(Exists(tagged)) | Q(Exists(_found_by(Q(source__hashtag__in=hashtags))))


def _found_by(condition: Q) -> QuerySet:
    return Item.sources.through.objects.filter(condition, item=OuterRef("pk"))


def page(items: QuerySet[Item], *, after: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """One page of `items`, newest first, starting after `after`."""
    if after:
        items = items.filter(
            Q(published_at__lt=after.published_at)
            | Q(published_at=after.published_at, pk__lt=after.item_id)
        )
    rows = list(
        items.order_by("-published_at", "-pk")
        .select_related("author")
        .prefetch_related(
            Prefetch("hashtags", queryset=Hashtag.objects.only("name", "display")),
            Prefetch("sources", queryset=Source.objects.select_related("blog")),
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if more else None
    return Page(rows, Cursor(last.published_at, last.pk) if last else None)
