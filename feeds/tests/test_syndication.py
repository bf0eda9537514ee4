"""Atom feeds of timeline views: personal ones behind a revocable token, public hashtag ones,
and the settings page that lists the links. Read back with feedparser, as a reader would."""

from datetime import timedelta

import feedparser
import pytest
from django.test import Client
from django.urls import reverse
from lxml import etree

from feeds import feed_keys
from feeds.filters import TimelineFilter
from feeds.models import ItemState
from feeds.sanitize import clean_html
from feeds.tests.factories import ItemFactory, PersonFactory
from sources.models import FollowedHashtag, Group, Topic
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def network(learner):
    """The learner follows a blog and #astronomy; one blog post, two tagged posts (one read)."""
    blog = FollowedBlogFactory(user=learner).blog
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    blog_post = ItemFactory(sources=[blog.source], title="Gardening notes")
    comet = ItemFactory(
        sources=[blog.source],
        title="",
        text="A bright comet tonight over the northern sky, seen from the school roof at dusk",
        url="https://blog.example.org/comet",
        author=PersonFactory(name="Ada Astronomer", profile_url="https://blog.example.org/ada"),
    )
    comet.hashtags.add(astronomy)
    read_one = ItemFactory(sources=[blog.source], title="Already read about Mars")
    read_one.hashtags.add(astronomy)
    ItemState.objects.create(user=learner, item=read_one, is_read=True)
    return {"blog": blog, "astronomy": astronomy, "post": blog_post, "comet": comet}


def fetch(client, url):
    response = client.get(url)
    return response, feedparser.parse(response.content)


