"""Reading platform JSON defensively: every value may have the wrong type.

Each reader returns the value when it has the expected shape and an empty value otherwise, so
a connector maps a hostile or broken payload without ever raising TypeError.
"""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000  # the URL columns' size


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def is_int(value: Any) -> bool:
    """True for integers; booleans, which Python counts as integers, are not."""
    return isinstance(value, int) and not isinstance(value, bool)


def count(value: Any) -> int:
    """A counter (likes, replies): a positive integer within a database column, else 0."""
    return min(value, 2**31 - 1) if is_int(value) and value > 0 else 0


def http_url(value: Any) -> str:
    """`value` if it is an absolute http(s) URL with a host that fits a URL column, else ""."""
    url = as_str(value).strip()
    try:
        parts = urlsplit(url)
        absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return ""
    return url if absolute and len(url) <= MAX_URL_LENGTH else ""


def iso_datetime(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (naive ones are taken as UTC), else None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. year 1 with a positive offset
        return None
