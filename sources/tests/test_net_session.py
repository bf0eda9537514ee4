"""net.requests_session (for tweepy) and net.request, over real HTTP against the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import tweepy
from pytest_django.fixtures import Settings

from simulator import bluesky as fake_bluesky
from simulator import x as fake_x
from simulator.server import Simulator
from sources import net


@pytest.fixture
def sim(simulator: Simulator, settings: Settings) -> Iterator[Simulator]:
    """The session simulator, allowlisted, with no requests yet."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [simulator.host_port]
    simulator.clear_requests()
    yield simulator


def test_a_session_request_returns_status_headers_and_the_decoded_body(sim: Simulator) -> None:
    response = net.requests_session().get(sim.feed_url(1))  # served gzipped
    assert response.status_code == 200
    assert response.reason == "OK"
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "Content-Encoding" not in response.headers  # the body is already decoded
    assert response.content.startswith(b"<?xml")
    assert response.text.startswith("<?xml")
    assert sim.requests[-1].headers["User-Agent"].startswith("PLNHub/")


def test_a_session_refuses_loopback_when_it_is_not_allowlisted(
    sim: Simulator, settings: Settings
) -> None:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = []
    with pytest.raises(net.GuardedRequestError) as raised:
        net.requests_session().get(sim.feed_url(0))
    assert isinstance(raised.value.error, net.BlockedAddress)
    assert isinstance(raised.value, requests.ConnectionError)  # libraries see a network error
    assert str(raised.value) == "Address 127.0.0.1 is not public"
    assert sim.requests == []


def test_a_session_refuses_a_redirect_to_a_private_address(sim: Simulator) -> None:
    with pytest.raises(net.GuardedRequestError) as raised:
        net.requests_session().get(f"{sim.base_url}/faults/redirect-to-private")
    assert isinstance(raised.value.error, net.BlockedAddress)
    assert [r.path for r in sim.requests] == ["/faults/redirect-to-private"]


def test_a_session_follows_redirects_through_the_guard(sim: Simulator) -> None:
    response = net.requests_session().get(f"{sim.base_url}/faults/redirect/2")
    assert response.status_code == 200
    assert response.url == sim.feed_url(0)
    assert len(sim.requests) == 3


def test_a_session_caps_the_body_size(sim: Simulator, settings: Settings) -> None:
    settings.PLN_NET_MAX_BYTES = 1024
    with pytest.raises(net.GuardedRequestError) as raised:
        net.requests_session().get(sim.feed_url(0))
    assert isinstance(raised.value.error, net.TooLarge)


def test_a_session_ignores_proxies_from_the_environment(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.255.255.1:3128")
    assert net.requests_session().get(sim.feed_url(0)).status_code == 200


def test_tweepys_host_is_rewritten_to_the_configured_base_url(sim: Simulator) -> None:
    client = tweepy.Client(bearer_token=fake_x.BEARER_TOKEN, return_type=dict)
    client.session = net.requests_session(
        rewrite_from="https://api.twitter.com", rewrite_to=f"{sim.base_url}/x"
    )
    payload = client.search_recent_tweets("#netsession", max_results=10)
    assert len(payload["data"]) == 10
    sent = sim.requests[-1]
    assert sent.path.startswith("/x/2/tweets/search/recent?")
    assert sent.headers["Host"] == sim.host_port
    assert sent.headers["Authorization"] == f"Bearer {fake_x.BEARER_TOKEN}"


def test_only_the_named_origin_is_rewritten(sim: Simulator) -> None:
    session = net.requests_session(
        rewrite_from="https://api.twitter.com", rewrite_to=f"{sim.base_url}/x"
    )
    with pytest.raises(net.GuardedRequestError):
        session.get("https://api.twitter.com.evil.invalid/2/tweets/search/recent")
    assert sim.requests == []


def test_a_session_sends_post_bodies(sim: Simulator) -> None:
    credentials = {"identifier": fake_bluesky.HANDLE, "password": fake_bluesky.APP_PASSWORD}
    response = net.requests_session().post(
        f"{sim.base_url}/bsky/xrpc/com.atproto.server.createSession", json=credentials
    )
    assert response.status_code == 200
    assert response.json()["handle"] == fake_bluesky.HANDLE


@pytest.mark.parametrize(("status", "method"), [(303, "GET"), (302, "GET"), (307, "POST")])
def test_net_request_redirects_a_post_as_browsers_do(
    sim: Simulator, status: int, method: str
) -> None:
    path = f"/net-session-test/{status}"
    sim.set_status(path, status, headers={"Location": "/faults/404"})
    try:
        net.request("POST", f"{sim.base_url}{path}", body=json.dumps({"a": 1}).encode())
    finally:
        sim.clear_status(path)
    first, second = sim.requests
    assert (first.method, second.method) == ("POST", method)
    assert ("Content-Length" in second.headers) == (method == "POST")
