"""The sidebar's unread counts: a page shows the counts last made and never counts; stale or
missing counts are asked of the worker once the page has loaded (htmx), and the block asks
again until they are fresh; without JavaScript, a link counts them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse

from feeds import counts, tasks
from feeds.relative_time import ago
from feeds.tests.factories import ItemFactory
from sources.models import FollowedHashtag, Group, Topic
from sources.tests.factories import GroupFactory, HashtagFactory, MembershipFactory, SourceFactory

pytestmark = pytest.mark.django_db
COUNTS_URL = reverse("feeds:sidebar_counts")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def astronomy(learner):
    """#astronomy, followed by the learner, with three unread toots."""
    hashtag = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    stream = SourceFactory(platform="mastodon", hashtag=hashtag)
    for n in range(3):
        ItemFactory(platform="mastodon", sources=[stream], title="", text=f"Toot {n}")
    return hashtag


@pytest.fixture
def queued(monkeypatch):
    """Counts asked of the worker, not run (no worker): (user id, token) of each."""
    asked = []
    monkeypatch.setattr(tasks.count_unread_task, "delay", lambda *args: asked.append(args))
    return asked


def unread_badge(body: str, name: str = "astronomy") -> str | None:
    """The number in the entry's unread badge (`?tag=name` or `?topic=name`), if any."""
    entry = re.split(rf'href="\?(?:tag|topic)={name}"', body, maxsplit=1)[1].split("</li>", 1)[0]
    if 'class="unread-count"' not in entry:
        return None
    return entry.split('class="unread-count" title="Unread in the last 30 days">')[1].split("<")[0]


def test_a_first_view_shows_the_page_at_once_and_asks_for_the_counts(client, learner, astronomy):
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline"), {"tag": "astronomy"}).content.decode()

    assert unread_badge(body) is None  # nothing counted while the page was made
    assert counts.last_counts(learner) == (None, False)
    assert f'hx-get="{COUNTS_URL}?tag=astronomy" hx-trigger="load"' in body


def test_the_counts_request_never_counts_and_says_it_is_counting(
    client, learner, astronomy, queued, django_assert_max_num_queries
):
    client.force_login(learner)

    with django_assert_max_num_queries(8):  # session, user, the sidebar's lists: no count
        fragment = client.get(COUNTS_URL, {"tag": "astronomy"}, **HTMX).content.decode()

    assert queued == [(learner.pk, queued[0][1])]
    assert "Counting unread posts…" in fragment and "<html" not in fragment
    assert unread_badge(fragment) is None
    # It asks again in a second, counting how often it asked, for the same filters.
    assert f'hx-get="{COUNTS_URL}?tag=astronomy" hx-trigger="load delay:1s"' in fragment
    assert """hx-vals='{"asked": 1}'""" in fragment


def test_a_burst_of_counts_requests_asks_the_worker_once(
    client, learner, other_learner, astronomy, queued
):
    client.force_login(learner)
    for _ in range(5):
        client.get(COUNTS_URL, **HTMX)
    client.force_login(other_learner)
    client.get(COUNTS_URL, **HTMX)

    assert [user for user, _ in queued] == [learner.pk, other_learner.pk]


def test_once_counted_the_block_shows_the_counts_and_stops_asking(
    client, learner, astronomy, queued
):
    client.force_login(learner)
    client.get(COUNTS_URL, **HTMX)
    (user_id, token), *_ = queued

    tasks.count_unread_task(user_id, token)  # the worker's turn
    fragment = client.get(COUNTS_URL, {"asked": 3}, **HTMX).content.decode()

    assert unread_badge(fragment) == "3"
    assert "hx-get" not in fragment and "Counting" not in fragment
    assert len(queued) == 1


def test_a_page_that_keeps_waiting_asks_less_often(client, learner, astronomy, queued):
    client.force_login(learner)

    fragment = client.get(COUNTS_URL, {"asked": 12}, **HTMX).content.decode()

    assert 'hx-trigger="load delay:5s"' in fragment and """'{"asked": 13}'""" in fragment


def test_the_counts_fragment_counts_and_the_next_page_shows_them(
    client, learner, astronomy, eager_celery
):
    client.force_login(learner)

    fragment = client.get(COUNTS_URL, **HTMX).content.decode()
    page = client.get(reverse("feeds:timeline")).content.decode()

    assert unread_badge(fragment) == "3" and "<html" not in fragment
    assert unread_badge(page) == "3"
    assert f'hx-get="{COUNTS_URL}' not in page  # fresh: nothing more to ask for


