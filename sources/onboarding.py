"""Onboarding: a new learner names a topic and fills it with hashtags, blogs and people.

The plain functions behind the four-step wizard (`sources.onboarding_views`): suggestions for
each step, and the writes. Every write is complete when it returns, so a learner who reloads,
goes back or leaves half-way keeps what they chose. `topic` may be None throughout: a learner
who skips naming a topic still follows what they pick, it just gathers in no topic.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from feeds.models import Item, Person
from feeds.timeline import visible_items
from sources.discovery import DiscoveryError
from sources.following import follow_blog, follow_hashtag, follow_person
from sources.hashtags import display_form, normalise
from sources.models import Blog, FollowedPerson, Hashtag, Topic

MAX_HASHTAG_SUGGESTIONS = 15
MAX_PEOPLE_SUGGESTIONS = 12

# Common subjects and hashtags their communities use. A key is a word (normalised) a learner
# may put in a topic's name; its tags are suggested in this order, in this casing.
_SUBJECTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("astronomy", "astrophysics", "stars", "stargazing", "space", "cosmology", "planets"): (
        "Astronomy", "Space", "Astrophotography", "NASA", "Stargazing",
    ),
    ("physics",): ("Physics", "Science", "QuantumPhysics", "SciComm"),
    ("biology", "ecology", "nature", "botany"): ("Biology", "Ecology", "Nature", "Biodiversity"),
    ("chemistry",): ("Chemistry", "ChemEd", "Science", "SciComm"),
    ("maths", "math", "mathematics", "statistics", "algebra", "geometry"): (
        "Maths", "Math", "MathEd", "Statistics",
    ),
    ("climate", "climatechange", "sustainability", "environment", "weather"): (
        "Climate", "ClimateChange", "Sustainability", "ClimateEducation",
    ),
    ("python", "programming", "coding", "code", "software"): (
        "Python", "Programming", "LearnToCode", "OpenSource",
    ),
    ("computerscience", "computing", "cs"): ("ComputerScience", "CSEd", "Programming", "Python"),
    ("webdev", "javascript", "css", "html", "web"): (
        "WebDev", "JavaScript", "CSS", "Accessibility",
    ),
    ("datascience", "data", "machinelearning", "ai"): (
        "DataScience", "MachineLearning", "AI", "OpenData",
    ),
    ("history", "archaeology"): ("History", "Archaeology", "Archives", "OnThisDay"),
    ("geography", "maps", "gis"): ("Geography", "Maps", "GIS", "OpenStreetMap"),
    ("reading", "books", "literature"): ("Reading", "Books", "Literature", "BookClub"),
    ("writing", "poetry"): ("Writing", "AmWriting", "Poetry", "WritingCommunity"),
    ("education", "teaching", "pedagogy", "teacher", "teachers"): (
        "Education", "Teaching", "Pedagogy", "EdTech", "OpenEducation",
    ),
    ("edtech", "elearning", "moocs", "mooc"): ("EdTech", "eLearning", "OpenEducation", "Education"),
    ("openscience", "science", "research"): (
        "OpenScience", "Science", "Research", "OpenAccess", "SciComm",
    ),
    ("art", "drawing", "painting", "design"): ("Art", "Drawing", "Design", "ArtEducation"),
    ("music",): ("Music", "MusicEducation", "MusicTheory"),
    ("photography", "photo", "photos"): ("Photography", "PhotoWalk", "Photo"),
    ("philosophy", "ethics"): ("Philosophy", "Ethics"),
    ("psychology", "neuroscience"): ("Psychology", "Neuroscience", "CogSci"),
    ("economics", "finance"): ("Economics", "Finance"),
    ("languages", "language", "linguistics", "french", "spanish", "german"): (
        "LanguageLearning", "Languages", "Linguistics",
    ),
    ("health", "medicine", "nursing"): ("Health", "MedEd", "Nursing", "PublicHealth"),
    ("gardening", "plants"): ("Gardening", "Plants", "Botany"),
}  # fmt: skip
_SUBJECT_TAGS = {word: tags for words, tags in _SUBJECTS.items() for word in words}
_STOP_WORDS = {"and", "for", "the", "with", "about", "into", "from", "learning", "open", "intro"}
_SEPARATORS = re.compile(r"[\s,;]+")
_TAG = re.compile(r"#?(\w+)", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_CLASS_CODE = re.compile(r"^(?=.*[^\W\d_])(?=.*\d)\w{3,20}$", re.UNICODE)  # SUB101, CS50


@dataclass(frozen=True)
class Suggestion:
    """A hashtag offered as a checkbox: its stored name, how it is shown, whether it is
    already chosen (in the topic, or followed when there is no topic)."""

    name: str
    display: str
    chosen: bool = False

    def __str__(self) -> str:
        return f"#{self.display}"


@dataclass(frozen=True)
class TagProblem:
    tag: str  # as the learner typed it
    message: str


@dataclass
class BlogResults:
    added: list[Blog] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, message)


def wizard_topic(user, topic_id) -> Topic | None:
    """The learner's own personal topic with this id, or None (for anyone else's)."""
    if not isinstance(topic_id, int):
        return None
    return Topic.objects.filter(pk=topic_id, owner=user, kind=Topic.Kind.PERSONAL).first()


def save_topic(user, *, name: str, description: str = "", topic: Topic | None = None) -> Topic:
    """Rename `topic` (the wizard's), or start a personal, private topic named `name`; a
    personal topic of the learner's with that name already is reused, not duplicated."""
    if topic is None:
        topic = Topic.objects.filter(
            owner=user, kind=Topic.Kind.PERSONAL, name__iexact=name
        ).first() or Topic(owner=user, kind=Topic.Kind.PERSONAL)
    topic.name, topic.description = name, description
    topic.save()
    return topic


def suggest_hashtags(topic_name: str) -> list[Suggestion]:
    """Hashtags for a topic named `topic_name`, best first: the subjects' curated tags, the
    name itself (when short) and any class codes in it (#SUB101), hashtags PLN Hub already
    knows whose name contains a word of it, and the most followed hashtags."""
    words = [w for w in (normalise(part) for part in topic_name.split()) if w]
    whole = normalise(topic_name)
    tags: list[str] = list(_SUBJECT_TAGS.get(whole, ()))
    for word in words:
        tags += _SUBJECT_TAGS.get(word, ())
    if whole and len(words) <= 2 and _LETTER.search(whole):
        tags.insert(0, display_form(topic_name))
    tags += [
        display_form(part) for part in topic_name.split() if _CLASS_CODE.match(normalise(part))
    ]
    keywords = [w for w in words if len(w) >= 3 and w not in _STOP_WORDS]
    if keywords:
        matching = Q()
        for word in keywords:
            matching |= Q(name__contains=word)
        tags += [h.display for h in _by_followers(Hashtag.objects.filter(matching))[:6]]
    tags += [h.display for h in _by_followers(Hashtag.objects.all()).filter(n__gt=0)[:5]]
    return _unique(tags)[:MAX_HASHTAG_SUGGESTIONS]


def hashtag_choices(user, topic: Topic | None) -> list[Suggestion]:
    """What step 2 offers: the hashtags already chosen (the topic's, or without a topic the
    learner's followed ones) ticked, then suggestions for the topic's name."""
    chosen = topic.hashtags.all() if topic else Hashtag.objects.filter(followers__user=user)
    ticked = [Suggestion(h.name, h.display, chosen=True) for h in chosen.order_by("name")]
    suggested = suggest_hashtags(topic.name) if topic else suggest_hashtags("")
    return _unique_suggestions([*ticked, *suggested])


def parse_tags(text: str) -> tuple[list[str], list[TagProblem]]:
    """Hashtags typed in `text`, separated by spaces, commas or semicolons, `#` optional.
    Returns the good ones (as typed, without `#`, once each) and a problem for each bad one."""
    tags: list[str] = []
    problems: list[TagProblem] = []
    for raw in dict.fromkeys(_SEPARATORS.split(text.strip())):
        if not raw or raw == "#":
            continue
        match = _TAG.fullmatch(raw)
        if match is None:
            problems.append(TagProblem(raw, _fix_hint(raw)))
        elif not _LETTER.search(match.group(1)):
            problems.append(TagProblem(raw, f"{raw}: a hashtag needs at least one letter."))
        elif len(match.group(1)) > 100:
            problems.append(TagProblem(raw, f"{raw[:20]}…: a hashtag has at most 100 characters."))
        elif normalise(raw) not in {normalise(t) for t in tags}:
            tags.append(match.group(1))
    return tags, problems


def choose_hashtags(
    user, topic: Topic | None, *, chosen: Iterable[str], offered: Iterable[str] = ()
) -> list[Hashtag]:
    """Follow every tag in `chosen` (each gets its Sources) and add them to `topic`; tags
    that were `offered` (normalised names) but not chosen leave the topic (they stay
    followed: the learner may have followed them before). Returns the chosen hashtags."""
    with transaction.atomic():
        hashtags = [follow_hashtag(user, tag) for tag in chosen]
        if topic is not None:
            kept = {h.name for h in hashtags}
            dropped = topic.hashtags.filter(name__in=set(offered) - kept)
            topic.hashtags.remove(*dropped)
            topic.hashtags.add(*hashtags)
    return hashtags


def add_blogs(user, topic: Topic | None, addresses: Iterable[str]) -> BlogResults:
    """Follow the blog at each address (autodiscovery) and add it to `topic`. An address
    that fails is reported with a message for the learner; the others are kept."""
    results = BlogResults()
    for address in addresses:
        try:
            with transaction.atomic():
                blog = follow_blog(user, address)
                if topic is not None:
                    topic.blogs.add(blog)
        except DiscoveryError as exc:
            results.failed.append((address, exc.message))
        except ValueError:  # urlsplit's verdict on addresses like "http://[oops"
            results.failed.append((address, "This is not a web address PLN Hub can read."))
        else:
            results.added.append(blog)
    return results


def chosen_hashtags(user, topic: Topic | None) -> QuerySet[Hashtag]:
    """The hashtags step 4 looks for people in: the topic's, or the learner's followed ones."""
    if topic is not None:
        return topic.hashtags.all()
    return Hashtag.objects.filter(followers__user=user)


def suggest_people(user, hashtags: QuerySet[Hashtag]) -> list[Person]:
    """Up to MAX_PEOPLE_SUGGESTIONS authors of posts `user` may see in these hashtags'
    streams (tagged with them, or found by their Sources), most posts first; each carries
    `posts`, its number of such posts. The learner's own personas are left out."""
    tags = hashtags.values("pk")
    tagged = Item.hashtags.through.objects.filter(item=OuterRef("pk"), hashtag__in=tags)
    found = Item.sources.through.objects.filter(item=OuterRef("pk"), source__hashtag__in=tags)
    items = visible_items(user).filter(Q(Exists(tagged)) | Q(Exists(found)))
    people = (
        Person.objects.filter(items__in=items.values("pk"))
        .exclude(user=user)
        .annotate(posts=Count("items"))
        .order_by("-posts", "name", "pk")
    )
    return list(people[:MAX_PEOPLE_SUGGESTIONS])


def chosen_people(user, topic: Topic | None) -> set[int]:
    """Ids of the people already chosen: the topic's, or the learner's followed ones."""
    if topic is not None:
        return set(topic.people.values_list("pk", flat=True))
    return set(FollowedPerson.objects.filter(user=user).values_list("person_id", flat=True))


def choose_people(
    user, topic: Topic | None, *, chosen: Sequence[Person], offered: Sequence[Person] = ()
) -> None:
    """Follow each of `chosen` and add them to `topic`; people `offered` but not chosen
    leave the topic (and stay followed, as hashtags do)."""
    with transaction.atomic():
        for person in chosen:
            follow_person(user, person)
        if topic is not None:
            topic.people.remove(*[p for p in offered if p not in chosen])
            topic.people.add(*chosen)


def summary(topic: Topic) -> str:
    """One sentence on what `topic` gathers, for the message at the end of the wizard."""
    parts = [
        _count(topic.hashtags.count(), "hashtag"),
        _count(topic.blogs.count(), "blog"),
        _count(topic.people.count(), "person", "people"),
    ]
    return (
        f"{topic.name} is ready: {', '.join(parts[:-1])} and {parts[-1]}. "
        "New posts arrive over the next few minutes."
    )


def _by_followers(hashtags: QuerySet[Hashtag]) -> QuerySet[Hashtag]:
    return hashtags.annotate(n=Count("followers")).order_by("-n", "name")


def _unique(tags: Iterable[str]) -> list[Suggestion]:
    found: dict[str, Suggestion] = {}
    for tag in tags:
        name = normalise(tag)
        if name and _LETTER.search(name) and name not in found:
            found[name] = Suggestion(name, display_form(tag))
    return list(found.values())


def _unique_suggestions(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    found: dict[str, Suggestion] = {}
    for suggestion in suggestions:
        found.setdefault(suggestion.name, suggestion)
    return list(found.values())


def _fix_hint(raw: str) -> str:
    message = f"{raw}: a hashtag holds only letters, digits and _."
    fixed = normalise(raw)
    if fixed and _LETTER.search(fixed):
        message += f" Did you mean #{display_form(raw)}?"
    return message


def _count(n: int, singular: str, plural: str = "") -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
