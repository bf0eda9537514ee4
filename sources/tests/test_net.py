"""sources.net, over real HTTP against the local simulator: the SSRF guard and the limits."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from simulator.server import Simulator
from sources import net


@pytest.fixture
def sim(simulator: Simulator, settings: Settings) -> Iterator[Simulator]:
    """The session simulator, allowlisted as exactly "127.0.0.1:<port>", with no requests yet."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [simulator.host_port]
    simulator.clear_requests()
    yield simulator


@pytest.fixture
def sim_not_allowed(simulator: Simulator, settings: Settings) -> Simulator:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = []
    simulator.clear_requests()
    return simulator


def test_a_normal_get_returns_status_headers_and_body(sim: Simulator) -> None:
    response = net.get(sim.feed_url(0))
    assert response.status == 200
    assert response.url == sim.feed_url(0)
    assert response.content_type == "application/rss+xml"
    assert response.headers["etag"] == response.headers["ETag"]  # case-insensitive
    assert response.body.startswith(b"<?xml")
    sent = sim.requests[-1].headers
    assert sent["User-Agent"].startswith("PLNHub/")
    assert sent["Host"] == sim.host_port


def test_gzip_bodies_are_decoded(sim: Simulator) -> None:
    response = net.get(sim.feed_url(1))
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.body.startswith(b"<?xml")


def test_caller_headers_are_sent_and_304_is_returned(sim: Simulator) -> None:
    etag = net.get(sim.feed_url(2)).headers["ETag"]
    response = net.get(sim.feed_url(2), headers={"If-None-Match": etag})
    assert (response.status, response.body) == (304, b"")


def test_server_errors_are_returned_not_raised(sim: Simulator) -> None:
    assert net.get(f"{sim.base_url}/faults/500/feed.xml").status == 500


def test_429_comes_back_with_its_retry_after(sim: Simulator) -> None:
    sim.set_status("/net-test/limited", 429, headers={"Retry-After": "60"})
    try:
        response = net.get(f"{sim.base_url}/net-test/limited")
    finally:
        sim.clear_status("/net-test/limited")
    assert (response.status, response.headers["retry-after"]) == (429, "60")


def test_loopback_is_refused_before_connecting_when_not_allowlisted(
    sim_not_allowed: Simulator,
) -> None:
    with pytest.raises(net.BlockedAddress) as raised:
        net.get(sim_not_allowed.feed_url(0))
    assert raised.value.message == "Address 127.0.0.1 is not public"
    assert sim_not_allowed.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "10.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "2130706433",  # decimal 127.0.0.1
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",  # hex
        "127.1",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not to bind)
        "100.64.0.1",
        "[fe80::1]",
        "[fec0::1]",
        "localhost",
    ],
)
def test_non_public_addresses_in_every_spelling_are_refused(sim: Simulator, host: str) -> None:
    # The allowlist holds "127.0.0.1:<port>" only; other spellings of it are not in it.
    with pytest.raises(net.BlockedAddress, match="is not public"):
        net.get(f"http://{host}:{sim.port}/blogs/0/feed.xml")
    assert sim.requests == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.org/", "//x/"]
)
def test_schemes_other_than_http_and_https_are_refused(url: str) -> None:
    with pytest.raises(net.BlockedAddress, match="Only http and https"):
        net.get(url)


def test_public_addresses_pass_the_check() -> None:
    import ipaddress

    for address in ("93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8", "2002:808:808::"):
        assert net.is_public(ipaddress.ip_address(address)), address


def test_a_redirect_to_a_private_address_is_refused(sim: Simulator) -> None:
    with pytest.raises(net.BlockedAddress, match="Address 169.254.169.254 is not public"):
        net.get(f"{sim.base_url}/faults/redirect-to-private")


def test_a_redirect_to_a_loopback_name_is_refused_even_with_the_ip_allowlisted(
    sim: Simulator,
) -> None:
    with pytest.raises(net.BlockedAddress, match="is not public"):
        net.get(f"{sim.base_url}/faults/redirect-to-loopback-name")
    assert [r.path for r in sim.requests] == ["/faults/redirect-to-loopback-name"]


def test_a_redirect_loop_stops_after_five_redirects(sim: Simulator) -> None:
    with pytest.raises(net.TooManyRedirects) as raised:
        net.get(f"{sim.base_url}/faults/redirect-loop")
    assert raised.value.message == "Too many redirects (over 5)"
    assert len(sim.requests) == 6


