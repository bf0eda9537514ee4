"""The lxml fast path (`feedparse`) gives the same records as feedparser, field by field, and
is at least as safe; what it does not model goes to feedparser."""

from __future__ import annotations

import calendar
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedparser.datetimes import _parse_date
from feedparser.urls import _urljoin

from simulator import faults
from simulator.blogs import BlogSet
from simulator.formats import FORMATS, JSONFEED
from sources.connectors import feedparse, rss
from sources.connectors.base import ConnectorError, FetchResult

PAYLOADS = Path(__file__).parent / "payloads"
SIM = "http://127.0.0.1:8765"
RSS2_NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:media="http://search.yahoo.com/mrss/"'
)


def records(body: bytes, url: str) -> tuple[FetchResult, FetchResult]:
    """(fast path, feedparser) records for the same bytes; fails if the fast path stepped
    aside, so every equality below is a real comparison."""
    try:
        feedparse.parse(body, url=url)
    except feedparse.Unsupported as exc:
        pytest.fail(f"the fast path stepped aside: {exc}")
    return rss.parse_xml(body, url=url), rss.parse_xml(body, url=url, fast=False)


def assert_same_records(body: bytes, url: str = "https://blog.example.org/feed/") -> FetchResult:
    fast, slow = records(body, url)
    assert (fast.title, fast.site_url) == (slow.title, slow.site_url)
    assert len(fast.items) == len(slow.items)
    for n, (mine, theirs) in enumerate(zip(fast.items, slow.items, strict=True)):
        mine_fields, their_fields = asdict(mine), asdict(theirs)
        differing = {k: (mine_fields[k], their_fields[k]) for k in mine_fields}
        differing = {k: pair for k, pair in differing.items() if pair[0] != pair[1]}
        assert not differing, f"item {n} differs (fast, feedparser): {differing}"
    return fast


def rss2(items: str, *, channel: str = "", namespaces: str = RSS2_NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {namespaces}><channel>'
        f"<title>A blog</title><link>https://blog.example.org/</link><description>d</description>"
        f"{channel}{items}</channel></rss>"
    ).encode()


def atom(entries: str, *, head: str = "", base: str = "") -> bytes:
    xml_base = f' xml:base="{base}"' if base else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        f"{xml_base}><title>An Atom blog</title><id>urn:uuid:feed</id>"
        f'<link href="https://atom.example.net/"/>{head}{entries}</feed>'
    ).encode()


# --- the simulator's feeds and the platform fixtures -------------------------------------


@pytest.mark.parametrize(
    "n", [n for n, f in enumerate(FORMATS) if f is not JSONFEED], ids=lambda n: FORMATS[n].name
)
def test_every_simulator_feed_format_gives_the_same_records(n: int) -> None:
    blogs = BlogSet(count=8, seed=3, posts_per_blog=50)
    for blog in blogs.blogs[n::4]:
        body, _ = blogs.feed_body(blog, SIM)
        result = assert_same_records(body, f"{SIM}{blog.path}{blog.format.filename}")
        assert len(result.items) == 50


def test_the_json_feed_never_reaches_an_xml_parser() -> None:
    blogs = BlogSet(count=3, seed=3, posts_per_blog=5)
    body, _ = blogs.feed_body(blogs.blogs[2], SIM)

    result = rss.parse(body, url=f"{SIM}/blogs/2/feed.json", content_type="application/feed+json")

    assert len(result.items) == 5


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("wordpress_feed.xml", "https://blog.example.org/feed/"),
        ("blog_atom.xml", "https://tomasz.example.net/notes/atom.xml"),
    ],
)
def test_the_platform_fixtures_give_the_same_records(name: str, url: str) -> None:
    assert_same_records((PAYLOADS / name).read_bytes(), url)


# --- hand-written edge cases ---------------------------------------------------------------

