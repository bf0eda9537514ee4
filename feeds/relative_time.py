"""Relative times ("3 minutes ago", "2 days, 4 hours ago"), worded exactly as Django's
`naturaltime` words them, at a fraction of its cost.

A page shows ~80 of them (its items, its sidebar's blogs); `naturaltime` looks up its
translations anew on every call (~30 microseconds each, 2-5 ms a page on
bench/run-dashboard). Within four weeks the wording depends only on how many whole seconds,
minutes or hours ago the moment was (months and years start later), so each wording is made
once per language by `naturaltime`'s own strings and remembered; older or future moments go
to `naturaltime` itself.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter, naturaltime
from django.utils.timesince import timesince
from django.utils.translation import get_language

_DAY = 24 * 60 * 60
# Under four weeks no month is counted (a month of February is the shortest).
_MONTHLESS = 28 * _DAY


def ago(moment: datetime, now: datetime | None = None) -> str:
    """`naturaltime(moment)` as of `now` (default: now), for an aware datetime."""
    now = now or datetime.now(UTC)
    delta = now - moment
    seconds = delta.days * _DAY + delta.seconds  # whole seconds, as naturaltime counts them
    if delta < timedelta(0) or seconds >= _MONTHLESS:
        return naturaltime(moment)
    if seconds < 60:
        return _wording(get_language(), "second", seconds)
    if seconds < 60 * 60:
        return _wording(get_language(), "minute", seconds // 60)
    if seconds < _DAY:
        return _wording(get_language(), "hour", seconds // (60 * 60))
    return _wording(get_language(), "days", seconds // (60 * 60))


@lru_cache(maxsize=4096)
def _wording(language: str | None, unit: str, count: int) -> str:
    """What naturaltime says for `count` whole `unit`s ago ("days": whole hours, a day or
    more; only days and hours, or weeks and days, are ever shown of them)."""
    strings = NaturalTimeFormatter.time_strings
    if unit == "second":
        return str(strings["now"] if count == 0 else strings["past-second"] % {"count": count})
    if unit in ("minute", "hour"):
        return str(strings[f"past-{unit}"] % {"count": count})
    now = datetime(2001, 1, 1, tzinfo=UTC)  # any moment: no month is counted in this range
    delta = timesince(
        now - timedelta(hours=count), now, time_strings=NaturalTimeFormatter.past_substrings
    )
    return str(strings["past-day"] % {"delta": delta})
