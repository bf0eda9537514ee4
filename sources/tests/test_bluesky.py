"""The Bluesky connector: `fetch` over real HTTP against the simulator's XRPC, `parse` on the
fixture payload."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings

from simulator import bluesky as fake
from simulator.server import Simulator
from sources import net
from sources.connectors import bluesky
from sources.connectors.base import ConnectorError, PollState, Target

FIXTURE = (Path(__file__).parent / "payloads" / "bluesky_search_posts.json").read_bytes()
SEARCH = "/bsky/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/bsky/xrpc/com.atproto.server.createSession"


@pytest.fixture
def sim(fresh_simulator: Simulator, settings: Settings) -> Iterator[Simulator]:
    """A private simulator that sources.net may reach, with the connector pointed at it."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    settings.PLN_BLUESKY_BASE_URL = f"{fresh_simulator.base_url}/bsky"
    settings.PLN_BLUESKY_HANDLE = fake.HANDLE
    settings.PLN_BLUESKY_APP_PASSWORD = fake.APP_PASSWORD
    bluesky.forget_sessions()  # a new simulator may reuse an old one's port
    yield fresh_simulator
    bluesky.forget_sessions()


def target(tag: str = "SUB101", cursor: str = "") -> Target:
    return Target(url=bluesky.target_url(tag), state=PollState(cursor=cursor))


def searches(sim: Simulator) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in sim.requests if r.path.startswith(SEARCH)]


def fixture_posts() -> list[dict]:
    return json.loads(FIXTURE)["posts"]


# --- Parsing the documented payload --------------------------------------------------------


def test_byte_offset_facets_link_exactly_their_text_after_emoji() -> None:
    items, cursor = bluesky.parse(FIXTURE)
    assert cursor == "3"
    assert items[0].html == (
        'Week 5 of <a href="https://bsky.app/hashtag/SUB101">#SUB101</a>: peer feedback on '
        "learning logs. Who wants to swap? 🙋‍♀️ "
        '<a href="https://bsky.app/hashtag/edutooters">#edutooters</a>'
    )
    assert items[1].html == (
        "🎓✨ New cohort, new network. Reading list for "
        '<a href="https://bsky.app/hashtag/SUB101">#SUB101</a> is live: '
        '<a href="https://sub101.example.org/week4/reading">'
        "https://sub101.example.org/week4/reading</a>"
    )
    assert items[2].hashtags == ["SUB101", "PLN", "teaching"]


def test_a_post_maps_to_an_item_with_its_author_counts_and_web_url() -> None:
    item = bluesky.parse(FIXTURE)[0][0]
    did = "did:plc:glo7ldkxhvbojalf22tx4pjl"
    assert item.external_id == f"at://{did}/app.bsky.feed.post/35ra2ekecmj7g"
    assert item.url == "https://bsky.app/profile/mira-teaches.bsky.social/post/35ra2ekecmj7g"
    assert item.published_at == datetime(2026, 11, 24, 14, 45, 11, 823000, tzinfo=UTC)
    assert (item.reply_count, item.like_count, item.repost_count) == (3, 36, 7)
    assert item.author is not None
    assert item.author.external_id == did
    assert item.author.handle == "@mira-teaches.bsky.social"
    assert item.author.name == "Mira Jansen"
    assert item.author.profile_url == "https://bsky.app/profile/mira-teaches.bsky.social"
    assert item.author.avatar_url.startswith("https://cdn.bsky.app/img/avatar/plain/")


def test_an_author_without_a_display_name_is_named_by_handle() -> None:
    author = bluesky.parse(FIXTURE)[0][2].author
    assert author is not None
    assert author.name == "tomasz-k.bsky.social"


def test_an_external_embed_becomes_a_link_card() -> None:
    assert bluesky.parse(FIXTURE)[0][1].media == [
        {
            "type": "link",
            "url": "https://sub101.example.org/week4/reading",
            "title": "SUB101 – Week 4 reading list",
            "description": "Siemens, Downes and a newer piece on PLNs.",
            "thumb": "",
        }
    ]


