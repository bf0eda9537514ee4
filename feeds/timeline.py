"""The queries behind every timeline: what a learner may see, what they follow, and keyset
pagination on (published time, id) so "load more" never skips or repeats an item when new
ones arrive while the learner reads."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from feeds import cards, search, timeline_sql
from feeds.filters import TimelineFilter
from feeds.models import Item, ItemState, Person
from feeds.network import Follows, follows
from sources.models import Hashtag, Membership, Source, Topic

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
    members = Topic.members.through.objects.filter(user=user).values("topic")
    coordinators = Topic.coordinators.through.objects.filter(user=user).values("topic")
    mine = Q(owner=user) | Q(pk__in=members) | Q(pk__in=coordinators)
    return Topic.objects.filter(mine).order_by("name")


def followed_items(user, *, network: Follows | None = None) -> QuerySet[Item]:
    """The learner's timeline: posts of the blogs, hashtag streams and people they follow or
    that their topics gather, and posts of the groups they belong to.

    What they follow is read first, as lists of ids (`follows`); each item is then checked
    with one index probe per link table, newest first down the timeline index, until the
    page is full. With subqueries in the lists' place PostgreSQL re-joined the follow
    tables for every item it looked at (1-2 s a page on bench/run-dashboard); with EXISTS it
    hashed every item of every followed hashtag before the first row (~100 ms). A scalar
    subquery is never hashed. `network` is `follows(user)`, when the caller has it.
    """
    network = network or follows(user)
    return visible_items(user).filter(
        _linked(Item.sources.through, source__in=network.sources)
        | _linked(Item.hashtags.through, hashtag__in=network.hashtags)
        | Q(author__in=network.people)
        | Q(group__in=network.groups)
    )


def timeline_items(
    user, filters: TimelineFilter, *, network: Follows | None = None
) -> QuerySet[Item]:
    """The learner's timeline narrowed by `filters`, without the items they hid; `network`
    is `follows(user)`, when the caller has it."""
    return narrow(user, followed_items(user, network=network), filters)


def narrow(user, items: QuerySet[Item], filters: TimelineFilter) -> QuerySet[Item]:
    """`items` narrowed by `filters` for `user`, without the items they hid: the one place
    the filters mean something (the timeline, the deck, search, the Atom feeds)."""
    items = items.exclude(Exists(_state(user, is_hidden=True)))
    if filters.topic:
        topic = my_topics(user).filter(slug=filters.topic).first()
        items = items.filter(topic_condition(topic)) if topic else items.none()
    if filters.tag:
        hashtag_id = Hashtag.objects.filter(name=filters.tag).values_list("pk", flat=True).first()
        items = items.filter(_in_stream_of(hashtag_id)) if hashtag_id else items.none()
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
    (and, for a course, its class hashtag's stream).

    Its ids are read first and each item is checked with one index probe per link table:
    a topic gathers a good part of a timeline, so a page fills after a short walk, where
    subqueries made PostgreSQL hash every item of the topic first (~10,000, 100-300 ms).
    """
    hashtags = list(topic.hashtags.values_list("pk", flat=True))
    if topic.class_hashtag_id:
        hashtags.append(topic.class_hashtag_id)
    blogs = topic.blogs.order_by().values_list("source_id", flat=True)
    streams = Source.objects.filter(hashtag__in=hashtags).values_list("pk", flat=True)
    return (
        _linked(Item.hashtags.through, hashtag__in=hashtags)
        | _linked(Item.sources.through, source__in=list(blogs.union(streams)))
        | Q(author__in=list(topic.people.values_list("pk", flat=True)))
    )


def hashtag_items(user, hashtag: Hashtag) -> QuerySet[Item]:
    """A hashtag's stream: what its Sources found on every platform, and posts of blogs
    known to PLN Hub whose categories or tags match it."""
    return visible_items(user).filter(_in_stream_of(hashtag.pk))


# From this many tagged items on, a stream fills a page soon enough down the timeline to
# check each item with index probes; a smaller one is found faster by letting PostgreSQL hash
# it first (bench/run-dashboard, one learner: ~15 ms against ~100 for a tag on 69,000 items,
# ~35 against ~75 for one on 1,700).
LARGE_STREAM = 5000


