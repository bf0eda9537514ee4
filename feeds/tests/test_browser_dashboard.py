"""The dashboard as a learner uses it in Chromium: onboarding, filtering, reading actions,
search and an OPML round trip between two learners. Blogs are served by the simulator and
polled inline (Celery eager)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from feeds import tasks
from feeds.models import ItemState
from feeds.search_index import index_backlog
from feeds.tests.factories import ItemFactory
from feeds.tests.test_browser import csp_violations, sign_in
from sources.following import follow_blog
from sources.models import FollowedBlog, FollowedHashtag, Topic
from sources.tests.factories import HashtagFactory, SourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def item_titles(page: Page) -> list[str]:
    return page.locator("li.item .item-title").all_inner_texts()


def test_a_newcomer_is_guided_from_sign_up_to_a_filled_topic_timeline(
    page, live_server, allow_simulator, eager_celery, posts_in_feed, console_messages
):
    page.goto("/accounts/signup/")
    page.locator('input[name="email"]').fill("newcomer@example.org")
    page.locator('input[name="password1"]').fill("a-long-unusual-passphrase")
    page.locator('input[name="password2"]').fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(f"{live_server.url}/welcome/")
    expect(page.get_by_text("Step 1 of 4")).to_be_visible()

    page.get_by_label("Topic name").fill("Astronomy")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 2 of 4")).to_be_visible()
    page.get_by_role("group", name="Suggested for Astronomy").get_by_label(
        re.compile("#?astronomy$", re.IGNORECASE)
    ).check()
    page.get_by_label("Other hashtags").fill("#SUB101")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 3 of 4")).to_be_visible()
    page.get_by_label("Blog addresses, one per line").fill(f"{allow_simulator.base_url}/blogs/2/")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 4 of 4")).to_be_visible()
    page.get_by_role("button", name="Skip and finish").click()

    expect(page).to_have_url(f"{live_server.url}/?topic=astronomy")
    expect(page.get_by_role("status").first).to_contain_text("Astronomy")
    expect(page.locator("li.item")).not_to_have_count(0)
    assert item_titles(page)[:3] == [post.title for post in posts_in_feed(2)][:3]
    topic = Topic.objects.get(name="Astronomy")
    assert {h.name for h in topic.hashtags.all()} == {"astronomy", "sub101"}
    assert csp_violations(console_messages) == []


def test_filters_narrow_the_timeline_and_are_kept_in_the_url(
    page, live_server, learner, allow_simulator, eager_celery, posts_in_feed
):
    for n in (3, 4):
        follow_blog(learner, f"{allow_simulator.base_url}/blogs/{n}/")
    blog_3 = FollowedBlog.objects.get(user=learner, blog__feed_url__contains="/blogs/3/").blog
    sign_in(page, learner)

    page.get_by_role("link", name=f"Show only {blog_3}").click()

    expect(page).to_have_url(f"{live_server.url}/?blog={blog_3.pk}")
    expect(page.locator("li.item .item-title")).to_have_text(
        [post.title for post in posts_in_feed(3)][:30]
    )
    chips = page.get_by_role("list", name="Active filters")
    expect(chips).to_contain_text(str(blog_3))

    page.get_by_label("Show").select_option("unread")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"blog=\d+.*show=unread|show=unread.*blog=\d+"))

    chips.get_by_role("link", name=re.compile("remove this filter")).first.click()
    expect(page).to_have_url(f"{live_server.url}/?show=unread")


def test_mark_read_and_favourite_change_an_item_in_place(
    page, live_server, learner, allow_simulator, eager_celery, console_messages
):
    follow_blog(learner, f"{allow_simulator.base_url}/blogs/5/")
    sign_in(page, learner)
    first = page.locator("li.item").first
    item_id = int(first.get_attribute("data-item-id"))

    first.get_by_role("button", name="Favourite").click()
    expect(
        page.locator(f"#item-{item_id}").get_by_role("button", name="Favourite")
    ).to_have_attribute("aria-pressed", "true")
    page.locator(f"#item-{item_id}").get_by_role("button", name="Mark read").click()
    expect(page.locator(f"#item-{item_id}")).to_have_class(re.compile(r"\bis-read\b"))

    expect(page).to_have_url(f"{live_server.url}/")  # no page load: swapped by htmx
    state = ItemState.objects.get(user=learner, item_id=item_id)
    assert state.is_favourite and state.is_read
    page.goto("/?show=favourites")
    expect(page.locator("li.item")).to_have_count(1)
    page.goto("/?show=unread")
    expect(page.locator(f"#item-{item_id}")).to_have_count(0)
    assert csp_violations(console_messages) == []


def test_searching_finds_a_post_by_a_word_of_its_title(
    page, learner, allow_simulator, eager_celery, posts_in_feed
):
    follow_blog(learner, f"{allow_simulator.base_url}/blogs/6/")
    index_backlog()  # as the worker's indexer does moments after a poll
    post = posts_in_feed(6)[7]
    word = max(re.findall(r"[A-Za-z]{5,}", post.title), key=len)
    sign_in(page, learner)

    search = page.get_by_role("searchbox", name="Search your network")
    search.fill(word)
    search.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text(word)
    expect(page.locator("li.item .item-title").filter(has_text=post.title).first).to_be_visible()


def test_an_opml_export_imports_into_another_learners_account(
    page, learner, other_learner, allow_simulator, eager_celery, tmp_path
):
    for n in (7, 8):
        follow_blog(learner, f"{allow_simulator.base_url}/blogs/{n}/")
    sign_in(page, learner)
    page.goto("/blogs/opml/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download pln-hub-blogs.opml").click()
    opml = tmp_path / "blogs.opml"
    download.value.save_as(opml)
    page.get_by_role("button", name="Log out").click()

    sign_in(page, other_learner)
    page.goto("/blogs/opml/")
    page.get_by_label(re.compile("OPML file", re.IGNORECASE)).set_input_files(opml)
    page.get_by_role("button", name="Import").click()

    results = page.locator("table.import-results tbody tr")
    expect(results).to_have_count(2)
    mine = set(FollowedBlog.objects.filter(user=learner).values_list("blog__feed_url", flat=True))
    theirs = FollowedBlog.objects.filter(user=other_learner).values_list(
        "blog__feed_url", flat=True
    )
    assert set(theirs) == mine


def test_unread_counts_appear_once_the_worker_has_made_them_without_a_reload(
    page, live_server, learner, monkeypatch, console_messages
):
    hashtag = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    stream = SourceFactory(platform="mastodon", hashtag=hashtag)
    ItemFactory.create_batch(3, platform="mastodon", sources=[stream])
    asked = []  # the counts asked of the worker, which here waits for the test
    monkeypatch.setattr(tasks.count_unread_task, "delay", lambda *args: asked.append(args))
    sign_in(page, learner)
    sidebar = page.locator("#sidebar-network")

    expect(sidebar.get_by_role("status")).to_have_text("Counting unread posts…")
    page.wait_for_timeout(2500)  # it asks again meanwhile, but asks the worker once
    assert len(asked) == 1
    tasks.count_unread_task(*asked[0])  # the worker's turn

    expect(sidebar.locator(".unread-count")).to_have_text("3 unread")
    expect(sidebar.get_by_role("status")).to_have_count(0)
    expect(sidebar).not_to_have_attribute("hx-get", re.compile(".*"))  # stopped asking
    expect(page).to_have_url(f"{live_server.url}/")
    assert len(asked) == 1 and csp_violations(console_messages) == []
