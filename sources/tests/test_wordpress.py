"""The self-hosted WordPress connector: over real HTTP against the simulator's /wp/ sites, and
`parse` on the fixture payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings

from feeds.ingest import store_items
from feeds.models import Item, Person
from feeds.sanitize import clean_html
from simulator import wordpress as wp_sim
from simulator.server import Simulator
from sources import net
from sources.connectors import rss, wordpress
from sources.connectors.base import ConnectorError, FetchResult, Target
from sources.discovery import discover
from sources.tests.factories import SourceFactory

PAYLOADS = Path(__file__).parent / "payloads"
FIXTURE_POSTS = "https://blog.example.org/wp-json/wp/v2/posts"


@pytest.fixture
def sim(fresh_simulator: Simulator, settings: Settings) -> Simulator:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    return fresh_simulator


def posts_url(sim: Simulator, key: str = "0") -> str:
    return f"{sim.base_url}/wp/{key}/wp-json/wp/v2/posts"


def again(url: str, result: FetchResult) -> Target:
    return Target(url, state=result.state)


def page(url: str, *, headers: dict[str, str] | None = None, body: bytes = b"") -> net.Response:
    return net.Response(url, 200, {"Content-Type": "text/html", **(headers or {})}, body)


def requested(sim: Simulator, path: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in sim.requests if r.path.split("?")[0] == path]


# --- finding the API ------------------------------------------------------------------------


def test_the_api_root_is_found_from_the_link_header() -> None:
    header = {"Link": '<https://blog.example.org/wp-json/>; rel="https://api.w.org/"'}

    assert wordpress.find_api_root(page("https://blog.example.org/", headers=header)) == (
        "https://blog.example.org/wp-json/"
    )


def test_the_api_root_is_found_from_the_link_element_and_resolved() -> None:
    body = b"<html><head><link rel='https://api.w.org/' href='/blog/wp-json/' /></head></html>"

    found = wordpress.find_api_root(page("https://blog.example.org/blog/", body=body))

    assert found == "https://blog.example.org/blog/wp-json/"


def test_an_api_root_on_another_host_is_refused() -> None:
    header = {"Link": '<https://evil.example/wp-json/>; rel="https://api.w.org/"'}
    body = b'<link rel="https://api.w.org/" href="http://169.254.169.254/wp-json/">'

    assert wordpress.find_api_root(page("https://blog.example.org/", headers=header)) is None
    assert wordpress.find_api_root(page("https://blog.example.org/", body=body)) is None
    assert wordpress.find_api_root(page("https://blog.example.org/", body=b"<p>hi</p>")) is None


def test_the_simulated_home_page_advertises_its_api_and_its_feed(sim: Simulator) -> None:
    home = net.get(f"{sim.base_url}/wp/0/")

    assert wordpress.find_api_root(home) == f"{sim.base_url}/wp/0/wp-json/"
    found = discover(f"{sim.base_url}/wp/0/")
    assert found.is_wordpress
    assert found.feed_url == f"{sim.base_url}/wp/0/feed/"


def test_a_tag_slug_resolves_to_its_id(sim: Simulator) -> None:
    root = f"{sim.base_url}/wp/0/wp-json/"

    assert wordpress.tag_id(root, "sub101") == 57
    assert wordpress.tag_id(root, "#SUB101") == 57
    assert wordpress.tag_id(root, "no-such-tag") is None


def test_target_urls_work_with_and_without_pretty_permalinks() -> None:
    pretty = wordpress.target_url("https://b.example/wp-json/", tag_id=57)
    plain = urlsplit(wordpress.target_url("https://b.example/?rest_route=/"))

    assert pretty == "https://b.example/wp-json/wp/v2/posts?tags=57"
    assert parse_qs(plain.query) == {"rest_route": ["/wp/v2/posts"]}
    assert wordpress.site_url(pretty) == "https://b.example/"


def test_the_tag_filter_returns_only_tagged_posts(sim: Simulator) -> None:
    wp_sim.publish(sim, "0", count=2, tags=("field-trip",))
    root = f"{sim.base_url}/wp/0/wp-json/"
    tag = wordpress.tag_id(root, "field-trip")
    assert tag is not None

    result = wordpress.fetch(Target(wordpress.target_url(root, tag_id=tag)))

    assert len(result.items) == 2
    assert all("field-trip" in item.hashtags for item in result.items)
    assert requested(sim, "/wp/0/wp-json/wp/v2/posts")[-1]["tags"] == [str(tag)]


# --- mapping --------------------------------------------------------------------------------


def test_the_fixture_maps_to_items() -> None:
    items = wordpress.parse((PAYLOADS / "wp_posts.json").read_bytes(), url=FIXTURE_POSTS)

    first = items[0]
    assert [i.external_id for i in items] == [
        f"blog.example.org|https://blog.example.org/?p={n}" for n in (418, 405, 377)
    ]
    assert first.url == first.base_url == "https://blog.example.org/2026/11/peer-feedback-week-5/"
    assert first.title == "SUB101 week 5: peer feedback that actually helps"
    assert first.published_at == datetime(2026, 11, 23, 18, 42, 10, tzinfo=UTC)
    assert first.hashtags == ["SUB101", "Teaching", "sub101", "feedback"]
    assert first.author and first.author.external_id == "blog.example.org|Mira Jansen"
    assert first.author.profile_url == "https://blog.example.org/author/mira/"
    assert first.author.avatar_url.endswith("s=96&d=mm&r=g")
    assert first.media == [
        {
            "url": "https://blog.example.org/wp-content/uploads/2026/11/learning-log-template.png",
            "type": "image",
            "alt": "Screenshot of a learning log template with three columns",
        }
    ]
    assert items[1].media == []


def test_relative_images_and_links_resolve_against_the_post_after_sanitising() -> None:
    item = wordpress.parse((PAYLOADS / "wp_posts.json").read_bytes(), url=FIXTURE_POSTS)[0]

    html = clean_html(item.html, base_url=item.base_url)

    uploads = "https://blog.example.org/wp-content/uploads/2026/11/"
    assert f'src="{uploads}learning-log-template-1024x683.png"' in html
    assert f'href="{uploads}feedback-prompts.pdf"' in html


def test_the_fixture_posts_have_the_keys_of_the_fixture_feed() -> None:
    items = wordpress.parse((PAYLOADS / "wp_posts.json").read_bytes(), url=FIXTURE_POSTS)
    feed = rss.parse(
        (PAYLOADS / "wordpress_feed.xml").read_bytes(), url="https://blog.example.org/feed/"
    )

    by_key = {entry.external_id: entry for entry in feed.items}
    for item in items:
        assert item.author and by_key[item.external_id].author
        assert item.author.external_id == by_key[item.external_id].author.external_id
        assert item.published_at == by_key[item.external_id].published_at


@pytest.mark.parametrize("key", ["0", "1"], ids=["utc-site", "utc+2-site"])
def test_a_post_read_through_the_api_and_through_the_feed_is_the_same(
    sim: Simulator, key: str
) -> None:
    api = wordpress.fetch(Target(posts_url(sim, key)))
    feed = rss.fetch(Target(f"{sim.base_url}/wp/{key}/feed/"))

    assert [i.external_id for i in api.items] == [i.external_id for i in feed.items]
    assert [i.author.external_id for i in api.items if i.author] == [
        i.author.external_id for i in feed.items if i.author
    ]
    assert [i.published_at for i in api.items] == [i.published_at for i in feed.items]
    assert all(i.published_at and i.published_at.tzinfo == UTC for i in api.items)


@pytest.mark.django_db
def test_a_post_stored_through_both_sources_is_one_item(sim: Simulator) -> None:
    api_source = SourceFactory(platform="wordpress", url=posts_url(sim))
    feed_source = SourceFactory(platform="feed", url=f"{sim.base_url}/wp/0/feed/")
    now = datetime.now(UTC)

    store_items(api_source, wordpress.fetch(Target(api_source.url)).items, now=now)
    store_items(feed_source, rss.fetch(Target(feed_source.url)).items, now=now)

    posts = len(wordpress.fetch(Target(api_source.url)).items)
    assert Item.objects.count() == posts
    assert all(item.sources.count() == 2 for item in Item.objects.all())
    assert Person.objects.count() == len({i.author_id for i in Item.objects.all()})


def test_the_simulated_site_zero_has_the_fixture_shape(sim: Simulator) -> None:
    items = wordpress.fetch(Target(posts_url(sim))).items

    html = clean_html(items[0].html, base_url=items[0].base_url)
    assert f'src="{sim.base_url}/wp/0/wp-content/uploads/' in html
    assert {"SUB101", "sub101"} <= set(items[0].hashtags)
    assert any(item.media for item in items)
    assert all(item.author and item.author.avatar_url for item in items)


# --- polling --------------------------------------------------------------------------------


def test_the_first_poll_reads_one_page(sim: Simulator) -> None:
    wp_sim.publish(sim, "2", count=60)

    result = wordpress.fetch(Target(posts_url(sim, "2")))

    assert len(result.items) == wordpress.PER_PAGE
    assert len(requested(sim, "/wp/2/wp-json/wp/v2/posts")) == 1


def test_cursor_polling_returns_only_newer_posts(sim: Simulator) -> None:
    url = posts_url(sim)
    first = wordpress.fetch(Target(url))
    new = wp_sim.publish(sim, "0", count=2)

    second = wordpress.fetch(again(url, first))
    third = wordpress.fetch(again(url, second))

    assert [i.url for i in second.items] == [
        f"{sim.base_url}/wp/0/{p.published:%Y/%m}/{p.slug}/" for p in reversed(new)
    ]
    assert second.state.cursor > first.state.cursor
    assert third.not_modified or not third.items
    assert requested(sim, "/wp/0/wp-json/wp/v2/posts")[-1]["after"] == [second.state.cursor]


def test_edits_to_posts_already_read_are_not_fetched_again(sim: Simulator) -> None:
    """The cursor follows `date_gmt` (see the module docstring for why)."""
    url = posts_url(sim)
    first = wordpress.fetch(Target(url))
    wp_sim.edit(sim, "0", 101, title="Edited later")

    assert not wordpress.fetch(again(url, first)).items


def test_more_than_a_page_of_new_posts_is_fetched_up_to_a_limit(sim: Simulator) -> None:
    url = posts_url(sim, "2")
    first = wordpress.fetch(Target(url))
    wp_sim.publish(sim, "2", count=120)

    burst = wordpress.fetch(again(url, first))
    wp_sim.publish(sim, "2", count=300)
    flood = wordpress.fetch(again(url, burst))

    assert len({i.external_id for i in burst.items}) == 120
    assert len(flood.items) == wordpress.PER_PAGE * wordpress.MAX_PAGES


def test_an_unchanged_answer_is_not_modified(sim: Simulator) -> None:
    url = posts_url(sim)
    first = wordpress.fetch(Target(url))
    second = wordpress.fetch(again(url, first))  # the cursor changes the query, and its ETag

    third = wordpress.fetch(again(url, second))

    assert third.not_modified and third.state == second.state
    sent = [r.headers for r in sim.requests if r.path.startswith("/wp/0/wp-json/")][-1]
    assert sent.get("If-None-Match") == second.state.etag


# --- errors and the feed fallback -----------------------------------------------------------


def test_a_site_with_its_rest_api_off_falls_back_to_its_feed(sim: Simulator) -> None:
    url = posts_url(sim, "rest-off")

    with pytest.raises(wordpress.RestApiUnavailable) as caught:
        wordpress.fetch(Target(url))
    with pytest.raises(wordpress.RestApiUnavailable):
        wordpress.tag_id(f"{sim.base_url}/wp/rest-off/wp-json/", "pedagogy")
    feed = rss.fetch(Target(wordpress.fallback_feed_url(wordpress.site_url(url), None)))
    tagged = rss.fetch(Target(wordpress.fallback_feed_url(wordpress.site_url(url), "Pedagogy")))

    assert "REST API is switched off" in caught.value.message
    assert not caught.value.permanent
    assert feed.items and tagged.items
    assert all("pedagogy" in item.hashtags for item in tagged.items)


@pytest.mark.parametrize("status", [401, 403])
def test_a_site_that_refuses_anonymous_readers_says_so(sim: Simulator, status: int) -> None:
    sim.set_status("/wp/0/wp-json/wp/v2/posts", status, body=b'{"code":"rest_cannot_access"}')

    with pytest.raises(wordpress.RestApiUnavailable) as caught:
        wordpress.fetch(Target(posts_url(sim)))

    assert caught.value.message.startswith(wordpress.NOT_ALLOWED)
    assert not caught.value.permanent


def test_fallback_feed_urls() -> None:
    assert wordpress.fallback_feed_url("https://b.example", None) == "https://b.example/feed/"
    assert (
        wordpress.fallback_feed_url("https://b.example/blog/", "#SUB101")
        == "https://b.example/blog/tag/sub101/feed/"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'[{"id": 1, "guid": {"rendered": "trunc',
        b"<!doctype html><html><body>Error establishing a database connection</body></html>",
        b'{"code": "rest_no_route", "message": "No route"}',
        b"[" * 100_000 + b"]" * 100_000,
        b"[" + b"9" * 5000 + b"]",
        b"\xff\xfe\x00[",
    ],
    ids=["empty", "truncated", "html-200", "object", "deep", "huge-number", "bad-bytes"],
)
def test_malformed_json_raises_the_connector_error(sim: Simulator, body: bytes) -> None:
    sim.set_status("/wp/0/wp-json/wp/v2/posts", 200, body=body)

    with pytest.raises(ConnectorError) as caught:
        wordpress.fetch(Target(posts_url(sim)))

    assert caught.value.message.startswith(wordpress.UNEXPECTED)


def test_posts_of_the_wrong_shape_are_skipped_and_bad_fields_ignored() -> None:
    posts = [
        1,
        "post",
        None,
        {"guid": 5, "link": "javascript:alert(1)"},
        {
            "guid": {"rendered": "https://b.example/?p=7"},
            "link": ["x"],
            "title": "not an object",
            "content": {"rendered": 7},
            "excerpt": {"rendered": "<p>Excerpt</p>"},
            "date_gmt": "2026-13-45T99:00:00",
            "_embedded": {
                "author": [{"code": "rest_user_invalid_id"}],
                "wp:term": [["x", {"name": 3}, {"name": "Kept"}], "y"],
                "wp:featuredmedia": [{"source_url": "javascript:alert(1)"}],
            },
        },
    ]

    items = wordpress.parse(json.dumps(posts).encode(), url="https://b.example/wp-json/wp/v2/posts")

    assert len(items) == 1
    item = items[0]
    assert item.external_id == "b.example|https://b.example/?p=7"
    assert (item.url, item.title, item.html) == ("", "", "<p>Excerpt</p>")
    assert (item.published_at, item.author, item.media) == (None, None, [])
    assert item.hashtags == ["Kept"]
    assert item.base_url == "https://b.example/"


# --- the simulator --------------------------------------------------------------------------


def test_the_simulated_posts_endpoint_paginates_and_filters_like_wordpress(sim: Simulator) -> None:
    url = posts_url(sim)
    first = net.get(f"{url}?per_page=4")
    beyond = net.get(f"{url}?per_page=4&page=3")
    edited = wp_sim.edit(sim, "0", 104, title="Edited")
    since = f"{edited.modified - timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}"  # site time: UTC
    modified = json.loads(net.get(f"{url}?modified_after={since}&orderby=modified").body)

    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("6", "2")
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert beyond.status == 400
    assert json.loads(beyond.body)["code"] == "rest_post_invalid_page_number"
    assert [post["id"] for post in modified] == [104]
    assert modified[0]["title"]["rendered"] == "Edited"
