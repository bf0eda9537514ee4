"""Celery tasks: thin wrappers over plain functions. They take ids, never objects."""

from celery import shared_task
from django.utils import timezone

from feeds.polling import due_source_ids, poll_source


@shared_task(name="feeds.tasks.dispatch_due_sources", acks_late=False)
def dispatch_due_sources() -> int:
    """Enqueue a poll for every due Source. Run by beat; losing a run costs only a delay."""
    ids = due_source_ids(now=timezone.now())
    for source_id in ids:
        poll_source_task.delay(source_id)
    return len(ids)


@shared_task(
    name="feeds.tasks.poll_source",
    # Idempotent: a redelivered poll upserts the same items. No retries here: platform
    # errors are recorded on the Source, and if the worker or database dies mid-poll the
    # claim expires and the next dispatch picks the Source up again.
    acks_late=True,
)
def poll_source_task(source_id: int) -> str:
    return poll_source(source_id).value
