"""Topic pages and the "who contributes most" block of topic and hashtag pages."""

import pytest
from django.urls import reverse

from feeds import people
from feeds.tests.factories import ItemFactory, PersonFactory
from feeds.timeline import visible_items
from sources.models import Topic
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stars(learner):
    """The learner's private topic #astronomy, with a blog and a person."""
    topic = Topic.objects.create(name="Stars", owner=learner, description="The night sky.")
    topic.hashtags.add(HashtagFactory(name="astronomy", display="Astronomy"))
    return topic


def tagged(topic_or_tag, person, n: int, **fields) -> list:
    hashtag = topic_or_tag.hashtags.get() if isinstance(topic_or_tag, Topic) else topic_or_tag
    items = [ItemFactory(author=person, **fields) for _ in range(n)]
    for item in items:
        item.hashtags.add(hashtag)
    return items


def url(topic) -> str:
    return reverse("topics:topic", args=[topic.slug])


# --- who may see a topic -------------------------------------------------------------------


def test_a_private_topic_is_not_found_by_others(client, other_learner, stars):
    assert client.get(url(stars)).status_code == 404
    client.force_login(other_learner)
    assert client.get(url(stars)).status_code == 404


@pytest.mark.parametrize("role", ["owner", "member", "coordinator"])
def test_a_private_topic_opens_for_its_owner_members_and_coordinators(
    client, learner, other_learner, role
):
    topic = Topic.objects.create(name="Physics 101", owner=learner, kind="course")
    if role == "member":
        topic.members.add(other_learner)
    elif role == "coordinator":
        topic.coordinators.add(other_learner)
    client.force_login(learner if role == "owner" else other_learner)

    assert client.get(url(topic)).status_code == 200


def test_a_public_topic_opens_for_anyone(client, stars):
    stars.visibility = Topic.Visibility.PUBLIC
    stars.save()

    response = client.get(url(stars))

    assert response.status_code == 200
    assert "The night sky." in response.content.decode()
    assert "Show in my timeline" not in response.content.decode()


# --- what a topic page shows ---------------------------------------------------------------


def test_a_topic_page_shows_its_hashtags_blogs_and_peoples_posts(client, learner, stars):
    blog = FollowedBlogFactory().blog
    stars.blogs.add(blog)
    vera = PersonFactory(name="Vera Rubin")
    stars.people.add(vera)
    tagged(stars, PersonFactory(), 1, title="Tagged astronomy")
    ItemFactory(sources=[blog.source], title="From the topic's blog")
    ItemFactory(author=vera, title="Rotation curves")
    ItemFactory(title="Unrelated")
    client.force_login(learner)

    body = client.get(url(stars)).content.decode()

    for title in ("Tagged astronomy", "From the topic&#x27;s blog", "Rotation curves"):
        assert title in body
    assert "Unrelated" not in body
    assert f"{reverse('feeds:timeline')}?topic={stars.slug}" in body


def test_a_topic_page_loads_more(client, learner, stars):
    tagged(stars, PersonFactory(), 33)
    client.force_login(learner)
    after = client.get(url(stars)).context["page"].next_cursor.encode()

    more = client.get(url(stars), {"after": after}, HTTP_HX_REQUEST="true")

    assert len(more.context["page"].items) == 3


def test_an_empty_topic_says_so(client, learner, stars):
    client.force_login(learner)

    body = client.get(url(stars)).content.decode()

    assert "No posts in Stars yet." in body
    assert "No one has posted here in the last 30 days." in body


def test_closed_group_posts_are_hidden_from_non_members_on_a_public_topic(
    client, learner, other_learner, stars
):
    stars.visibility = Topic.Visibility.PUBLIC
    stars.save()
    group = GroupFactory(privacy="closed")
    MembershipFactory(group=group, user=learner)
    secret = PersonFactory(name="Secret Poster")
    tagged(stars, secret, 2, platform="pln", group=group, title="Members only")

    client.force_login(other_learner)
    outsider_view = client.get(url(stars)).content.decode()
    client.force_login(learner)
    member_view = client.get(url(stars)).content.decode()

    assert "Members only" not in outsider_view
    assert "Secret Poster" not in outsider_view
    assert "Members only" in member_view
    assert "Secret Poster" in member_view


# --- who contributes most ------------------------------------------------------------------


def test_a_topic_page_ranks_who_contributes_most(client, learner, stars):
    grace, ada = PersonFactory(name="Grace"), PersonFactory(name="Ada")
    tagged(stars, grace, 3)
    tagged(stars, ada, 1)
    client.force_login(learner)

    response = client.get(url(stars))

    assert [(p.name, p.posts) for p in response.context["contributors"]] == [
        ("Grace", 3),
        ("Ada", 1),
    ]
    assert reverse("people:person", args=[grace.pk]) in response.content.decode()


def test_top_contributors_are_ten_at_most_and_take_two_queries(
    learner, stars, django_assert_num_queries
):
    for n in range(12):
        tagged(stars, PersonFactory(), n + 1)
    items = visible_items(learner).filter(hashtags__in=stars.hashtags.all())

    with django_assert_num_queries(2):
        top = people.top_contributors(items)

    assert [p.posts for p in top] == list(range(12, 2, -1))


def test_a_hashtag_page_shows_who_contributes_most(client, other_learner):
    physics = HashtagFactory(name="physics", display="Physics")
    tagged(physics, PersonFactory(name="Marie Curie"), 2)
    group = GroupFactory(privacy="closed")
    tagged(physics, PersonFactory(name="Hidden Member"), 5, platform="pln", group=group)

    for viewer in (None, other_learner):
        if viewer:
            client.force_login(viewer)
        response = client.get(reverse("sources:hashtag", args=["physics"]))
        assert [(p.name, p.posts) for p in response.context["contributors"]] == [("Marie Curie", 2)]
        assert "Who contributes most" in response.content.decode()
