"""One poll of one Source, top to bottom: claim, fetch, store, schedule the next, release.

The Celery task, the "Refresh now" button and `manage.py pollsource` all call `poll_source`.
Many workers may run at once: a Source is claimed with a conditional UPDATE, so two workers
never poll it together, and a crashed worker's claim simply expires.
"""

import enum
import functools
import logging
import os
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Field, Q
from django.utils import timezone

from feeds import read_caps
from feeds.ingest import StoreResult, store_polls
from feeds.sanitize import plain_text
from sources.connectors import CONNECTORS
from sources.connectors.base import ConnectorError, FetchResult, PollState, Target
from sources.models import Blog, Source

logger = logging.getLogger(__name__)
POLL_STATE_FIELDS = [
    "etag", "last_modified", "cursor", "title", "interval", "next_poll_at",
    "consecutive_failures", "last_error", "pause_reason", "last_polled_at", "last_success_at",
    "claimed_until", "paused_at",
]  # fmt: skip
FETCH_THREADS = 8  # concurrent requests per batch: waiting on platforms, not computing


class Outcome(enum.Enum):
    STORED = "stored"
    NOT_MODIFIED = "not modified"
    FAILED = "failed"
    SKIPPED = "skipped"  # claimed by another worker, paused, not due, or gone


def poll_source(source_id: int, *, now: datetime | None = None, force: bool = False) -> Outcome:
    """Poll one Source. Never raises for platform failures: they are recorded on the Source
    (`last_error`, backoff, pause after repeated failures). `force` polls now even a paused
    or not-yet-due Source (the "Refresh now" button)."""
    now = now or timezone.now()
    claimed = claim_many([source_id], now=now, force=force)
    if not claimed:
        return Outcome.SKIPPED
    fetched = fetch(claimed[0])
    read_caps.settle(claimed[0], fetched, now=now)
    return finish(claimed[0], fetched, now=now)


def poll_sources(source_ids: list[int], *, now: datetime | None = None) -> list[Outcome]:
    """Poll several due Sources: their platforms are asked concurrently (the wait is the
    network's), then the polls that brought posts are stored together in one transaction,
    the others recorded as `poll_source` records them."""
    now = now or timezone.now()
    claimed = claim_many(source_ids, now=now)
    fetched = list(_fetch_pool().map(fetch, claimed))
    for source, answer in zip(claimed, fetched, strict=True):
        read_caps.settle(source, answer, now=now)
    unchanged = [(s, f) for s, f in zip(claimed, fetched, strict=True) if _nothing_new(s, f)]
    record_not_modified(unchanged, now=now)
    done = dict.fromkeys((s.pk for s, _ in unchanged), Outcome.NOT_MODIFIED)
    done |= _store_together(
        [
            (s, f)
            for s, f in zip(claimed, fetched, strict=True)
            if s.pk not in done and isinstance(f, FetchResult) and not f.not_modified
        ],
        now=now,
    )
    outcomes = [
        done.get(s.pk) or _finish_or_release(s, f, now=now)
        for s, f in zip(claimed, fetched, strict=True)
    ]
    return outcomes + [Outcome.SKIPPED] * (len(source_ids) - len(claimed))


def _store_together(
    polls: list[tuple[Source, FetchResult]], *, now: datetime
) -> dict[int, Outcome]:
    """Store several polls' items and poll states in one transaction (`store_polls`), and
    return their outcomes. If that fails (a Source deleted meanwhile, a deadlock victim), it
    all rolls back, and returns nothing: each poll is then stored on its own by `finish`."""
    if len(polls) < 2:
        return {}
    before = [(source, [getattr(source, f) for f in POLL_STATE_FIELDS]) for source, _ in polls]

    def record(results: list[StoreResult]) -> None:
        for (source, fetched), result in zip(polls, results, strict=True):
            note_success(source, fetched, now=now, new_items=result.new)
        save_poll_states([source for source, _ in polls])

    try:
        store_polls([(source, fetched.items) for source, fetched in polls], now=now, then=record)
    except DatabaseError as exc:
        logger.warning("Storing %d polls together failed (%s); storing each alone", len(polls), exc)
        for source, values in before:  # record_success changed them, and it rolled back
            for name, value in zip(POLL_STATE_FIELDS, values, strict=True):
                setattr(source, name, value)
        return {}
    return dict.fromkeys((source.pk for source, _ in polls), Outcome.STORED)


