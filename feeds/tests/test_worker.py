"""The blog slice on real services: beat's dispatcher and a real `celery worker` process,
talking over Redis, polling the simulator and storing into PostgreSQL.

It needs the services bin/test starts (DATABASE_URL=postgres..., CELERY_BROKER_URL=redis...);
elsewhere the module is skipped. One worker serves the whole module: rows a test commits
(transactional tests) are what the worker sees in pytest-django's test database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.html import escape

from feeds.models import Item
from feeds.tasks import dispatch_due_sources
from feeds.tests.celery_worker import ON_REAL_SERVICES, Worker, start_worker
from pln import celery_app
from sources.following import follow_blog
from sources.models import Source

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not ON_REAL_SERVICES,
        reason="needs PostgreSQL and Redis (DATABASE_URL=postgres..., "
        "CELERY_BROKER_URL=redis...): run it through bin/test",
    ),
    pytest.mark.django_db(transaction=True),
]

POLL_TIMEOUT = 20


@pytest.fixture(scope="module")
def worker(django_db_setup, simulator, tmp_path_factory) -> Iterator[Worker]:
    celery_app.control.purge()  # nothing left over from other tests reaches this worker
    log_dir = tmp_path_factory.mktemp("celery")
    worker = start_worker(log_dir, PLN_NET_ALLOWED_PRIVATE_HOSTS=simulator.host_port)
    try:
        yield worker
    finally:
        worker.stop()


def wait_until(
    source_id: int, condition: Callable[[Source], bool], what: str, *, timeout: float = POLL_TIMEOUT
) -> Source:
    """The Source once `condition` holds for it; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        source = Source.objects.get(pk=source_id)
        if condition(source):
            return source
        if time.monotonic() > deadline:
            pytest.fail(
                f"After {timeout:.0f} s, still waiting until {what}: failures="
                f"{source.consecutive_failures}, last_error={source.last_error!r}, "
                f"last_polled_at={source.last_polled_at}, next_poll_at={source.next_poll_at}"
            )
        time.sleep(0.1)


def stored_urls(source: Source) -> list[str]:
    return sorted(Item.objects.filter(sources=source).values_list("url", flat=True))


def dispatch_again(source: Source) -> None:
    """Make `source` due and run the dispatcher through the broker, as beat would."""
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
    dispatch_due_sources.delay()


def feed_path(simulator, n: int) -> str:
    return urlsplit(simulator.feed_url(n)).path


def test_dispatcher_and_worker_store_a_followed_blogs_posts_in_postgres(
    worker, learner, allow_simulator, posts_in_feed
):
    simulator = allow_simulator
    blog = follow_blog(learner, f"{simulator.base_url}/blogs/3/")  # enqueues its first poll
    first = wait_until(blog.source_id, lambda s: s.last_success_at is not None, "it is stored")

    in_feed = sorted(simulator.base_url + post.path for post in posts_in_feed(3))
    assert stored_urls(first) == in_feed  # every post, each exactly once
    assert Item.objects.count() == len(in_feed)
    assert first.etag

    simulator.clear_requests()
    dispatch_again(first)
    second = wait_until(
        first.pk, lambda s: s.last_polled_at > first.last_polled_at, "it is polled again"
    )

    [request] = [r for r in simulator.requests if r.path == feed_path(simulator, 3)]
    assert request.headers.get("If-None-Match") == first.etag
    assert stored_urls(second) == in_feed
    assert Item.objects.count() == len(in_feed)
    assert (second.consecutive_failures, second.last_error) == (0, "")


def test_a_poll_that_fails_keeps_what_was_stored(
    worker, learner, allow_simulator, posts_in_feed, client
):
    simulator = allow_simulator
    blog = follow_blog(learner, f"{simulator.base_url}/blogs/6/")
    stored = wait_until(blog.source_id, lambda s: s.last_success_at is not None, "it is stored")
    stored_before = stored_urls(stored)

    simulator.set_status(feed_path(simulator, 6), 500)
    try:
        dispatch_again(stored)
        failed = wait_until(stored.pk, lambda s: s.consecutive_failures == 1, "the poll fails")
    finally:
        simulator.clear_status(feed_path(simulator, 6))

    assert failed.last_error == "The server answered with an error (HTTP 500)."
    assert stored_before and stored_urls(failed) == stored_before
    assert failed.last_success_at == stored.last_success_at

    client.force_login(learner)
    dashboard = client.get("/").content.decode()
    assert f"Could not update: {escape(failed.last_error)}" in dashboard
    for post in posts_in_feed(6):
        assert escape(post.title) in dashboard


def worker_backends() -> list[int]:
    """The PostgreSQL backends connected to the test database other than this process's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_the_worker_keeps_its_database_connection_from_poll_to_poll(
    worker, learner, allow_simulator
):
    """One PostgreSQL backend per worker process, not one per poll (a new backend and its
    caches for every batch cost ~10% of a first poll); one that went away, as in a database
    restart, is replaced before the next poll, which succeeds."""
    simulator = allow_simulator
    sources = [
        wait_until(
            follow_blog(learner, f"{simulator.base_url}/blogs/{n}/").source_id,
            lambda s: s.last_success_at is not None,
            f"blog {n} is stored",
        )
        for n in (1, 2, 4, 5)
    ]

    backends = worker_backends()
    assert 1 <= len(backends) <= 2  # the worker's two processes, each keeping its connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [backends])
    first = sources[0]
    dispatch_again(first)
    polled = wait_until(
        first.pk, lambda s: s.last_polled_at > first.last_polled_at, "it is polled again"
    )
    assert (polled.consecutive_failures, polled.last_error) == (0, "")
    assert not set(worker_backends()) & set(backends)
