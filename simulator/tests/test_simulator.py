"""The simulator serves what connector and fetch tests rely on (plain HTTP, no Django)."""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest

from simulator.server import Simulator


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET one of the simulator's own URLs (follows redirects, never raises on status)."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (our server)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def parse_xml(body: bytes) -> ElementTree.Element:
    # The simulator's own output; the hostile XXE/billion-laughs routes are never parsed here.
    return ElementTree.fromstring(body)  # noqa: S314


def test_home_page_links_its_feed_for_autodiscovery(fresh_simulator: Simulator) -> None:
    status, _, body = fetch(f"{fresh_simulator.base_url}/blogs/1/")
    link = re.search(rb'<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">', body)
    assert status == 200
    assert link is not None
    assert link.group(1) == b"application/atom+xml"
    assert not link.group(2).startswith(b"http")  # relative, so clients must resolve it
    resolved = urllib.parse.urljoin(f"{fresh_simulator.base_url}/blogs/1/", link[2].decode())
    assert resolved == fresh_simulator.feed_url(1)


@pytest.mark.parametrize(
    ("n", "path", "content_type"),
    [
        (0, "feed.xml", "application/rss+xml; charset=utf-8"),
        (1, "atom.xml", "application/atom+xml; charset=utf-8"),
        (2, "feed.json", "application/feed+json; charset=utf-8"),
        (3, "index.rdf", "application/rdf+xml; charset=utf-8"),
    ],
)
def test_each_format_is_served_with_its_content_type(
    fresh_simulator: Simulator, n: int, path: str, content_type: str
) -> None:
    status, headers, body = fetch(f"{fresh_simulator.base_url}/blogs/{n}/{path}")
    assert status == 200
    assert headers["Content-Type"] == content_type
    if path.endswith(".json"):
        assert len(json.loads(body)["items"]) == 5
    else:
        parse_xml(body)  # well-formed
    assert fetch(f"{fresh_simulator.base_url}/blogs/{(n + 1) % 4}/{path}")[0] == 404


def test_matching_etag_gets_304_without_body(fresh_simulator: Simulator) -> None:
    url = fresh_simulator.feed_url(0)
    _, headers, _ = fetch(url)
    status, _, body = fetch(url, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_if_modified_since_alone_gets_304(fresh_simulator: Simulator) -> None:
    url = fresh_simulator.feed_url(2)
    _, headers, _ = fetch(url)
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_add_post_changes_etag_and_adds_newest_item(fresh_simulator: Simulator) -> None:
    url = fresh_simulator.feed_url(0)
    _, before_headers, before = fetch(url)
    post = fresh_simulator.add_post(0)
    status, after_headers, after = fetch(url, {"If-None-Match": before_headers["ETag"]})
    assert status == 200
    assert after_headers["ETag"] != before_headers["ETag"]
    first_item = parse_xml(after).find("channel/item")
    assert first_item is not None
    assert first_item.findtext("guid") == fresh_simulator.base_url + post.path
    assert after.count(b"<item>") == before.count(b"<item>")  # window of posts_per_blog


def test_gzip_is_honoured(fresh_simulator: Simulator) -> None:
    _, headers, body = fetch(fresh_simulator.feed_url(0), {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"<?xml")


def test_set_status_overrides_a_path_until_cleared(fresh_simulator: Simulator) -> None:
    url = fresh_simulator.feed_url(0)
    fresh_simulator.set_status("/blogs/0/feed.xml", 429, headers={"Retry-After": "120"})
    status, headers, _ = fetch(url)
    assert (status, headers["Retry-After"]) == (429, "120")
    fresh_simulator.clear_status("/blogs/0/feed.xml")
    assert fetch(url)[0] == 200


def test_requests_are_recorded_newest_last(fresh_simulator: Simulator) -> None:
    fresh_simulator.clear_requests()
    fetch(f"{fresh_simulator.base_url}/blogs/0/?a=1", {"X-Test": "yes"})
    fetch(f"{fresh_simulator.base_url}/faults/404")
    recorded = fresh_simulator.requests
    assert [(r.method, r.path) for r in recorded] == [
        ("GET", "/blogs/0/?a=1"),
        ("GET", "/faults/404"),
    ]
    assert recorded[0].headers["X-Test"] == "yes"


def test_same_seed_generates_the_same_posts(fresh_simulator: Simulator) -> None:
    from simulator.server import start_in_thread

    other = start_in_thread(blogs=4, seed=1, posts_per_blog=5)
    try:
        mine = fresh_simulator.site.blogs.blogs[3].posts
        theirs = other.site.blogs.blogs[3].posts
        assert [(p.title, p.html, p.author) for p in mine] == [
            (p.title, p.html, p.author) for p in theirs
        ]
    finally:
        other.stop()


def test_posts_have_titles_authors_categories_and_older_dates_first(
    fresh_simulator: Simulator,
) -> None:
    posts = fresh_simulator.site.blogs.blogs[0].posts
    assert all(a.published < b.published for a, b in zip(posts, posts[1:], strict=False))
    assert all(p.title and p.author and 1 <= len(p.categories) <= 3 for p in posts)
    assert all(900 <= len(p.html.encode()) <= 1700 and "../about/" in p.html for p in posts)


def test_redirect_chain_ends_at_a_feed(fresh_simulator: Simulator) -> None:
    status, headers, _ = fetch(f"{fresh_simulator.base_url}/faults/redirect/3")
    assert status == 200
    assert headers["Content-Type"].startswith("application/rss+xml")
    paths = [r.path for r in fresh_simulator.requests]
    assert paths[-4:] == [
        "/faults/redirect/3",
        "/faults/redirect/2",
        "/faults/redirect/1",
        "/blogs/0/feed.xml",
    ]


def test_hostile_feed_is_valid_rss_full_of_script(fresh_simulator: Simulator) -> None:
    _, _, body = fetch(f"{fresh_simulator.base_url}/faults/hostile/feed.xml")
    feed = parse_xml(body)
    titles = [t.text or "" for t in feed.iter("title")]
    assert len(feed.findall("channel/item")) == 3
    assert any("<script>alert(1)</script>" in t for t in titles)
    assert b"Harmless text survives" in body
