"""The Mastodon connector: `fetch` over real HTTP against the simulator's fake servers, `parse`
on payload bytes, and the fake servers' own Mastodon behaviour."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings

from feeds.ingest import store_items
from feeds.models import Item
from simulator import mastodon as fake
from simulator.server import Simulator
from sources import net
from sources.connectors import http_status, mastodon
from sources.connectors.base import AuthorRecord, ConnectorError, ItemRecord, PollState, Target
from sources.tests.factories import SourceFactory

PAYLOADS = Path(__file__).parent / "payloads"
FIXTURE = (PAYLOADS / "mastodon_tag_timeline.json").read_bytes()
FIXTURE_URL = "https://social.example/api/v1/timelines/tag/sub101"
SERVER, OTHER = "social.example", "edu.example"
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


@pytest.fixture
def sim(fresh_simulator: Simulator, settings: Settings) -> Simulator:
    """A private simulator that sources.net may reach."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    return fresh_simulator


def _target(sim: Simulator, tag: str = "sub101", server: str = SERVER, cursor: str = "") -> Target:
    url = mastodon.target_url(fake.server_base_url(sim, server), tag)
    return Target(url=url, state=PollState(cursor=cursor), hashtag=tag)


def _again(target: Target, cursor: str) -> Target:
    return Target(url=target.url, state=PollState(cursor=cursor), hashtag=target.hashtag)


def _raw(sim: Simulator, query: str, *, tag: str = "sub101", server: str = SERVER):
    """A fake server's own answer: (statuses, response)."""
    response = net.get(f"{_target(sim, tag, server).url}?{query}")
    return json.loads(response.body), response


def _statuses() -> list[dict]:
    return json.loads(FIXTURE)


def _fixture_items() -> dict[str, ItemRecord]:
    return {item.external_id: item for item in mastodon.parse(FIXTURE, url=FIXTURE_URL).items}


def _status(status_id: str, **fields: object) -> dict:
    """A valid status (the fixture's first) with its own id and uri, then `fields` on top."""
    status = copy.deepcopy(_statuses()[0])
    status.update(id=status_id, uri=f"https://social.example/users/mira/statuses/{status_id}")
    status.update(fields)
    return status


def _min_id(path: str) -> str:
    return parse_qs(urlsplit(path).query).get("min_id", [""])[0]


def _timeline_requests(sim: Simulator) -> list[str]:
    return [r.path for r in sim.requests if "/timelines/tag/" in r.path]


# --- parse, on the fixture's bytes --------------------------------------------------------


def test_a_local_status_becomes_a_record_with_a_qualified_handle() -> None:
    item = _fixture_items()["https://social.example/users/mira/statuses/117671884685327580"]

    assert item.url == item.base_url == "https://social.example/@mira/117671884685327580"
    assert item.html.startswith("<p>Week 5 of <a href=")
    assert (item.title, item.text) == ("", "")
    assert item.author == AuthorRecord(
        external_id="https://social.example/@mira",
        name="Mira Jansen 📚",
        handle="@mira@social.example",
        profile_url="https://social.example/@mira",
        avatar_url="https://files.social.example/accounts/avatars/109/284/original/cf5bdfb40421ac1f.png",
    )
    assert item.published_at == datetime(2026, 11, 24, 14, 27, 47, tzinfo=UTC)
    assert item.hashtags == ["sub101"]
    assert (item.reply_count, item.like_count, item.repost_count) == (5, 40, 14)
    assert item.media == []


def test_a_remote_status_keeps_its_authors_domain_and_its_image() -> None:
    item = _fixture_items()["https://edu.example/users/tomasz/statuses/117671855325202391"]

    assert item.author and item.author.handle == "@tomasz@edu.example"
    assert item.author.external_id == "https://edu.example/@tomasz"
    assert item.hashtags == ["sub101", "mindmap"]
    assert item.media == [
        {
            "type": "image",
            "url": "https://files.social.example/cache/media_attachments/files/113/546/790/012/"
            "340/001/original/3f9a1c2b7d6e5f40.jpg",
            "alt": "Whiteboard mind-map with the word 'network' in the centre and sticky notes "
            "around it",
        }
    ]


