"""The WordPress.com tag-stream connector: over real HTTP against the simulator's /wpcom/, and
`parse` on payload bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings

from feeds.ingest import store_items
from feeds.models import Item
from simulator import wpcom as wpcom_sim
from simulator.server import Simulator
from sources.connectors import rss, wpcom
from sources.connectors.base import ConnectorError, FetchResult, Target
from sources.tests.factories import SourceFactory

STREAM = "/wpcom/rest/v1.1/read/tags/sub101/posts"


@pytest.fixture
def sim(fresh_simulator: Simulator, settings: Settings) -> Simulator:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    settings.PLN_WPCOM_API_BASE_URL = f"{fresh_simulator.base_url}/wpcom"
    return fresh_simulator


def again(target: Target, result: FetchResult) -> Target:
    return Target(target.url, state=result.state, hashtag=target.hashtag)


def stream_requests(sim: Simulator) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in sim.requests if r.path.startswith(STREAM)]


def post(**fields: object) -> dict[str, object]:
    """A tag-stream post in the documented shape, with `fields` replaced."""
    return {
        "ID": 77,
        "site_ID": 123456,
        "author": {
            "name": "Noor Haddad",
            "URL": "https://noor.example.com",
            "avatar_URL": "https://gravatar.example/noor.png",
        },
        "date": "2026-11-23T19:42:10+01:00",
        "title": "Week 5 &#8211; feedback",
        "URL": "https://noor.example.com/2026/11/23/week-5/",
        "guid": "http://noor.example.com/?p=77",
        "content": '<p>Hello <img src="/wp-content/uploads/a.png"></p>',
        "discussion": {"comment_count": 3},
        "like_count": 9,
        "featured_image": "https://noor.example.com/wp-content/uploads/cover.jpg",
        "tags": {"SUB101": {"ID": 57, "name": "SUB101", "slug": "sub101"}},
        "categories": {"Learning": {"ID": 3, "name": "Learning", "slug": "learning"}},
        **fields,
    }


def page_of(*posts: object) -> bytes:
    return json.dumps({"date_range": {}, "number": len(posts), "posts": list(posts)}).encode()


# --- parse ----------------------------------------------------------------------------------


def test_a_post_maps_to_an_item_keyed_like_its_blog_feed() -> None:
    items, full = wpcom.parse(page_of(post()))

    item = items[0]
    assert not full
    assert item.external_id == "noor.example.com|http://noor.example.com/?p=77"
    assert item.external_id == rss.item_key("https://noor.example.com/feed/", post()["guid"])
    assert item.url == item.base_url == "https://noor.example.com/2026/11/23/week-5/"
    assert item.published_at == datetime(2026, 11, 23, 18, 42, 10, tzinfo=UTC)
    assert item.hashtags == ["SUB101", "Learning"]
    assert item.author and item.author.external_id == "noor.example.com|Noor Haddad"
    assert item.media == [
        {"url": "https://noor.example.com/wp-content/uploads/cover.jpg", "type": "image"}
    ]
    assert (item.reply_count, item.like_count) == (3, 9)


def test_posts_of_the_wrong_shape_are_skipped_and_bad_fields_ignored() -> None:
    items, _ = wpcom.parse(
        page_of(
            1,
            None,
            post(URL="javascript:alert(1)"),
            post(URL=["https://x.example/"]),
            post(
                guid=None,
                title=5,
                author="Noor",
                date="yesterday",
                tags=[],
                categories={"x": "y"},
                featured_image="javascript:alert(1)",
                like_count="many",
                discussion=[],
            ),
        )
    )

    assert len(items) == 1
    item = items[0]
    assert item.external_id == "noor.example.com|https://noor.example.com/2026/11/23/week-5/"
    assert (item.title, item.author, item.published_at) == ("", None, None)
    assert (item.hashtags, item.media, item.like_count, item.reply_count) == ([], [], 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"posts": [{"ID": 1, "URL": "trunc',
        b"<!doctype html><html><body>Bad gateway</body></html>",
        b'{"error": "unknown_tag", "message": "Unknown tag"}',
        b'{"posts": {"0": {}}}',
        b"[]",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"posts": [' + b"9" * 5000 + b"]}",
        b"\xff\xfe\x00{",
    ],
    ids=[
        "empty", "truncated", "html-200", "error-object", "posts-not-a-list", "list",
        "deep", "huge-number", "bad-bytes",
    ],
)  # fmt: skip
def test_malformed_json_raises_the_connector_error(sim: Simulator, body: bytes) -> None:
    sim.set_status(STREAM, 200, body=body)

    with pytest.raises(ConnectorError) as caught:
        wpcom.fetch(Target(wpcom.target_url("sub101")))

    assert caught.value.message.startswith(wpcom.UNEXPECTED)


# --- fetch ----------------------------------------------------------------------------------


def test_the_target_url_is_the_tag_stream_under_the_configured_base(sim: Simulator) -> None:
    assert wpcom.target_url("#SUB101") == sim.base_url + STREAM


def test_a_first_fetch_reads_one_page_of_posts_from_several_blogs(sim: Simulator) -> None:
    result = wpcom.fetch(Target(wpcom.target_url("sub101")))

    blogs = {urlsplit(item.url).path.split("/")[3] for item in result.items}
    assert len(blogs) >= 2
    assert all("sub101" in item.hashtags for item in result.items)
    assert all(i.published_at and i.published_at.tzinfo == UTC for i in result.items)
    dates = [item.published_at for item in result.items]
    assert dates == sorted(dates, reverse=True)
    assert stream_requests(sim) == [{"number": ["40"], "order": ["DESC"]}]


@pytest.mark.django_db
def test_a_post_in_the_tag_stream_and_in_its_blogs_feed_is_one_item(sim: Simulator) -> None:
    stream = SourceFactory(platform="wpcom", url=wpcom.target_url("sub101"))
    blog = SourceFactory(platform="feed", url=f"{sim.base_url}/wpcom/sites/mira-learns/feed/")
    from_stream = wpcom.fetch(Target(stream.url)).items
    from_blog = rss.fetch(Target(blog.url)).items
    now = datetime.now(UTC)

    store_items(stream, from_stream, now=now)
    store_items(blog, from_blog, now=now)

    shared = {i.external_id for i in from_stream} & {i.external_id for i in from_blog}
    assert shared
    assert Item.objects.count() == len({i.external_id for i in from_stream + from_blog})
    for item in Item.objects.filter(external_id__in=shared):
        assert item.sources.count() == 2
    blog_authors = {i.external_id: i.author.external_id for i in from_blog if i.author}
    stream_authors = {i.external_id: i.author.external_id for i in from_stream if i.author}
    assert all(stream_authors[key] == blog_authors[key] for key in shared)


def test_cursor_polling_returns_only_newer_posts(sim: Simulator) -> None:
    target = Target(wpcom.target_url("sub101"))
    first = wpcom.fetch(target)
    new = wpcom_sim.publish(sim, "sub101", count=3)

    second = wpcom.fetch(again(target, first))
    third = wpcom.fetch(again(target, second))

    assert [i.title for i in second.items] == [p.title for p in reversed(new)]
    assert second.state.cursor > first.state.cursor
    assert not third.items and third.state.cursor == second.state.cursor
    assert stream_requests(sim)[-1]["after"] == [second.state.cursor]


def test_a_burst_of_posts_is_read_over_several_pages_up_to_a_limit(sim: Simulator) -> None:
    target = Target(wpcom.target_url("sub101"))
    first = wpcom.fetch(target)
    wpcom_sim.publish(sim, "sub101", count=95)

    burst = wpcom.fetch(again(target, first))
    wpcom_sim.publish(sim, "sub101", count=230)
    flood = wpcom.fetch(again(target, burst))

    assert len({i.external_id for i in burst.items}) == 95
    assert len(flood.items) == wpcom.NUMBER * wpcom.MAX_PAGES


def test_other_tags_stay_out_of_the_stream(sim: Simulator) -> None:
    wpcom_sim.publish(sim, "field-trip", count=2)

    trip = wpcom.fetch(Target(wpcom.target_url("field-trip")))
    course = wpcom.fetch(Target(wpcom.target_url("sub101")))

    assert len(trip.items) == 2
    assert not {i.external_id for i in trip.items} & {i.external_id for i in course.items}


def test_a_missing_stream_is_a_readable_error(sim: Simulator) -> None:
    sim.set_status(STREAM, 404, body=b'{"error": "unknown_tag"}')

    with pytest.raises(ConnectorError) as caught:
        wpcom.fetch(Target(wpcom.target_url("sub101")))

    assert caught.value.message == "WordPress.com has no such tag stream (HTTP 404)."
