"""The blog slice as a learner sees it: Chromium against the live server, Celery eager so a
new blog's first poll runs inside the follow request, blogs served by the simulator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from accounts.tests.factories import PASSWORD
from sources.following import follow_blog
from sources.models import FollowedBlog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(messages: list[ConsoleMessage]) -> list[str]:
    return [m.text for m in messages if "Content Security Policy" in m.text]


def sign_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.locator('input[name="login"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Your learning timeline")).to_be_visible()
    page.wait_for_load_state()  # the keyboard shortcuts are bound once the scripts have run


def follow(page: Page, address: str) -> None:
    page.get_by_label("Blog or feed address").fill(address)
    page.get_by_role("button", name="Follow this blog", exact=True).click()


def test_a_newcomer_signs_up_follows_a_blog_and_sees_its_posts_newest_first(
    page, live_server, allow_simulator, eager_celery, posts_in_feed, console_messages
):
    simulator = allow_simulator
    page.goto("/accounts/signup/")
    page.locator('input[name="email"]').fill("newcomer@example.org")
    page.locator('input[name="password1"]').fill("a-long-unusual-passphrase")
    page.locator('input[name="password2"]').fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(f"{live_server.url}/welcome/")
    page.get_by_role("link", name="Not now: go to your timeline").click()
    expect(page.get_by_role("heading", name="Start your learning network")).to_be_visible()

    follow(page, f"{simulator.base_url}/blogs/1/")

    expect(page).to_have_url(f"{live_server.url}/")
    titles = [post.title for post in posts_in_feed(1)]
    expect(page.locator("li.item .item-title")).to_have_text(titles)
    blog = page.get_by_role("complementary", name="Your blogs").locator(".blog-status")
    expect(blog.locator(".blog-name")).to_have_text(simulator.site.blogs.blogs[1].title)
    expect(blog.locator(".status")).to_have_text(re.compile(r"^Updated "))
    assert csp_violations(console_messages) == []


def test_load_more_appends_the_next_page_without_duplicates(
    page, live_server, learner, allow_simulator, eager_celery, posts_in_feed, console_messages
):
    simulator = allow_simulator
    for n in (4, 5):
        follow_blog(learner, f"{simulator.base_url}/blogs/{n}/")  # polled inline: eager
    sign_in(page, learner)
    items = page.locator("li.item")
    expect(items).to_have_count(30)

    page.get_by_role("link", name="Load more").click()

    expect(items).to_have_count(len(posts_in_feed(4)) + len(posts_in_feed(5)))
    expect(page.get_by_text("You have reached the end of your timeline.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")  # appended in place, not a new page
    ids = items.evaluate_all("items => items.map(item => item.id)")
    assert len(set(ids)) == len(ids)
    times = items.locator("time").evaluate_all("times => times.map(t => t.dateTime)")
    assert times == sorted(times, reverse=True)  # newest first, across both pages
    assert csp_violations(console_messages) == []


def test_a_blog_address_with_no_feed_shows_a_clear_error(
    page, learner, allow_simulator, eager_celery
):
    address = f"{allow_simulator.base_url}/faults/404"
    sign_in(page, learner)

    follow(page, address)

    expect(page.get_by_role("alert")).to_have_text(f"{address} answered with an error (HTTP 404).")
    expect(page.get_by_label("Blog or feed address")).to_have_value(address)
    expect(page.get_by_text("You do not follow any blog yet.")).to_be_visible()
    assert not FollowedBlog.objects.filter(user=learner).exists()
