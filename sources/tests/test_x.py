"""The X connector: `fetch` through tweepy over real HTTP against the simulator, `parse` on the
fixture payloads."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.fixtures import Settings

from simulator import x as fake
from simulator.server import Simulator
from sources import net
from sources.connectors import x
from sources.connectors.base import ConnectorError, PollState, Target

PAYLOADS = Path(__file__).parent / "payloads"
PAGE1 = (PAYLOADS / "x_recent_search_page1.json").read_bytes()
PAGE2 = (PAYLOADS / "x_recent_search_page2.json").read_bytes()
SEARCH = "/x/2/tweets/search/recent"


@pytest.fixture
def sim(fresh_simulator: Simulator, settings: Settings) -> Iterator[Simulator]:
    """A private simulator that sources.net may reach, with the connector pointed at it."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [fresh_simulator.host_port]
    settings.PLN_X_API_BASE_URL = f"{fresh_simulator.base_url}/x"
    settings.PLN_X_BEARER_TOKEN = fake.BEARER_TOKEN
    yield fresh_simulator


def target(tag: str = "SUB101", cursor: str = "") -> Target:
    return Target(url=x.target_url(tag), state=PollState(cursor=cursor))


def searches(sim: Simulator) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in sim.requests if r.path.startswith(SEARCH)]


# --- Parsing the documented payload --------------------------------------------------------


def test_a_url_entity_links_to_its_expanded_url() -> None:
    item = x.parse(PAGE1).items[0]
    assert item.html == (
        'Week 5 of <a href="https://x.com/hashtag/SUB101">#SUB101</a> starts today: peer '
        "feedback on your learning logs. Template here "
        '<a href="https://sub101.example.org/week5/feedback-template">'
        "sub101.example.org/week5/feedba…</a>"
    )


def test_a_reply_links_its_mention_and_keeps_its_hashtags() -> None:
    item = x.parse(PAGE1).items[1]
    assert item.html.startswith('<a href="https://x.com/amara_teaches">@amara_teaches</a> Thanks!')
    assert item.hashtags == ["SUB101", "edtech"]


def test_the_author_comes_from_the_user_expansion() -> None:
    item = x.parse(PAGE1).items[1]
    assert item.external_id == "2125240109329549627"
    assert item.url == "https://x.com/lbrenner_edu/status/2125240109329549627"
    assert item.author is not None
    assert item.author.external_id == "2784511903"
    assert item.author.handle == "@lbrenner_edu"
    assert item.author.name == "Lukas Brenner"
    assert item.author.profile_url == "https://x.com/lbrenner_edu"
    assert (
        item.author.avatar_url == "https://pbs.twimg.example/profile_images/1002/lukas_normal.png"
    )


def test_media_comes_from_the_media_expansion() -> None:
    assert x.parse(PAGE1).items[2].media == [
        {
            "type": "image",
            "url": "https://pbs.twimg.example/media/GSub101Sketch.jpg",
            "alt": "Hand-drawn sketchnote: nodes labelled people, blogs, hashtags connected "
            "by arrows",
        }
    ]


def test_counts_dates_and_paging_fields_are_read() -> None:
    page = x.parse(PAGE1)
    item = page.items[0]
    assert (item.reply_count, item.like_count, item.repost_count) == (2, 29, 8)
    assert item.published_at == datetime(2026, 11, 24, 14, 56, 22, 133000, tzinfo=UTC)
    assert page.newest_id == "2125242124105418299"
    assert page.next_token == "b26v89c19zqg8o3fr5fzkdc3n1t6k1h4z7wbj0l2q1pp"
    last = x.parse(PAGE2)
    assert (len(last.items), last.next_token) == (5, "")


def test_entity_offsets_count_code_points_and_escaped_text_is_shown_once() -> None:
    text = "🧠✏️ Q&amp;A <b> #PLN"
    tags = {"hashtags": [{"start": 16, "end": 20, "tag": "PLN"}]}
    html, found = x.render_text(text, tags)
    assert html == '🧠✏️ Q&amp;A &lt;b&gt; <a href="https://x.com/hashtag/PLN">#PLN</a>'
    assert found == ["PLN"]


def test_unsafe_or_broken_entities_leave_the_text_plain() -> None:
    text = "see https://t.co/abc and @no-such-user! #ok"
    entities = {
        "urls": [{"start": 4, "end": 21, "url": "javascript:alert(1)", "expanded_url": "data:x"}],
        "mentions": [{"start": 26, "end": 39, "username": "no-such-user!"}],
        "hashtags": [{"start": 41, "end": 99, "tag": "ok"}, {"start": "41", "end": 43}],
    }
    assert x.render_text(text, entities) == (text.replace("&", "&amp;"), [])


