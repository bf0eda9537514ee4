"""Items are written as HTML in Python (`feeds.item_html`), not by the template engine: a
hostile value in any field a card shows must still come out as text."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from feeds.tests.factories import ItemFactory, PersonFactory
from sources.models import Blog, FollowedHashtag
from sources.tests.factories import HashtagFactory, SourceFactory

pytestmark = pytest.mark.django_db

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'


def test_hostile_values_in_every_field_a_card_shows_stay_text(client, learner):
    tag = HashtagFactory(display=f"tag{HOSTILE}", name="hostiletag")
    source = SourceFactory(title=f"Source {HOSTILE}", hashtag=tag, platform="mastodon")
    Blog.objects.filter(source=source).update(title=f"Blog {HOSTILE}")
    FollowedHashtag.objects.create(user=learner, hashtag=tag)
    author = PersonFactory(
        name=f"Name {HOSTILE}",
        handle=f"@handle{HOSTILE}",
        profile_url=f"https://example.org/{HOSTILE}",
        avatar_url=f"https://example.org/a.png?{HOSTILE}",
    )
    item = ItemFactory(
        platform="mastodon",
        title=f"Title {HOSTILE}",
        url=f"https://example.org/post?{HOSTILE}",
        author=author,
        media=[
            {"type": "image", "url": f"https://example.org/i.png?{HOSTILE}", "alt": HOSTILE},
            {"type": "video", "url": f"https://example.org/v.png?{HOSTILE}", "alt": HOSTILE},
            {
                "type": "link",
                "url": f"https://example.org/l?{HOSTILE}",
                "title": HOSTILE,
                "description": HOSTILE,
                "thumb": f"https://example.org/t.png?{HOSTILE}",
            },
        ],
    )
    item.sources.add(source)
    item.hashtags.add(tag)
    client.force_login(learner)

    for path in (reverse("feeds:timeline"), reverse("feeds:timeline") + "?show=unread"):
        body = client.get(path).content.decode()
        shown = re.search(rf'<li class="item[^"]*" id="item-{item.pk}".*?</li>', body, re.S)
        assert shown, "the item is not on the page"
        elements = Elements()
        elements.feed(shown.group(0))
        assert "script" not in {tag for tag, _ in elements.found}
        assert not [n for _, attrs in elements.found for n, _ in attrs if n.startswith("on")]
        assert ("img", {"src": "x"}) not in [(tag, dict(attrs)) for tag, attrs in elements.found]
        # Each hostile value is there, as text or inside an attribute's value.
        assert elements.text.count("<script>alert(1)</script>") >= 4
        values = [value or "" for _, attrs in elements.found for _, value in attrs]
        assert sum("<script>alert(1)</script>" in value for value in values) >= 6


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    def handle_data(self, data):
        self.text += data
