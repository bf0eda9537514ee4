"""The timeline's filters and the learner's reading actions, through the views a learner
uses (plain forms and htmx) and the functions behind them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds import counts
from feeds.filters import TimelineFilter
from feeds.models import ItemState
from feeds.tests.factories import ItemFactory, PersonFactory
from feeds.timeline import Cursor, page, timeline_items
from sources.models import FollowedHashtag, FollowedPerson, Topic
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(learner):
    """A learner following one blog and one hashtag (#astronomy, found by a Mastodon
    Source), with one post in each."""
    blog = FollowedBlogFactory(user=learner).blog
    astronomy = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=astronomy)
    stream = SourceFactory(platform="mastodon", hashtag=astronomy)
    blog_post = ItemFactory(sources=[blog.source], title="A blog post")
    toot = ItemFactory(platform="mastodon", sources=[stream], title="", text="A toot #astronomy")
    return {"blog": blog, "astronomy": astronomy, "blog_post": blog_post, "toot": toot}


def titles(user, **filters) -> set[str]:
    items = timeline_items(user, TimelineFilter(**filters))
    return {i.title or i.text for i in items}


# --- filters -------------------------------------------------------------------------------


def test_filters_are_read_from_the_url_and_nonsense_is_ignored():
    filters = TimelineFilter.from_query(
        {
            "tag": "#Astronomy",
            "platform": "myspace",
            "person": "-3",
            "show": "unread",
            "q": " a  b ",
        }
    )

    assert filters == TimelineFilter(tag="astronomy", show="unread", q="a b")
    assert filters.query_string(show=None) == "?tag=astronomy&q=a+b"


def test_each_filter_narrows_the_timeline(learner, network):
    assert titles(learner) == {"A blog post", "A toot #astronomy"}
    assert titles(learner, tag="astronomy") == {"A toot #astronomy"}
    assert titles(learner, platform="feed") == {"A blog post"}
    assert titles(learner, blog=network["blog"].pk) == {"A blog post"}
    assert titles(learner, person=network["toot"].author_id) == {"A toot #astronomy"}
    assert titles(learner, platform="feed", tag="astronomy") == set()


def test_the_person_filter_covers_every_account_of_one_user(learner, other_learner):
    on_mastodon = PersonFactory(platform="mastodon", user=other_learner)
    on_bluesky = PersonFactory(platform="bluesky", user=other_learner)
    for person in (on_mastodon, on_bluesky):
        FollowedPerson.objects.create(user=learner, person=person)
        ItemFactory(platform=person.platform, author=person, title=f"On {person.platform}")
    ItemFactory(author=FollowedPerson.objects.create(user=learner, person=PersonFactory()).person)

    assert titles(learner, person=on_mastodon.pk) == {"On mastodon", "On bluesky"}


def test_a_topic_gathers_its_hashtags_blogs_and_people(learner, network):
    outsider = PersonFactory(name="Vera Rubin")
    ItemFactory(author=outsider, title="Rotation curves")
    topic = Topic.objects.create(name="Stars", owner=learner)
    topic.hashtags.add(network["astronomy"])
    topic.people.add(outsider)

    assert titles(learner, topic=topic.slug) == {"A toot #astronomy", "Rotation curves"}
    # The topic's people join the whole timeline too.
    assert "Rotation curves" in titles(learner)


def test_another_learners_topic_filters_to_nothing(learner, other_learner, network):
    theirs = Topic.objects.create(name="Theirs", owner=other_learner)
    theirs.hashtags.add(network["astronomy"])

    assert titles(learner, topic=theirs.slug) == set()


def test_a_followed_persons_posts_join_the_timeline_whatever_they_posted_in(learner):
    ada = PersonFactory(name="Ada")
    ItemFactory(author=ada, title="Found through nothing the learner follows")
    assert titles(learner) == set()

    FollowedPerson.objects.create(user=learner, person=ada)

    assert titles(learner) == {"Found through nothing the learner follows"}


def test_closed_group_posts_reach_members_only(learner, other_learner):
    group = GroupFactory(privacy="closed")
    MembershipFactory(group=group, user=learner)
    ItemFactory(platform="pln", group=group, title="Members only")

    assert titles(learner) == {"Members only"}
    assert titles(other_learner) == set()


# --- reading actions -----------------------------------------------------------------------


def test_favourite_then_the_favourites_filter_shows_it(client, learner, network):
    client.force_login(learner)
    toot = network["toot"]

    response = client.post(reverse("feeds:item_action", args=[toot.pk, "favourite"]))

    assert response.status_code == 302
    assert titles(learner, show="favourites") == {"A toot #astronomy"}
    body = client.get(reverse("feeds:timeline") + "?show=favourites").content.decode()
    assert f'id="item-{toot.pk}"' in body
    assert f'id="item-{network["blog_post"].pk}"' not in body


def test_an_htmx_action_returns_the_item_with_its_new_state(client, learner, network):
    client.force_login(learner)
    post = network["blog_post"]

    response = client.post(
        reverse("feeds:item_action", args=[post.pk, "save"]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li class="item" id="item-{post.pk}"')
    assert "Saved" in body and 'data-action="save" aria-pressed="true"' in body
    assert ItemState.objects.get(user=learner, item=post).is_saved


def test_toggling_read_twice_leaves_it_unread(client, learner, network):
    client.force_login(learner)
    post = network["blog_post"]

    client.post(reverse("feeds:item_action", args=[post.pk, "read"]))
    assert titles(learner, show="unread") == {"A toot #astronomy"}
    client.post(reverse("feeds:item_action", args=[post.pk, "unread"]))
    assert titles(learner, show="unread") == {"A blog post", "A toot #astronomy"}


def test_a_hidden_item_leaves_the_timeline_and_undo_brings_it_back(client, learner, network):
    client.force_login(learner)
    post = network["blog_post"]

    client.post(reverse("feeds:item_action", args=[post.pk, "hide"]))
    assert "A blog post" not in titles(learner)
    client.post(reverse("feeds:item_action", args=[post.pk, "unhide"]))
    assert "A blog post" in titles(learner)


def test_one_learners_actions_do_not_touch_anothers(client, learner, other_learner, network):
    FollowedBlogFactory(user=other_learner, blog=network["blog"])
    client.force_login(learner)

    client.post(reverse("feeds:item_action", args=[network["blog_post"].pk, "read"]))

    assert titles(other_learner, show="unread") == {"A blog post"}


def test_an_item_the_learner_cannot_see_cannot_be_acted_on(client, learner):
    secret = ItemFactory(platform="pln", group=GroupFactory(privacy="closed"))
    client.force_login(learner)

    response = client.post(reverse("feeds:item_action", args=[secret.pk, "favourite"]))

    assert response.status_code == 404
    assert not ItemState.objects.exists()


def test_actions_need_a_post_and_a_known_action(client, learner, network):
    client.force_login(learner)
    url = reverse("feeds:item_action", args=[network["toot"].pk, "favourite"])

    assert client.get(url).status_code == 405
    bogus = reverse("feeds:item_action", args=[network["toot"].pk, "delete"])
    assert client.post(bogus).status_code == 404


def test_after_an_action_the_learner_returns_to_the_page_they_were_on(client, learner, network):
    client.force_login(learner)
    url = reverse("feeds:item_action", args=[network["toot"].pk, "read"])

    back = client.post(url, {"next": "/?tag=astronomy"})
    away = client.post(url, {"next": "https://evil.example/"})

    assert back.url == "/?tag=astronomy"
    assert away.url == reverse("feeds:timeline")


def test_mark_all_read_in_a_filter_marks_only_that_filter(client, learner, network):
    client.force_login(learner)

    response = client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})

    assert response.url == reverse("feeds:timeline") + "?tag=astronomy"
    assert titles(learner, show="unread") == {"A blog post"}


def test_mark_all_above_marks_the_item_and_newer_ones_only(client, learner):
    blog = FollowedBlogFactory(user=learner).blog
    now = timezone.now()
    items = [
        ItemFactory(sources=[blog.source], title=f"Post {n}", published_at=now - timedelta(hours=n))
        for n in range(5)
    ]
    client.force_login(learner)

    client.post(
        reverse("feeds:mark_read"), {"until": Cursor(items[2].published_at, items[2].pk).encode()}
    )

    assert titles(learner, show="unread") == {"Post 3", "Post 4"}


def test_unread_counts_follow_reading_and_stop_at_the_cap(client, learner, network):
    stream = network["toot"].sources.get()
    for _ in range(counts.CAP + 5):
        ItemFactory(platform="mastodon", sources=[stream])
    assert counts.unread_counts(learner)["hashtags"]["astronomy"] == counts.CAP
    client.force_login(learner)
    assert ">99+<" in client.get(reverse("feeds:timeline")).content.decode()

    client.post(reverse("feeds:mark_read"), {"tag": "astronomy"})

    assert counts.unread_counts(learner)["hashtags"]["astronomy"] == 0
    assert 'class="unread-count"' not in client.get(reverse("feeds:timeline")).content.decode()


def test_the_page_carries_each_items_reading_state_in_one_query(
    learner, network, django_assert_num_queries
):
    ItemState.objects.create(user=learner, item=network["toot"], is_favourite=True)
    items = timeline_items(learner, TimelineFilter())

    with django_assert_num_queries(3):  # items with their states, hashtags, sources (+ blogs)
        shown = page(items, after=None, user=learner).items

    states = {i.pk: (i.is_read, i.is_favourite, i.is_saved) for i in shown}
    assert states[network["toot"].pk] == (False, True, False)
    assert states[network["blog_post"].pk] == (False, False, False)


def test_an_items_images_and_link_cards_are_shown_with_their_descriptions(client, learner, network):
    toot = network["toot"]
    toot.media = [
        {"type": "image", "url": "https://files.example/moon.jpg", "alt": "The moon over a lake"},
        {"type": "link", "url": "https://nasa.example/a", "title": "Artemis <b>news</b>"},
    ]
    toot.save()
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline")).content.decode()

    assert '<img src="https://files.example/moon.jpg" alt="The moon over a lake"' in body
    assert "Artemis &lt;b&gt;news&lt;/b&gt;" in body


def test_unread_counts_agree_with_the_filtered_timeline(client, learner, network):
    ada = PersonFactory(name="Ada")
    old_blog = FollowedBlogFactory(user=learner).blog
    topic = Topic.objects.create(name="Sky", owner=learner)
    topic.hashtags.add(network["astronomy"])
    topic.people.add(ada)
    topic.blogs.add(old_blog)
    ItemFactory(author=ada, title="By Ada")
    ItemFactory(sources=[old_blog.source], title="On the topic's blog")
    ItemFactory(sources=[old_blog.source], published_at=timezone.now() - timedelta(days=40))
    tagged = ItemFactory(sources=[network["blog"].source], title="Tagged blog post")
    tagged.hashtags.add(network["astronomy"])
    hidden = ItemFactory(author=ada, title="Hidden")
    ItemState.objects.create(user=learner, item=hidden, is_hidden=True)
    ItemState.objects.create(user=learner, item=network["toot"], is_read=True)

    found = counts.unread_counts(learner)

    since = timezone.now() - counts.WINDOW
    for field, key, bucket in (("topic", topic.slug, "topics"), ("tag", "astronomy", "hashtags")):
        expected = timeline_items(learner, TimelineFilter(show="unread", **{field: key}))
        assert found[bucket][key] == expected.filter(published_at__gte=since).count()
    assert found["topics"][topic.slug] == 3  # Ada's post, the blog's recent post, the tagged one
