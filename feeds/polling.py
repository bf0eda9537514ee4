"""One poll of one Source, top to bottom: claim, fetch, store, schedule the next, release.

The Celery task, the "Refresh now" button and `manage.py pollsource` all call `poll_source`.
Many workers may run at once: a Source is claimed with a conditional UPDATE, so two workers
never poll it together, and a crashed worker's claim simply expires.
"""

import enum
import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from feeds.ingest import store_items
from feeds.sanitize import plain_text
from sources.connectors import CONNECTORS
from sources.connectors.base import ConnectorError, FetchResult, PollState, Target
from sources.models import Source

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    STORED = "stored"
    NOT_MODIFIED = "not modified"
    FAILED = "failed"
    SKIPPED = "skipped"  # claimed by another worker, paused, or gone


def poll_source(source_id: int, *, now: datetime | None = None, force: bool = False) -> Outcome:
    """Poll one Source. Never raises for platform failures: they are recorded on the Source
    (`last_error`, backoff, pause after repeated failures). `force` polls a paused Source."""
    now = now or timezone.now()
    if not claim(source_id, now=now, force=force):
        return Outcome.SKIPPED
    source = Source.objects.get(pk=source_id)
    connector = CONNECTORS[source.platform]
    target = Target(
        url=source.url,
        state=PollState(source.etag, source.last_modified, source.cursor),
        hashtag=source.hashtag.name if source.hashtag_id else "",
    )
    try:
        result = connector.fetch(target)
    except ConnectorError as exc:
        record_failure(source, exc, now=now)
        return Outcome.FAILED
    except Exception:
        # A bug meeting hostile input must not leave the Source claimed or show a traceback.
        logger.exception("Unexpected error polling source %s", source_id)
        record_failure(source, ConnectorError("Unexpected error while reading it."), now=now)
        return Outcome.FAILED
    with transaction.atomic():
        if not result.not_modified:
            store_items(source, result.items, now=now)
        record_success(source, result, now=now)
    return Outcome.NOT_MODIFIED if result.not_modified else Outcome.STORED


def claim(source_id: int, *, now: datetime, force: bool = False) -> bool:
    """Atomically lease a Source to this worker. False if another worker holds it or, unless
    `force`, if it is paused or no longer due (a duplicate task whose poll already ran)."""
    lease = settings.PLN_POLL_LEASE
    sources = Source.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    if not force:
        # Dispatching pushes next_poll_at one lease ahead; a finished poll pushes it further.
        sources = sources.filter(paused_at__isnull=True, next_poll_at__lte=now + lease)
    return sources.filter(pk=source_id).update(claimed_until=now + lease) == 1


def due_source_ids(*, now: datetime, limit: int = 1000) -> list[int]:
    """Sources whose poll is due, oldest first, pushed a lease ahead so the next dispatch
    does not enqueue them again while they wait in the queue."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Source.objects.filter(free, next_poll_at__lte=now, paused_at__isnull=True)
    ids = list(due.order_by("next_poll_at").values_list("pk", flat=True)[:limit])
    Source.objects.filter(pk__in=ids, next_poll_at__lte=now).update(
        next_poll_at=now + settings.PLN_POLL_LEASE
    )
    return ids


def record_success(source: Source, result: FetchResult, *, now: datetime) -> None:
    source.etag = result.state.etag[:500]
    source.last_modified = result.state.last_modified[:100]
    source.cursor = result.state.cursor[:500]
    if result.title and not source.title:
        source.title = plain_text(result.title, limit=300)
    source.consecutive_failures = 0
    source.last_error = ""
    source.last_polled_at = source.last_success_at = now
    source.next_poll_at = now + source.interval
    source.claimed_until = None
    source.paused_at = None
    source.save()


def record_failure(source: Source, error: ConnectorError, *, now: datetime) -> None:
    source.consecutive_failures += 1
    source.last_error = error.message[:500]
    source.last_polled_at = now
    source.next_poll_at = source.next_poll_after_failure(now, retry_at=error.retry_at)
    source.claimed_until = None
    if error.permanent or source.consecutive_failures >= settings.PLN_MAX_FAILURES:
        source.paused_at = now
    source.save()
