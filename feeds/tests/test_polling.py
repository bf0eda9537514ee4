from datetime import timedelta

import pytest
from django.utils import timezone

from feeds.models import Item
from feeds.polling import Outcome, claim, due_source_ids, poll_source
from sources.models import Source
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim(fresh_simulator, settings):
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    return fresh_simulator


def feed_source(sim, n: int = 0) -> Source:
    return SourceFactory(url=sim.feed_url(n), title="")


def poll_when_due(source: Source) -> Outcome:
    """Poll `source` as the scheduler would once its next poll time has come."""
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
    return poll_source(source.pk)


def test_a_first_poll_stores_every_post_and_remembers_the_feed_state(sim):
    source = feed_source(sim)

    assert poll_source(source.pk) is Outcome.STORED

    source.refresh_from_db()
    assert Item.objects.filter(sources=source).count() == 5
    assert source.etag and source.last_success_at and not source.last_error
    assert source.title  # taken from the feed
    assert source.next_poll_at > timezone.now()
    assert source.claimed_until is None


def test_a_second_poll_asks_conditionally_and_stores_nothing_new(sim):
    source = feed_source(sim)
    poll_source(source.pk)
    sim.clear_requests()

    assert poll_when_due(source) is Outcome.NOT_MODIFIED

    (request,) = sim.requests
    assert request.headers.get("If-None-Match")
    assert Item.objects.count() == 5


def test_a_new_post_on_the_blog_arrives_on_the_next_poll(sim):
    source = feed_source(sim)
    poll_source(source.pk)
    post = sim.add_post(0)

    poll_when_due(source)

    assert Item.objects.count() == 6
    assert Item.objects.filter(title=post.title).exists()


def test_a_failing_poll_keeps_stored_posts_and_says_what_went_wrong(sim):
    source = feed_source(sim)
    poll_source(source.pk)
    path = sim.feed_url(0).removeprefix(sim.base_url)
    sim.set_status(path, 500)

    assert poll_when_due(source) is Outcome.FAILED

    source.refresh_from_db()
    assert Item.objects.count() == 5
    assert "HTTP 500" in source.last_error
    assert source.consecutive_failures == 1
    assert source.next_poll_at > timezone.now() + timedelta(minutes=20)  # backed off
    assert source.claimed_until is None


def test_a_malformed_feed_is_reported_and_nothing_is_stored(sim, settings):
    source = SourceFactory(url=f"{sim.base_url}/faults/malformed/feed.xml")

    assert poll_source(source.pk) is Outcome.FAILED

    source.refresh_from_db()
    assert "not well-formed" in source.last_error
    assert not Item.objects.exists()


def test_a_source_pauses_after_repeated_failures_and_a_forced_poll_resumes_it(sim, settings):
    settings.PLN_MAX_FAILURES = 2
    source = feed_source(sim)
    path = sim.feed_url(0).removeprefix(sim.base_url)
    sim.set_status(path, 500)
    poll_source(source.pk)
    poll_when_due(source)
    source.refresh_from_db()
    assert source.is_paused

    assert poll_when_due(source) is Outcome.SKIPPED  # paused sources are not polled
    sim.clear_status(path)
    assert poll_source(source.pk, force=True) is Outcome.STORED

    source.refresh_from_db()
    assert not source.is_paused and source.consecutive_failures == 0


def test_a_429_schedules_the_next_poll_no_sooner_than_retry_after(sim):
    source = feed_source(sim)
    path = sim.feed_url(0).removeprefix(sim.base_url)
    sim.set_status(path, 429, headers={"Retry-After": "7200"})

    poll_source(source.pk)

    source.refresh_from_db()
    assert source.next_poll_at >= timezone.now() + timedelta(seconds=7190)


def test_a_claimed_source_is_not_polled_by_a_second_worker(sim):
    source = feed_source(sim)
    now = timezone.now()
    assert claim(source.pk, now=now)

    assert poll_source(source.pk, now=now) is Outcome.SKIPPED
    assert not claim(source.pk, now=now)
    assert not Item.objects.exists()


def test_a_duplicate_task_for_a_source_just_polled_does_nothing(sim):
    source = feed_source(sim)
    poll_source(source.pk)
    sim.clear_requests()

    assert poll_source(source.pk) is Outcome.SKIPPED
    assert sim.requests == []


def test_a_crashed_workers_claim_expires(sim, settings):
    source = feed_source(sim)
    now = timezone.now()
    claim(source.pk, now=now)

    later = now + settings.PLN_POLL_LEASE + timedelta(seconds=1)
    assert poll_source(source.pk, now=later) is Outcome.STORED


def test_the_dispatcher_hands_out_each_due_source_once():
    now = timezone.now()
    due = SourceFactory(next_poll_at=now - timedelta(minutes=1))
    SourceFactory(next_poll_at=now + timedelta(minutes=10))
    SourceFactory(next_poll_at=now - timedelta(minutes=1), paused_at=now)

    assert due_source_ids(now=now) == [due.pk]
    assert due_source_ids(now=now) == []  # already handed out, not yet polled