def _fetch_pool() -> ThreadPoolExecutor:
    """The threads that wait on platforms, started once per process: a forked worker
    process starts its own rather than inheriting its parent's (threads do not survive a
    fork)."""
    return _fetch_pool_of(os.getpid())


@functools.cache
def _fetch_pool_of(pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="pln-fetch")


def _nothing_new(source: Source, fetched: FetchResult | ConnectorError) -> bool:
    """A "not modified" or empty answer that leaves the Source as it was."""
    return (
        isinstance(fetched, FetchResult)
        and (fetched.not_modified or not fetched.items)
        and fetched.retry_at is None
        and not (fetched.title and not source.title)
        and fetched.state == PollState(source.etag, source.last_modified, source.cursor)
    )


def record_not_modified(polled: list[tuple[Source, FetchResult]], *, now: datetime) -> None:
    """`record_success` for Sources that brought nothing new and kept their state, in one
    UPDATE per resulting interval rather than one per Source: most polls in a round end so."""
    by_interval: dict[timedelta, list[int]] = {}
    for source, _ in polled:
        by_interval.setdefault(source.adapted_interval(new_items=0), []).append(source.pk)
    for interval, ids in by_interval.items():
        Source.objects.filter(pk__in=ids).update(
            interval=interval,
            next_poll_at=now + interval,
            consecutive_failures=0,
            last_error="",
            pause_reason="",
            last_polled_at=now,
            last_success_at=now,
            claimed_until=None,
            paused_at=None,
        )


def claim_many(source_ids: list[int], *, now: datetime, force: bool = False) -> list[Source]:
    """Atomically lease Sources to this worker and load them. Left out: those another worker
    holds and, unless `force`, paused ones and ones no longer due (a duplicate task whose poll
    already ran). The lease's expiry doubles as this claim's token: a random microsecond
    offset tells it apart from another worker's claim made at the same instant."""
    jitter = timedelta(microseconds=random.randrange(1000))  # noqa: S311 - not a secret
    lease = now + settings.PLN_POLL_LEASE + jitter
    sources = Source.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    if not force:
        # Dispatching pushes next_poll_at one lease ahead; a finished poll pushes it further.
        due = now + settings.PLN_POLL_LEASE
        sources = sources.filter(paused_at__isnull=True, next_poll_at__lte=due)
    if not sources.filter(pk__in=source_ids).update(claimed_until=lease):
        return []
    mine = list(
        Source.objects.filter(pk__in=source_ids, claimed_until=lease)
        .select_related("hashtag")
        .order_by("pk")
    )
    for source in mine:
        source.cap_error, source.read_budget = None, 0
    read_caps.reserve(mine, now=now)
    return mine


def claim(source_id: int, *, now: datetime, force: bool = False) -> bool:
    """Lease one Source (see `claim_many`); False if it cannot be claimed now."""
    return bool(claim_many([source_id], now=now, force=force))


def fetch(source: Source) -> FetchResult | ConnectorError:
    """Ask the Source's platform. Touches no database (so it runs in threads); every failure
    comes back as a ConnectorError, never raised. A capped platform is asked nothing once
    today's reads are used up (`source.cap_error`, set by `claim_many`)."""
    target = Target(
        url=source.url,
        state=PollState(source.etag, source.last_modified, source.cursor),
        hashtag=source.hashtag.name if source.hashtag_id else "",
        read_budget=source.read_budget if read_caps.is_capped(source.platform) else None,
    )
    try:
        if source.cap_error:
            raise source.cap_error
        return CONNECTORS[source.platform].fetch(target)
    except ConnectorError as exc:
        return exc
    except Exception:
        # A bug meeting hostile input must not leave the Source claimed or show a traceback.
        logger.exception("Unexpected error polling source %s", source.pk)
        return ConnectorError("Unexpected error while reading it.")


