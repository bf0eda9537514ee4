"""Every page a learner or a visitor opens, checked by axe-core in Chromium, in the light and
the dark theme: no serious or critical violation (labels, contrast, landmarks, names)."""

from __future__ import annotations

from importlib import resources

import pytest
from playwright.sync_api import Page

from feeds.tests.factories import ItemFactory, PersonFactory
from feeds.tests.test_browser import sign_in
from sources.models import FollowedHashtag, FollowedPerson, Topic
from sources.tests.factories import FollowedBlogFactory, HashtagFactory, SourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text()
SERIOUS = {"serious", "critical"}


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page, readable.
    (Evaluated through DevTools, so the page's CSP does not block the library.)"""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    assert result["passes"], "axe-core checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def network(learner):
    """A learner with a blog, a hashtag stream, a topic and a followed person, all with posts."""
    blog = FollowedBlogFactory(user=learner).blog
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    stream = SourceFactory(platform="mastodon", hashtag=astronomy)
    ada = PersonFactory(name="Ada Astronomer", handle="@ada@social.example")
    FollowedPerson.objects.create(user=learner, person=ada)
    topic = Topic.objects.create(name="Stars", owner=learner)
    topic.hashtags.add(astronomy)
    for n in range(4):
        item = ItemFactory(
            sources=[blog.source], title=f"Notes on the moon {n}", html="<p>The moon tonight.</p>"
        )
        item.hashtags.add(astronomy)
        ItemFactory(
            platform="mastodon",
            sources=[stream],
            author=ada,
            title="",
            text="Jupiter's moons #astronomy",
            html="<p>Jupiter's moons <a href='https://social.example/tags/astronomy'>#astronomy</a></p>",
        )
    return {"topic": topic, "person": ada}


LEARNER_PAGES = [
    "/",
    "/?show=unread&platform=mastodon",
    "/deck/",
    "/people/",
    "/people/{person}/",
    "/topics/{topic}/",
    "/tags/astronomy/",
    "/blogs/",
    "/blogs/opml/",
    "/settings/feeds/",
    "/search/?q=moon",
    "/search/",
    "/welcome/",
]
VISITOR_PAGES = ["/accounts/login/", "/accounts/signup/", "/tags/astronomy/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_learners_pages_have_no_serious_accessibility_violations(
    page: Page, learner, network, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    sign_in(page, learner)
    found = {}
    for path in LEARNER_PAGES:
        url = path.format(person=network["person"].pk, topic=network["topic"].slug)
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        if violations := axe_violations(page):
            found[url] = violations
    assert found == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_visitors_pages_have_no_serious_accessibility_violations(
    page: Page, network, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    found = {}
    for url in VISITOR_PAGES:
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        if violations := axe_violations(page):
            found[url] = violations
    assert found == {}