EDGE_CASES = {
    "RSS 0.91": b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="0.91"><channel>'
    b"<title>Old</title><link>http://old.example.com/</link><description>d</description>"
    b"<language>en</language><item><title>First</title><link>http://old.example.com/1</link>"
    b"<description>Plain &amp; simple</description></item></channel></rss>",
    "missing guid and link": rss2(
        "<item><title>No id</title><description>Body</description></item>"
    ),
    "nothing but a description": rss2(
        "<item><description>Only &lt;b&gt;this&lt;/b&gt;</description></item>"
    ),
    "guid not a permalink": rss2(
        '<item><title>T</title><guid isPermaLink="false">post-1</guid></item>'
        '<item><title>U</title><guid isPermaLink="False">/post-2</guid></item>'
        "<item><title>V</title><guid>/posts/3</guid></item>"
    ),
    "relative links with xml:base": rss2(
        '<item xml:base="https://other.example.org/blog/"><title>Based</title>'
        "<link>posts/1/</link><guid>posts/1/</guid>"
        '<content:encoded xml:base="/deeper/"><![CDATA[<a href="x">x</a>]]></content:encoded>'
        "</item>"
    ),
    "CDATA everywhere": rss2(
        "<item><title><![CDATA[A <em>bold</em> title & more]]></title>"
        "<link><![CDATA[https://blog.example.org/?p=1&amp;q=2]]></link>"
        "<dc:creator><![CDATA[Mira Jansen]]></dc:creator>"
        "<category><![CDATA[SUB101]]></category>"
        "<description><![CDATA[<p>Summary]]]]><![CDATA[></p>]]></description></item>"
    ),
    "entities in titles": rss2(
        "<item><title>Caf&#233; &amp;amp; Bar &#8212; &lt;b&gt;bold&lt;/b&gt; &#x2019;s</title>"
        "<link>https://blog.example.org/a?b=1&amp;c=2</link></item>"
    ),
    "namespaced content under another prefix": rss2(
        '<item><title>T</title><c:encoded xmlns:c="http://purl.org/rss/1.0/modules/content/">'
        "&lt;p&gt;Body&lt;/p&gt;</c:encoded><dcx:creator xmlns:dcx="
        '"http://purl.org/dc/elements/1.1/">Ann</dcx:creator></item>'
    ),
    "an unknown namespace declared on an item, whose title is not the post's": rss2(
        '<item><title>The post</title><x:title xmlns:x="https://x.example/ns">Other</x:title>'
        '<y:author xmlns:y="https://y.example/ns">Not the author</y:author></item>'
    ),
    "dates in several formats": rss2(
        "".join(
            f"<item><title>{n}</title><guid>https://blog.example.org/{n}</guid>"
            f"<pubDate>{date}</pubDate></item>"
            for n, date in enumerate(
                [
                    "Mon, 23 Nov 2026 18:42:10 +0000",
                    "Mon, 23 Nov 2026 18:42:10 GMT",
                    "Tue, 24 Nov 2026 01:02:03 -0530",
                    "24 Nov 2026 01:02 +0200",
                    "Tue, 24 Nov 26 01:02:03 EST",
                    "2026-11-24T10:12:00Z",
                    "2026-11-24T10:12:00+01:00",
                    "2026-11-24T10:12:00.123-08:00",
                    "2026-11-24",
                    "Monday, November 23rd",
                    "",
                    "Sun, 31 Feb 2026 10:00:00 +0000",
                ]
            )
        )
        + "<item><title>dc</title><dc:date>2026-11-20T09:00:00+09:00</dc:date></item>"
        + "<item><title>both</title><pubDate>garbage</pubDate>"
        "<dc:date>2026-11-20T09:00:00Z</dc:date></item>"
    ),
    "authors: email, several, feed fallback": rss2(
        "<item><title>a</title><author>mira@example.org (Mira J)</author></item>"
        "<item><title>b</title><author>only@example.org</author></item>"
        "<item><title>c</title><dc:creator>Ann</dc:creator><dc:creator>Bob</dc:creator></item>"
        "<item><title>d</title><dc:creator></dc:creator><dc:creator>Cy</dc:creator></item>"
        "<item><title>e</title></item>",
        channel="<managingEditor>editor@example.org (The Editor)</managingEditor>",
    ),
    "categories: duplicates, domains, subjects": rss2(
        '<item><title>t</title><category>a</category><category>a</category><category domain="d">'
        'b</category><category domain="d">b</category><category domain="x"/><category>c</category>'
        '<dc:subject>d</dc:subject><media:category scheme="s">e</media:category></item>'
    ),
    "image and other enclosures": rss2(
        '<item><title>t</title><enclosure url="/img/a.png" type="IMAGE/PNG" length="1"/>'
        '<enclosure url="https://cdn.example.org/b.mp3" type="audio/mpeg"/>'
        '<atom:link rel="enclosure" href="c.jpg" type="image/jpeg"/>'
        '<media:thumbnail url="https://cdn.example.org/t.jpg"/></item>'
    ),
    "description before and after content": rss2(
        "<item><title>a</title><description>short</description>"
        "<content:encoded>&lt;p&gt;long&lt;/p&gt;</content:encoded></item>"
        "<item><title>b</title><content:encoded>&lt;p&gt;long&lt;/p&gt;</content:encoded>"
        "<description>short</description></item>"
        "<item><title>c</title><description>one</description><description>two</description></item>"
    ),
    "titles: empty, twice, source between": rss2(
        "<item><title></title><title>Second</title></item>"
        "<item><title>First</title><title>Second</title></item>"
        '<item><title>One</title><source url="https://s.example/">Src</source><title>Two</title></item>'
    ),
    "unknown elements and extensions": rss2(
        "<item><title>t</title><comments>https://blog.example.org/c</comments>"
        '<wfw:commentRss xmlns:wfw="http://wellformedweb.org/CommentAPI/">x</wfw:commentRss>'
        '<x:thing xmlns:x="https://x.example/ns" a="1"><x:inner>y</x:inner></x:thing>'
        '<media:content url="https://cdn.example.org/v.mp4"><media:thumbnail url="t.jpg"/>'
        "</media:content></item>",
        channel="<image><url>https://blog.example.org/i.png</url><title>Logo</title>"
        "<link>https://blog.example.org/</link></image><ttl>60</ttl>",
    ),
    "text that only looks like HTML": rss2(
        "<item><title>&lt;b&gt;Bold&lt;/b&gt;</title><atom:summary>&lt;p&gt;Hi&lt;/p&gt;"
        "</atom:summary></item>"
        "<item><title>t</title><atom:summary>1 &lt; 2 and 3 &gt; 2</atom:summary></item>"
    ),
    "Atom: xhtml, text and html content": atom(
        '<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>b</b></div>'
        "</title><id>tag:a,2026:1</id><updated>2026-11-24T10:12:00Z</updated>"
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p class="x">One &amp;'
        ' <a href="rel/">two</a><br/></p></div></content></entry>'
        '<entry><title type="html">B &amp;amp; &lt;i&gt;c&lt;/i&gt;</title><id>2</id>'
        '<content type="text">Plain\n\nparagraphs &lt;b&gt;</content></entry>'
        '<entry><title>C</title><id>3</id><summary type="html">&lt;p&gt;S&lt;/p&gt;</summary>'
        '<content type="html">&lt;p&gt;H&lt;/p&gt;</content></entry>'
        '<entry><title>D</title><id>4</id><content src="https://atom.example.net/d"/>'
        "<summary>Only a summary</summary></entry>"
        '<entry><title>E</title><id>5</id><content type="xhtml"><div xmlns="http://www.w3.org/1999'
        '/xhtml">one</div><div xmlns="http://www.w3.org/1999/xhtml">two</div></content></entry>',
        base="https://atom.example.net/blog/",
    ),
    "Atom: authors and links": atom(
        "<entry><title>a</title><id>1</id><author><name>Ann</name><email>ann@x.example</email>"
        "<uri>/ann</uri></author><author><name>Bob</name></author>"
        '<link rel="alternate" type="text/html" href="a/"/><link rel="replies" href="r"/>'
        '<link rel="alternate" type="application/pdf" href="a.pdf"/></entry>'
        '<entry xml:base="/other/"><title>b</title><id>b-id</id><link href="b"/></entry>'
        "<entry><title>c</title><id>https://atom.example.net/c</id></entry>"
        '<entry><title>d</title><link href=""/><id>d</id><category term="x" label="X"/>'
        '<category term="x" label="X"/><category scheme="s">text</category></entry>',
        head="<author><name>Feed Person</name><uri>https://atom.example.net/me</uri></author>",
    ),
    "RSS 1.0 with rdf:about only": (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b'<channel rdf:about="https://r.example/"><title>R</title><link>https://r.example/</link>'
        b'<items><rdf:Seq><rdf:li rdf:resource="https://r.example/1"/></rdf:Seq></items>'
        b'<image rdf:resource="https://r.example/i.png"/></channel>'
        b'<item rdf:about="https://r.example/1"><title>One</title>'
        b"<dc:date>2026-11-24T10:12:00+02:00</dc:date><dc:subject>s</dc:subject></item>"
        b'<item rdf:about="https://r.example/2"><title>Two</title><link>https://r.example/2b</link>'
        b"</item></rdf:RDF>"
    ),
    "no encoding declared, non-ASCII everywhere": (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>Café — blog</title><link>https://blog.example.org/</link>"
        "<item><title>Naïve ‘quotes’</title><dc:creator>José Müller</dc:creator>"
        '<category>éclair</category><guid isPermaLink="false">ü-1</guid>'
        "<description>Straße</description></item></channel></rss>"
    ).encode(),
}