def test_a_content_warning_is_shown_before_the_content() -> None:
    item = _fixture_items()["https://fedi.school.example/users/rosa/statuses/117671768096808886"]

    assert item.html.startswith(
        "<p><strong>CW: assessment &amp; grading rant</strong></p><p>Honest reflection"
    )


def test_a_reblog_is_stored_as_the_reblogged_status() -> None:
    items = _fixture_items()

    assert "https://social.example/users/pln_bot/statuses/117671719075847535/activity" not in items
    item = items["https://fedi.school.example/users/rosa/statuses/117671169884167809"]
    assert item.author and item.author.handle == "@rosa@fedi.school.example"
    assert item.html.startswith("<p>Slides from my")
    assert item.hashtags == ["sub101", "pln"]
    assert (item.reply_count, item.like_count, item.repost_count) == (4, 29, 11)


def test_a_page_reports_its_newest_id_and_size() -> None:
    page = mastodon.parse(FIXTURE, url=FIXTURE_URL)

    assert (page.newest_id, page.size, len(page.items)) == ("117671884685327580", 5, 5)


@pytest.mark.parametrize(
    ("ids", "newest"),
    [
        (["99", "100"], "100"),
        (["2", "10", "9"], "10"),
        (["123456789012345678901234567890", "99"], "123456789012345678901234567890"),
    ],
)
def test_ids_stay_strings_compared_by_length_then_text(ids: list[str], newest: str) -> None:
    body = json.dumps([_status(i) for i in ids]).encode()

    page = mastodon.parse(body, url=FIXTURE_URL)

    assert page.newest_id == newest


@pytest.mark.parametrize(
    "body",
    [
        FIXTURE[: len(FIXTURE) // 2],
        b'{"error": "Record not found"}',
        b'"statuses"',
        b"<!doctype html><html><h1>502 Bad Gateway</h1></html>",
        b"\xff\xfe\x00garbage",
        b"[" * 10_000 + b"]" * 10_000,
        b'[{"id": "1", "content": ' + b"[" * 10_000 + b"]" * 10_000 + b"}]",
        b'[{"id": "1", "replies_count": ' + b"9" * 5_000 + b"}]",
    ],
    ids=[
        "truncated",
        "object",
        "string",
        "html-page",
        "binary",
        "deep-nesting",
        "deep-nesting-in-a-status",
        "huge-number",
    ],
)
def test_a_malformed_page_raises_the_connector_error(body: bytes) -> None:
    with pytest.raises(ConnectorError) as caught:
        mastodon.parse(body, url=FIXTURE_URL)

    assert "Mastodon sent an unexpected response" in caught.value.message


def test_statuses_of_the_wrong_shape_are_skipped_and_the_rest_kept() -> None:
    good = _status("200")
    bad: list[object] = [
        "a status",
        42,
        None,
        [],
        _status("201", id=[[["201"]]]),
        _status("202", id=202),
        _status("203", uri={"href": "x"}),
        _status("204", uri="x" * 501),
        _status("205", created_at="yesterday"),
        _status("206", created_at=1_700_000_000),
        _status("207", created_at="0001-01-01T00:00:00+05:00"),
        _status("208", reblog="a boost"),
        {"id": "209"},
    ]

    page = mastodon.parse(json.dumps([*bad, good]).encode(), url=FIXTURE_URL)

    assert [item.external_id for item in page.items] == [good["uri"]]
    # The cursor moves past unusable statuses too, so they are not refetched forever.
    assert page.newest_id == "209"


def test_fields_of_the_wrong_type_are_ignored() -> None:
    status = _status(
        "300",
        account="mira",
        content=["<p>not a string</p>"],
        spoiler_text={"cw": True},
        url="javascript:alert(1)",
        tags=[1, "sub101", {"name": ["x"]}, {"name": "<b>x</b>"}, {"name": "ok_tag"}],
        media_attachments={"type": "image", "url": "https://x.example/a.png"},
        replies_count="12",
        favourites_count=True,
        reblogs_count=10**30,
    )

    [item] = mastodon.parse(json.dumps([status]).encode(), url=FIXTURE_URL).items

    assert item.author is None
    assert item.html == ""
    assert item.url == status["uri"]  # a javascript: url falls back to the uri
    assert item.hashtags == ["ok_tag"]
    assert item.media == []
    assert (item.reply_count, item.like_count, item.repost_count) == (0, 0, 2**31 - 1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2026-11-24T14:35:00.000000Z", datetime(2026, 11, 24, 14, 35, tzinfo=UTC)),
        ("2026-11-24T14:35:00.123Z", datetime(2026, 11, 24, 14, 35, 0, 123000, tzinfo=UTC)),
        ("2026-11-24T15:35:00+01:00", datetime(2026, 11, 24, 14, 35, tzinfo=UTC)),
        ("2026-11-24T14:35:00", datetime(2026, 11, 24, 14, 35, tzinfo=UTC)),
        (str(int(NOW.timestamp()) + 300), NOW + timedelta(seconds=300)),
        ("120", NOW + timedelta(seconds=120)),
        ("2026-12-30T00:00:00Z", NOW + timedelta(hours=24)),
        ("99999999999999999999", NOW + timedelta(hours=24)),
        ("2026-11-24T14:00:00Z", None),
        ("next tuesday", None),
        ("", None),
    ],
)
def test_the_rate_limit_reset_time_is_read_within_sane_bounds(
    header: str, expected: datetime | None
) -> None:
    assert http_status.reset_time(header, now=NOW) == expected