def test_after_reading_the_page_shows_the_last_counts_until_fresh_ones_come(
    client, learner, astronomy, eager_celery
):
    client.force_login(learner)
    client.get(COUNTS_URL, **HTMX)

    client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})
    stale = client.get(reverse("feeds:timeline")).content.decode()
    fresh = client.get(COUNTS_URL, **HTMX).content.decode()

    assert unread_badge(stale) == "3"
    assert f'hx-get="{COUNTS_URL}" hx-trigger="load"' in stale
    assert unread_badge(fresh) is None and "hx-get" not in fresh


def test_a_count_begun_before_a_reading_action_is_not_taken_as_fresh(
    client, learner, astronomy, queued
):
    client.force_login(learner)
    client.get(COUNTS_URL, **HTMX)
    (user_id, token), *_ = queued

    client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})
    tasks.count_unread_task(user_id, token)  # counted after the reading, asked before it
    fragment = client.get(COUNTS_URL, **HTMX).content.decode()

    assert "hx-get" in fragment and len(queued) == 2  # a new count is asked for
    tasks.count_unread_task(*queued[1])
    assert "hx-get" not in client.get(COUNTS_URL, **HTMX).content.decode()


def test_counts_never_leak_between_learners(
    client, learner, other_learner, astronomy, eager_celery
):
    FollowedHashtag.objects.create(user=other_learner, hashtag=astronomy)
    ItemFactory.create_batch(2, platform="mastodon", sources=[astronomy.sources.get()])
    client.force_login(learner)
    client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})
    client.get(COUNTS_URL, **HTMX)

    client.force_login(other_learner)
    theirs = client.get(COUNTS_URL, **HTMX).content.decode()
    client.force_login(learner)
    mine = client.get(reverse("feeds:timeline")).content.decode()

    assert unread_badge(theirs) == "5" and unread_badge(mine) is None


def test_closed_groups_and_others_topics_are_never_counted_for_outsiders(
    client, learner, other_learner, astronomy, eager_celery
):
    group = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=group, user=other_learner)
    members_only = ItemFactory(platform="pln", group=group, title="Members only")
    members_only.hashtags.add(astronomy)
    theirs = Topic.objects.create(name="Private sky", owner=other_learner)
    theirs.hashtags.add(astronomy)
    FollowedHashtag.objects.create(user=other_learner, hashtag=astronomy)
    client.force_login(learner)

    mine = client.get(COUNTS_URL, **HTMX).content.decode()
    client.force_login(other_learner)
    member = client.get(COUNTS_URL, **HTMX).content.decode()

    assert unread_badge(mine) == "3" and "Private sky" not in mine
    assert unread_badge(member) == "4" and unread_badge(member, theirs.slug) == "4"


def test_without_javascript_a_link_counts_and_returns_to_the_same_view(
    client, learner, astronomy, queued
):
    client.force_login(learner)
    body = client.get(reverse("feeds:timeline"), {"tag": "astronomy"}).content.decode()
    assert f'<noscript><p class="hint"><a href="{COUNTS_URL}?tag=astronomy">' in body

    response = client.get(COUNTS_URL, {"tag": "astronomy"})

    assert response.status_code == 302
    assert response["Location"] == reverse("feeds:timeline") + "?tag=astronomy"
    page = client.get(response["Location"]).content.decode()
    assert unread_badge(page) == "3"
    assert queued == []  # counted in the request, as the learner waited for it


def test_counts_are_only_for_signed_in_learners(client):
    response = client.get(COUNTS_URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    "ago_by",
    [
        timedelta(0),
        timedelta(seconds=1),
        timedelta(seconds=42.5),
        timedelta(minutes=1, seconds=30),
        timedelta(minutes=59, seconds=30),
        timedelta(hours=1, minutes=30),
        timedelta(hours=23, minutes=30),
        timedelta(days=1, hours=0, minutes=30),
        timedelta(days=2, hours=5, minutes=30),
        timedelta(days=7, minutes=30),
        timedelta(days=20, hours=3, minutes=30),
        timedelta(days=27, hours=23, minutes=30),
        timedelta(days=45),
        timedelta(days=800),
        -timedelta(hours=2, minutes=30),
    ],
)
def test_relative_times_are_worded_as_naturaltime_words_them(ago_by, settings):
    settings.LANGUAGE_CODE = "en-gb"
    now = datetime.now(UTC)
    moment = now - ago_by

    assert ago(moment, now) == naturaltime(moment)
