"""The same contract for every connector, over real HTTP against the simulator."""

from datetime import UTC, datetime, timedelta

import pytest

from feeds.ingest import store_items
from feeds.models import Item
from sources.connectors import CONNECTORS
from sources.connectors.base import ConnectorError, FetchResult, Target
from sources.tests.contract import Hostile
from sources.tests.contract.cases import CASES
from sources.tests.factories import SourceFactory

PLATFORMS = sorted(CONNECTORS)


@pytest.fixture(params=PLATFORMS)
def case(request, fresh_simulator, settings):
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    if request.param not in CASES:
        pytest.fail(f"Connector {request.param!r} has no contract case in contract/cases.py")
    configure = getattr(CASES[request.param], "configure", None)
    configure and configure(fresh_simulator, settings)
    return CASES[request.param]


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator


def fetch(case, target: Target) -> FetchResult:
    return CONNECTORS[case.platform].fetch(target)


def again(target: Target, result: FetchResult) -> Target:
    return Target(url=target.url, state=result.state, hashtag=target.hashtag)


def test_every_registered_connector_has_a_contract_case():
    assert set(CASES) == set(CONNECTORS)


def test_a_first_fetch_returns_items_with_stable_distinct_keys(case, sim):
    target = case.target(sim)
    first = fetch(case, target)
    second = fetch(case, target)

    keys = [item.external_id for item in first.items]
    assert keys and len(keys) == len(set(keys))
    assert keys == [item.external_id for item in second.items]
    assert all(item.published_at and item.published_at.tzinfo for item in first.items)


def test_a_refetch_with_the_returned_state_brings_nothing_new(case, sim):
    target = case.target(sim)
    first = fetch(case, target)

    result = fetch(case, again(target, first))

    assert result.not_modified or not result.items


def test_new_items_arrive_on_the_next_fetch(case, sim):
    target = case.target(sim)
    first = fetch(case, target)
    seen = {item.external_id for item in first.items}
    count = (case.page_size or 1) + 2  # more than a page where the platform paginates
    case.publish(sim, target, count)

    result = fetch(case, again(target, first))

    new = [item for item in result.items if item.external_id not in seen]
    assert len(new) == count


def test_a_429_raises_with_the_time_to_retry(case, sim):
    target = case.target(sim)
    sim.set_status(case.path(sim, target), 429, headers=case.rate_limited_headers())

    with pytest.raises(ConnectorError) as caught:
        fetch(case, target)

    retry_at = caught.value.retry_at
    now = datetime.now(UTC)
    assert retry_at is not None
    assert now + timedelta(seconds=60) < retry_at < now + timedelta(seconds=180)


def test_a_server_error_raises_a_temporary_connector_error(case, sim):
    target = case.target(sim)
    sim.set_status(case.path(sim, target), 500, body=b"<h1>Internal Server Error</h1>")

    with pytest.raises(ConnectorError) as caught:
        fetch(case, target)

    assert not caught.value.permanent
    assert "500" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [b'{"data": [{"id": "1", "text": "trunc', b"<rss><channel><item><title>trunc", b"\x00\xff"],
    ids=["truncated-json", "truncated-xml", "binary"],
)
def test_a_malformed_payload_raises_a_connector_error(case, sim, body):
    target = case.target(sim)
    sim.set_status(case.path(sim, target), 200, body=body)

    with pytest.raises(ConnectorError):
        fetch(case, target)


@pytest.mark.django_db
def test_hostile_html_never_comes_back(case, sim):
    target = case.hostile_target(sim)
    result = fetch(case, target)
    source = SourceFactory(platform=case.platform, url=target.url)

    store_items(source, result.items, now=datetime.now(UTC))

    stored = " ".join(f"{i.title} {i.html} {i.url}" for i in Item.objects.all()).lower()
    assert stored
    assert not [marker for marker in Hostile.forbidden if marker in stored]
    assert Hostile.harmless.lower() in stored
