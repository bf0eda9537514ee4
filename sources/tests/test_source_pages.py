import pytest
from django.urls import reverse
from django.utils import timezone

from feeds.models import Item
from sources.models import Source
from sources.tests.factories import FollowedBlogFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed_feed(learner, allow_simulator):
    source = SourceFactory(url=allow_simulator.feed_url(0), title="Blog zero")
    FollowedBlogFactory(user=learner, blog__source=source)
    return source


def test_a_follower_sees_a_sources_health(client, learner, followed_feed):
    Source.objects.filter(pk=followed_feed.pk).update(last_error="Timed out after 20 s")
    client.force_login(learner)

    body = client.get(reverse("sources:source", args=[followed_feed.pk])).content.decode()

    assert "Timed out after 20 s" in body
    assert "Refresh now" in body


def test_a_source_nobody_shared_with_you_is_not_found(client, other_learner, followed_feed):
    client.force_login(other_learner)

    assert client.get(reverse("sources:source", args=[followed_feed.pk])).status_code == 404
    refresh = client.post(reverse("sources:source_refresh", args=[followed_feed.pk]))
    assert refresh.status_code == 404
    assert not Item.objects.exists()


def test_refresh_now_polls_at_once_and_says_how_it_went(client, learner, followed_feed):
    client.force_login(learner)

    response = client.post(reverse("sources:source_refresh", args=[followed_feed.pk]), follow=True)

    assert "Updated just now." in response.content.decode()
    assert Item.objects.filter(sources=followed_feed).count() == 20
    assert "20" in response.content.decode()  # posts stored


def test_refresh_now_reports_a_failure_in_words(client, learner, followed_feed, allow_simulator):
    path = followed_feed.url.removeprefix(allow_simulator.base_url)
    allow_simulator.set_status(path, 500)
    try:
        client.force_login(learner)
        url = reverse("sources:source_refresh", args=[followed_feed.pk])
        response = client.post(url, follow=True)
    finally:
        allow_simulator.clear_status(path)

    assert "Could not update: The server answered with an error (HTTP 500)." in (
        response.content.decode()
    )


def test_a_paused_source_shows_why_and_can_be_resumed(client, learner, followed_feed):
    Source.objects.filter(pk=followed_feed.pk).update(
        paused_at=timezone.now(),
        pause_reason="Paused after 10 failed updates in a row. Last error: HTTP 500.",
    )
    client.force_login(learner)
    timeline = client.get(reverse("feeds:timeline")).content.decode()
    assert "Paused after 10 failed updates in a row." in timeline

    client.post(reverse("sources:source_resume", args=[followed_feed.pk]))

    followed_feed.refresh_from_db()
    assert not followed_feed.is_paused


def test_refreshing_needs_a_post(client, learner, followed_feed):
    client.force_login(learner)

    assert client.get(reverse("sources:source_refresh", args=[followed_feed.pk])).status_code == 405