@pytest.mark.parametrize(
    ("base", "tag", "url"),
    [
        (
            "https://mastodon.social",
            "#SUB101",
            "https://mastodon.social/api/v1/timelines/tag/sub101",
        ),
        ("mastodon.social/", "sub101", "https://mastodon.social/api/v1/timelines/tag/sub101"),
        (
            "http://127.0.0.1:8765/mastodon/edu.example",
            "Café",
            "http://127.0.0.1:8765/mastodon/edu.example/api/v1/timelines/tag/caf%C3%A9",
        ),
    ],
)
def test_target_url_builds_one_endpoint_per_server_and_tag(base: str, tag: str, url: str) -> None:
    assert mastodon.target_url(base, tag) == url


@pytest.mark.parametrize(
    ("base", "tag"),
    [("https://mastodon.social", " # "), ("ftp://mastodon.social", "a"), ("x.example:port", "a")],
)
def test_target_url_refuses_what_is_not_a_server_and_a_tag(base: str, tag: str) -> None:
    with pytest.raises(ValueError):
        mastodon.target_url(base, tag)


# --- fetch, over HTTP against the fake servers --------------------------------------------


def test_a_first_poll_reads_the_newest_page(sim: Simulator) -> None:
    newest, _ = _raw(sim, "limit=40")
    sim.clear_requests()

    result = mastodon.fetch(_target(sim))

    assert [item.external_id for item in result.items] == [s["uri"] for s in newest]
    assert len(result.items) == 40
    assert result.state.cursor == newest[0]["id"]
    assert result.title == f"#sub101 on {sim.host_port}/mastodon/social.example"
    assert result.retry_at is None
    assert [path.rpartition("/")[2] for path in _timeline_requests(sim)] == ["sub101?limit=40"]


