"""Reading with the keyboard, the deck and the themes, as a learner sees them: Chromium
against the live server (fixtures in conftest.py), posts made with the factories."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from feeds.deck_views import COLUMN_PAGE_SIZE
from feeds.models import ItemState
from feeds.tests.factories import ItemFactory
from feeds.tests.test_browser import csp_violations, sign_in
from sources.models import FollowedHashtag
from sources.tests.factories import HashtagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A page reload would drop this; its survival proves htmx swapped in place.
MARK_PAGE = "window.stillThisPage = true"
SAME_PAGE = "window.stillThisPage === true"


@pytest.fixture
def edtech(learner):
    hashtag = HashtagFactory(display="EdTech")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    return hashtag


def tagged(hashtag, **kwargs):
    item = ItemFactory(**kwargs)
    item.hashtags.add(hashtag)
    return item


@pytest.fixture
def posts(edtech, live_server):
    """Three posts with #EdTech, newest first; each links to a file on the live server."""
    original = f"{live_server.url}/static/img/favicon.svg"
    return [tagged(edtech, url=f"{original}?post={n}") for n in range(3)]


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement.id")


def state(user, item) -> ItemState | None:
    return ItemState.objects.filter(user=user, item=item).first()


def test_j_and_k_move_the_focus_and_question_mark_shows_the_help(
    page, learner, posts, console_messages
):
    sign_in(page, learner)

    page.keyboard.press("j")
    assert focused_id(page) == f"item-{posts[0].pk}"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_id(page) == f"item-{posts[2].pk}"
    page.keyboard.press("k")
    assert focused_id(page) == f"item-{posts[1].pk}"
    expect(page.locator(f"#item-{posts[1].pk} > article")).to_have_css("outline-style", "solid")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_text("Favourite or unfavourite")).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert focused_id(page) == f"item-{posts[1].pk}"
    assert csp_violations(console_messages) == []


def test_keys_typed_in_a_field_stay_in_the_field(page, learner, posts):
    sign_in(page, learner)
    search = page.get_by_role("searchbox", name="Search your network")

    search.focus()
    page.keyboard.type("jokes")

    expect(search).to_have_value("jokes")
    expect(search).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_f_s_and_m_act_on_the_focused_post_in_place(page, learner, posts, console_messages):
    sign_in(page, learner)
    page.evaluate(MARK_PAGE)
    post = posts[1]
    item = page.locator(f"#item-{post.pk}")
    page.keyboard.press("j")
    page.keyboard.press("j")

    page.keyboard.press("f")
    expect(item.locator('[data-action="favourite"]')).to_have_attribute("aria-pressed", "true")
    assert state(learner, post).is_favourite
    expect(item).to_be_focused()  # the swapped-in post, so the next key acts on it too

    page.keyboard.press("m")
    expect(item).to_have_class("item is-read")
    assert state(learner, post).is_read
    page.keyboard.press("m")
    expect(item).to_have_class("item")
    assert not state(learner, post).is_read

    page.keyboard.press("s")
    expect(item.get_by_role("button", name="Saved")).to_be_visible()
    assert state(learner, post).is_saved
    page.keyboard.press("f")
    expect(item.locator('[data-action="favourite"]')).to_have_attribute("aria-pressed", "false")
    assert not state(learner, post).is_favourite
    assert page.evaluate(SAME_PAGE)
    assert csp_violations(console_messages) == []


def test_o_opens_the_original_in_a_new_tab(page, context, learner, posts):
    sign_in(page, learner)
    page.keyboard.press("j")
    expect(page.locator(f"#item-{posts[0].pk}")).to_be_focused()

    with context.expect_page() as opened:
        page.keyboard.press("o")

    expect(opened.value).to_have_url(posts[0].url)


def test_clicking_favourite_and_mark_read_changes_the_post_without_a_reload(page, learner, posts):
    sign_in(page, learner)
    page.evaluate(MARK_PAGE)
    post = posts[0]
    item = page.locator(f"#item-{post.pk}")

    item.get_by_role("button", name="Favourite").click()
    expect(item.get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "true")
    expect(item.get_by_role("button", name="Favourite")).to_be_focused()
    item.get_by_role("button", name="Mark read").click()
    expect(item.get_by_role("button", name="Mark unread")).to_be_visible()

    assert page.evaluate(SAME_PAGE)
    saved = state(learner, post)
    assert saved.is_favourite and saved.is_read


def test_the_deck_has_a_column_per_hashtag_that_picks_up_new_posts(
    page, settings, learner, edtech, posts, console_messages
):
    settings.PLN_DECK_POLL_SECONDS = 1
    sign_in(page, learner)
    page.goto("/deck/")
    headings = page.locator(".deck-column-title")
    expect(headings).to_have_text(["Everything", "#EdTech", "Add a column"])
    column = page.locator(f"#col-tag-{edtech.pk}")
    expect(column.locator("li.item")).to_have_count(3)
    page.evaluate(MARK_PAGE)

    news = tagged(edtech, title="Fresh from the hashtag", published_at=timezone.now())

    expect(column.locator("li.item").first).to_have_id(f"item-{news.pk}")
    expect(column.locator("li.item.is-new")).to_have_count(1)
    expect(column.get_by_role("button", name="1 new")).to_be_visible()
    everything = page.locator("#col-everything")
    expect(everything.locator("li.item").first).to_have_id(f"item-{news.pk}")
    page.wait_for_timeout(2500)  # more polls: nothing more to add
    expect(column.locator("li.item")).to_have_count(4)
    assert page.evaluate(SAME_PAGE)

    column.get_by_role("button", name="1 new").click()
    expect(column.locator("li.item.is-new")).to_have_count(0)
    expect(column.locator("[data-deck-new]")).to_be_hidden()
    assert csp_violations(console_messages) == []


