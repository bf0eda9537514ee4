"""OPML import and export: a round trip between two accounts, per-outline results over real
HTTP against the simulator, and hostile files refused whole, before anything is followed."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import etree

from sources import opml
from sources.following import follow_blog
from sources.models import FollowedBlog
from sources.tests.factories import FollowedBlogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Following enqueues the first poll; these tests only look at what was followed."""
    from feeds.tasks import poll_source_task

    monkeypatch.setattr(poll_source_task, "delay", lambda *args: None)


def document(*outlines: str) -> bytes:
    body = "\n".join(outlines)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">\n'
        f"<head><title>Subscriptions</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
    ).encode()


def upload(client, data: bytes, name: str = "subscriptions.opml"):
    file = SimpleUploadedFile(name, data, content_type="text/x-opml")
    return client.post(reverse("opml:opml"), {"file": file})


def followed_blog_ids(user) -> set[int]:
    return set(FollowedBlog.objects.filter(user=user).values_list("blog_id", flat=True))


# --- export and round trip -----------------------------------------------------------------


def test_export_then_import_into_another_account_follows_the_same_blogs(
    client, learner, other_learner, allow_simulator
):
    follow_blog(learner, f"{allow_simulator.base_url}/blogs/0/")
    follow_blog(learner, allow_simulator.feed_url(1))
    client.force_login(learner)

    exported = client.get(reverse("opml:export"))

    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/x-opml")
    assert exported["Content-Disposition"] == 'attachment; filename="pln-hub-blogs.opml"'
    client.force_login(other_learner)
    response = upload(client, exported.content)

    assert response.status_code == 200
    assert followed_blog_ids(other_learner) == followed_blog_ids(learner)
    assert [r.outcome for r in response.context["results"]] == ["followed", "followed"]


def test_the_export_is_opml_2_listing_only_my_blogs(client, learner, other_learner):
    mine = FollowedBlogFactory(user=learner, blog__title="Stars & <Galaxies>").blog
    FollowedBlogFactory(user=other_learner, blog__title="Not mine")
    client.force_login(learner)

    root = etree.fromstring(client.get(reverse("opml:export")).content)

    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/dateCreated").endswith("GMT")
    [outline] = root.iter("outline")
    assert dict(outline.attrib) == {
        "type": "rss",
        "text": "Stars & <Galaxies>",
        "title": "Stars & <Galaxies>",
        "xmlUrl": mine.feed_url,
        "htmlUrl": mine.site_url,
    }


