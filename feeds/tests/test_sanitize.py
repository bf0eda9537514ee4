"""Imported HTML is made safe once, at ingest; everything else becomes plain text."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from feeds.sanitize import clean_html, plain_text, text_of_clean_html
from simulator.server import Simulator
from sources.connectors import rss
from sources.connectors.base import Target

BASE = "https://blog.example.org/2026/11/peer-feedback/"
REL = 'rel="noopener noreferrer nofollow ugc"'


def test_a_script_is_removed_with_its_text() -> None:
    cleaned = clean_html('<p>Before</p><script>alert("boom")</script><p>After</p>', base_url=BASE)
    assert cleaned == "<p>Before</p><p>After</p>"


def test_event_handlers_are_removed_and_the_elements_kept() -> None:
    cleaned = clean_html(
        '<img src="https://blog.example.org/a.png" onerror="alert(1)">'
        '<p onclick="alert(2)">Click text</p>',
        base_url=BASE,
    )
    assert cleaned == '<img src="https://blog.example.org/a.png"><p>Click text</p>'


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  \t javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "&#0000106avascript:alert(1)",
        "javascript&colon;alert(1)",
        "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
        "vbscript:msgbox(1)",
    ],
)
def test_script_urls_in_every_disguise_are_removed_and_the_link_text_kept(href: str) -> None:
    cleaned = clean_html(f'<a href="{href}">read on</a><img src="{href}">', base_url=BASE)
    assert cleaned == f"<a {REL}>read on</a><img>"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<iframe src="https://video.example/embed/1">inner</iframe>after', "after"),
        ("<style>body{display:none}</style>after", "after"),
        ("<svg onload=alert(1)><circle r=5 /><text>inner</text></svg>after", "after"),
        ('<object data="x.swf">inner</object><embed src="x.swf">after', "after"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">after', "after"),
        ('<form action="/accounts/logout/" method="post"><input name="q" value="x"></form>x', "x"),
        ("<button>Go</button>", "Go"),
    ],
    ids=["iframe", "style", "svg", "object and embed", "meta refresh", "form and input", "button"],
)
def test_active_elements_are_removed(markup: str, expected: str) -> None:
    assert clean_html(markup, base_url=BASE) == expected


def test_a_style_attribute_is_removed() -> None:
    cleaned = clean_html('<p style="position:fixed;top:0">Styled</p>', base_url=BASE)
    assert cleaned == "<p>Styled</p>"


def test_a_base_element_cannot_redirect_relative_links() -> None:
    cleaned = clean_html('<base href="https://evil.example/"><a href="x">x</a>', base_url=BASE)
    assert cleaned == f'<a href="{BASE}x" {REL}>x</a>'


def test_harmless_structure_is_kept() -> None:
    markup = (
        "<p>Text with <strong>bold</strong> and <em>emphasis</em>.</p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>A quote</blockquote>"
        '<img src="https://blog.example.org/a.png" alt="A chart">'
        '<img src="http://blog.example.org/b.png" alt="Another">'
    )
    assert clean_html(markup, base_url=BASE) == markup


def test_links_get_a_rel_that_keeps_the_opener_referrer_and_rank_from_them() -> None:
    cleaned = clean_html('<a href="https://example.org/" rel="opener">l</a>', base_url=BASE)
    assert cleaned == f'<a href="https://example.org/" {REL}>l</a>'


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<a href="/about/">a</a>', f'<a href="https://blog.example.org/about/" {REL}>a</a>'),
        ('<a href="notes/">a</a>', f'<a href="{BASE}notes/" {REL}>a</a>'),
        (
            '<a href="../../../files/prompts.pdf">a</a>',
            f'<a href="https://blog.example.org/files/prompts.pdf" {REL}>a</a>',
        ),
        ('<img src="//cdn.example/x.png">', '<img src="https://cdn.example/x.png">'),
        ('<img src="chart.png">', f'<img src="{BASE}chart.png">'),
        (
            '<blockquote cite="/source/">q</blockquote>',
            '<blockquote cite="https://blog.example.org/source/">q</blockquote>',
        ),
    ],
    ids=["root-relative", "relative", "dot-dot", "protocol-relative", "image", "cite"],
)
def test_relative_addresses_resolve_against_the_base(markup: str, expected: str) -> None:
    assert clean_html(markup, base_url=BASE) == expected


def test_posts_cleaned_at_once_in_several_threads_each_resolve_against_their_own_base() -> None:
    # One cleaner is shared; each call's base URL must stay that call's.
    def clean(n: int) -> str:
        return clean_html('<a href="post">x</a>' * 20, base_url=f"https://blog{n}.example/a/")

    with ThreadPoolExecutor(max_workers=8) as pool:
        cleaned = list(pool.map(clean, range(200)))

    for n, html in enumerate(cleaned):
        assert html.count(f'href="https://blog{n}.example/a/post"') == 20


def test_a_mailto_link_is_kept() -> None:
    cleaned = clean_html('<a href="mailto:mira@example.org">Mail me</a>', base_url=BASE)
    assert cleaned == f'<a href="mailto:mira@example.org" {REL}>Mail me</a>'


@pytest.mark.parametrize("base_url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/"])
def test_a_link_cannot_borrow_a_dangerous_scheme_from_its_base(base_url: str) -> None:
    cleaned = clean_html('<a href="">read on</a>', base_url=base_url)

    assert "read on" in cleaned
    hrefs = re.findall(r'href="([^"]*)"', cleaned)
    assert all(href == "" or href.startswith(("http://", "https://")) for href in hrefs)


def test_plain_text_strips_tags_decodes_entities_and_collapses_whitespace() -> None:
    text = plain_text("<p>Tom &amp; Jerry</p>\n\n  <b>bold</b>\t&nbsp; end")
    assert text == "Tom & Jerry bold end"


def test_plain_text_drops_script_and_style_content() -> None:
    text = plain_text("<script>alert(1)</script>Scripted title<style>p{}</style>")
    assert text == "Scripted title"


def test_plain_text_is_cut_at_the_limit() -> None:
    assert plain_text("<p>abcdef</p>", limit=3) == "abc"


# --- end to end: the simulator's hostile feed, fetched and cleaned ----------------------

DANGEROUS = re.compile(r"<script|onerror|onload|onclick|javascript:|<iframe|<style|style=|<svg")


def test_the_hostile_feed_comes_out_clean_with_its_harmless_text(
    allow_simulator: Simulator,
) -> None:
    result = rss.fetch(Target(f"{allow_simulator.base_url}/faults/hostile/feed.xml"))

    cleaned = [clean_html(item.html, base_url=item.base_url) for item in result.items]

    assert len(cleaned) == 3
    for html in cleaned:
        assert not DANGEROUS.search(html.lower()), html
        assert "Harmless text survives" in html
    safe = f'href="{allow_simulator.base_url}/safe/page"'
    assert sum(safe in html for html in cleaned) == 2


def test_the_hostile_feeds_plain_fields_keep_no_markup(allow_simulator: Simulator) -> None:
    result = rss.fetch(Target(f"{allow_simulator.base_url}/faults/hostile/feed.xml"))

    titles = [plain_text(item.title) for item in result.items]
    authors = {plain_text(item.author.name) for item in result.items if item.author}
    tags = {plain_text(tag) for item in result.items for tag in item.hashtags}

    assert titles == [
        "Scripted title",
        "Image title x",
        "Plain title with bold & an ampersand",
    ]
    assert authors == {"Eve"}
    assert tags - {""} == {"reading"}
    assert plain_text(result.title) == "Hostile blog"


@pytest.mark.parametrize(
    "text",
    [
        "a  b", " a\nb ", "a\n\n\nb", "a\tb", "a\r\nb", "a\x0bb\x1cc", "caf\u00e9 \u00a0 x",
        "\u2003a\u3000b", "", " ", "a" * 9 + "    " * 9 + "b",
    ],
)  # fmt: skip
def test_whitespace_collapses_as_split_and_join_would(text: str) -> None:
    assert plain_text(text) == " ".join(text.split())
    assert text_of_clean_html(text) == " ".join(text.split())
