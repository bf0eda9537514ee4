"""Celery tasks: thin wrappers over plain functions. They take ids, never objects."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from feeds.counts import refresh as refresh_counts
from feeds.polling import due_source_ids, poll_source, poll_sources
from feeds.search_index import index_backlog


@shared_task(name="feeds.tasks.dispatch_due_sources", acks_late=False)
def dispatch_due_sources() -> int:
    """Enqueue polls for every due Source, a batch per task. Run by beat; losing a run costs
    only a delay."""
    ids = due_source_ids(now=timezone.now())
    size = settings.PLN_POLL_BATCH
    for start in range(0, len(ids), size):
        poll_sources_task.delay(ids[start : start + size])
    return len(ids)


# Idempotent: a redelivered poll upserts the same items. No retries here: platform errors
# are recorded on the Source, and if the worker or database dies mid-poll the claims expire
# and the next dispatch picks the Sources up again.
@shared_task(name="feeds.tasks.poll_sources", acks_late=True)
def poll_sources_task(source_ids: list[int]) -> list[str]:
    return [outcome.value for outcome in poll_sources(source_ids)]


@shared_task(name="feeds.tasks.poll_source", acks_late=True)
def poll_source_task(source_id: int) -> str:
    """One Source at once: the first poll of a Source a learner just followed."""
    return poll_source(source_id).value


@shared_task(name="feeds.tasks.index_search", acks_late=False)
def index_search_task() -> int:
    """Make newly stored and edited posts searchable. Run by beat; each run takes at most
    PLN_SEARCH_INDEX_LIMIT items, so a large backlog (a first poll) is spread over runs."""
    return index_backlog(limit=settings.PLN_SEARCH_INDEX_LIMIT)


# Idempotent: counting twice stores the same counts. A lost task costs only a delay: the
# next page after `counts.PENDING` asks again.
@shared_task(name="feeds.tasks.count_unread", acks_late=True)
def count_unread_task(user_id: int, token: str) -> None:
    """A learner's sidebar unread counts, asked for by a page that showed them stale."""
    refresh_counts(user_id, token=token)