@pytest.mark.parametrize("body", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_cases_give_the_same_records(body: bytes) -> None:
    assert_same_records(body)


def test_relative_links_resolve_against_xml_base_and_the_feed_address() -> None:
    result = assert_same_records(EDGE_CASES["relative links with xml:base"])

    (item,) = result.items
    assert item.url == "https://other.example.org/blog/posts/1/"
    assert item.base_url == "https://other.example.org/deeper/"


def test_an_atom_xhtml_entry_keeps_its_markup_without_the_wrapping_div() -> None:
    result = assert_same_records(EDGE_CASES["Atom: xhtml, text and html content"])

    first = result.items[0]
    assert first.html == '<p class="x">One &amp; <a href="rel/">two</a><br></br></p>'
    assert first.title == "A <b>b</b>"
    assert result.items[1].html == "<p>Plain</p><p>paragraphs &lt;b&gt;</p>"


def test_dates_become_timezone_aware_utc_and_unreadable_ones_none() -> None:
    result = assert_same_records(EDGE_CASES["dates in several formats"])

    dates = [item.published_at for item in result.items]
    assert dates[2] == datetime(2026, 11, 24, 6, 32, 3, tzinfo=UTC)
    assert dates[6] == datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
    assert dates[9] is None and dates[10] is None
    assert all(d is None or d.utcoffset() == timedelta(0) for d in dates)


# --- what the fast path leaves to feedparser ---------------------------------------------

STEPS_ASIDE = {
    "broken XML": rss2("<item><title>Unclosed</item>"),
    "HTML entity without a DTD": rss2("<item><title>A&nbsp;B</title></item>"),
    "podcast owner": rss2(
        "<item><title>t</title></item>",
        channel="<itunes:owner><itunes:name>O</itunes:name></itunes:owner>",
        namespaces='xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
    ),
    "Atom 0.3": b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title>'
    b"<entry><title>x</title><id>1</id><issued>2004-01-01T00:00:00Z</issued></entry></feed>",
    "markup inside an RSS title": rss2("<item><title>A <b>bold</b> move</title></item>"),
    "Netscape DOCTYPE on the declaration's line": b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC '
    b'"-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/rss-0.91.dtd">'
    b'<rss version="0.91"><channel><title>N</title><item><title>I</title></item></channel></rss>',
}


@pytest.mark.parametrize("body", list(STEPS_ASIDE.values()), ids=list(STEPS_ASIDE))
def test_what_the_fast_path_does_not_model_goes_to_feedparser(body: bytes) -> None:
    url = "https://blog.example.org/feed/"
    with pytest.raises(feedparse.Unsupported):
        feedparse.parse(body, url=url)

    try:
        expected = rss.parse_xml(body, url=url, fast=False)
    except ConnectorError as exc:
        with pytest.raises(ConnectorError, match=exc.message[:30]):
            rss.parse(body, url=url)
    else:
        assert rss.parse(body, url=url) == expected


def test_broken_xml_is_still_a_readable_connector_error() -> None:
    with pytest.raises(ConnectorError, match="not well-formed XML"):
        rss.parse(STEPS_ASIDE["broken XML"], url="https://blog.example.org/feed/")


# --- safety -------------------------------------------------------------------------------

_LONG_COMMENT = b"<!--" + b" " * 70_000 + b"-->"


@pytest.mark.parametrize(
    "body",
    [
        faults.XXE,
        faults.BILLION_LAUGHS,
        faults.XXE.replace(b"\n", b"\n" + _LONG_COMMENT, 1),
        faults.BILLION_LAUGHS.replace(b"\n", b"\n" + _LONG_COMMENT, 1),
    ],
    ids=["XXE", "billion laughs", "XXE after a long comment", "laughs after a long comment"],
)
def test_entity_declarations_are_refused_quickly_by_either_path(body: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(ConnectorError) as raised:
        rss.parse(body, url="https://x.example/feed.xml")

    assert time.monotonic() - started < 2
    assert raised.value.message == "The feed declares XML entities, which PLN Hub refuses."


def test_the_fast_path_itself_refuses_an_internal_subset_with_entities() -> None:
    body = (
        b'<?xml version="1.0"?>\n' + _LONG_COMMENT + b'<!DOCTYPE r [ <!ENTITY a "&#x41;"> ]>'
        b'<rss version="2.0"><channel><title>&a;</title></channel></rss>'
    )

    with pytest.raises(ConnectorError, match="declares XML entities"):
        feedparse.parse(body, url="https://x.example/feed.xml")


@pytest.mark.parametrize("where", ["in an item", "as the document"])
def test_fifty_thousand_nested_elements_are_refused_quickly(where: str) -> None:
    nested = b"<div>" * 50_000 + b"</div>" * 50_000
    body = rss2(f"<item><title>deep</title><x>{nested.decode()}</x></item>")
    body = body if where == "in an item" else nested

    started = time.monotonic()
    with pytest.raises(ConnectorError) as raised:
        rss.parse(body, url="https://x.example/feed.xml")

    assert time.monotonic() - started < 2
    assert "nested too deeply" in raised.value.message


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252"])
def test_feeds_declared_in_latin_encodings_read_the_same_and_right(encoding: str) -> None:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        "<title>Café</title><link>https://blog.example.org/</link><item><title>Déjà vu</title>"
        "<author>José</author><description>Crème brûlée</description></item></channel></rss>"
    )
    body = text.encode("latin-1")
    if encoding == "windows-1252":
        body = body.replace(b"vu</title>", b"vu \x80 \x93quoted\x94</title>")

    result = assert_same_records(body)

    assert result.title == "Café"
    assert result.items[0].author.name == "José"
    expected = "Déjà vu" if encoding == "ISO-8859-1" else "Déjà vu € “quoted”"
    assert result.items[0].title == expected


# --- the pieces the fast path reimplements --------------------------------------------------

_ZONES = ["+0000", "GMT", "-0500", "+0530", "-1200", "+1400", "Z", "UT"]


def test_everyday_dates_parse_exactly_as_feedparser_parses_them() -> None:
    rng = random.Random(7)
    days = "Mon Tue Wed Thu Fri Sat Sun".split()
    for _ in range(3000):
        moment = datetime(1971, 1, 1) + timedelta(seconds=rng.randrange(2_000_000_000))
        zone = rng.choice(_ZONES)
        samples = [
            f"{rng.choice(days)}, {moment:%d %b %Y %H:%M:%S} {zone}",
            f"{moment:%d %b %Y %H:%M:%S} {zone}",
            f"{moment:%Y-%m-%dT%H:%M:%S}" + rng.choice(["Z", "+02:00", "-09:30", "+00:00"]),
        ]
        for sample in samples:
            mine, theirs = feedparse.parse_date(sample), _parse_date(sample)
            assert (mine and calendar.timegm(mine)) == (theirs and calendar.timegm(theirs)), sample


@pytest.mark.parametrize(
    "sample",
    [
        "2026-11-27T24:00:00Z", "2026-11-27T23:59:60Z", "2026-02-30T10:00:00Z",
        "2026-11-27T10:00:00+24:00", "2026-11-27T10:00:00+05:99", "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:30:00+01:00", "Fri, 27 Nov 2026 24:00:00 GMT",
        "Sat, 28 Nov 2026 10:00:00 +2400", "Fri, 30 Feb 2026 10:00:00 GMT",
        "Fri, 27 Nov 2026 10:00:00 -0099",
        # ISO 8601 forms that are not W3DTF's everyday one
        "2026-11-27 10:00:00", "2026-11-27T10:00", "2026-11-27T10:00:00.5+01:00", "2026-11-27",
        "2026-11-27T10:00:00+0100", "2026-W48-5",
    ],
)  # fmt: skip
def test_odd_dates_parse_exactly_as_feedparser_parses_them(sample: str) -> None:
    assert feedparse.parse_date(sample) == _parse_date(sample)


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example.org/a?b=1#c", "http://x.example", "http://x.example/?", "HTTP://X/",
        "http://x.example/#", "http:///x", "https://[::1]/x", "https://ex.example/a b", "/rel",
        "tag:x,2026:1", "mailto:a@b.example", "https://bücher.example/", "http://a/b/../c",
        "https://u:p@h.example:81/p;x?q#f", "https://h.example/p?#", " https://h.example/",
        "urn:uuid:1", "TAG:X:1", "tag://x/y", "ta g:x", "1tag:x", "http:x", "data:,x", "",
    ],
)  # fmt: skip
def test_joining_urls_matches_feedparser(url: str) -> None:
    for base in ["https://blog.example.org/feed/", "http://other.example/", "", "tag:b"]:
        assert feedparse.join(base, url) == _urljoin(base, url)