def test_simulated_statuses_map_like_real_ones(sim: Simulator) -> None:
    items = mastodon.fetch(_target(sim)).items

    handles = {item.author.handle for item in items if item.author}
    assert "@mira@social.example" in handles  # a local account, qualified
    assert "@tomasz@edu.example" in handles
    assert any(item.html.startswith("<p><strong>CW: ") for item in items)
    assert any(item.media and item.media[0]["alt"].startswith("Photo of") for item in items)
    assert all("sub101" in item.hashtags for item in items)
    assert all(item.published_at and item.published_at.tzinfo for item in items)


def test_a_poll_from_the_cursor_returns_only_newer_statuses(sim: Simulator) -> None:
    target = _target(sim)
    first = mastodon.fetch(target)
    new = fake.publish(sim, "sub101", 3, servers=[SERVER])
    sim.clear_requests()

    second = mastodon.fetch(_again(target, first.state.cursor))
    third = mastodon.fetch(_again(target, second.state.cursor))

    assert {item.external_id for item in second.items} == {s["uri"] for s in new}
    assert second.state.cursor == new[-1]["id"]
    assert _min_id(_timeline_requests(sim)[0]) == first.state.cursor
    assert third.items == [] and third.state.cursor == second.state.cursor


def test_a_burst_is_read_across_pages_without_gaps_or_repeats(sim: Simulator) -> None:
    target = _target(sim)
    first = mastodon.fetch(target)
    new = fake.publish(sim, "sub101", 95, servers=[SERVER])
    sim.clear_requests()

    result = mastodon.fetch(_again(target, first.state.cursor))

    keys = [item.external_id for item in result.items]
    assert len(keys) == 95 and set(keys) == {s["uri"] for s in new}
    assert result.state.cursor == new[-1]["id"]
    # Upwards through the Link rel="prev" pages, each starting above the last one read.
    mins = [_min_id(path) for path in _timeline_requests(sim)]
    assert mins == [first.state.cursor, new[39]["id"], new[79]["id"]]


def test_a_long_burst_is_caught_up_over_several_polls(sim: Simulator) -> None:
    target = _target(sim)
    first = mastodon.fetch(target)
    new = fake.publish(sim, "sub101", 230, servers=[SERVER])

    second = mastodon.fetch(_again(target, first.state.cursor))
    third = mastodon.fetch(_again(target, second.state.cursor))

    assert len(second.items) == mastodon.MAX_PAGES * mastodon.PAGE_SIZE
    assert second.state.cursor == new[199]["id"]
    keys = [item.external_id for item in second.items + third.items]
    assert sorted(keys) == sorted(s["uri"] for s in new)


def test_each_server_sees_its_own_slice_of_a_tag_with_its_own_ids(sim: Simulator) -> None:
    here, _ = _raw(sim, "limit=40", server=SERVER)
    there, _ = _raw(sim, "limit=40", server=OTHER)

    ids_here = {s["uri"]: s["id"] for s in here}
    ids_there = {s["uri"]: s["id"] for s in there}
    shared = ids_here.keys() & ids_there.keys()
    assert shared and ids_here.keys() != ids_there.keys()
    assert all(ids_here[uri] != ids_there[uri] for uri in shared)


@pytest.mark.django_db
def test_a_status_seen_on_two_servers_is_stored_once(sim: Simulator) -> None:
    published = fake.publish(sim, "federated", 2)  # a new tag, on every server
    targets = [_target(sim, "federated", server) for server in (SERVER, OTHER)]
    results = [mastodon.fetch(target) for target in targets]
    sources = [SourceFactory(platform="mastodon", url=target.url) for target in targets]

    for source, result in zip(sources, results, strict=True):
        store_items(source, result.items, now=datetime.now(UTC))

    keys = [{item.external_id for item in result.items} for result in results]
    assert keys[0] == keys[1] == {s["uri"] for s in published}
    assert results[0].state.cursor != results[1].state.cursor  # each server's own ids
    assert Item.objects.filter(platform="mastodon").count() == 2
    for item in Item.objects.all():
        assert set(item.sources.all()) == set(sources)