def test_an_image_embed_becomes_media_with_its_alt_text_and_a_reply_maps_like_any_post() -> None:
    post = fixture_posts()[0]
    post["record"]["reply"] = {"root": {"uri": "at://x/y/z", "cid": "c"}, "parent": {}}
    image = {"thumb": "https://cdn.example/t.jpg", "fullsize": "https://cdn.example/f.jpg"}
    post["embed"] = {"$type": "app.bsky.embed.images#view", "images": [image | {"alt": "A cat"}]}
    parsed = bluesky.parse_post(post)
    assert parsed is not None
    assert parsed[0].media == [
        {"type": "image", "url": "https://cdn.example/f.jpg", "alt": "A cat"}
    ]


def test_mentions_and_tags_outside_the_text_are_kept() -> None:
    text = "hi @ana.example 👋"
    mention = {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ana"}
    facets = [{"index": {"byteStart": 3, "byteEnd": 15}, "features": [mention]}]
    html, _ = bluesky.render_text(text, facets)
    assert html == 'hi <a href="https://bsky.app/profile/did:plc:ana">@ana.example</a> 👋'
    post = fixture_posts()[2]
    post["record"]["tags"] = ["cohort4", "PLN"]
    parsed = bluesky.parse_post(post)
    assert parsed is not None
    assert parsed[0].hashtags == ["SUB101", "PLN", "teaching", "cohort4"]


def test_text_is_escaped_and_newlines_become_line_breaks() -> None:
    assert bluesky.render_text("a <b> & c\n\nd", [])[0] == "a &lt;b&gt; &amp; c<br><br>d"


@pytest.mark.parametrize(
    "index",
    [
        {"byteStart": 5, "byteEnd": 99},  # past the end
        {"byteStart": 4, "byteEnd": 2},  # backwards
        {"byteStart": "0", "byteEnd": 3},  # wrong type
        {"byteStart": True, "byteEnd": 3},
    ],
)
def test_facets_out_of_range_or_of_the_wrong_type_leave_the_text_plain(index: dict) -> None:
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://ok.example/"}
    assert bluesky.render_text("plain text", [{"index": index, "features": [link]}]) == (
        "plain text",
        [],
    )


def test_overlapping_facets_and_unsafe_links_leave_the_text_plain() -> None:
    def link(start: int, end: int, uri: str) -> dict:
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": uri}
        return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}

    facets = [link(0, 4, "https://a.example/"), link(2, 6, "https://b.example/")]
    facets += [link(7, 10, "javascript:alert(1)"), link(11, 14, " JaVaScRiPt:alert(1)")]
    html, _ = bluesky.render_text("abcdefg hij klm", facets)
    assert html == '<a href="https://a.example/">abcd</a>efg hij klm'


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path in a JSON value, the value itself first."""
    yield prefix
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in list(children):
            yield from _paths(child, (*prefix, key))


def test_a_wrong_type_anywhere_in_a_post_skips_it_or_maps_it_but_never_crashes() -> None:
    original = fixture_posts()[1]
    for path in list(_paths(original))[1:]:
        for wrong in (None, 7, "x", [], {}, True, 1e308):
            post = copy.deepcopy(original)
            node = post
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = wrong
            parsed = bluesky.parse_post(post)
            assert parsed is None or isinstance(parsed[0].external_id, str)


@pytest.mark.parametrize(
    "body",
    [
        b'{"posts": [{"uri": "trunc',
        b"[]",
        b'{"posts": {}}',
        b"<!doctype html><html><body>Bad gateway</body></html>",
        b"[" * 100_000,
        b'{"posts": [' + b"1" * 5000 + b"]}",
        b"\x00\xff",
    ],
    ids=["truncated", "list", "posts-not-a-list", "html-200", "deep", "huge-number", "binary"],
)
def test_malformed_json_raises_the_connectors_error(body: bytes) -> None:
    with pytest.raises(ConnectorError, match="Bluesky sent an unexpected response"):
        bluesky.parse(body)


def test_posts_of_the_wrong_shape_are_skipped() -> None:
    good = fixture_posts()[0]
    body = json.dumps({"posts": [1, None, {"uri": 5}, {"uri": "at://x"}, good]}).encode()
    items, _ = bluesky.parse(body)
    assert [i.external_id for i in items] == [good["uri"]]


# --- Polling over HTTP -----------------------------------------------------------------------


def test_the_first_poll_reads_one_page_and_keeps_the_newest_time_as_cursor(sim: Simulator) -> None:
    result = bluesky.fetch(target())
    assert len(result.items) == bluesky.PAGE_SIZE
    assert all(
        isinstance(i.external_id, str) and i.external_id.startswith("at://") for i in result.items
    )
    times = [i.published_at for i in result.items]
    assert times == sorted(times, reverse=True)
    newest = datetime.fromisoformat(result.state.cursor)
    assert result.items[0].published_at <= newest < datetime.now(UTC) + timedelta(seconds=2)
    (query,) = searches(sim)
    assert query == {"q": ["#SUB101"], "tag": ["SUB101"], "sort": ["latest"], "limit": ["100"]}


def test_a_poll_with_the_cursor_returns_only_newer_posts(sim: Simulator) -> None:
    first = bluesky.fetch(target())
    published = fake.publish(sim, "SUB101", 3)

    result = bluesky.fetch(target(cursor=first.state.cursor))

    assert [i.external_id for i in result.items] == published[::-1]
    assert result.state.cursor > first.state.cursor
    assert bluesky.fetch(target(cursor=result.state.cursor)).items == []


def test_more_than_a_page_of_new_posts_is_read_across_pages_without_repeats(
    sim: Simulator,
) -> None:
    first = bluesky.fetch(target())
    published = fake.publish(sim, "SUB101", 230)
    sim.clear_requests()

    result = bluesky.fetch(target(cursor=first.state.cursor))

    keys = [i.external_id for i in result.items]
    assert sorted(keys) == sorted(published)
    assert [q.get("cursor") for q in searches(sim)] == [None, ["100"], ["200"]]


def test_the_session_is_reused_across_polls(sim: Simulator) -> None:
    state = PollState()
    for _ in range(3):
        state = bluesky.fetch(target(cursor=state.cursor)).state
    assert fake.session_count(sim) == 1
    assert fake.refresh_count(sim) == 0
    search_requests = [r for r in sim.requests if r.path.startswith(SEARCH)]
    assert all(r.headers["Authorization"].startswith("Bearer ey") for r in search_requests)


def test_a_token_about_to_expire_is_refreshed_before_it_is_used(sim: Simulator) -> None:
    fake.set_token_lifetime(sim, 30)  # inside the connector's 60 s margin
    bluesky.fetch(target())
    bluesky.fetch(target())
    assert (fake.session_count(sim), fake.refresh_count(sim)) == (1, 1)


def test_an_expired_token_is_refreshed_and_the_search_retried(sim: Simulator) -> None:
    bluesky.fetch(target())
    fake.expire_tokens(sim)
    assert bluesky.fetch(target()).items
    assert (fake.session_count(sim), fake.refresh_count(sim)) == (1, 1)


def test_when_the_refresh_fails_the_connector_logs_in_again(sim: Simulator) -> None:
    bluesky.fetch(target())
    fake.expire_tokens(sim, refresh_too=True)
    assert bluesky.fetch(target()).items
    assert (fake.session_count(sim), fake.refresh_count(sim)) == (2, 1)


def test_a_401_expired_token_is_refreshed_once_then_reported(sim: Simulator) -> None:
    bluesky.fetch(target())
    body = b'{"error": "ExpiredToken", "message": "Token has expired"}'
    sim.set_status(SEARCH, 401, body=body, headers={"Content-Type": "application/json"})
    with pytest.raises(ConnectorError, match="401"):
        bluesky.fetch(target())
    assert fake.refresh_count(sim) == 1


def test_the_session_did_doc_is_ignored(sim: Simulator) -> None:
    """A didDoc naming another PDS must not move our requests (or tokens) there."""
    login = json.dumps({"identifier": fake.HANDLE, "password": fake.APP_PASSWORD}).encode()
    session = json.loads(net.request("POST", f"{sim.base_url}{CREATE_SESSION}", body=login).body)
    service = {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer"}
    service["serviceEndpoint"] = "http://169.254.169.254"
    session["didDoc"] = {"id": session["did"], "service": [service]}
    sim.set_status(CREATE_SESSION, 200, body=json.dumps(session).encode())
    sim.clear_requests()

    assert bluesky.fetch(target()).items
    assert {r.path.split("?")[0] for r in sim.requests} == {CREATE_SESSION, SEARCH}


def test_without_an_app_password_no_request_is_sent(sim: Simulator, settings: Settings) -> None:
    settings.PLN_BLUESKY_APP_PASSWORD = ""
    assert not bluesky.is_configured()
    with pytest.raises(ConnectorError) as raised:
        bluesky.fetch(target())
    assert raised.value.message == (
        "Bluesky search needs an app password; the site admin has not set one"
    )
    assert not raised.value.permanent
    assert sim.requests == []


def test_a_wrong_app_password_is_reported_readably(sim: Simulator, settings: Settings) -> None:
    settings.PLN_BLUESKY_APP_PASSWORD = "wrong"
    with pytest.raises(ConnectorError, match="refused the handle or app password"):
        bluesky.fetch(target())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"ratelimit-reset": "{now+120}"}, 120),
        ({"RateLimit-Reset": "{now+120}", "RateLimit-Remaining": "0"}, 120),
        ({"Retry-After": "120"}, 120),
        ({"ratelimit-reset": "{now+999999}"}, 86400),  # capped at a day
        ({"ratelimit-reset": "soon"}, None),
        ({"ratelimit-reset": "{now-60}"}, None),
        ({}, None),
    ],
)
def test_a_429_sets_the_retry_time_from_bluesky_headers(
    sim: Simulator, headers: dict[str, str], expected: int | None
) -> None:
    now = int(time.time())
    values = {
        k: v.replace("{now+120}", str(now + 120))
        .replace("{now+999999}", str(now + 999_999))
        .replace("{now-60}", str(now - 60))
        for k, v in headers.items()
    }
    sim.set_status(SEARCH, 429, headers=values)
    with pytest.raises(ConnectorError) as raised:
        bluesky.fetch(target())
    retry_at = raised.value.retry_at
    if expected is None:
        assert retry_at is None
    else:
        assert retry_at is not None
        assert abs((retry_at - datetime.now(UTC)).total_seconds() - expected) < 5


@pytest.mark.parametrize(
    "body", [b'{"posts": "nope"}', b"<html>error</html>", b'{"posts": [{"uri": "at://', b"null"]
)
def test_a_malformed_search_response_raises_the_connectors_error(
    sim: Simulator, body: bytes
) -> None:
    sim.set_status(SEARCH, 200, body=body)
    with pytest.raises(ConnectorError, match="unexpected response"):
        bluesky.fetch(target())


def test_a_malformed_session_response_raises_the_connectors_error(sim: Simulator) -> None:
    sim.set_status(CREATE_SESSION, 200, body=b'{"accessJwt": 5}')
    with pytest.raises(ConnectorError, match="unexpected response"):
        bluesky.fetch(target())


def test_hostile_posts_come_back_escaped_and_without_script_links(sim: Simulator) -> None:
    items = bluesky.fetch(target("hostile")).items
    html = " ".join(i.html for i in items)
    assert "Harmless text survives" in html
    assert "&lt;script&gt;" in html and "<script" not in html and "<iframe" not in html
    assert "javascript" not in html.lower()
    media = [m for i in items for m in i.media]
    assert [m["url"] for m in media] == ["https://cdn.example/ok.jpg"]
    assert all(i.author and i.author.avatar_url == "" for i in items)


def test_the_simulator_wants_a_token_for_search(sim: Simulator) -> None:
    response = net.get(f"{sim.base_url}{SEARCH}?q=%23SUB101&tag=SUB101")
    assert response.status == 401
    assert json.loads(response.body)["error"] == "AuthenticationRequired"
    assert response.headers["ratelimit-remaining"].isdigit()
    assert int(response.headers["ratelimit-reset"]) > time.time()
