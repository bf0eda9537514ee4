"""Many workers at once, on PostgreSQL: claims and dispatches never overlap."""

import os
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feeds.models import Item
from feeds.polling import Outcome, due_source_ids, poll_source
from sources.models import Source
from sources.tests.factories import SourceFactory

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="concurrent transactions need PostgreSQL: run through bin/test",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_concurrently(work: Callable[[], object], *, workers: int) -> list[object]:
    """Run `work` in `workers` threads released at the same instant, each with its own
    database connection, and return their results."""
    barrier = threading.Barrier(workers)
    results: list[object] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def run_concurrently_each(works: list[Callable[[], object]]) -> list[object]:
    """Run each of `works` in its own thread, released together; errors are returned."""
    barrier = threading.Barrier(len(works))
    results: list[object] = [None] * len(works)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = works[index]()
        except Exception as exc:  # the test asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_workers_polling_one_source_fetch_it_once(fresh_simulator, settings):
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    source = SourceFactory(url=fresh_simulator.feed_url(0))
    fresh_simulator.clear_requests()

    outcomes = run_concurrently(lambda: poll_source(source.pk), workers=2)

    assert sorted(o.value for o in outcomes) == [Outcome.SKIPPED.value, Outcome.STORED.value]
    assert len(fresh_simulator.requests) == 1
    assert Item.objects.count() == 5


def test_two_dispatchers_never_hand_out_the_same_source():
    now = timezone.now()
    for n in range(40):
        SourceFactory(url=f"https://host{n % 8}.example/{n}/feed")
    Source.objects.update(next_poll_at=now - timedelta(minutes=1))

    handed_out = run_concurrently(lambda: due_source_ids(now=now), workers=2)

    first, second = handed_out
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40


def test_two_workers_storing_overlapping_posts_at_once_never_deadlock():
    from datetime import UTC, datetime

    from django.db import transaction

    from feeds.ingest import store_items
    from sources.connectors.base import AuthorRecord, ItemRecord

    def records(order: int, round_: int) -> list[ItemRecord]:
        made = [
            ItemRecord(
                external_id=f"relay|{round_}|{n}",
                html=f"<p>Post {n}</p>",
                author=AuthorRecord(external_id=f"r{round_}author{n}", name=f"Author {n}"),
                hashtags=[f"r{round_}tag{n}", f"r{round_}tag{n + 1}"],
            )
            for n in range(80)
        ]
        return made[::order]  # the other worker meets the same new tags in reverse order

    first, second = SourceFactory(), SourceFactory()
    now = datetime.now(UTC)

    def store(source, order):
        def work():
            for round_ in range(8):
                with transaction.atomic():
                    store_items(source, records(order, round_), now=now)
            return "done"

        return work

    results = run_concurrently_each([store(first, 1), store(second, -1)])

    assert results == ["done", "done"]
    assert Item.objects.count() == 8 * 80