def _serve_one_page_with_link(sim: Simulator, link: str) -> tuple[Target, list[dict]]:
    """Make the sub101 timeline answer a full page (every query) whose prev Link is `link`."""
    page, _ = _raw(sim, "limit=40")
    headers = {"Content-Type": "application/json", "Link": f'<{link}>; rel="prev"'}
    target = _target(sim, cursor="1")
    sim.set_status(urlsplit(target.url).path, 200, body=json.dumps(page).encode(), headers=headers)
    return target, page


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{other}/mastodon/social.example/api/v1/timelines/tag/sub101?evil=1",
        "//127.0.0.1:{other}/mastodon/social.example/api/v1/timelines/tag/sub101?evil=2",
        "http://127.0.0.1:{port}@127.0.0.1:{other}/mastodon/social.example/api/v1/timelines/"
        "tag/sub101?evil=3",
        "http://localhost:{other}/mastodon/social.example/api/v1/timelines/tag/sub101?evil=4",
    ],
    ids=["other-port", "protocol-relative", "userinfo", "other-name"],
)
def test_a_link_to_another_host_is_not_followed(
    sim: Simulator, simulator: Simulator, settings: Settings, link: str
) -> None:
    elsewhere = [simulator.host_port, f"localhost:{simulator.port}"]
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [sim.host_port, *elsewhere]  # reachable if asked
    target, page = _serve_one_page_with_link(sim, link.format(port=sim.port, other=simulator.port))

    result = mastodon.fetch(target)

    assert not [r for r in simulator.requests if "evil=" in r.path]
    assert len(result.items) == 40
    assert result.state.cursor == page[0]["id"]


def test_a_failure_on_a_later_page_keeps_the_pages_already_read(sim: Simulator) -> None:
    target, page = _serve_one_page_with_link(sim, f"{sim.base_url}/faults/500/feed.xml")

    result = mastodon.fetch(target)

    assert len(result.items) == 40
    assert result.state.cursor == page[0]["id"]


def test_a_429_on_a_later_page_keeps_the_pages_and_the_retry_time(sim: Simulator) -> None:
    busy = "/mastodon/social.example/api/v1/timelines/tag/busy"
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=3)
    sim.set_status(busy, 429, headers={"X-RateLimit-Reset": f"{reset:%Y-%m-%dT%H:%M:%S}.000Z"})
    target, page = _serve_one_page_with_link(sim, f"{sim.base_url}{busy}")

    result = mastodon.fetch(target)

    assert len(result.items) == 40
    assert result.retry_at == reset


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Reset": "{reset_iso}", "X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Reset": "soon", "Retry-After": "120"},
    ],
    ids=["iso-reset", "retry-after"],
)
def test_a_429_raises_with_the_servers_reset_time(sim: Simulator, headers: dict) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    filled = {k: v.format(reset_iso=f"{reset:%Y-%m-%dT%H:%M:%S.%f}Z") for k, v in headers.items()}
    target = _target(sim)
    sim.set_status(urlsplit(target.url).path, 429, headers=filled)

    with pytest.raises(ConnectorError) as caught:
        mastodon.fetch(target)

    assert not caught.value.permanent
    assert caught.value.retry_at is not None
    assert abs(caught.value.retry_at - reset) < timedelta(seconds=5)


@pytest.mark.parametrize(("remaining", "slowed"), [("0", True), ("1", True), ("250", False)])
def test_a_nearly_spent_rate_limit_delays_the_next_poll(
    sim: Simulator, remaining: str, slowed: bool
) -> None:
    reset = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=3)
    headers = {"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": f"{reset:%Y-%m-%dT%H:%M}Z"}
    target = _target(sim)
    sim.set_status(urlsplit(target.url).path, 200, body=FIXTURE, headers=headers)

    result = mastodon.fetch(target)

    assert len(result.items) == 5
    assert result.retry_at == (reset if slowed else None)


