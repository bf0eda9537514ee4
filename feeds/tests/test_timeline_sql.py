"""The dashboard's hand-written page query (`feeds.timeline_sql`) shows exactly what the
timeline's selectors (`visible_items`, `narrow`, `page`) show, with every filter, for a
learner whose network has a bit of everything, and for another learner."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds.filters import TimelineFilter
from feeds.models import ItemState
from feeds.tests.factories import ItemFactory, PersonFactory
from feeds.timeline import Cursor, page, timeline_items, timeline_page
from sources.models import FollowedHashtag, FollowedPerson, Group, Topic
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(learner, other_learner):
    """A learner following a blog, #astronomy (and its Mastodon stream) and Ada; a topic of
    theirs gathering #stars, another blog and Grace; a closed group they belong to and one
    they do not; moderated posts, a post they hid, posts they read, favourited and saved;
    and a stranger's blog."""
    now = timezone.now()
    blog = FollowedBlogFactory(user=learner).blog
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    stream = SourceFactory(platform="mastodon", hashtag=astronomy)
    ada, grace = PersonFactory(name="Ada"), PersonFactory(name="Grace")
    FollowedPerson.objects.create(user=learner, person=ada)
    stars = HashtagFactory(name="stars", display="Stars")
    topic_blog = FollowedBlogFactory(user=other_learner).blog
    topic = Topic.objects.create(name="Sky", owner=learner)
    topic.hashtags.add(stars)
    topic.blogs.add(topic_blog)
    topic.people.add(grace)
    mine, theirs = GroupFactory(privacy=Group.Privacy.CLOSED), GroupFactory(privacy="closed")
    MembershipFactory(group=mine, user=learner)
    MembershipFactory(group=theirs, user=other_learner)
    stranger = FollowedBlogFactory(user=other_learner).blog

    def post(minutes: int, **fields):
        return ItemFactory(published_at=now - timedelta(minutes=minutes), **fields)

    post(1, sources=[blog.source], title="Blog post")
    post(2, platform="mastodon", sources=[stream], title="", text="A toot")
    tagged = post(3, sources=[stranger.source], title="Tagged on a stranger's blog")
    tagged.hashtags.add(astronomy)
    post(4, author=ada, title="By Ada")
    post(5, author=grace, title="By Grace (topic)")
    starry = post(6, title="Tagged #stars")
    starry.hashtags.add(stars)
    post(7, sources=[topic_blog.source], title="On the topic's blog")
    post(8, platform="pln", group=mine, title="In my closed group")
    post(9, platform="pln", group=theirs, title="In their closed group")
    post(10, sources=[blog.source], hidden=True, title="Moderated")
    hidden = post(11, sources=[blog.source], title="Hidden by the learner")
    ItemState.objects.create(user=learner, item=hidden, is_hidden=True)
    read = post(12, sources=[blog.source], title="Read")
    ItemState.objects.create(user=learner, item=read, is_read=True)
    favourite = post(13, sources=[blog.source], title="Favourite")
    ItemState.objects.create(user=learner, item=favourite, is_favourite=True)
    saved = post(14, sources=[blog.source], title="Saved")
    ItemState.objects.create(user=learner, item=saved, is_saved=True, is_read=True)
    post(15, sources=[stranger.source], title="A stranger's post")
    for n in range(16, 26):  # enough for a second page at size 4
        post(n, sources=[blog.source])
    return {"topic": topic, "ada": ada, "blog": blog}


FILTERS = [
    {},
    {"tag": "astronomy"},
    {"tag": "stars"},
    {"tag": "nosuchtag"},
    {"topic": "sky"},
    {"topic": "someone-elses"},
    {"platform": "mastodon"},
    {"platform": "pln"},
    {"person": "ADA"},
    {"blog": "BLOG"},
    {"show": "unread"},
    {"show": "favourites"},
    {"show": "saved"},
    {"tag": "astronomy", "show": "unread"},
    {"topic": "sky", "platform": "feed"},
]


def shown(found) -> list[tuple]:
    return [(i.pk, i.title, i.is_read, i.is_favourite, i.is_saved) for i in found.items]


@pytest.mark.parametrize("large", [False, True], ids=["small streams", "large streams"])
@pytest.mark.parametrize("query", FILTERS, ids=lambda q: "&".join(map("=".join, q.items())))
def test_the_dashboard_shows_what_the_timeline_selectors_show(
    learner, other_learner, world, query, large, monkeypatch
):
    if large:  # every hashtag checked item by item, as a busy one is
        monkeypatch.setattr("feeds.timeline.LARGE_STREAM", 1)
    values = {"ADA": str(world["ada"].pk), "BLOG": str(world["blog"].pk)}
    filters = TimelineFilter.from_query({k: values.get(v, v) for k, v in query.items()})
    for user in (learner, other_learner):
        after = None
        for _ in range(8):  # page by page, at 4 a page
            expected = page(timeline_items(user, filters), after=after, size=4, user=user)
            found = timeline_page(user, filters, after=after, size=4)
            assert shown(found) == shown(expected)
            assert found.next_cursor == expected.next_cursor
            if not found.next_cursor:
                break
            after = found.next_cursor


def test_the_dashboard_never_shows_moderated_hidden_or_other_groups_posts(client, learner, world):
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline")).content.decode()

    assert "In my closed group" in body
    for title in ("In their closed group", "Moderated", "Hidden by the learner", "A stranger"):
        assert title not in body


def test_another_learner_sees_nothing_of_a_private_topic_nor_a_closed_group(
    client, other_learner, world
):
    client.force_login(other_learner)

    sky = client.get(reverse("feeds:timeline"), {"topic": "sky"}).content.decode()
    everything = client.get(reverse("feeds:timeline")).content.decode()

    assert "By Grace" not in sky and "Nothing here" in sky
    assert "In my closed group" not in everything
    assert "In their closed group" in everything


def test_load_more_after_a_cursor_continues_where_the_page_ended(client, learner, world):
    client.force_login(learner)
    first = timeline_page(learner, TimelineFilter(), after=None, size=5)

    more = client.get(
        reverse("feeds:timeline"),
        {"after": first.next_cursor.encode()},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    last = first.items[-1]
    assert f'id="item-{last.pk}"' not in more
    after = Cursor(last.published_at, last.pk)
    next_one = timeline_page(learner, TimelineFilter(), after=after, size=1).items[0]
    assert f'id="item-{next_one.pk}"' in more
