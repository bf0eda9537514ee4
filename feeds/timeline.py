"""The queries behind every timeline: what a learner may see, what they follow, and keyset
pagination on (published time, id) so "load more" never skips or repeats an item when new
ones arrive while the learner reads."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from feeds import search
from feeds.filters import TimelineFilter
from feeds.models import Item, ItemState, Person
from sources.models import (
    FollowedBlog,
    FollowedHashtag,
    FollowedPerson,
    Hashtag,
    Membership,
    Source,
    Topic,
)

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


def my_topics(user) -> QuerySet[Topic]:
    """The topics a learner reads: their own, and the courses they take or coordinate."""
    if not user.is_authenticated:
        return Topic.objects.none()
    mine = Q(owner=user) | Q(members=user) | Q(coordinators=user)
    return Topic.objects.filter(pk__in=Topic.objects.filter(mine).values("pk")).order_by("name")


def followed_items(user) -> QuerySet[Item]:
    """The learner's timeline: posts of the blogs, hashtag streams and people they follow or
    that their topics gather, and posts of the groups they belong to.

    What they follow is read first, as lists of ids (four small queries); each item is then
    checked with one index probe per link table, newest first down the timeline index, until
    the page is full. With subqueries in the lists' place PostgreSQL re-joined the follow
    tables for every item it looked at (1-2 s a page on bench/run-dashboard); with EXISTS it
    hashed every item of every followed hashtag before the first row (~100 ms). A scalar
    subquery is never hashed.
    """
    topics = my_topics(user).values("pk")
    hashtags = list(
        Hashtag.objects.filter(
            Q(pk__in=FollowedHashtag.objects.filter(user=user).values("hashtag"))
            | Q(pk__in=Topic.hashtags.through.objects.filter(topic__in=topics).values("hashtag"))
        ).values_list("pk", flat=True)
    )
    sources = list(
        Source.objects.filter(
            Q(blog__in=FollowedBlog.objects.filter(user=user).values("blog"))
            | Q(blog__in=Topic.blogs.through.objects.filter(topic__in=topics).values("blog"))
            | Q(hashtag__in=hashtags)  # the followed hashtags' streams
        ).values_list("pk", flat=True)
    )
    people = list(
        Person.objects.filter(
            Q(pk__in=FollowedPerson.objects.filter(user=user).values("person"))
            | Q(pk__in=Topic.people.through.objects.filter(topic__in=topics).values("person"))
        ).values_list("pk", flat=True)
    )
    groups = list(Membership.objects.filter(user=user).values_list("group", flat=True))
    return (
        visible_items(user)
        .alias(
            via_source=_first_link(Item.sources.through, source__in=sources),
            via_hashtag=_first_link(Item.hashtags.through, hashtag__in=hashtags),
        )
        .filter(
            Q(via_source__isnull=False)
            | Q(via_hashtag__isnull=False)
            | Q(author__in=people)
            | Q(group__in=groups)
        )
    )


def _first_link(through, **condition) -> Subquery:
    """The item's first link in `through` that meets `condition`, or NULL."""
    return Subquery(through.objects.filter(item=OuterRef("pk"), **condition).values("item")[:1])


def timeline_items(user, filters: TimelineFilter) -> QuerySet[Item]:
    """The learner's timeline narrowed by `filters`, without the items they hid."""
    return narrow(user, followed_items(user), filters)


def narrow(user, items: QuerySet[Item], filters: TimelineFilter) -> QuerySet[Item]:
    """`items` narrowed by `filters` for `user`, without the items they hid: the one place
    the filters mean something (the timeline, the deck, search, the Atom feeds)."""
    items = items.exclude(Exists(_state(user, is_hidden=True)))
    if filters.topic:
        topic = my_topics(user).filter(slug=filters.topic).first()
        items = items.filter(topic_condition(topic)) if topic else items.none()
    if filters.tag:
        items = items.filter(_in_streams_of(Hashtag.objects.filter(name=filters.tag).values("pk")))
    if filters.platform:
        items = items.filter(platform=filters.platform)
    if filters.person:
        # A person's posts from every account linked to the same PLN Hub user.
        user_id = Person.objects.filter(pk=filters.person).values_list("user_id", flat=True).first()
        items = (
            items.filter(author__user_id=user_id)
            if user_id
            else items.filter(author_id=filters.person)
        )
    if filters.blog:
        items = items.filter(Exists(_found_by(Q(source__blog__pk=filters.blog))))
    if filters.show == "unread":
        items = unread(user, items)
    elif filters.show == "favourites":
        items = items.filter(Exists(_state(user, is_favourite=True)))
    elif filters.show == "saved":
        items = items.filter(Exists(_state(user, is_saved=True)))
    if filters.q:
        items = search.matching(items, filters.q)
    return items


def unread(user, items: QuerySet[Item]) -> QuerySet[Item]:
    """`items` that `user` has not read."""
    return items.exclude(Exists(_state(user, is_read=True)))


def topic_condition(topic: Topic) -> Q:
    """Items a topic gathers: its hashtags' streams, its blogs' posts, its people's posts
    (and, for a course, its class hashtag's stream)."""
    hashtags = Hashtag.objects.filter(Q(topics=topic) | Q(courses=topic)).values("pk")
    blog_sources = Source.objects.filter(blog__topics=topic).values("pk")
    return (
        _in_streams_of(hashtags)
        | Q(Exists(_found_by(Q(source__in=blog_sources))))
        | Q(author__in=topic.people.values("pk"))
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


def _state(user, **flags: bool) -> QuerySet[ItemState]:
    return ItemState.objects.filter(user=user, item=OuterRef("pk"), **flags)


def page(items: QuerySet[Item], *, after: Cursor | None, size: int = PAGE_SIZE, user=None) -> Page:
    """One page of `items`, newest first, starting after `after`; with `user`, each item
    carries that learner's reading state."""
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
    if user is not None:
        attach_states(user, rows)
    last = rows[-1] if more else None
    return Page(rows, Cursor(last.published_at, last.pk) if last else None)


def attach_states(user, items: list[Item]) -> None:
    """Set `is_read`, `is_favourite` and `is_saved` on each item for `user`: one query."""
    states = {}
    if user.is_authenticated:
        found = ItemState.objects.filter(user=user, item__in=[i.pk for i in items])
        states = {s.item_id: s for s in found}
    for item in items:
        state = states.get(item.pk)
        item.is_read = bool(state and state.is_read)
        item.is_favourite = bool(state and state.is_favourite)
        item.is_saved = bool(state and state.is_saved)
