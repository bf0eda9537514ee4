"""Search: everything a learner may see, the timeline's filters, relevance, odd input."""

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from feeds import search, search_index
from feeds.filters import TimelineFilter
from feeds.models import Item, ItemState
from feeds.search_views import PAGE_SIZE, searchable_items
from feeds.tests.factories import ItemFactory, PersonFactory
from sources.models import Group
from sources.tests.factories import (
    BlogFactory,
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="full-text search needs PostgreSQL: run through bin/test",
)
HOSTILE = [
    "",
    "   ",
    "!!!",
    '"',
    '"unclosed phrase',
    "& | ! : * ( ) <->",
    "galaxy:* & !",
    "or",
    "-",
    "- -galaxy",
    "'; DROP TABLE feeds_item; --",
    "\\",
    "%_%",
    "gal\x00axy",
    "\x00",
    "galaxy " * 500,
    "ш" * 5000,
    "🔭🌌",
]


def find(user, words: str, *, network_only: bool = False, **filters) -> list[Item]:
    search_index.index_backlog()  # as the worker does, moments after each poll
    chosen = TimelineFilter(q=words, **filters)
    items = searchable_items(user, chosen, network_only=network_only)
    return list(search.ranked(items, words))


@pytest.fixture
def followed_blog(learner):
    return FollowedBlogFactory(user=learner).blog


# --- Who may search, and what they find -----------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("search:results"), {"q": "galaxy"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_word_in_the_title_or_in_the_text_finds_the_post(learner):
    in_title = ItemFactory(title="The galaxy next door", text="Stars.")
    in_text = ItemFactory(title="Tonight", text="We looked at a galaxy through the telescope.")
    ItemFactory(title="Knitting", text="Wool and needles.")

    assert {item.pk for item in find(learner, "galaxy")} == {in_title.pk, in_text.pk}


def test_the_words_of_the_markup_are_not_searched(learner):
    jupiter = ItemFactory(
        title="Tonight",
        html='<p><strong>Jupiter</strong> rises at <a href="https://example.org/strong-winds">'
        "nine</a>.</p>",
    )

    assert find(learner, "strong") == []
    assert find(learner, "jupiter") == [jupiter]


def test_every_word_has_to_appear(learner):
    both = ItemFactory(title="Galaxy survey", text="With a radio telescope.")
    ItemFactory(title="Galaxy survey", text="By eye.")

    assert find(learner, "galaxy telescope") == [both]


def test_a_minus_sign_leaves_a_word_out(learner):
    kept = ItemFactory(title="Galaxy survey")
    ItemFactory(title="Galaxy survey with a telescope")

    assert find(learner, "galaxy -telescope") == [kept]


def test_search_covers_posts_beyond_the_learners_network(learner, followed_blog):
    followed = ItemFactory(sources=[followed_blog.source], title="Galaxy notes")
    elsewhere = ItemFactory(sources=[BlogFactory().source], title="Galaxy photos")

    assert {i.pk for i in find(learner, "galaxy")} == {followed.pk, elsewhere.pk}
    assert find(learner, "galaxy", network_only=True) == [followed]


# --- Privacy ----------------------------------------------------------------------------------


def test_closed_group_posts_are_found_only_by_members(learner, other_learner):
    closed = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=closed, user=other_learner)
    post = ItemFactory(platform="pln", group=closed, title="Galaxy homework")

    assert find(learner, "galaxy") == []
    assert find(learner, "galaxy", network_only=True) == []
    assert find(other_learner, "galaxy") == [post]


def test_closed_group_posts_stay_off_the_page_for_non_members(client, learner):
    ItemFactory(platform="pln", group=GroupFactory(privacy="closed"), title="Secret galaxy")
    ItemFactory(title="Public galaxy")
    search_index.index_backlog()
    client.force_login(learner)

    body = client.get(reverse("search:results"), {"q": "galaxy"}).content.decode()

    assert "Secret galaxy" not in body
    assert "Public galaxy" in body


