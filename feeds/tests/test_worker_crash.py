"""A worker killed with SIGKILL in the middle of a poll, on PostgreSQL and Redis.

Its own module, so no other worker is running to pick up the poll instead.
"""

import time

import pytest

from feeds.models import Item
from feeds.tasks import dispatch_due_sources
from feeds.tests.celery_worker import ON_REAL_SERVICES, start_worker
from feeds.tests.test_worker import POLL_TIMEOUT, feed_path, stored_urls
from pln import celery_app
from sources.models import Source
from sources.tests.factories import SourceFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not ON_REAL_SERVICES, reason="needs PostgreSQL and Redis: use bin/test"),
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_poll_loses_nothing_and_duplicates_nothing(
    allow_simulator, posts_in_feed, tmp_path, settings
):
    """SIGKILL the whole worker while it waits on a slow feed: nothing half-stored, the dead
    worker's claim expires, and a new worker stores every post exactly once."""
    simulator = allow_simulator
    env = {"PLN_NET_ALLOWED_PRIVATE_HOSTS": simulator.host_port, "PLN_POLL_LEASE_SECONDS": "3"}
    path = feed_path(simulator, 7)
    source = SourceFactory(url=simulator.feed_url(7), title="")
    simulator.set_delay(path, 30)
    simulator.clear_requests()
    celery_app.control.purge()
    doomed = start_worker(tmp_path, **env)
    try:
        dispatch_due_sources.delay()
        deadline = time.monotonic() + POLL_TIMEOUT
        while not any(r.path == path for r in simulator.requests):  # the poll is in flight
            assert time.monotonic() < deadline, doomed.log_tail()
            time.sleep(0.05)
        doomed.kill()
    finally:
        doomed.kill()
        simulator.set_delay(path, 0)

    held = Source.objects.get(pk=source.pk)
    assert held.claimed_until is not None and held.last_polled_at is None
    assert not Item.objects.exists()

    survivor = start_worker(tmp_path, **env)
    try:
        deadline = time.monotonic() + POLL_TIMEOUT
        while not Source.objects.filter(pk=source.pk, last_success_at__isnull=False).exists():
            assert time.monotonic() < deadline, survivor.log_tail()
            dispatch_due_sources.delay()  # as beat would; the claim expires after 3 s
            time.sleep(0.5)
    finally:
        survivor.stop()

    in_feed = sorted(simulator.base_url + post.path for post in posts_in_feed(7))
    assert stored_urls(Source.objects.get(pk=source.pk)) == in_feed
    assert Item.objects.count() == len(in_feed)