def finish(source: Source, fetched: FetchResult | ConnectorError, *, now: datetime) -> Outcome:
    """Record what a fetch brought: items, poll state and next poll time in one transaction,
    or the failure, the backoff, a pause or a switch to a fallback target."""
    if isinstance(fetched, ConnectorError):
        if fetched.fallback:
            switch_target(source, *fetched.fallback, reason=fetched.message, now=now)
        else:
            record_failure(source, fetched, now=now)
        return Outcome.FAILED
    if fetched.not_modified:  # one UPDATE: no transaction to open
        record_success(source, fetched, now=now, new_items=0)
        return Outcome.NOT_MODIFIED
    store_polls(
        [(source, fetched.items)],
        now=now,
        then=lambda results: record_success(source, fetched, now=now, new_items=results[0].new),
    )
    return Outcome.STORED


def _finish_or_release(
    source: Source, fetched: FetchResult | ConnectorError, *, now: datetime
) -> Outcome:
    """`finish`, but a database error on one Source (a lost connection, a deadlock victim)
    releases it for the next dispatch instead of failing the rest of the batch."""
    try:
        return finish(source, fetched, now=now)
    except DatabaseError:
        logger.exception("Could not store the poll of source %s; it is retried", source.pk)
        Source.objects.filter(pk=source.pk).update(claimed_until=None, next_poll_at=now)
        return Outcome.FAILED


def due_source_ids(*, now: datetime, limit: int = 2000) -> list[int]:
    """Hand out the Sources whose poll is due, oldest first, at most PLN_DISPATCH_PER_HOST
    per host. Each is pushed a lease ahead, so it is not handed out again while it waits in
    the queue; two dispatchers running at once never hand out the same Source."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Source.objects.filter(free, next_poll_at__lte=now, paused_at__isnull=True)
    per_host: Counter[str] = Counter()
    # Read once: a read through the settings proxy costs ~1 microsecond, and this loop sees
    # every due Source.
    cap = settings.PLN_DISPATCH_PER_HOST
    chosen = []
    for pk, url in due.order_by("next_poll_at").values_list("pk", "url")[: limit * 2]:
        host = _host(url)
        if per_host[host] < cap and len(chosen) < limit:
            per_host[host] += 1
            chosen.append(pk)
    with transaction.atomic():
        # Only the chosen rows are locked, and due-ness is checked again under the lock: a
        # dispatcher that lost the race skips them, or finds them already pushed ahead.
        mine = due.filter(pk__in=chosen).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            mine = mine.select_for_update(skip_locked=True)
        ids = list(mine.values_list("pk", flat=True))
        Source.objects.filter(pk__in=ids).update(next_poll_at=now + settings.PLN_POLL_LEASE)
    return ids


@functools.lru_cache(maxsize=65536)  # a dispatch reads every due Source's address again
def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def record_success(source: Source, result: FetchResult, *, now: datetime, new_items: int) -> None:
    note_success(source, result, now=now, new_items=new_items)
    _save_poll_state(source)


def note_success(source: Source, result: FetchResult, *, now: datetime, new_items: int) -> None:
    """Set `source`'s poll state after a successful poll, without saving it."""
    source.etag = result.state.etag[:500]
    source.last_modified = result.state.last_modified[:100]
    source.cursor = result.state.cursor[:500]
    if result.title and not source.title:
        source.title = plain_text(result.title, limit=300)
    source.interval = source.adapted_interval(new_items=new_items)
    source.next_poll_at = max(now + source.interval, result.retry_at or now)
    source.consecutive_failures = 0
    source.last_error = source.pause_reason = ""
    source.last_polled_at = source.last_success_at = now
    source.claimed_until = source.paused_at = None


