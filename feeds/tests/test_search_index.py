"""Search documents: computed after the poll, for every stored or edited post, exactly once."""

import os
import threading

import pytest
from django.db import connection

from feeds import search, search_index
from feeds.ingest import store_items
from feeds.models import Item, SearchBacklog, SearchDocument
from feeds.tasks import index_search_task
from feeds.tests.factories import ItemFactory
from feeds.tests.test_ingest import NOW, record
from sources.tests.factories import SourceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="full-text search needs PostgreSQL: run through bin/test",
    ),
]


def found(words: str) -> list[str]:
    return [item.title for item in search.ranked(search.matching(Item.objects.all(), words), words)]


def test_a_polled_post_is_searchable_once_the_indexer_has_run():
    store_items(SourceFactory(), [record(1, title="Saturn's rings")], now=NOW)

    assert found("rings") == []  # the poll only queued it
    assert search_index.index_backlog() == 1
    assert found("rings") == ["Saturn's rings"]
    assert SearchBacklog.objects.count() == 0


def test_an_edited_post_is_found_by_its_new_words_only():
    source = SourceFactory()
    store_items(source, [record(1, title="Saturn's rings")], now=NOW)
    search_index.index_backlog()

    store_items(source, [record(1, title="Jupiter's moons")], now=NOW)
    search_index.index_backlog()

    assert found("moons") == ["Jupiter's moons"]
    assert found("rings") == []


def test_posts_written_outside_the_poll_are_queued_too():
    item = ItemFactory(title="Comet tails")
    search_index.index_backlog()
    Item.objects.filter(pk=item.pk).update(title="Meteor showers")  # e.g. the admin

    search_index.index_backlog()

    assert found("meteors") == ["Meteor showers"]


def test_a_post_deleted_before_indexing_leaves_the_backlog():
    ItemFactory(title="Comet tails").delete()

    assert search_index.index_backlog() == 0
    assert SearchBacklog.objects.count() == 0
    assert SearchDocument.objects.count() == 0


def test_a_large_backlog_is_worked_through_in_batches_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(search_index, "BATCH", 3)
    ItemFactory.create_batch(8, title="Nebula")

    assert search_index.index_backlog(limit=5) == 5
    assert SearchBacklog.objects.count() == 3
    assert index_search_task() == 3
    assert len(found("nebula")) == 8


@pytest.mark.django_db(transaction=True)
def test_two_indexers_at_once_write_each_document_once(monkeypatch):
    monkeypatch.setattr(search_index, "BATCH", 5)
    ItemFactory.create_batch(40, title="Quasar")
    counts = []

    def run():
        counts.append(search_index.index_backlog())
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 40
    assert SearchDocument.objects.count() == 40
