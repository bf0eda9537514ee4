"""Feed autodiscovery, over real HTTP against the local simulator."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from simulator.server import Simulator
from sources import net
from sources.discovery import DiscoveryError, _HeadLinks, discover, normalise_address

FORMATS = {0: "RSS 2.0", 1: "Atom", 2: "JSON Feed", 3: "RSS 1.0"}


def _blog_title(simulator: Simulator, n: int) -> str:
    return simulator.site.blogs.blogs[n].title


@pytest.mark.parametrize("n", list(FORMATS), ids=list(FORMATS.values()))
def test_a_site_address_finds_the_feed_its_page_links_to(
    allow_simulator: Simulator, n: int
) -> None:
    found = discover(f"{allow_simulator.base_url}/blogs/{n}/")

    assert found.feed_url == allow_simulator.feed_url(n)
    assert found.title == _blog_title(allow_simulator, n)
    assert found.site_url == f"{allow_simulator.base_url}/blogs/{n}/"


@pytest.mark.parametrize("n", list(FORMATS), ids=list(FORMATS.values()))
def test_a_feed_address_is_accepted_as_it_is(allow_simulator: Simulator, n: int) -> None:
    found = discover(allow_simulator.feed_url(n))

    assert found.feed_url == allow_simulator.feed_url(n)
    assert found.title == _blog_title(allow_simulator, n)
    assert found.site_url == f"{allow_simulator.base_url}/blogs/{n}/"


def test_an_address_typed_without_a_scheme_gets_https() -> None:
    assert normalise_address("  blog.example.org/feed/ ") == "https://blog.example.org/feed/"


def test_an_address_with_http_keeps_it() -> None:
    assert normalise_address("http://blog.example.org/") == "http://blog.example.org/"


def test_an_address_typed_without_a_scheme_falls_back_to_http_when_https_fails(
    allow_simulator: Simulator,
) -> None:
    # The simulator speaks plain HTTP only, so the https attempt fails its TLS handshake.
    found = discover(f"{allow_simulator.host_port}/blogs/0/")

    assert found.feed_url == allow_simulator.feed_url(0)


def test_an_address_typed_with_https_is_not_downgraded_to_http(
    allow_simulator: Simulator,
) -> None:
    with pytest.raises(DiscoveryError) as raised:
        discover(f"https://{allow_simulator.host_port}/blogs/0/")
    assert "TLS error" in raised.value.message


@pytest.mark.parametrize("address", ["ftp://blog.example.org/feed/", "https://", "file:///x"])
def test_an_address_that_is_not_a_web_address_is_refused_with_advice(address: str) -> None:
    with pytest.raises(DiscoveryError) as raised:
        normalise_address(address)
    assert raised.value.message == "Paste a web address starting with http:// or https://."


def test_a_page_that_answers_404_is_reported_with_its_status(allow_simulator: Simulator) -> None:
    with pytest.raises(DiscoveryError) as raised:
        discover(f"{allow_simulator.base_url}/faults/404")
    assert "HTTP 404" in raised.value.message


def test_a_page_without_feed_links_falls_back_to_conventional_paths_then_says_so(
    allow_simulator: Simulator,
) -> None:
    # A post page has no autodiscovery <link>, and the simulator has nothing at /feed/ & co.
    page = f"{allow_simulator.base_url}/blogs/0/posts/1/"
    already = len(allow_simulator.requests)

    with pytest.raises(DiscoveryError) as raised:
        discover(page)

    assert raised.value.message == f"No RSS, Atom or JSON feed was found at {page}."
    tried = [r.path for r in allow_simulator.requests[already:]]
    assert tried[0] == "/blogs/0/posts/1/"
    assert {"/feed/", "/rss.xml", "/atom.xml", "/feed.json"} <= set(tried)


def _page(html: str, url: str = "https://blog.example.org/") -> net.Response:
    return net.Response(url, 200, {"Content-Type": "text/html"}, html.encode())


def test_a_comments_feed_is_skipped_in_favour_of_the_posts_feed() -> None:
    page = _HeadLinks.read(
        _page(
            "<html><head><title>Mira's notes</title>"
            '<link rel="alternate" type="application/rss+xml" title="Mira &raquo; Comments Feed"'
            ' href="https://blog.example.org/comments/feed/">'
            '<link rel="alternate" type="application/rss+xml" title="Mira &raquo; Feed"'
            ' href="/feed/">'
            "</head><body></body></html>"
        )
    )

    assert page.feed_urls(base="https://blog.example.org/") == ["https://blog.example.org/feed/"]
    assert page.title == "Mira's notes"


def test_a_comments_feed_named_only_by_its_address_is_skipped_too() -> None:
    page = _HeadLinks.read(
        _page(
            '<head><link rel="alternate" type="application/atom+xml" href="/comments/atom.xml">'
            '<link rel="alternate" type="application/atom+xml" href="/atom.xml"></head>'
        )
    )

    assert page.feed_urls(base="https://blog.example.org/") == ["https://blog.example.org/atom.xml"]


def test_a_loopback_address_is_refused_as_not_public_unless_allowlisted(
    simulator: Simulator, settings: Settings
) -> None:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = []
    address = f"{simulator.base_url}/blogs/0/?probe=discovery-loopback"

    with pytest.raises(DiscoveryError) as raised:
        discover(address)

    assert raised.value.message == "Address 127.0.0.1 is not public"
    assert not [r for r in simulator.requests if "probe=discovery-loopback" in r.path]


def test_the_hostile_page_leads_to_its_feed(allow_simulator: Simulator) -> None:
    found = discover(f"{allow_simulator.base_url}/faults/hostile/")

    assert found.feed_url == f"{allow_simulator.base_url}/faults/hostile/feed.xml"
