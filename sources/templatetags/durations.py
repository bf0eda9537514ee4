"""Durations in words: `{{ source.interval|in_words }}` -> "1 hour 5 minutes"."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def in_words(value: timedelta) -> str:
    minutes = round(value.total_seconds() / 60)
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "day"), (hours, "hour"), (minutes if not days else 0, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)