def test_a_three_hop_redirect_chain_is_followed(sim: Simulator) -> None:
    response = net.get(f"{sim.base_url}/faults/redirect/3")
    assert response.status == 200
    assert response.url == sim.feed_url(0)
    assert len(sim.requests) == 4


def test_credentials_are_not_forwarded_to_another_origin(
    sim: Simulator, settings: Settings
) -> None:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [sim.host_port, f"localhost:{sim.port}"]
    other = f"http://localhost:{sim.port}/blogs/0/feed.xml"
    sim.set_status("/net-test/away", 302, headers={"Location": other})
    try:
        net.get(
            f"{sim.base_url}/net-test/away",
            headers={"Authorization": "Bearer t", "X-Kept": "yes"},
        )
    finally:
        sim.clear_status("/net-test/away")
    first, second = sim.requests
    assert first.headers["Authorization"] == "Bearer t"
    assert "Authorization" not in second.headers
    assert second.headers["X-Kept"] == "yes"


def test_a_huge_body_is_cut_off_at_the_cap(sim: Simulator) -> None:
    with pytest.raises(net.TooLarge) as raised:
        net.get(f"{sim.base_url}/faults/huge/feed.xml")
    assert raised.value.message == "Feed too large (over 10 MB)"


def test_a_gzip_bomb_is_cut_off_quickly_at_the_cap(sim: Simulator) -> None:
    started = time.monotonic()
    with pytest.raises(net.TooLarge):
        net.get(f"{sim.base_url}/faults/gzip-bomb/feed.xml")
    assert time.monotonic() - started < 5


def test_a_dripping_server_is_cut_off_at_the_deadline(sim: Simulator) -> None:
    started = time.monotonic()
    with pytest.raises(net.FetchTimeout) as raised:
        net.get(f"{sim.base_url}/faults/slow/feed.xml", timeout=1.5)
    assert raised.value.message == "Timed out after 1.5 s"
    assert time.monotonic() - started < 3


def test_requests_to_one_host_reuse_a_kept_alive_connection(sim: Simulator) -> None:
    host, port = sim.host_port.rsplit(":", 1)
    pool = net._pools().connection_from_host(host, int(port), "http")
    opened = pool.num_connections

    answers = [net.get(sim.feed_url(n)) for n in range(3)]
    etag = answers[0].headers["ETag"]
    answers.append(net.get(sim.feed_url(0), headers={"If-None-Match": etag}))

    assert [a.status for a in answers] == [200, 200, 200, 304]
    assert all(a.body for a in answers[:3])
    assert pool.num_connections - opened <= 1  # four requests, at most one new connection


def test_after_a_cut_off_answer_the_next_request_is_answered_whole(sim: Simulator) -> None:
    with pytest.raises(net.FetchTimeout):
        net.get(f"{sim.base_url}/faults/slow/feed.xml", timeout=1)
    with pytest.raises(net.TooLarge):
        net.get(sim.feed_url(0), max_bytes=100)

    response = net.get(sim.feed_url(0))

    assert response.status == 200
    assert response.body == net.get(sim.feed_url(0)).body


def test_a_refused_connection_is_a_readable_connect_failure(settings: Settings) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{port}"]
    with pytest.raises(
        net.ConnectFailed, match="Could not connect to 127.0.0.1: Connection refused"
    ):
        net.get(f"http://127.0.0.1:{port}/")


def test_tls_to_a_plain_http_server_fails_as_connect_failure(sim: Simulator) -> None:
    with pytest.raises(net.ConnectFailed, match="TLS error"):
        net.get(f"https://{sim.host_port}/blogs/0/feed.xml", timeout=5)


def test_an_unknown_name_is_a_connect_failure() -> None:
    with pytest.raises(net.ConnectFailed, match="name not found"):
        net.get("http://no-such-host.invalid/")


def test_the_connection_is_pinned_to_the_address_that_was_checked(
    sim: Simulator, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name resolves once per hop, and that answer is where we connect.

    "sim.test" resolves to the simulator the first time only; any second lookup (as an
    unpinned client would do when connecting) fails, so the fetch could not succeed.
    """
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "sim.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        if len(lookups) > 1:
            raise socket.gaierror(socket.EAI_NONAME, "rebound")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [f"sim.test:{sim.port}"]
    response = net.get(f"http://sim.test:{sim.port}/blogs/0/feed.xml")
    assert response.status == 200
    assert lookups == ["sim.test"]
    assert sim.requests[-1].headers["Host"] == f"sim.test:{sim.port}"