def test_opml_pages_need_a_login(client):
    for name in ("opml:opml", "opml:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_importing_needs_a_post_with_csrf(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = upload(client, document('<outline text="x" xmlUrl="https://example.org/feed"/>'))

    assert response.status_code == 403
    assert not FollowedBlog.objects.exists()


def test_the_opml_page_offers_an_upload_and_the_export(client, learner):
    client.force_login(learner)

    body = client.get(reverse("opml:opml")).content.decode()

    assert 'type="file"' in body
    assert 'accept=".opml,.xml' in body
    assert 'enctype="multipart/form-data"' in body
    assert reverse("opml:export") in body


def test_the_blogs_page_links_to_the_opml_page(client, learner):
    client.force_login(learner)

    assert reverse("opml:opml") in client.get(reverse("sources:blogs")).content.decode()


# --- import: per-outline results ---------------------------------------------------------------


def test_one_bad_address_is_reported_on_its_line_and_the_others_are_followed(
    client, learner, allow_simulator
):
    base = allow_simulator.base_url
    data = document(
        '<outline text="Science">',
        f'  <outline text="Blog two" type="rss" xmlUrl="{allow_simulator.feed_url(2)}"/>',
        '  <outline text="Physics">',
        f'    <outline text="Blog three" htmlUrl="{base}/blogs/3/"/>',
        "  </outline>",
        "</outline>",
        f'<outline text="Broken blog" xmlUrl="{base}/faults/404"/>',
        '<outline text="Sneaky" xmlUrl="javascript:alert(1)"/>',
    )
    client.force_login(learner)

    response = upload(client, data)

    assert response.status_code == 200
    results = response.context["results"]
    assert [(r.outline.title, r.outcome) for r in results] == [
        ("Blog two", "followed"),
        ("Blog three", "followed"),
        ("Broken blog", "error"),
        ("Sneaky", "error"),
    ]
    assert [r.outline.line for r in results] == [6, 8, 11, 12]
    assert "HTTP 404" in results[2].message
    assert "http://" in results[3].message
    assert len(followed_blog_ids(learner)) == 2
    body = response.content.decode()
    assert "Broken blog" in body and f"{base}/faults/404" in body and "HTTP 404" in body


def test_blogs_already_followed_are_reported_as_such(client, learner, allow_simulator):
    blog = follow_blog(learner, allow_simulator.feed_url(4))
    data = document(
        f'<outline text="Again" xmlUrl="{blog.feed_url}"/>',
        f'<outline text="Twice in the file" xmlUrl="{allow_simulator.feed_url(5)}"/>',
        f'<outline text="Twice in the file" xmlUrl="{allow_simulator.feed_url(5)}"/>',
    )
    client.force_login(learner)

    results = upload(client, data).context["results"]

    assert [r.outcome for r in results] == ["already", "followed", "already"]


def test_titles_in_the_file_are_shown_as_text(client, learner):
    title = "&lt;script&gt;alert(1)&lt;/script&gt;Tom &amp; Jerry &lt;3"
    data = document(f'<outline text="{title}" xmlUrl="ftp://x/"/>')
    client.force_login(learner)

    body = upload(client, data).content.decode()

    assert "alert(1)" not in body
    assert "Tom &amp; Jerry &lt;3" in body


def test_outlines_not_started_in_time_are_reported_and_not_followed(learner):
    outlines = opml.parse(document('<outline text="Later" xmlUrl="https://example.org/feed"/>'))

    [result] = opml.import_outlines(learner, outlines, time_budget=-1)

    assert result.outcome == "skipped"
    assert "again" in result.message
    assert not FollowedBlog.objects.exists()


def test_parsing_flattens_folders_and_reads_titles_and_lines():
    data = document(
        '<outline text="Folder"><outline title="Inner" text="ignored" xmlurl="https://a.example/feed"/></outline>',
        '<outline text="Site only" htmlUrl="https://b.example/"/>',
        '<outline text="A note, not a feed"/>',
    )

    outlines = opml.parse(data)

    assert outlines == [
        opml.Outline(line=5, title="Inner", address="https://a.example/feed"),
        opml.Outline(line=6, title="Site only", address="https://b.example/"),
    ]


# --- import: hostile and wrong files, refused whole ------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://example.org/feed"/></body></opml>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://example.org/feed"/></body></opml>
"""
XINCLUDE = b"""<?xml version="1.0"?>
<opml version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><body>
<outline text="x" xmlUrl="https://example.org/feed"/>
<xi:include href="file:///etc/passwd" parse="text"/>
</body></opml>
"""
HIDDEN_DOCTYPE_UTF16 = (
    '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE opml [<!ENTITY a "b">]>\n'
    '<opml version="2.0"><body><outline text="&a;" xmlUrl="https://example.org/feed"/></body></opml>'
).encode("utf-16")
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>"""
MANY = document(
    *[f'<outline text="{n}" xmlUrl="https://example.org/{n}/feed"/>' for n in range(501)]
)
TOO_LARGE = document('<outline text="x" xmlUrl="https://example.org/feed"/>').replace(
    b"<body>", b"<body><!--" + b"x" * opml.MAX_BYTES + b"-->"
)

REFUSED = {
    "malformed XML": (b"<opml><body><outline></body>", "not well-formed XML"),
    "billion laughs": (BILLION_LAUGHS, "DOCTYPE or XML entities"),
    "external entity (XXE)": (XXE, "DOCTYPE or XML entities"),
    "XInclude": (XINCLUDE, "XInclude"),
    "DOCTYPE hidden in UTF-16": (HIDDEN_DOCTYPE_UTF16, "DOCTYPE or XML entities"),
    "an RSS feed, not OPML": (RSS, "not OPML"),
    "more than 500 outlines": (MANY, "more than 500 feeds"),
    "more than 1 MB": (TOO_LARGE, "larger than 1 MB"),
    "no feeds": (document('<outline text="Empty folder"/>'), "lists no feeds"),
    "empty file": (b"", "empty"),
}


@pytest.mark.parametrize("data, message", REFUSED.values(), ids=REFUSED.keys())
def test_a_hostile_or_wrong_file_is_refused_whole_with_a_clear_message(
    client, learner, data, message
):
    client.force_login(learner)
    started = time.monotonic()

    response = upload(client, data)

    assert time.monotonic() - started < 2
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "root:" not in body  # nothing of /etc/passwd
    assert not FollowedBlog.objects.exists()


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, XXE, XINCLUDE, HIDDEN_DOCTYPE_UTF16],
    ids=["bomb", "xxe", "xi", "utf16"],
)
def test_parse_refuses_entity_and_include_tricks_before_reading_outlines(data):
    with pytest.raises(opml.OpmlError) as refused:
        opml.parse(data)

    assert "refuses" in refused.value.message
