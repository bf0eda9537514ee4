from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feeds.tests.factories import ItemFactory
from feeds.timeline import Cursor, followed_items, page, visible_items
from sources.models import FollowedHashtag, Group, Topic
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed_blog(learner):
    return FollowedBlogFactory(user=learner).blog


def test_the_timeline_shows_posts_from_followed_blogs_newest_first(client, learner, followed_blog):
    older = ItemFactory(sources=[followed_blog.source], title="Older post")
    newer = ItemFactory(
        sources=[followed_blog.source],
        title="Newer post",
        published_at=older.published_at + timedelta(hours=1),
    )
    client.force_login(learner)

    response = client.get(reverse("feeds:timeline"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(newer.title) < body.index(older.title)
    assert followed_blog.title in body


def test_posts_from_blogs_the_learner_does_not_follow_stay_out(client, learner, followed_blog):
    ItemFactory(sources=[FollowedBlogFactory().blog.source], title="Someone else's blog post")
    client.force_login(learner)

    response = client.get(reverse("feeds:timeline"))

    assert "Someone else&#x27;s blog post" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("feeds:timeline"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_pages_hold_thirty_items_and_load_more_continues_without_gaps_or_repeats(
    learner, followed_blog
):
    items = [ItemFactory(sources=[followed_blog.source]) for _ in range(65)]
    seen, cursor = [], None
    while True:
        current = page(followed_items(learner), after=cursor)
        assert len(current.items) <= 30
        seen += [item.pk for item in current.items]
        if not (cursor := current.next_cursor):
            break

    expected = [i.pk for i in sorted(items, key=lambda i: (i.published_at, i.pk), reverse=True)]
    assert seen == expected


def test_items_arriving_while_reading_do_not_shift_the_next_page(learner, followed_blog):
    for _ in range(35):
        ItemFactory(sources=[followed_blog.source])
    first = page(followed_items(learner), after=None)
    ItemFactory(sources=[followed_blog.source], published_at=timezone.now())

    second = page(followed_items(learner), after=first.next_cursor)

    assert len(second.items) == 5
    assert not {i.pk for i in first.items} & {i.pk for i in second.items}


def test_htmx_load_more_returns_only_the_next_items(client, learner, followed_blog):
    for _ in range(31):
        ItemFactory(sources=[followed_blog.source])
    client.force_login(learner)
    first = page(followed_items(learner), after=None)

    response = client.get(
        reverse("feeds:timeline"), {"after": first.next_cursor.encode()}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert body.count('class="item"') == 1
    assert "<html" not in body


def test_a_garbled_cursor_shows_the_first_page():
    assert Cursor.decode("not-a-cursor") is None
    assert Cursor.decode("99999999999999999999999999_1") is None


def test_closed_group_posts_are_hidden_from_non_members(learner, other_learner):
    group = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=group, user=learner)
    post = ItemFactory(platform="pln", group=group)

    assert post in visible_items(learner)
    assert post not in visible_items(other_learner)


def test_moderated_items_are_hidden_from_everyone(learner, followed_blog):
    ItemFactory(sources=[followed_blog.source], hidden=True)

    assert not followed_items(learner).exists()


def test_the_timeline_query_count_does_not_grow_with_the_page(client, learner, followed_blog):
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("feeds:timeline")).status_code == 200
        return len(queries)

    def new_items(n: int) -> None:
        for _ in range(n):
            ItemFactory(sources=[followed_blog.source]).hashtags.add(HashtagFactory())

    new_items(1)
    client.force_login(learner)
    queries_for_a_page()  # the session and the cached counts settle
    new_items(1)
    one_card_to_render = queries_for_a_page()
    all_cards_cached = queries_for_a_page()
    new_items(40)

    assert queries_for_a_page() == one_card_to_render
    assert queries_for_a_page() == all_cards_cached


def test_a_followed_hashtags_stream_joins_the_timeline(client, learner):
    from sources.models import FollowedHashtag
    from sources.tests.factories import HashtagFactory, SourceFactory

    sub101 = HashtagFactory(name="sub101", display="SUB101")
    FollowedHashtag.objects.create(user=learner, hashtag=sub101)
    from_search = ItemFactory(sources=[SourceFactory(platform="feed", hashtag=sub101)])
    tagged_blog_post = ItemFactory(sources=[FollowedBlogFactory().blog.source])
    tagged_blog_post.hashtags.add(sub101)
    ItemFactory(sources=[FollowedBlogFactory().blog.source], title="Untagged, unfollowed")

    assert set(followed_items(learner)) == {from_search, tagged_blog_post}


def test_a_hashtag_page_shows_its_stream_to_anyone_and_says_where_it_comes_from(client, settings):
    from sources.tests.factories import HashtagFactory

    sub101 = HashtagFactory(name="sub101", display="SUB101")
    post = ItemFactory(title="Week one reflections")
    post.hashtags.add(sub101)
    ItemFactory(title="Not tagged")

    body = client.get(reverse("sources:hashtag", args=["SUB101"])).content.decode()

    assert "Week one reflections" in body and "Not tagged" not in body
    assert "Collected from" in body and "Blogs on PLN Hub" in body


def test_an_unknown_hashtag_page_is_not_found(client):
    assert client.get(reverse("sources:hashtag", args=["nosuchtag"])).status_code == 404


def test_filter_chips_name_the_learners_topic_and_hashtag(client, learner, other_learner):
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    stars = Topic.objects.create(name="Stars at night", owner=learner)
    secret = Topic.objects.create(name="Someone else's secret plans", owner=other_learner)
    client.force_login(learner)
    timeline = reverse("feeds:timeline")

    mine = client.get(timeline, {"topic": stars.slug, "tag": "astronomy"}).content.decode()
    theirs = client.get(timeline, {"topic": secret.slug, "tag": "comets"}).content.decode()

    assert "<span>Topic: Stars at night</span>" in mine
    assert "<span>#Astronomy</span>" in mine
    # Another learner's private topic is named by the slug that was typed, never by its name.
    assert f"<span>Topic: {secret.slug}</span>" in theirs
    assert "secret plans" not in theirs
    assert "<span>#comets</span>" in theirs  # a hashtag nobody follows yet
