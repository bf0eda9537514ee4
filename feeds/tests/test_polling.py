from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from feeds import polling
from feeds.models import Item
from feeds.polling import (
    Outcome,
    claim,
    due_source_ids,
    poll_source,
    poll_sources,
    resume,
)
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
    assert source.next_poll_at > timezone.now() + timedelta(minutes=10)  # backed off
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
    assert source.pause_reason.startswith("Paused after 2 failed updates in a row.")
    assert "HTTP 500" in source.pause_reason

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


def test_a_busy_source_is_polled_more_often_and_a_quiet_one_less(sim, settings):
    source = feed_source(sim)
    poll_source(source.pk)  # everything is new
    source.refresh_from_db()
    busy = source.interval

    poll_when_due(source)  # nothing new (304)
    poll_when_due(source)
    source.refresh_from_db()

    assert busy < settings.PLN_POLL_INTERVAL
    assert source.interval > busy
    assert settings.PLN_POLL_MIN_INTERVAL <= busy
    assert source.interval <= settings.PLN_POLL_MAX_INTERVAL


def test_failures_back_off_exponentially_within_a_day():
    source = SourceFactory(interval=timedelta(minutes=30))
    now = timezone.now()
    delays = []
    for failures in (1, 2, 3, 4, 12):
        source.consecutive_failures = failures
        delays.append(source.next_poll_after_failure(now, retry_at=None) - now)

    assert delays[0] < delays[1] < delays[2] < delays[3]
    assert delays[-1] <= timedelta(days=1) * 1.2


def test_the_dispatcher_hands_out_a_limited_number_of_sources_per_host(settings):
    settings.PLN_DISPATCH_PER_HOST = 2
    now = timezone.now()
    busy_host = [SourceFactory(url=f"https://busy.example/{n}/feed") for n in range(5)]
    other = SourceFactory(url="https://quiet.example/feed")
    Source.objects.update(next_poll_at=now - timedelta(minutes=1))

    handed_out = due_source_ids(now=now)

    busy_ids = {s.pk for s in busy_host}
    assert len(busy_ids & set(handed_out)) == 2
    assert other.pk in handed_out
    next_round = due_source_ids(now=now + timedelta(seconds=1))  # the rest wait their turn
    assert len(next_round) == 2 and set(next_round) <= busy_ids - set(handed_out)


def test_a_paused_source_can_be_resumed_and_is_polled_at_the_next_dispatch(sim):
    source = feed_source(sim)
    Source.objects.filter(pk=source.pk).update(
        paused_at=timezone.now(), pause_reason="Paused after 10 failed updates in a row."
    )
    source.refresh_from_db()

    resume(source)

    assert source.pk in due_source_ids(now=timezone.now())
    source.refresh_from_db()
    assert not source.is_paused and source.pause_reason == ""


def test_a_batch_of_sources_is_polled_together_and_each_once(sim):
    sources = [feed_source(sim, n) for n in range(4)]
    sim.clear_requests()

    outcomes = poll_sources([s.pk for s in sources] + [sources[0].pk])

    assert sorted(o.value for o in outcomes[:4]) == ["stored"] * 4
    assert len(sim.requests) == 4
    assert Item.objects.count() == 4 * 5
    assert all(s.claimed_until is None for s in Source.objects.all())


def test_each_source_of_a_batch_stored_together_keeps_its_own_poll_state(sim):
    sources = [feed_source(sim, n) for n in range(3)]
    before = timezone.now()

    poll_sources([s.pk for s in sources])

    for n, source in enumerate(sources):
        source.refresh_from_db()
        assert source.title == sim.site.blogs.blogs[n].title  # each from its own feed
        assert source.etag == requests.get(sim.feed_url(n), timeout=5).headers["ETag"]
        assert source.last_success_at >= before and source.last_polled_at == source.last_success_at
        assert source.next_poll_at == source.last_polled_at + source.interval
        assert source.claimed_until is None and source.consecutive_failures == 0


def test_a_batch_mixes_failures_and_successes_without_losing_either(sim):
    good, bad = feed_source(sim, 0), feed_source(sim, 1)
    sim.set_status(sim.feed_url(1).removeprefix(sim.base_url), 500)

    poll_sources([good.pk, bad.pk])

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.last_success_at and not good.last_error
    assert "HTTP 500" in bad.last_error and bad.claimed_until is None


def test_a_source_deleted_during_its_poll_keeps_none_of_its_posts(sim, monkeypatch):
    kept, deleted = feed_source(sim, 0), feed_source(sim, 1)
    settle = polling.read_caps.settle

    def delete_once_fetched(source, fetched, **kwargs):
        if source.pk == deleted.pk:
            Source.objects.filter(pk=deleted.pk).delete()  # a learner removes the blog
        return settle(source, fetched, **kwargs)

    monkeypatch.setattr(polling.read_caps, "settle", delete_once_fetched)

    outcomes = poll_sources([kept.pk, deleted.pk])

    assert [o.value for o in outcomes] == ["stored", "failed"]
    assert Item.objects.count() == 5
    assert set(Item.objects.values_list("sources", flat=True)) == {kept.pk}
    # The batch's transaction failed and each poll was stored alone: the survivor is
    # scheduled as if it had been polled alone.
    alone = feed_source(sim, 2)
    poll_sources([alone.pk])
    kept.refresh_from_db()
    alone.refresh_from_db()
    assert kept.interval == alone.interval and kept.claimed_until is None


def test_a_round_with_nothing_new_reschedules_every_source_of_the_batch(sim):
    quiet = [feed_source(sim, n) for n in range(3)]
    busy = feed_source(sim, 3)
    poll_sources([s.pk for s in [*quiet, busy]])
    before = {s.pk: s for s in Source.objects.all()}
    sim.add_post(3)
    Source.objects.update(next_poll_at=timezone.now())

    outcomes = poll_sources([s.pk for s in [*quiet, busy]])

    assert [o.value for o in outcomes] == ["not modified"] * 3 + ["stored"]
    assert Item.objects.count() == 4 * 5 + 1
    for source in Source.objects.filter(pk__in=[s.pk for s in quiet]):
        earlier = before[source.pk]
        assert source.etag == earlier.etag and source.last_polled_at > earlier.last_polled_at
        assert source.interval > earlier.interval  # quiet sources are polled less often
        assert source.next_poll_at == source.last_polled_at + source.interval
        assert source.claimed_until is None and source.consecutive_failures == 0
