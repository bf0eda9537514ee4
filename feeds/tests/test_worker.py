"""The blog slice on real services: beat's dispatcher and a real `celery worker` process,
talking over Redis, polling the simulator and storing into PostgreSQL.

It needs the services bin/test starts (DATABASE_URL=postgres..., CELERY_BROKER_URL=redis...);
elsewhere the module is skipped. One worker serves the whole module: rows a test commits
(transactional tests) are what the worker sees in pytest-django's test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape

from feeds.models import Item
from feeds.tasks import dispatch_due_sources
from pln import celery_app
from sources.following import follow_blog
from sources.models import Source

ON_REAL_SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "CELERY_BROKER_URL", ""
).startswith("redis")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not ON_REAL_SERVICES,
        reason="needs PostgreSQL and Redis (DATABASE_URL=postgres..., "
        "CELERY_BROKER_URL=redis...): run it through bin/test",
    ),
    pytest.mark.django_db(transaction=True),
]

WORKER_START_TIMEOUT = 30
POLL_TIMEOUT = 20


class Worker:
    """A running `celery worker` subprocess, known to the broker as `name`."""

    def __init__(self, process: subprocess.Popen, name: str, log_path: Path) -> None:
        self.process = process
        self.name = name
        self.log_path = log_path

    def log_tail(self, lines: int = 80) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not celery_app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker was not ready:\n{self.log_tail()}")

    def stop(self) -> None:
        """Warm shutdown (finish running tasks), then kill the whole process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def worker_database_url() -> str:
    """DATABASE_URL pointing at the database pytest-django created, not the real one."""
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


@pytest.fixture(scope="module")
def worker(django_db_setup, simulator, tmp_path_factory) -> Iterator[Worker]:
    celery_app.control.purge()  # nothing left over from other tests reaches this worker
    name = f"pln-test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "PLN_NET_ALLOWED_PRIVATE_HOSTS": simulator.host_port,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pln",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        "celery",
        "-n",
        name,
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its pool children share its process group
        )
    worker = Worker(process, name, log_path)
    try:
        worker.wait_until_ready()
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