@functools.cache
def _poll_state_update() -> tuple[str, list[Field]]:
    fields = [Source._meta.get_field(name) for name in POLL_STATE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Identifiers come from the model and are quoted; every value is a parameter.
    sql = f"UPDATE {quote(Source._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    return sql, fields


def _save_poll_state(source: Source) -> None:
    """`source.save(update_fields=POLL_STATE_FIELDS)`, in a statement built once: Django's
    save spent ~0.3 ms building it on every poll. Raises DatabaseError, as save would, when
    the Source is gone (deleted during its poll), so that the poll's items are not kept."""
    sql, fields = _poll_state_update()
    values = [f.get_db_prep_save(getattr(source, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, source.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"Source {source.pk} is gone; its poll is not stored.")


def save_poll_states(sources: list[Source]) -> None:
    """`_save_poll_state` for several Sources: on PostgreSQL one UPDATE for all of them, which
    PostgreSQL plans once instead of once a Source (~0.2 ms each). Raises DatabaseError when
    one of them is gone."""
    if connection.vendor != "postgresql" or len(sources) < 2:
        for source in sources:
            _save_poll_state(source)
        return
    head, row, tail = _poll_states_update()
    _, fields = _poll_state_update()
    params = [
        value
        for source in sources
        for value in [
            source.pk,
            *(f.get_db_prep_save(getattr(source, f.attname), connection) for f in fields),
        ]
    ]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(sources)) + tail, params)
        if cursor.rowcount != len(sources):
            raise DatabaseError("A Source is gone; its batch's polls are stored one by one.")


@functools.cache
def _poll_states_update() -> tuple[str, str, str]:
    """`UPDATE ... FROM (VALUES`, one row's placeholders, `) ... WHERE`: the id, then the
    fields of `_poll_state_update`. Each placeholder is cast to its column's type, strings to
    unbounded varchar: a value too long for its column is then refused, as by
    `_save_poll_state`, not cut short by the cast. Identifiers come from the model and are
    quoted; every value is a parameter."""
    _, fields = _poll_state_update()
    quote = connection.ops.quote_name
    columns = ["id", *(f.column for f in fields)]
    casts = [f.cast_db_type(connection).split("(")[0] for f in [Source._meta.pk, *fields]]
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    table = quote(Source._meta.db_table)
    return (
        f"UPDATE {table} AS s SET {assignments} FROM (VALUES ",  # noqa: S608
        "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")",
        f") AS v({', '.join(map(quote, columns))}) WHERE s.id = v.id",
    )


def record_failure(source: Source, error: ConnectorError, *, now: datetime) -> None:
    source.consecutive_failures += 1
    source.last_error = error.message[:500]
    source.last_polled_at = now
    source.next_poll_at = source.next_poll_after_failure(now, retry_at=error.retry_at)
    source.claimed_until = None
    if error.permanent or source.consecutive_failures >= settings.PLN_MAX_FAILURES:
        source.paused_at = now
        source.pause_reason = (
            error.message
            if error.permanent
            else f"Paused after {source.consecutive_failures} failed updates in a row. "
            f"Last error: {error.message}"
        )[:600]
    source.save()


def switch_target(source: Source, platform: str, url: str, *, reason: str, now: datetime) -> None:
    """Read `source`'s posts from another target from now on (its next poll is due at once).
    If that target already has a Source, the blog moves to it and this one is paused."""
    existing = Source.objects.filter(platform=platform, url=url).exclude(pk=source.pk).first()
    if existing:
        Blog.objects.filter(source=source).update(source=existing)
        source.paused_at = now
        source.pause_reason = f"{reason} Its posts now come from {existing}."[:600]
    else:
        source.platform, source.url = platform, url
        source.etag = source.last_modified = source.cursor = ""
    source.last_error = f"{reason} PLN Hub reads its feed instead."[:500]
    source.last_polled_at = source.next_poll_at = now
    source.claimed_until = None
    source.save()


def resume(source: Source, *, now: datetime | None = None) -> None:
    """Resume a paused Source: poll it at the next dispatch, failures forgotten."""
    source.paused_at = None
    source.pause_reason = ""
    source.consecutive_failures = 0
    source.next_poll_at = now or timezone.now()
    source.save(update_fields=["paused_at", "pause_reason", "consecutive_failures", "next_poll_at"])