def test_hidden_items_are_never_found(learner, other_learner, followed_blog):
    ItemFactory(sources=[followed_blog.source], title="Moderated galaxy", hidden=True)
    mine = ItemFactory(sources=[followed_blog.source], title="Galaxy I hid")
    ItemState.objects.create(user=learner, item=mine, is_hidden=True)

    assert find(learner, "galaxy") == []
    assert find(learner, "galaxy", network_only=True) == []
    assert find(other_learner, "galaxy") == [mine]


# --- Filters ----------------------------------------------------------------------------------


def test_the_timeline_filters_combine_with_the_words(learner):
    tag = HashtagFactory(display="Astro", name="astro")
    blog = BlogFactory()
    author = PersonFactory()
    wanted = ItemFactory(platform="mastodon", title="Galaxy", author=author)
    wanted.hashtags.add(tag)
    untagged = ItemFactory(platform="mastodon", title="Galaxy", author=author)
    on_a_blog = ItemFactory(sources=[blog.source], title="Galaxy")
    on_a_blog.hashtags.add(tag)

    assert find(learner, "galaxy", tag="astro", platform="mastodon") == [wanted]
    assert find(learner, "galaxy", tag="astro", person=author.pk) == [wanted]
    assert find(learner, "galaxy", blog=blog.pk) == [on_a_blog]
    assert {i.pk for i in find(learner, "galaxy", platform="mastodon")} == {wanted.pk, untagged.pk}
    assert find(learner, "galaxy", tag="nosuchtag") == []


def test_reading_state_filters_apply_to_everything_searched(learner):
    favourite = ItemFactory(title="Galaxy favourite")
    read = ItemFactory(title="Galaxy already read")
    ItemState.objects.create(user=learner, item=favourite, is_favourite=True)
    ItemState.objects.create(user=learner, item=read, is_read=True)

    assert find(learner, "galaxy", show="favourites") == [favourite]
    assert find(learner, "galaxy", show="unread") == [favourite]


def test_only_my_network_uses_the_timelines_filters(learner, followed_blog):
    on_mastodon = ItemFactory(sources=[followed_blog.source], platform="mastodon", title="Galaxy")
    ItemFactory(sources=[followed_blog.source], title="Galaxy")
    ItemFactory(platform="mastodon", title="Galaxy, not followed")

    assert find(learner, "galaxy", network_only=True, platform="mastodon") == [on_mastodon]


# --- Order and pages --------------------------------------------------------------------------


def test_load_more_continues_without_gaps_or_repeats(client, learner):
    items = [ItemFactory(title=f"Galaxy {n}") for n in range(PAGE_SIZE + 5)]
    search_index.index_backlog()
    client.force_login(learner)

    first = client.get(reverse("search:results"), {"q": "galaxy"})
    second = client.get(
        reverse("search:results"), {"q": "galaxy", "start": PAGE_SIZE}, headers={"HX-Request": "1"}
    )

    assert first.context["count"] == len(items)
    assert f"start={PAGE_SIZE}" in first.context["more_url"]
    assert 'hx-select="#results > li"' in first.content.decode()
    shown = [i.pk for i in first.context["result"].items + second.context["result"].items]
    assert sorted(shown) == sorted(i.pk for i in items)
    assert second.context["more_url"] == ""


def test_without_postgresql_results_come_newest_first(learner):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL ranks by relevance")
    older = ItemFactory(title="Galaxy")
    newer = ItemFactory(title="Galaxy", published_at=older.published_at + timedelta(hours=1))

    assert find(learner, "galaxy") == [newer, older]


@on_postgresql
def test_words_are_stemmed(learner):
    galaxy = ItemFactory(title="A galaxy far away")
    observing = ItemFactory(text="Observing the sky")

    assert find(learner, "galaxies") == [galaxy]
    assert find(learner, "observed") == [observing]


