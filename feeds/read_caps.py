"""Daily read caps for pay-per-use platforms (X), never exceeded, even by concurrent polls.

Before a capped Source is fetched, `reserve` books the most it may read on this poll
against today's cap, under a row lock, so concurrent polls cannot book the same reads. The
connector reads no more than its `Target.read_budget`, and `settle` gives back whatever the
platform did not send. A reservation left unsettled (a worker killed mid-poll) only makes
the day's count err high: the cap may be under-used, never exceeded.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from sources.connectors import CONNECTORS
from sources.connectors.base import ConnectorError, FetchResult
from sources.models import PlatformUsage, Source

# Pay-per-use platforms and the setting that caps their reads per UTC day.
DAILY_READ_CAPS = {"x": "PLN_X_DAILY_READ_CAP"}


def is_capped(platform: str) -> bool:
    return platform in DAILY_READ_CAPS


def reserve(sources: list[Source], *, now: datetime) -> None:
    """Book reads for `sources` (of capped platforms) against today's caps: each gets
    `read_budget`, its share of what is left and at most what one poll of it can read; one
    whose share is below the platform's smallest request gets `cap_error` instead."""
    for platform in {s.platform for s in sources if is_capped(s.platform)}:
        mine = [s for s in sources if s.platform == platform]
        connector = CONNECTORS[platform]
        cap = getattr(settings, DAILY_READ_CAPS[platform])
        with transaction.atomic():
            usage, _ = PlatformUsage.objects.select_for_update().get_or_create(
                platform=platform, day=now.date()
            )
            share = max(cap - usage.reads, 0) // len(mine)
            for source in mine:
                wanted = connector.reads_wanted(source.cursor)
                source.read_budget = min(wanted, share)
                if source.read_budget < connector.MIN_READS:
                    source.read_budget = 0
                    source.cap_error = used_up_error(cap, now=now)
            PlatformUsage.objects.filter(pk=usage.pk).update(
                reads=F("reads") + sum(s.read_budget for s in mine)
            )


def settle(source: Source, fetched: FetchResult | ConnectorError, *, now: datetime) -> None:
    """Give back the part of `source`'s reservation the platform did not send."""
    budget = getattr(source, "read_budget", 0)
    if not budget:
        return
    read = fetched.reads if isinstance(fetched, FetchResult) else 0
    if unused := max(budget - read, 0):
        PlatformUsage.objects.filter(platform=source.platform, day=now.date()).update(
            reads=F("reads") - unused
        )


def used_up_error(cap: int, *, now: datetime) -> ConnectorError:
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
    return ConnectorError(
        f"Today's {cap} reads allowed by the site admin are used up; "
        "collection resumes after midnight UTC.",
        retry_at=midnight,
    )