def _in_stream_of(hashtag_id: int) -> Q:
    """Items in a hashtag's stream: tagged with it, or found by one of its Sources."""
    sources = list(Source.objects.filter(hashtag=hashtag_id).values_list("pk", flat=True))
    tagged = Item.hashtags.through.objects.filter(hashtag=hashtag_id)
    if tagged[:LARGE_STREAM].count() == LARGE_STREAM:
        return _linked(Item.hashtags.through, hashtag=hashtag_id) | _linked(
            Item.sources.through, source__in=sources
        )
    return Q(Exists(tagged.filter(item=OuterRef("pk")))) | Q(
        Exists(_found_by(Q(source__in=sources)))
    )


def _linked(through, **condition) -> Q:
    """The item has a link in `through` that meets `condition`: a scalar subquery, one
    index probe per item, which PostgreSQL never hashes."""
    first = through.objects.filter(item=OuterRef("pk"), **condition).values("item")[:1]
    return Q(IsNull(Subquery(first), False))


def _found_by(condition: Q) -> QuerySet:
    return Item.sources.through.objects.filter(condition, item=OuterRef("pk"))


def _state(user, **flags: bool) -> QuerySet[ItemState]:
    return ItemState.objects.filter(user=user, item=OuterRef("pk"), **flags)


def page(
    items: QuerySet[Item],
    *,
    after: Cursor | None,
    size: int = PAGE_SIZE,
    user=None,
    with_cards: bool = False,
) -> Page:
    """One page of `items`, newest first, starting after `after`; with `user`, each item
    carries that learner's reading state, read in the same query. With `with_cards`, each
    carries its rendered card (`feeds.cards`) instead of its author, hashtags and sources,
    which are then read only for cards not cached yet."""
    if after:
        items = items.filter(
            Q(published_at__lt=after.published_at)
            | Q(published_at=after.published_at, pk__lt=after.item_id)
        )
    items = items.order_by("-published_at", "-pk")
    items = cards.lean(items) if with_cards else cards.full(items)
    if user is not None:
        items = _with_states(items, user)
    return _paged(list(items[: size + 1]), size, with_cards=with_cards)


def timeline_page(
    user,
    filters: TimelineFilter,
    *,
    after: Cursor | None,
    network: Follows | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of `user`'s timeline narrowed by `filters`, after `after`, each item with the
    learner's reading state and its card: what `page(timeline_items(user, filters), ...,
    user=user, with_cards=True)` gives, read by one hand-written statement on PostgreSQL
    (`feeds.timeline_sql`; two with a tag filter). `network` is `follows(user)`, when the
    caller has it."""
    network = network or follows(user)
    if not timeline_sql.applies(filters):
        items = timeline_items(user, filters, network=network)
        return page(items, after=after, size=size, user=user, with_cards=True)
    tag = timeline_sql.tag_stream(filters.tag, large=LARGE_STREAM) if filters.tag else None
    rows = timeline_sql.rows(
        user,
        network,
        filters,
        tag=tag,
        after=(after.published_at, after.item_id) if after else None,
        limit=size + 1,
    )
    return _paged(rows, size, with_cards=True)


def _paged(rows: list[Item], size: int, *, with_cards: bool) -> Page:
    """`rows` (up to `size` + 1, the one more telling that a next page exists) as a Page."""
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if more else None
    if with_cards:
        cards.attach(rows)
        rows = [item for item in rows if item.card is not None]  # not deleted meanwhile
    return Page(rows, Cursor(last.published_at, last.pk) if last else None)


def _with_states(items: QuerySet[Item], user) -> QuerySet[Item]:
    """`items` with `user`'s `is_read`, `is_favourite` and `is_saved` of each: a join on
    their (unique) ItemState row, no query of its own."""
    if not user.is_authenticated:
        return items.annotate(**dict.fromkeys(STATE_FLAGS, Value(False)))
    mine = FilteredRelation("states", condition=Q(states__user=user))
    flags = {flag: Coalesce(f"mine__{flag}", False) for flag in STATE_FLAGS}
    return items.annotate(mine=mine).annotate(**flags)


STATE_FLAGS = ["is_read", "is_favourite", "is_saved"]


def attach_states(user, items: list[Item]) -> None:
    """Set `is_read`, `is_favourite` and `is_saved` on each item for `user`: one query."""
    states = {}
    if user.is_authenticated:
        found = ItemState.objects.filter(user=user, item__in=[i.pk for i in items])
        states = {
            item_id: flags
            for item_id, *flags in found.values_list(
                "item_id", "is_read", "is_favourite", "is_saved"
            )
        }
    for item in items:
        item.is_read, item.is_favourite, item.is_saved = states.get(item.pk, (False,) * 3)
