"""X's daily read cap: polls of X hashtags never read more posts in a UTC day than the admin
allows, even two workers polling at once, and unread bookings are given back."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from feeds.models import Item
from feeds.polling import Outcome, poll_source, poll_sources
from simulator import x as fake
from sources.connectors import x
from sources.models import PlatformUsage, Source
from sources.tests.factories import HashtagFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim(fresh_simulator, settings):
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    settings.PLN_X_API_BASE_URL = f"{fresh_simulator.base_url}/x"
    settings.PLN_X_BEARER_TOKEN = fake.BEARER_TOKEN
    return fresh_simulator


def x_source(tag: str) -> Source:
    return SourceFactory(platform="x", url=x.target_url(tag), hashtag=HashtagFactory(name=tag))


def reads_today() -> int:
    usage = PlatformUsage.objects.filter(platform="x", day=timezone.now().date()).first()
    return usage.reads if usage else 0


def test_reads_are_counted_as_the_posts_x_sent(sim, settings):
    settings.PLN_X_DAILY_READ_CAP = 1000
    source = x_source("sub101")

    assert poll_source(source.pk) is Outcome.STORED

    assert reads_today() == Item.objects.count() == x.PAGE_SIZE


def test_a_poll_never_reads_past_the_cap(sim, settings):
    settings.PLN_X_DAILY_READ_CAP = 130
    source = x_source("sub101")
    poll_source(source.pk)  # 100 read
    fake.publish(sim, "sub101", 80)
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())

    assert poll_source(source.pk) is Outcome.STORED

    assert reads_today() == 130
    assert Item.objects.count() == 130


def test_a_used_up_cap_stops_polling_until_midnight_utc(sim, settings):
    settings.PLN_X_DAILY_READ_CAP = 105
    source = x_source("sub101")
    poll_source(source.pk)
    sim.clear_requests()
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())

    assert poll_source(source.pk) is Outcome.FAILED  # 5 left: below X's smallest page

    source.refresh_from_db()
    assert "used up" in source.last_error
    midnight = datetime.combine(timezone.now().date() + timedelta(days=1), time(), tzinfo=UTC)
    assert source.next_poll_at >= midnight
    assert sim.requests == []
    assert reads_today() == 100


def test_sources_polled_together_share_the_cap_and_give_back_what_they_did_not_read(sim, settings):
    settings.PLN_X_DAILY_READ_CAP = 150
    sources = [x_source(tag) for tag in ("sub101", "astronomy", "quiettag")]

    poll_sources([s.pk for s in sources])

    stored = Item.objects.count()
    assert stored <= 150
    assert reads_today() == stored  # the quiet tag's booking came back
    assert all(s.claimed_until is None for s in Source.objects.all())
