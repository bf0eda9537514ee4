"""The sidebar's unread counts: a page shows the counts last made and never counts; stale or
missing counts are fetched once the page has loaded (htmx), or by a link without JavaScript."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse

from feeds import counts
from feeds.relative_time import ago
from feeds.tests.factories import ItemFactory
from sources.models import FollowedHashtag
from sources.tests.factories import HashtagFactory, SourceFactory

pytestmark = pytest.mark.django_db
COUNTS_URL = reverse("feeds:sidebar_counts")


@pytest.fixture
def astronomy(learner):
    """#astronomy, followed by the learner, with three unread toots."""
    hashtag = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    stream = SourceFactory(platform="mastodon", hashtag=hashtag)
    for n in range(3):
        ItemFactory(platform="mastodon", sources=[stream], title="", text=f"Toot {n}")
    return hashtag


def unread_badge(body: str) -> str | None:
    """The number in the #astronomy entry's unread badge, if it has one."""
    entry = body.split('href="?tag=astronomy"', 1)[1].split("</li>", 1)[0]
    if 'class="unread-count"' not in entry:
        return None
    return entry.split('class="unread-count" title="Unread in the last 30 days">')[1].split("<")[0]


def test_a_first_view_shows_the_page_at_once_and_asks_for_the_counts(client, learner, astronomy):
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline"), {"tag": "astronomy"}).content.decode()

    assert unread_badge(body) is None  # nothing counted while the page was made
    assert counts.last_counts(learner) == (None, False)
    assert f'hx-get="{COUNTS_URL}?tag=astronomy" hx-trigger="load"' in body


def test_the_counts_fragment_counts_and_the_next_page_shows_them(client, learner, astronomy):
    client.force_login(learner)

    fragment = client.get(COUNTS_URL, HTTP_HX_REQUEST="true").content.decode()
    page = client.get(reverse("feeds:timeline")).content.decode()

    assert unread_badge(fragment) == "3" and "<html" not in fragment
    assert unread_badge(page) == "3"
    assert f'hx-get="{COUNTS_URL}' not in page  # fresh: nothing more to ask for


def test_after_reading_the_page_shows_the_last_counts_until_fresh_ones_come(
    client, learner, astronomy
):
    client.force_login(learner)
    client.get(COUNTS_URL, HTTP_HX_REQUEST="true")

    client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})
    stale = client.get(reverse("feeds:timeline")).content.decode()
    fresh = client.get(COUNTS_URL, HTTP_HX_REQUEST="true").content.decode()

    assert unread_badge(stale) == "3"
    assert f'hx-get="{COUNTS_URL}" hx-trigger="load"' in stale
    assert unread_badge(fresh) is None


def test_without_javascript_a_link_counts_and_returns_to_the_same_view(client, learner, astronomy):
    client.force_login(learner)
    body = client.get(reverse("feeds:timeline"), {"tag": "astronomy"}).content.decode()
    assert f'<noscript><p class="hint"><a href="{COUNTS_URL}?tag=astronomy">' in body

    response = client.get(COUNTS_URL, {"tag": "astronomy"})

    assert response.status_code == 302
    assert response["Location"] == reverse("feeds:timeline") + "?tag=astronomy"
    page = client.get(response["Location"]).content.decode()
    assert unread_badge(page) == "3"


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