def test_a_url_entity_with_an_unsafe_expanded_url_links_to_the_short_url() -> None:
    entities = {
        "urls": [
            {"start": 0, "end": 17, "url": "https://t.co/abcd", "expanded_url": " javascript:x"}
        ]
    }
    html, _ = x.render_text("https://t.co/abcd", entities)
    assert html == '<a href="https://t.co/abcd">https://t.co/abcd</a>'


def test_ids_stay_strings_and_numbers_are_spelled_out() -> None:
    body = {"data": [{"id": 2125242124105418299, "text": "a"}, {"id": 1.5, "text": "b"}]}
    items = x.parse(json.dumps(body).encode()).items
    assert [i.external_id for i in items] == ["2125242124105418299"]
    assert items[0].published_at == datetime(2026, 11, 24, 14, 56, 22, 133000, tzinfo=UTC)


def test_an_empty_result_has_no_data_key_and_no_newest_id() -> None:
    page = x.parse(b'{"meta": {"result_count": 0}}')
    assert (page.items, page.newest_id, page.next_token) == ([], "", "")


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path in a JSON value, the value itself first."""
    yield prefix
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in list(children):
            yield from _paths(child, (*prefix, key))


def test_a_wrong_type_anywhere_in_a_page_skips_posts_or_raises_the_connectors_error() -> None:
    original = json.loads(PAGE1)
    for path in list(_paths(original))[1:]:
        for wrong in (None, 7, "x", [], {}, True, 1e308):
            payload = copy.deepcopy(original)
            node = payload
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = wrong
            try:
                page = x.parse(json.dumps(payload).encode())
            except ConnectorError:
                continue
            assert all(isinstance(i.external_id, str) for i in page.items)


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": "1", "text": "trunc',
        b"[]",
        b'{"data": {"id": "1"}}',
        b'{"data": [], "includes": []}',
        b"<!doctype html><html><body>Over capacity</body></html>",
        b"[" * 100_000,
        b'{"data": [{"id": ' + b"9" * 5000 + b"}]}",
        b"\x00\xff",
    ],
    ids=[
        "truncated", "list", "data-not-a-list", "includes-not-a-dict", "html-200", "deep",
        "huge-number", "binary",
    ],
)  # fmt: skip
def test_malformed_json_raises_the_connectors_error(body: bytes) -> None:
    with pytest.raises(ConnectorError, match="X sent an unexpected response"):
        x.parse(body)


# --- Polling over HTTP -----------------------------------------------------------------------


def test_the_first_poll_reads_one_page_and_keeps_its_newest_id(sim: Simulator) -> None:
    result = x.fetch(target())
    ids = [i.external_id for i in result.items]
    assert len(ids) == x.PAGE_SIZE
    assert all(isinstance(i, str) for i in ids)
    assert ids == sorted(ids, key=int, reverse=True)
    assert result.state.cursor == ids[0]
    assert all(i.author and i.author.handle.startswith("@") for i in result.items)
    (query,) = searches(sim)
    assert query["query"] == ["#SUB101 -is:retweet"]
    assert query["max_results"] == ["100"]
    assert query["expansions"] == ["author_id,attachments.media_keys"]
    assert "since_id" not in query
    assert sim.requests[-1].headers["Authorization"] == f"Bearer {fake.BEARER_TOKEN}"


def test_a_poll_with_the_cursor_returns_only_newer_posts(sim: Simulator) -> None:
    first = x.fetch(target())
    published = fake.publish(sim, "SUB101", 3)

    result = x.fetch(target(cursor=first.state.cursor))

    assert [i.external_id for i in result.items] == published[::-1]
    assert result.state.cursor == published[-1]
    assert searches(sim)[-1]["since_id"] == [first.state.cursor]
    assert x.fetch(target(cursor=result.state.cursor)).items == []


def test_more_than_a_page_is_read_with_one_since_id_and_the_first_pages_newest_id(
    sim: Simulator,
) -> None:
    first = x.fetch(target())
    published = fake.publish(sim, "SUB101", 230)
    sim.clear_requests()

    result = x.fetch(target(cursor=first.state.cursor))

    assert sorted(i.external_id for i in result.items) == sorted(published)
    queries = searches(sim)
    assert [q["since_id"] for q in queries] == [[first.state.cursor]] * 3
    assert [("next_token" in q) for q in queries] == [False, True, True]
    assert result.state.cursor == published[-1]


def test_a_poll_stops_after_five_pages(sim: Simulator) -> None:
    first = x.fetch(target())
    published = fake.publish(sim, "SUB101", 520)

    result = x.fetch(target(cursor=first.state.cursor))

    assert len(result.items) == x.MAX_PAGES * x.PAGE_SIZE
    assert result.state.cursor == published[-1]


def test_without_a_bearer_token_no_request_is_sent(sim: Simulator, settings: Settings) -> None:
    settings.PLN_X_BEARER_TOKEN = ""
    assert not x.is_configured()
    with pytest.raises(ConnectorError) as raised:
        x.fetch(target())
    assert raised.value.message == (
        "X search needs an API bearer token; the site admin has not set one"
    )
    assert not raised.value.permanent
    assert sim.requests == []


def test_a_refused_token_is_reported_readably(sim: Simulator, settings: Settings) -> None:
    settings.PLN_X_BEARER_TOKEN = "revoked"
    with pytest.raises(ConnectorError, match=r"X refused the site's API token \(HTTP 401\)"):
        x.fetch(target())
    sim.set_status(SEARCH, 403, body=b'{"title": "Forbidden"}')
    with pytest.raises(ConnectorError, match=r"HTTP 403.*token"):
        x.fetch(target())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-rate-limit-reset": "{now+120}", "x-rate-limit-remaining": "0"}, 120),
        ({"Retry-After": "120"}, 120),
        ({"x-rate-limit-reset": "{now+999999}"}, 86400),  # capped at a day
        ({"x-rate-limit-reset": "{now-60}"}, None),
    ],
)
def test_a_429_sets_the_retry_time_from_the_reset_header(
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
    with pytest.raises(ConnectorError, match="HTTP 429") as raised:
        x.fetch(target())
    retry_at = raised.value.retry_at
    if expected is None:
        assert retry_at is None
    else:
        assert retry_at is not None
        assert abs((retry_at - datetime.now(UTC)).total_seconds() - expected) < 5


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (429, b"", {"x-rate-limit-reset": "soon"}),  # tweepy int()s the header itself
        (400, b"[1, 2]", {}),  # tweepy reads error bodies as objects
        (429, b'{"errors": 5}', {}),
    ],
)
def test_garbage_in_error_responses_raises_the_connectors_error(
    sim: Simulator, status: int, body: bytes, headers: dict[str, str]
) -> None:
    sim.set_status(SEARCH, status, body=body, headers=headers)
    with pytest.raises(ConnectorError):
        x.fetch(target())


def test_a_server_error_names_its_status(sim: Simulator) -> None:
    sim.set_status(SEARCH, 503, body=b"<h1>Over capacity</h1>")
    with pytest.raises(ConnectorError, match=r"HTTP 503"):
        x.fetch(target())


def test_a_used_up_rate_limit_window_delays_the_next_poll(sim: Simulator) -> None:
    reset = int(time.time()) + 300
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    sim.set_status(SEARCH, 200, body=PAGE2, headers=headers)
    result = x.fetch(target())
    assert len(result.items) == 5
    assert result.retry_at is not None
    assert abs(result.retry_at.timestamp() - reset) < 2


def test_requests_go_through_the_address_guard(sim: Simulator, settings: Settings) -> None:
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = []
    with pytest.raises(ConnectorError, match="is not public") as raised:
        x.fetch(target())
    assert raised.value.permanent
    assert sim.requests == []


def test_hostile_posts_come_back_escaped_and_without_script_links(sim: Simulator) -> None:
    items = x.fetch(target("hostile")).items
    html = " ".join(i.html for i in items)
    assert html.count("Harmless text survives") == 3
    assert html.count("&lt;script&gt;") == 2 and "<script" not in html and "<iframe" not in html
    assert "javascript" not in html.lower()
    assert [m for i in items for m in i.media] == []
    assert all(i.author and i.author.avatar_url == "" for i in items)


def test_reads_are_counted_per_item() -> None:
    assert x.READS_PER_ITEM == 1


def test_the_simulator_answers_an_empty_search_without_data(sim: Simulator) -> None:
    newest = x.fetch(target()).state.cursor
    response = net.get(
        f"{sim.base_url}{SEARCH}?query=%23SUB101&since_id={newest}",
        headers={"Authorization": f"Bearer {fake.BEARER_TOKEN}"},
    )
    assert json.loads(response.body) == {"meta": {"result_count": 0}}
    assert response.headers["x-rate-limit-remaining"] == str(fake.RATE_LIMIT - 2)
