"""What learners see when items' cards come from the cache (feeds.cards), and in the sidebar's
blog list (feeds.sidebar): always the current post and blog status, their own reading state,
and only what they may see."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds import card_sql, cards, timeline
from feeds.filters import TimelineFilter
from feeds.models import Item, ItemState
from feeds.tests.factories import ItemFactory, PersonFactory
from sources.models import FollowedHashtag, FollowedPerson, Group
from sources.tests.factories import (
    BlogFactory,
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog(learner, other_learner):
    """A blog both learners follow."""
    blog = FollowedBlogFactory(user=learner).blog
    FollowedBlogFactory(user=other_learner, blog=blog)
    return blog


def timeline_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("feeds:timeline"))
    assert response.status_code == 200
    return response.content.decode()


def item_html(body: str, item: Item) -> str:
    """The <li> of `item` in a page."""
    found = re.search(rf'<li class="item[^"]*" id="item-{item.pk}".*?</li>', body, re.S)
    assert found, f"item {item.pk} is not on the page"
    return found.group(0)


def card_of(item: Item) -> str:
    """The card of `item` as the timeline gets it (from the cache once rendered)."""
    (row,) = cards.lean(Item.objects.filter(pk=item.pk))
    cards.attach([row])
    return row.card


def test_an_edited_post_shows_its_new_text_on_the_next_page_view(client, learner, blog):
    post = ItemFactory(sources=[blog.source], title="First title", html="<p>First words</p>")
    assert "First words" in timeline_of(client, learner)

    post.title, post.html = "Second title", "<p>Second words</p>"
    post.save()  # as a refetch does, it moves updated_at
    body = timeline_of(client, learner)

    assert "Second title" in body and "Second words" in body
    assert "First title" not in body and "First words" not in body


def test_a_renamed_author_shows_on_posts_already_cached(client, learner, blog):
    author = PersonFactory(name="Ada Lovelace")
    ItemFactory(sources=[blog.source], author=author)
    assert "Ada Lovelace" in timeline_of(client, learner)

    author.name = "Ada King"
    author.save()

    body = timeline_of(client, learner)
    assert "Ada King" in body and "Ada Lovelace" not in body


def test_a_favourite_shows_as_favourited_once_the_card_is_cached(client, learner, blog):
    post = ItemFactory(sources=[blog.source])
    timeline_of(client, learner)  # the card is cached now

    client.post(reverse("feeds:item", args=[post.pk]), {"action": "favourite"})

    li = item_html(timeline_of(client, learner), post)
    assert 'value="unfavourite"' in li and 'aria-pressed="true"' in li and "★" in li


def test_two_learners_see_their_own_state_on_the_same_cached_card(
    client, learner, other_learner, blog, monkeypatch
):
    post = ItemFactory(sources=[blog.source], title="Shared post")
    ItemState.objects.create(user=learner, item=post, is_read=True, is_saved=True)
    rendered = []
    monkeypatch.setattr(
        cards,
        "_render_many",
        lambda pks, render=cards._render_many: rendered.append(pks) or render(pks),
    )

    mine = item_html(timeline_of(client, learner), post)
    theirs = item_html(timeline_of(client, other_learner), post)

    assert rendered == [[post.pk]]  # once, for both
    assert 'class="item is-read"' in mine and ">Saved<" in mine and ">Mark unread<" in mine
    assert 'class="item"' in theirs and ">Save for later<" in theirs and ">Mark read<" in theirs
    assert "Shared post" in mine and "Shared post" in theirs


def test_a_hidden_post_never_shows_from_the_cache(client, learner, other_learner, blog):
    moderated = ItemFactory(sources=[blog.source], title="Moderated post")
    hidden_by_me = ItemFactory(sources=[blog.source], title="Post I hid")
    body = timeline_of(client, learner)
    assert "Moderated post" in body and "Post I hid" in body

    Item.objects.filter(pk=moderated.pk).update(hidden=True)
    client.post(reverse("feeds:item", args=[hidden_by_me.pk]), {"action": "hide"})

    body = timeline_of(client, learner)
    assert "Moderated post" not in body and "Post I hid" not in body
    assert "Post I hid" in timeline_of(client, other_learner)


def test_a_closed_groups_post_cached_for_a_member_stays_hidden_from_others(
    client, learner, other_learner
):
    group = GroupFactory(privacy=Group.Privacy.CLOSED)
    MembershipFactory(group=group, user=learner)
    post = ItemFactory(platform="pln", group=group, title="Members only")
    FollowedPerson.objects.create(user=other_learner, person=post.author)
    assert "Members only" in timeline_of(client, learner)

    assert "Members only" not in timeline_of(client, other_learner)


def test_a_cached_card_holds_nothing_of_the_learner_nor_the_time_of_day(client, learner, blog):
    post = ItemFactory(sources=[blog.source], published_at=timezone.now() - timedelta(minutes=5))
    body = timeline_of(client, learner)

    card = card_of(post)
    assert "csrfmiddlewaretoken" not in card and "Mark read" not in card
    assert learner.display_name not in card and "ago" not in card
    assert "5\xa0minutes ago</time>" in item_html(body, post)


def test_pages_need_no_hashtags_or_sources_once_cards_are_cached(
    learner, blog, django_assert_num_queries
):
    ItemFactory(sources=[blog.source]).hashtags.add(HashtagFactory())
    items = timeline.timeline_items(learner, TimelineFilter())
    timeline.page(items, after=None, user=learner, with_cards=True)  # renders, caches

    with django_assert_num_queries(1):  # the page, with the reading states
        shown = timeline.page(items, after=None, user=learner, with_cards=True).items

    assert cards.TIME_SLOT in shown[0].card


def test_a_blog_followed_after_a_page_was_shown_is_in_the_next_one(client, learner, blog):
    timeline_of(client, learner)
    another = FollowedBlogFactory(user=learner).blog

    body = timeline_of(client, learner)

    assert f'href="?blog={another.pk}"' in body
    assert 'Your blogs <span class="count">2</span>' in body


def test_a_blogs_failed_update_shows_in_the_sidebar_at_once(client, learner, blog):
    blog.source.last_polled_at = blog.source.last_success_at = timezone.now()
    blog.source.save()
    assert "Updated " in timeline_of(client, learner)

    blog.source.last_error = "The feed answered 500"
    blog.source.save()

    assert "Could not update: The feed answered 500" in timeline_of(client, learner)


def test_a_large_hashtag_stream_is_filtered_like_a_small_one(learner, monkeypatch):
    astronomy = HashtagFactory(name="astronomy")
    blog = FollowedBlogFactory(user=learner).blog
    stream = SourceFactory(platform="mastodon", hashtag=astronomy)
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    tagged = ItemFactory(sources=[blog.source])
    tagged.hashtags.add(astronomy)
    found = ItemFactory(platform="mastodon", sources=[stream])
    ItemFactory(sources=[blog.source])  # neither
    filters = TimelineFilter(tag="astronomy")

    small = set(timeline.timeline_items(learner, filters))
    monkeypatch.setattr(timeline, "LARGE_STREAM", 1)
    large = set(timeline.timeline_items(learner, filters))

    assert small == large == {tagged, found}


@pytest.mark.skipif(not card_sql.applies(), reason="PostgreSQL's statement")
def test_cards_read_in_one_statement_are_those_the_orm_path_writes(django_assert_num_queries):
    untitled = BlogFactory(title="", source__title="The feed's own title")
    stream = SourceFactory(platform="mastodon", title="", hashtag=HashtagFactory(name="moon"))
    tags = [HashtagFactory(name=name, display=name.title()) for name in ("zodiac", "apollo")]
    with_all = ItemFactory(
        sources=[untitled.source],
        author=PersonFactory(name="Ada", handle="@ada", profile_url="https://x.example/ada"),
        media=[{"type": "image", "url": "https://x.example/i.png", "alt": "A crater"}],
    )
    with_all.hashtags.add(*tags)
    bare = ItemFactory(platform="mastodon", sources=[stream], author=None, title="", url="")
    nowhere = ItemFactory(author=PersonFactory(name="", handle="", avatar_url=""))
    pks = [with_all.pk, bare.pk, nowhere.pk]

    with django_assert_num_queries(1):
        from_sql = card_sql.render([*pks, 0])  # 0: an item deleted meanwhile

    from_orm = {item.pk: cards.render(item) for item in cards.full(Item.objects.filter(pk__in=pks))}
    assert from_sql == from_orm
    # A blog without a title is named by its address, not by its feed's title.
    assert f'<span class="via">{untitled.site_url}</span>' in from_sql[with_all.pk]
    assert from_sql[with_all.pk].index("#Apollo") < from_sql[with_all.pk].index("#Zodiac")
    assert f'<span class="via">{stream.url}</span>' in from_sql[bare.pk]


def test_a_page_whose_cards_are_not_cached_reads_their_items_in_one_query(
    learner, blog, django_assert_max_num_queries
):
    for n in range(12):
        ItemFactory(sources=[blog.source]).hashtags.add(HashtagFactory(name=f"tag{n}"))
    rows = list(cards.lean(Item.objects.all()))

    with django_assert_max_num_queries(1 if card_sql.applies() else 3):
        cards.attach(rows)

    assert all(row.card for row in rows)