def test_a_burst_of_posts_arrives_whole_and_in_order(page, settings, learner, edtech, posts):
    settings.PLN_DECK_POLL_SECONDS = 1
    sign_in(page, learner)
    page.goto("/deck/")
    column = page.locator(f"#col-tag-{edtech.pk}")
    expect(column.locator("li.item")).to_have_count(3)
    start = timezone.now()

    burst = [
        tagged(edtech, published_at=start + timedelta(seconds=n))
        for n in range(COLUMN_PAGE_SIZE + 5)
    ]

    expect(column.locator("li.item")).to_have_count(len(burst) + len(posts), timeout=15_000)
    ids = column.locator("li.item").evaluate_all("items => items.map(item => item.id)")
    newest_first = sorted([*burst, *posts], key=lambda i: (i.published_at, i.pk), reverse=True)
    assert ids == [f"item-{item.pk}" for item in newest_first]
    expect(column.get_by_role("button", name=f"{len(burst)} new")).to_be_visible()


def test_acting_on_a_post_shown_in_two_columns_updates_both_copies(
    page, learner, edtech, posts, console_messages
):
    sign_in(page, learner)
    page.goto("/deck/")
    copies = page.locator(
        f"#col-everything #item-{posts[0].pk}, #col-tag-{edtech.pk} #item-{posts[0].pk}"
    )
    expect(copies).to_have_count(2)
    in_tag_column = page.locator(f"#col-tag-{edtech.pk} #item-{posts[0].pk}")

    in_tag_column.get_by_role("button", name="Favourite").click()

    for copy in (copies.first, copies.last):
        expect(copy.get_by_role("button", name="Favourite")).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(in_tag_column.get_by_role("button", name="Favourite")).to_be_focused()
    copies.first.get_by_role("button", name="Mark read").click()  # the copy made by script
    for copy in (copies.first, copies.last):
        expect(copy.get_by_role("button", name="Mark unread")).to_be_visible()
    saved = state(learner, posts[0])
    assert saved.is_favourite and saved.is_read
    assert csp_violations(console_messages) == []


def test_j_and_l_move_within_and_across_deck_columns(page, learner, edtech, posts):
    sign_in(page, learner)
    page.goto("/deck/")

    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('.deck-column').id") == "col-everything"
    assert focused_id(page) == f"item-{posts[1].pk}"
    page.keyboard.press("l")

    assert page.evaluate("document.activeElement.closest('.deck-column').id") == (
        f"col-tag-{edtech.pk}"
    )
    assert focused_id(page) == f"item-{posts[0].pk}"


def test_load_more_in_a_column_appends_the_next_page_without_duplicates(
    page, live_server, learner, edtech, console_messages
):
    for _ in range(COLUMN_PAGE_SIZE + 7):
        tagged(edtech)
    sign_in(page, learner)
    page.goto("/deck/")
    column = page.locator(f"#col-tag-{edtech.pk}")
    items = column.locator("li.item")
    expect(items).to_have_count(COLUMN_PAGE_SIZE)

    column.get_by_role("link", name="Load more").click()

    expect(items).to_have_count(COLUMN_PAGE_SIZE + 7)
    expect(column.get_by_text("The end of this column.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/deck/")
    ids = items.evaluate_all("items => items.map(item => item.id)")
    assert len(set(ids)) == len(ids)
    times = items.locator("time").evaluate_all("times => times.map(t => t.dateTime)")
    assert times == sorted(times, reverse=True)
    assert csp_violations(console_messages) == []


def test_an_empty_deck_says_how_to_add_columns(page, learner):
    sign_in(page, learner)
    page.goto("/deck/")

    expect(page.get_by_role("heading", name="Make this deck yours")).to_be_visible()
    expect(page.get_by_label("Follow a hashtag")).to_be_visible()


def test_the_chosen_theme_is_applied_before_paint_and_survives_a_reload(page, learner):
    page.emulate_media(color_scheme="light")
    # Records the theme when <body> first appears, before anything could be painted.
    page.add_init_script(
        """new MutationObserver((records, observer) => {
             if (!document.body) return;
             window.themeAtBody = document.documentElement.getAttribute("data-theme");
             observer.disconnect();
           }).observe(document, {childList: true, subtree: true});"""
    )
    sign_in(page, learner)
    html = page.locator("html")
    body = page.locator("body")
    expect(body).to_have_css("background-color", "rgb(246, 245, 241)")

    page.get_by_label("Theme").select_option("Dark")
    expect(html).to_have_attribute("data-theme", "dark")
    expect(body).to_have_css("background-color", "rgb(21, 24, 27)")

    page.reload()
    assert page.evaluate("window.themeAtBody") == "dark"
    expect(body).to_have_css("background-color", "rgb(21, 24, 27)")
    expect(page.get_by_label("Theme")).to_have_value("dark")

    page.get_by_label("Theme").select_option("System")
    page.reload()
    expect(html).not_to_have_attribute("data-theme", "dark")
    expect(body).to_have_css("background-color", "rgb(246, 245, 241)")
    page.emulate_media(color_scheme="dark")
    expect(body).to_have_css("background-color", "rgb(21, 24, 27)")
