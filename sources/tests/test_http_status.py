"""HTTP error statuses become ConnectorErrors; Retry-After becomes a sane retry time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sources import net
from sources.connectors.base import ConnectorError
from sources.connectors.http_status import raise_for_status, retry_time

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_retry_after_in_seconds_counts_from_now() -> None:
    assert retry_time("120", now=NOW) == NOW + timedelta(minutes=2)


def test_retry_after_surrounded_by_spaces_is_still_read() -> None:
    assert retry_time(" 120 ", now=NOW) == NOW + timedelta(minutes=2)


def test_retry_after_as_an_http_date_is_that_moment() -> None:
    assert retry_time("Tue, 24 Nov 2026 12:05:00 GMT", now=NOW) == NOW + timedelta(minutes=5)


def test_retry_after_as_an_http_date_in_another_zone_is_converted() -> None:
    at = retry_time("Tue, 24 Nov 2026 14:05:00 +0100", now=NOW)
    assert at == NOW + timedelta(hours=1, minutes=5)


@pytest.mark.parametrize(
    "header",
    [
        "Tue, 24 Nov 2026 11:00:00 GMT",  # already past
        "0",
        "-120",
        "soon",
        "1e3",
        "120.5",
        "Wed, 99 Foo 2026 99:99:99 GMT",
        "",
    ],
)
def test_past_negative_or_garbage_retry_after_means_use_the_normal_backoff(header: str) -> None:
    assert retry_time(header, now=NOW) is None


@pytest.mark.parametrize(
    "header", ["\u00b2", "\u00b9\u00b2"], ids=["superscript 2", "superscript 12"]
)
def test_superscript_digits_are_garbage_not_a_crash(header: str) -> None:
    assert retry_time(header, now=NOW) is None


@pytest.mark.parametrize(
    "header",
    ["86401", "9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"],
    ids=["a day and a second", "5000 digits", "year 9999"],
)
def test_retry_after_beyond_a_day_is_capped_at_a_day(header: str) -> None:
    assert retry_time(header, now=NOW) == NOW + timedelta(hours=24)


def _response(status: int, headers: dict[str, str] | None = None) -> net.Response:
    return net.Response("https://blog.example.org/feed/", status, headers or {}, b"")


@pytest.mark.parametrize("status", [200, 204])
def test_a_success_status_raises_nothing(status: int) -> None:
    raise_for_status(_response(status))


def test_a_410_is_a_permanent_failure() -> None:
    with pytest.raises(ConnectorError) as raised:
        raise_for_status(_response(410))
    assert raised.value.message == "The feed is gone (HTTP 410)."
    assert raised.value.permanent


def test_a_404_is_reported_but_retried_later() -> None:
    with pytest.raises(ConnectorError) as raised:
        raise_for_status(_response(404))
    assert raised.value.message == "The feed is gone (HTTP 404)."
    assert not raised.value.permanent


def test_a_403_says_access_was_refused() -> None:
    with pytest.raises(ConnectorError) as raised:
        raise_for_status(_response(403))
    assert raised.value.message == "The server refused access (HTTP 403)."


def test_a_503_carries_the_servers_retry_time() -> None:
    before = datetime.now(UTC)
    with pytest.raises(ConnectorError) as raised:
        raise_for_status(_response(503, {"Retry-After": "600"}))
    after = datetime.now(UTC)

    assert raised.value.message == "The server is unavailable (HTTP 503)."
    assert raised.value.retry_at is not None
    assert before <= raised.value.retry_at - timedelta(minutes=10) <= after


def test_a_429_without_retry_after_leaves_the_retry_time_to_backoff() -> None:
    with pytest.raises(ConnectorError) as raised:
        raise_for_status(_response(429))
    assert raised.value.retry_at is None
