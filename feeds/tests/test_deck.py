from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds import reading
from feeds.deck_views import COLUMN_PAGE_SIZE, newer_items
from feeds.filters import TimelineFilter
from feeds.tests.factories import ItemFactory
from feeds.timeline import Cursor, timeline_items
from sources.models import FollowedHashtag, Group, Topic
from sources.tests.factories import GroupFactory, HashtagFactory, MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def edtech(learner):
    hashtag = HashtagFactory(display="EdTech")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    return hashtag


def tagged(hashtag, **kwargs):
    item = ItemFactory(**kwargs)
    item.hashtags.add(hashtag)
    return item


def column(client, **params):
    return client.get(reverse("deck:column"), params, **HTMX)


def shown_ids(response) -> list[int]:
    return [item.pk for item in response.context["items"]] if response.context else []


def test_the_deck_has_an_everything_column_then_one_per_hashtag_and_topic(client, learner, edtech):
    topic = Topic.objects.create(name="Open science", owner=learner)
    tagged(edtech, title="A post about learning tools")
    client.force_login(learner)

    response = client.get(reverse("deck:deck"))

    body = response.content.decode()
    assert response.status_code == 200
    titles = [c["column"].title for c in response.context["columns"]]
    assert titles == ["Everything", "#EdTech", "Open science"]
    assert 'href="/?tag=edtech"' in body
    assert f'href="/?topic={topic.slug}"' in body
    assert body.count("A post about learning tools") == 2  # in Everything and in #EdTech


def test_an_empty_deck_explains_how_to_add_columns(client, learner):
    client.force_login(learner)

    response = client.get(reverse("deck:deck"))

    body = response.content.decode()
    assert "Make this deck yours" in body
    assert "Every hashtag you follow and every topic you read gets its own column" in body
    assert reverse("sources:hashtag_follow") in body


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (reverse("deck:deck"), reverse("deck:column") + "?tag=edtech"):
        response = client.get(url, **HTMX)

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_column_polls_for_news_with_the_newest_post_it_shows(client, learner, edtech):
    newest = tagged(edtech)
    client.force_login(learner)

    response = client.get(reverse("deck:deck"))

    since = Cursor(newest.published_at, newest.pk).encode()
    assert f"/deck/column/?tag=edtech&amp;since={since}" in response.content.decode()


def test_since_returns_only_posts_newer_than_the_cursor(client, learner, edtech):
    shown = tagged(edtech)
    tagged(edtech, published_at=shown.published_at - timedelta(minutes=5))  # older: shown already
    same_time_later_id = tagged(edtech, published_at=shown.published_at)
    newer = tagged(edtech, published_at=shown.published_at + timedelta(seconds=1))
    client.force_login(learner)

    response = column(client, tag="edtech", since=Cursor(shown.published_at, shown.pk).encode())

    assert shown_ids(response) == [newer.pk, same_time_later_id.pk]
    body = response.content.decode()
    assert f"since={Cursor(newer.published_at, newer.pk).encode()}" in body  # the next poll
    assert 'data-new="2"' in body


def test_since_answers_no_content_when_nothing_is_new(client, learner, edtech):
    shown = tagged(edtech)
    client.force_login(learner)

    response = column(client, tag="edtech", since=Cursor(shown.published_at, shown.pk).encode())

    assert response.status_code == 204


def test_polling_after_a_burst_brings_every_new_post_once_oldest_batch_first(learner, edtech):
    shown = tagged(edtech)
    start = shown.published_at
    burst = [tagged(edtech, published_at=start + timedelta(seconds=n)) for n in range(1, 46)]
    items = timeline_items(learner, TimelineFilter(tag="edtech"))
    since, seen, polls = Cursor(start, shown.pk), [], 0

    while True:
        fresh, more = newer_items(learner, items, since=since)
        seen += [item.pk for item in reversed(fresh)]  # each batch comes newest first
        polls += 1
        if not more:
            break
        since = Cursor(fresh[0].published_at, fresh[0].pk)

    assert polls == -(-len(burst) // COLUMN_PAGE_SIZE)
    assert seen == [item.pk for item in burst]


def test_a_poll_that_leaves_news_behind_asks_again_at_once(client, learner, edtech):
    shown = tagged(edtech)
    for n in range(COLUMN_PAGE_SIZE + 1):
        tagged(edtech, published_at=shown.published_at + timedelta(seconds=n + 1))
    client.force_login(learner)

    response = column(client, tag="edtech", since=Cursor(shown.published_at, shown.pk).encode())

    assert len(shown_ids(response)) == COLUMN_PAGE_SIZE
    assert 'hx-trigger="load, every' in response.content.decode()


def test_load_more_in_a_column_continues_after_the_cursor_without_repeats(client, learner, edtech):
    items = [tagged(edtech) for _ in range(COLUMN_PAGE_SIZE + 5)]
    client.force_login(learner)
    first = client.get(reverse("deck:deck")).context["columns"][1]

    response = client.get(first["more_url"], **HTMX)

    expected = sorted(items, key=lambda i: (i.published_at, i.pk), reverse=True)
    assert [i.pk for i in first["items"]] + shown_ids(response) == [i.pk for i in expected]
    assert "The end of this column." in response.content.decode()


def test_news_respect_privacy_and_hidden_posts(client, learner, other_learner, edtech):
    shown = tagged(edtech)
    later = shown.published_at + timedelta(minutes=1)
    closed = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=closed, user=other_learner)
    tagged(edtech, group=closed, published_at=later, title="Closed group post")
    tagged(edtech, hidden=True, published_at=later, title="Moderated post")
    hidden_by_learner = tagged(edtech, published_at=later, title="Hidden by the learner")
    reading.apply(learner, hidden_by_learner, "hide")
    open_post = tagged(edtech, published_at=later, title="Open post")
    client.force_login(learner)

    response = column(client, tag="edtech", since=Cursor(shown.published_at, shown.pk).encode())

    assert shown_ids(response) == [open_post.pk]


def test_a_column_of_a_hashtag_the_learner_does_not_follow_stays_empty(client, learner, edtech):
    stranger = HashtagFactory(display="Elsewhere")
    tagged(stranger, published_at=timezone.now())
    client.force_login(learner)

    response = column(client, tag="elsewhere", since=Cursor.decode("0_0").encode())

    assert response.status_code == 204


def test_without_htmx_a_column_link_opens_the_filtered_timeline(client, learner, edtech):
    client.force_login(learner)
    after = Cursor(timezone.now(), 7).encode()

    response = client.get(reverse("deck:column"), {"tag": "edtech", "after": after})

    assert response.status_code == 302
    assert response.url == f"/?tag=edtech&after={after}"
