"""Turning a platform's HTTP error status into a ConnectorError with a retry time."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sources import net
from sources.connectors.base import ConnectorError
from sources.connectors.payload import iso_datetime

MAX_RETRY_DELAY = timedelta(hours=24)


def get(url: str, *, headers: dict[str, str] | None = None) -> net.Response:
    """GET `url` through the guarded client; its refusals and failures become ConnectorError
    (permanent when the address itself is refused). Any HTTP status is returned."""
    try:
        return net.get(url, headers=headers)
    except net.FetchError as exc:
        raise ConnectorError(exc.message, permanent=isinstance(exc, net.BlockedAddress)) from exc


def raise_for_status(response: net.Response) -> None:
    """Raise ConnectorError for any non-2xx status; 429/503 carry the server's retry time."""
    if 200 <= response.status < 300:
        return
    if response.status in (429, 503):
        retry_at = retry_time(response.headers.get("Retry-After", ""))
        raise ConnectorError(
            "The server asked us to slow down (HTTP 429)."
            if response.status == 429
            else "The server is unavailable (HTTP 503).",
            retry_at=retry_at,
        )
    if response.status in (404, 410):
        raise ConnectorError(
            f"The feed is gone (HTTP {response.status}).", permanent=response.status == 410
        )
    if response.status in (401, 403):
        raise ConnectorError(f"The server refused access (HTTP {response.status}).")
    raise ConnectorError(f"The server answered with an error (HTTP {response.status}).")


def retry_time(header: str, *, now: datetime | None = None) -> datetime | None:
    """Parse Retry-After (seconds or an HTTP date). Garbage, negative or past values give
    None (use the normal backoff); anything beyond a day is capped at a day."""
    now = now or datetime.now(UTC)
    header = header.strip()
    if not header:
        return None
    if header.isascii() and header.isdigit():
        # Nine digits already exceed the cap; slicing keeps int() and timedelta in range.
        at = now + timedelta(seconds=int(header[:9]))
    else:
        try:
            at = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    if at <= now:
        return None
    return min(at, now + MAX_RETRY_DELAY)


def reset_time(header: str, *, now: datetime | None = None) -> datetime | None:
    """Parse a rate-limit reset header: an ISO 8601 time (Mastodon), epoch seconds (X,
    Bluesky) or, for small numbers, seconds from now. Garbage or past values give None (use
    the normal backoff); anything beyond a day is capped at a day."""
    now = now or datetime.now(UTC)
    header = header.strip()
    at: datetime | None
    if header.isascii() and header.isdigit():
        seconds = int(header[:12])  # twelve digits already exceed the cap
        if seconds > 10**9:  # an epoch time
            seconds -= int(now.timestamp())
        at = now + timedelta(seconds=min(seconds, MAX_RETRY_DELAY.total_seconds() + 1))
    else:
        at = iso_datetime(header)
    if at is None or at <= now:
        return None
    return min(at, now + MAX_RETRY_DELAY)