def test_a_filtered_view_becomes_a_valid_atom_feed_with_only_its_items(client, learner, network):
    url = feed_keys.personal_feed_url(learner, TimelineFilter(tag="astronomy", show="unread"))

    response, feed = fetch(client, url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "PLN Hub: #Astronomy (unread)"
    [entry] = feed.entries
    assert entry.title.startswith("A bright comet tonight over the northern sky")
    assert entry.link == "https://blog.example.org/comet"
    assert entry.author == "Ada Astronomer"
    assert [tag.term for tag in entry.tags] == ["Astronomy"]
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == network["comet"].html
    assert entry.published_parsed[:6] == network["comet"].published_at.utctimetuple()[:6]


def test_the_whole_timeline_feed_lists_everything_newest_first(client, learner, network):
    _, feed = fetch(client, feed_keys.personal_feed_url(learner, TimelineFilter()))

    assert feed.feed.title == "PLN Hub: your timeline"
    assert [e.title for e in feed.entries][0] == "Gardening notes"
    assert len(feed.entries) == 3


def test_a_feed_holds_the_newest_fifty_items(client, learner, network):
    newest = [
        ItemFactory(sources=[network["blog"].source], published_at=network["post"].published_at)
        for _ in range(55)
    ]

    _, feed = fetch(client, feed_keys.personal_feed_url(learner, TimelineFilter()))

    assert len(feed.entries) == 50
    assert {e.title for e in feed.entries} <= {i.title for i in newest}


def test_personal_feeds_are_not_indexed_and_set_no_cookie(client, learner, network):
    client.force_login(learner)  # even a browser with a session gets nothing session-bound

    response = client.get(feed_keys.personal_feed_url(learner, TimelineFilter()))

    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("key", [None, "", "garbage", "1:1:forged-signature"])
def test_a_missing_or_forged_key_is_not_found(client, learner, network, key):
    url = reverse("syndication:timeline_atom")
    response = client.get(url, {"key": key} if key is not None else {})

    assert response.status_code == 404


def test_a_key_signed_for_me_with_my_id_changed_is_not_found(client, learner, other_learner):
    token = feed_keys.make_token(other_learner)
    tampered = token.replace(f"{other_learner.pk}:", f"{learner.pk}:", 1)

    response = client.get(reverse("syndication:timeline_atom"), {"key": tampered})

    assert response.status_code == 404


def test_another_learners_key_never_shows_my_view(client, learner, other_learner, network):
    url = feed_keys.personal_feed_url(other_learner, TimelineFilter(tag="astronomy"))

    response, feed = fetch(client, url)

    assert response.status_code == 200
    assert feed.entries == []
    assert b"comet" not in response.content


def test_revoking_stops_every_old_link_and_issues_new_ones(learner, network):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    old = feed_keys.personal_feed_url(learner, TimelineFilter(tag="astronomy"))
    page = client.get(reverse("syndication:links"))
    csrf = page.cookies["csrftoken"].value

    response = client.post(
        reverse("syndication:revoke"), {"confirm": "yes", "csrfmiddlewaretoken": csrf}
    )

    assert response.status_code == 302
    new = feed_keys.personal_feed_url(learner, TimelineFilter(tag="astronomy"))
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert new.split("key=")[1] in client.get(reverse("syndication:links")).content.decode()


def test_revoking_needs_a_post_with_csrf_and_confirmation(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    before = feed_keys.make_token(learner)

    assert client.get(reverse("syndication:revoke")).status_code == 405
    assert client.post(reverse("syndication:revoke"), {"confirm": "yes"}).status_code == 403
    client = Client()
    client.force_login(learner)
    client.post(reverse("syndication:revoke"))  # box not ticked

    assert feed_keys.make_token(learner) == before


def test_the_settings_page_lists_private_links_for_timeline_hashtags_and_topics(
    client, learner, network
):
    topic = Topic.objects.create(name="Space science", owner=learner)
    client.force_login(learner)

    body = client.get(reverse("syndication:links")).content.decode()

    views = (TimelineFilter(), TimelineFilter(tag="astronomy"), TimelineFilter(topic=topic.slug))
    for filters in views:
        url = feed_keys.personal_feed_url(learner, filters)
        assert f'value="http://testserver{url.replace("&", "&amp;")}"' in body
    assert reverse("syndication:hashtag_atom", args=["astronomy"]) in body
    assert reverse("opml:opml") in body
    assert "readonly" in body


def test_the_settings_page_needs_a_login(client):
    response = client.get(reverse("syndication:links"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_public_hashtag_feed_never_shows_closed_group_posts(client, other_learner):
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    stream = SourceFactory(platform="mastodon", hashtag=astronomy)
    ItemFactory(platform="mastodon", sources=[stream], title="Public toot")
    closed = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=closed, user=other_learner)
    secret = ItemFactory(platform="pln", group=closed, title="Members-only homework")
    secret.hashtags.add(astronomy)
    url = reverse("syndication:hashtag_atom", args=["Astronomy"])

    anonymous = fetch(client, url)[1]
    client.force_login(other_learner)  # a member's session changes nothing: feeds are public
    member = fetch(client, url)[1]

    for feed in (anonymous, member):
        assert not feed.bozo
        assert feed.feed.title == "PLN Hub: #Astronomy"
        assert [e.title for e in feed.entries] == ["Public toot"]


def test_an_unknown_hashtag_feed_is_not_found(client):
    assert client.get(reverse("syndication:hashtag_atom", args=["nothing"])).status_code == 404


def test_closed_group_posts_reach_a_members_personal_feed_only(client, learner, other_learner):
    closed = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=closed, user=learner)
    ItemFactory(platform="pln", group=closed, title="Members-only homework")

    mine = fetch(client, feed_keys.personal_feed_url(learner, TimelineFilter()))[1]
    theirs = fetch(client, feed_keys.personal_feed_url(other_learner, TimelineFilter()))[1]

    assert [e.title for e in mine.entries] == ["Members-only homework"]
    assert theirs.entries == []


def test_script_in_an_item_never_comes_back_unescaped(client, learner, network):
    hostile = '<p>Hello <b>class</b><script>alert(1)</script><img src=x onerror="alert(2)"></p>'
    ItemFactory(
        sources=[network["blog"].source],
        title="<script>alert(3)</script> & friends",
        html=clean_html(hostile, base_url="https://blog.example.org/"),
        text="Hello class",
        author=PersonFactory(name="<script>alert(4)</script>"),
        published_at=network["post"].published_at + timedelta(hours=1),
        url="javascript:alert(5)",
    )

    response, feed = fetch(client, feed_keys.personal_feed_url(learner, TimelineFilter()))

    assert b"<script" not in response.content
    assert b"javascript:" not in response.content
    assert b"onerror" not in response.content
    entry = feed.entries[0]
    assert "<script" not in entry.content[0].value
    assert "<b>class</b>" in entry.content[0].value  # harmless markup survives
    # Titles and names are plain text: escaped by the XML writer once, never marked as HTML.
    root = etree.fromstring(response.content)
    title = root.find(f"{ATOM}entry/{ATOM}title")
    assert title.text == "<script>alert(3)</script> & friends"
    assert title.get("type") is None
    assert b"&lt;script&gt;alert(3)&lt;/script&gt; &amp; friends" in response.content


def test_the_feed_url_of_a_view_keeps_its_filters(learner):
    url = feed_keys.personal_feed_url(learner, TimelineFilter(tag="astronomy", show="unread"))

    assert url.startswith(reverse("syndication:timeline_atom") + "?")
    assert "tag=astronomy" in url
    assert "show=unread" in url
    assert "key=" in url