# --- many generated feeds -------------------------------------------------------------------


def _random_rss_item(rng: random.Random, n: int) -> str:
    parts = []
    choices = {
        "title": [f"<title>Post {n}</title>", "<title></title>", "<title>A &amp;amp; B</title>"],
        "link": [f"<link>https://blog.example.org/{n}/</link>", f"<link>/{n}/</link>",
                 f'<atom:link rel="alternate" href="/{n}/a"/>'],
        "guid": [f"<guid>https://blog.example.org/p{n}</guid>", f"<guid>/p{n}</guid>",
                 f'<guid isPermaLink="false">p{n}</guid>'],
        "date": [f"<pubDate>Mon, 0{n % 9 + 1} Nov 2026 1{n % 9}:00:00 +0100</pubDate>",
                 f"<dc:date>2026-11-0{n % 9 + 1}T10:00:00-03:00</dc:date>", "<pubDate>x</pubDate>"],
        "author": ["<dc:creator>Ann</dc:creator>", "<author>b@x.example (Bo)</author>",
                   "<atom:author><atom:name>Cy</atom:name><atom:uri>/cy</atom:uri></atom:author>"],
        "category": ["<category>t1</category>", '<category domain="d">t2</category>',
                     "<dc:subject>t3</dc:subject>"],
        "body": ["<description>&lt;p&gt;d&lt;/p&gt;</description>",
                 "<content:encoded><![CDATA[<p>c</p>]]></content:encoded>",
                 "<atom:summary>plain &lt;i&gt;</atom:summary>",
                 '<atom:content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div>'
                 "</atom:content>"],
        "extra": ['<enclosure url="i.png" type="image/png"/>', "<comments>c</comments>",
                  '<media:thumbnail url="t.png"/>', '<source url="https://s.example/">S</source>'],
    }  # fmt: skip
    for options in choices.values():
        for _ in range(rng.choice([0, 1, 1, 2])):
            parts.append(rng.choice(options))
    rng.shuffle(parts)
    attrs = rng.choice(["", ' xml:base="https://base.example/dir/"'])
    return f"<item{attrs}>{''.join(parts)}</item>"


