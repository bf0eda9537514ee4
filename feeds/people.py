"""People in a learner's network: one person's posts across platforms, who to follow next,
who contributes most to a topic or hashtag, and which topic pages a visitor may open.

Every item list passes through `timeline.visible_items`, so a closed group's posts are
neither shown nor counted for anyone outside it.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from feeds.models import Item, Person
from feeds.timeline import my_topics, visible_items
from sources.models import FollowedPerson, Hashtag, Topic

# Counting a whole stream of a million items on a page view would cost more than the page:
# rankings look at a recent window, which the pages say.
SUGGESTIONS_WINDOW = timedelta(days=30)
CONTRIBUTORS_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Profile:
    """A person as their page shows them to one viewer."""

    person: Person
    personas: list[Person]  # the same human on every platform, `person` included
    follows: bool
    is_self: bool


def personas_of(person: Person) -> QuerySet[Person]:
    """`person` and, when it is linked to a local user, that user's other personas."""
    if person.user_id is None:
        return Person.objects.filter(pk=person.pk)
    return Person.objects.filter(user_id=person.user_id)


def known_person(user, person_id: int) -> Person | None:
    """The person whose page `user` may open and whom they may follow, or None: an author of
    an item they may see (by any persona of the same human), someone they follow, or
    themselves. Someone known only from a closed group's posts does not exist for outsiders.
    """
    person = Person.objects.filter(pk=person_id).first()
    if person is None or person_items(user, person).exists():
        return person
    if user.is_authenticated and (
        person.user_id == user.pk
        or FollowedPerson.objects.filter(user=user, person__in=personas_of(person)).exists()
    ):
        return person
    return None


def person_items(user, person: Person) -> QuerySet[Item]:
    """What `user` may see of everything `person` posted, on every platform."""
    return visible_items(user).filter(author__in=personas_of(person).values("pk"))


def profile(user, person: Person) -> Profile:
    """`person`'s personas, and whether `user` follows them or is them: two queries."""
    personas = list(personas_of(person).order_by("platform", "pk"))
    follows = user.is_authenticated and (
        FollowedPerson.objects.filter(user=user, person__in=[p.pk for p in personas]).exists()
    )
    is_self = user.is_authenticated and person.user_id == user.pk
    return Profile(person=person, personas=personas, follows=follows, is_self=is_self)


def followed_people(user) -> QuerySet[Person]:
    return Person.objects.filter(followers__user=user).order_by("name", "handle", "pk")


def network_hashtags(user) -> QuerySet[Hashtag]:
    """The hashtags a learner follows or their topics gather (class hashtags included)."""
    topics = my_topics(user).values("pk")
    return Hashtag.objects.filter(
        Q(followers__user=user) | Q(topics__in=topics) | Q(courses__in=topics)
    )


def suggestions(user, *, limit: int = 20) -> list[Person]:
    """Who posted most in the learner's hashtags (`network_hashtags`) during the last
    SUGGESTIONS_WINDOW, leaving out people they follow and themselves.

    Two queries. Each Person carries `posts`, their count of such posts; most first.
    """
    hashtags = network_hashtags(user).values("pk")
    # A hashtag's stream is the items carrying the tag and what its Sources found.
    tagged = Item.hashtags.through.objects.filter(hashtag__in=hashtags).values("item")
    found = Item.sources.through.objects.filter(source__hashtag__in=hashtags).values("item")
    items = (
        visible_items(user)
        .filter(Q(pk__in=tagged) | Q(pk__in=found))
        .filter(published_at__gte=timezone.now() - SUGGESTIONS_WINDOW)
        .exclude(author__in=FollowedPerson.objects.filter(user=user).values("person"))
        .exclude(author__in=Person.objects.filter(user=user).values("pk"))
    )
    return _ranked(items, limit=limit)


def top_contributors(items: QuerySet[Item], *, limit: int = 10) -> list[Person]:
    """The authors of most of `items` published in the last CONTRIBUTORS_WINDOW, most first,
    each with `posts`, their count. Two queries; `items` should already be what the viewer
    may see (`visible_items`)."""
    recent = items.filter(published_at__gte=timezone.now() - CONTRIBUTORS_WINDOW)
    return _ranked(recent, limit=limit)


def _ranked(items: QuerySet[Item], *, limit: int) -> list[Person]:
    # Counted on the items alone (one pass over the window), then the few winners fetched:
    # joining people into the count made PostgreSQL scan every item.
    counts = list(
        items.filter(author__isnull=False)
        .order_by()
        .values("author")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "author")[:limit]
    )
    authors = Person.objects.in_bulk([row["author"] for row in counts])
    ranked = []
    for row in counts:
        if person := authors.get(row["author"]):  # None if deleted in between
            person.posts = row["posts"]
            ranked.append(person)
    return ranked


def readable_topics(user) -> QuerySet[Topic]:
    """Topics whose page `user` may open: public ones, and those they own, take or
    coordinate. Others do not exist for them (404, never 403)."""
    public = Q(visibility=Topic.Visibility.PUBLIC)
    if not user.is_authenticated:
        return Topic.objects.filter(public)
    return Topic.objects.filter(public | Q(pk__in=my_topics(user).values("pk")))
