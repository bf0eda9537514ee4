"""Two real worker processes share the work: every Source polled, none polled twice."""

import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from feeds.models import Item
from feeds.tasks import dispatch_due_sources
from feeds.tests.celery_worker import ON_REAL_SERVICES, start_worker
from pln import celery_app
from sources.models import Source
from sources.tests.factories import SourceFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not ON_REAL_SERVICES, reason="needs PostgreSQL and Redis: use bin/test"),
    pytest.mark.django_db(transaction=True),
]


def test_two_workers_poll_every_source_once(allow_simulator, tmp_path):
    simulator = allow_simulator
    sources = [SourceFactory(url=simulator.feed_url(n), title="") for n in range(12)]
    celery_app.control.purge()
    simulator.clear_requests()
    # Small batches, so there is work for both workers.
    env = {"PLN_NET_ALLOWED_PRIVATE_HOSTS": simulator.host_port, "PLN_POLL_BATCH": "2"}
    workers = [start_worker(tmp_path, **env), start_worker(tmp_path, **env)]
    try:
        for _ in range(3):  # beat firing repeatedly while polls are in flight
            dispatch_due_sources.delay()
        deadline = time.monotonic() + 30
        while Source.objects.filter(last_success_at__isnull=True).exists():
            assert time.monotonic() < deadline, workers[0].log_tail() + workers[1].log_tail()
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()

    feed_paths = {urlsplit(s.url).path for s in sources}
    fetched = Counter(r.path for r in simulator.requests if r.path in feed_paths)
    assert fetched == Counter({path: 1 for path in feed_paths})
    assert Item.objects.count() == 12 * 20
    received = [w.log_path.read_text().count("Task feeds.tasks.poll_sources[") for w in workers]
    assert all(received), received  # both workers took a share