def _random_atom_entry(rng: random.Random, n: int) -> str:
    parts = [
        rng.choice([f"<title>E{n}</title>", f'<title type="html">E &amp;lt;{n}</title>', ""]),
        rng.choice([f"<id>tag:a,2026:{n}</id>", f"<id>/e/{n}</id>", ""]),
        rng.choice([f'<link href="e/{n}"/>', f'<link rel="alternate" href="/e{n}"/>', ""]),
        rng.choice(["<published>2026-11-24T10:00:00+05:00</published>", ""]),
        rng.choice(["<updated>2026-11-25T10:00:00Z</updated>", ""]),
        rng.choice(["<author><name>Ann</name></author>", "<author><email>e@x.example</email>"
                    "</author>", ""]),
        rng.choice(['<category term="a"/>', '<category term="b" scheme="s"/>', ""]),
        rng.choice(["<summary>s &lt;b&gt;</summary>", '<summary type="html">&lt;b&gt;s</summary>',
                    ""]),
        rng.choice(['<content type="html">&lt;p&gt;c&lt;/p&gt;</content>', "<content>c</content>",
                    '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p>'
                    "</div></content>", ""]),
        rng.choice(['<link rel="enclosure" type="image/png" href="i.png"/>', ""]),
    ]  # fmt: skip
    rng.shuffle(parts)
    attrs = rng.choice(["", ' xml:base="/sub/"'])
    return f"<entry{attrs}>{''.join(parts)}</entry>"


@pytest.mark.parametrize("seed", range(40))
def test_generated_feeds_give_the_same_records(seed: int) -> None:
    rng = random.Random(seed)
    if seed % 2:
        items = "".join(_random_rss_item(rng, n) for n in range(8))
        channel = rng.choice(["", "<dc:creator>Feed Author</dc:creator>", "<title>Again</title>"])
        body = rss2(items, channel=channel)
    else:
        entries = "".join(_random_atom_entry(rng, n) for n in range(8))
        head = rng.choice(["", "<author><name>Feeder</name></author>"])
        body = atom(entries, head=head, base=rng.choice(["", "https://atom.example.net/x/"]))
    assert_same_records(body, rng.choice(["https://blog.example.org/feed/", "http://h/f?"]))