def test_a_server_that_requires_login_says_so(sim: Simulator) -> None:
    target = _target(sim)
    body = b'{"error":"This method requires an authenticated user"}'
    sim.set_status(urlsplit(target.url).path, 401, body=body)

    with pytest.raises(ConnectorError) as caught:
        mastodon.fetch(target)

    assert "does not make its hashtag feeds public" in caught.value.message
    assert not caught.value.permanent


def test_an_unknown_tag_answering_404_is_not_permanent(sim: Simulator) -> None:
    target = _target(sim)
    sim.set_status(urlsplit(target.url).path, 404, body=b'{"error":"Record not found"}')

    with pytest.raises(ConnectorError) as caught:
        mastodon.fetch(target)

    assert "no timeline for this hashtag" in caught.value.message
    assert not caught.value.permanent


def test_a_server_on_a_private_address_is_refused_for_good(
    fresh_simulator: Simulator, settings: Settings
) -> None:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = []

    with pytest.raises(ConnectorError) as caught:
        mastodon.fetch(_target(fresh_simulator))

    assert caught.value.permanent
    assert not fresh_simulator.requests


# --- the fake servers ---------------------------------------------------------------------


def test_the_fake_server_pages_like_mastodon(sim: Simulator) -> None:
    default, _ = _raw(sim, "")
    capped, _ = _raw(sim, "limit=100")
    first, response = _raw(sim, "limit=5")
    links = {rel: url for url, rel in _links(response)}
    older, _ = _raw(sim, urlsplit(links["next"]).query)
    above, _ = _raw(sim, f"limit=3&min_id={capped[10]['id']}")
    since, _ = _raw(sim, f"limit=3&since_id={capped[10]['id']}")

    assert (len(default), len(capped)) == (20, 40)
    ids = [s["id"] for s in capped]
    assert ids == sorted(ids, key=lambda i: (len(i), i), reverse=True)
    assert _min_id(links["prev"]) == first[0]["id"]
    assert [s["id"] for s in older] == ids[5:10]
    assert [s["id"] for s in above] == ids[7:10]  # just above min_id, newest first
    assert [s["id"] for s in since] == ids[:3]  # the newest above since_id


def _links(response: net.Response) -> list[tuple[str, str]]:
    parts = [p.split(";") for p in response.headers["Link"].split(", ")]
    return [(url.strip("<> "), rel.split('"')[1]) for url, rel in parts]


def test_the_fake_server_counts_requests_against_its_rate_limit(sim: Simulator) -> None:
    _, first = _raw(sim, "limit=1")
    _, second = _raw(sim, "limit=1")

    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in (first, second)]
    assert remaining[0] - remaining[1] == 1
    assert http_status.reset_time(second.headers["X-RateLimit-Reset"]) is not None


def test_an_unknown_tag_is_an_empty_timeline(sim: Simulator) -> None:
    statuses, response = _raw(sim, "limit=40", tag="nobodyusesthis")

    assert (response.status, statuses) == (200, [])
    assert "Link" not in response.headers


def test_the_fake_instance_says_hashtag_feeds_are_public(sim: Simulator) -> None:
    response = net.get(f"{fake.server_base_url(sim, OTHER)}/api/v2/instance")

    instance = json.loads(response.body)
    assert instance["domain"] == OTHER
    access = instance["configuration"]["timelines_access"]["hashtag_feeds"]
    assert access == {"local": "public", "remote": "public"}


def test_published_statuses_show_only_on_their_servers(sim: Simulator) -> None:
    [status] = fake.publish(sim, "quiet", servers=[OTHER])

    there, _ = _raw(sim, "limit=40", tag="quiet", server=OTHER)
    here, _ = _raw(sim, "limit=40", tag="quiet", server=SERVER)

    assert [s["uri"] for s in there] == [status["uri"]]
    assert here == []