@on_postgresql
def test_a_match_in_the_title_ranks_above_one_in_the_text(learner):
    in_text = ItemFactory(title="Tonight", text="A galaxy, seen through the telescope.")
    in_title = ItemFactory(
        title="Galaxy", text="Seen through a telescope.", published_at=in_text.published_at
    )
    in_text.published_at += timedelta(hours=1)  # newer, and still second
    in_text.save()

    assert find(learner, "galaxy") == [in_title, in_text]


@on_postgresql
def test_relevance_orders_only_the_newest_matches(learner, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_CAP", 2)
    newest = ItemFactory(text="A galaxy.")
    newer = ItemFactory(title="Galaxy", text="Galaxy galaxy.")
    ItemFactory(title="Galaxy galaxy", text="Galaxy galaxy galaxy.")  # oldest: out of the window

    assert find(learner, "galaxy") == [newer, newest]


@on_postgresql
def test_phrases_and_exclusions_follow_web_search_syntax(learner):
    phrase = ItemFactory(title="Radio telescope arrays")
    jumbled = ItemFactory(title="Telescope and radio")

    assert find(learner, '"radio telescope"') == [phrase]
    assert find(learner, "telescope -arrays") == [jumbled]


@on_postgresql
def test_the_search_reads_the_gin_index(learner):
    ItemFactory.create_batch(20, title="Galaxy")
    search_index.index_backlog()
    items = search.matching(Item.objects.all(), "galaxies")
    with connection.cursor() as cursor:
        # With twenty posts the planner rightly prefers reading whole tables or walking
        # primary keys, depending on the statistics earlier tests left. With both off, the
        # one plan left without a penalty looks the matching documents up in an index that
        # serves `@@`, then their posts by id.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = items.explain()

    assert "feeds_searchdocument_gin" in plan


# --- Odd input and the page's states ----------------------------------------------------------


@pytest.mark.parametrize("words", HOSTILE, ids=range(len(HOSTILE)))
def test_odd_input_never_fails(client, learner, words):
    ItemFactory(title="Galaxy")
    client.force_login(learner)

    response = client.get(reverse("search:results"), {"q": words, "start": "-7"})

    assert response.status_code == 200
    list(search.matching(Item.objects.all(), words))


def test_a_nul_byte_is_taken_as_a_space(learner):
    galaxy = ItemFactory(title="Galaxy")

    assert search.clean("\x00galaxy\x00") == "galaxy"
    assert find(learner, "\x00galaxy") == [galaxy]


def test_queries_without_letters_or_digits_match_nothing(learner):
    ItemFactory(title="!!! ***")

    assert search.clean("!!! ***") == ""
    assert find(learner, "!!! ***") == []


def test_very_long_queries_are_cut(learner):
    assert len(search.clean("galaxy " * 1000)) == search.MAX_QUERY_CHARS


def test_before_searching_the_page_says_what_it_searches(client, learner):
    client.force_login(learner)

    response = client.get(reverse("search:results"))

    assert response.status_code == 200
    assert "Search posts from your hashtags, blogs, people and groups" in response.content.decode()


def test_no_results_with_filters_suggests_removing_them(client, learner):
    ItemFactory(title="Galaxy", platform="feed")
    client.force_login(learner)

    response = client.get(reverse("search:results"), {"q": "galaxy", "platform": "mastodon"})

    body = response.content.decode()
    assert "No posts match" in body
    assert "Try removing some of them" in body
    assert f'href="{reverse("search:results")}?q=galaxy"' in body


def test_the_page_shows_results_count_and_the_active_filters(client, learner):
    ItemFactory(title="Galaxy", platform="mastodon")
    search_index.index_backlog()
    client.force_login(learner)

    response = client.get(
        reverse("search:results"), {"q": "galaxy", "platform": "mastodon", "scope": "network"}
    )

    body = response.content.decode()
    assert response.context["network_only"]
    assert "No posts match" in body  # not in the learner's network
    assert ("Mastodon", f"{reverse('search:results')}?q=galaxy&scope=network") in response.context[
        "active"
    ]
