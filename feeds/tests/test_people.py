"""People: a person's page, following them, and who to follow next. Personas: the learner,
another learner, and an anonymous visitor."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds import people
from feeds.filters import TimelineFilter
from feeds.tests.factories import ItemFactory, PersonFactory
from feeds.timeline import timeline_items
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
def ada():
    return PersonFactory(
        platform="mastodon",
        external_id="https://social.example/users/ada",
        name="Ada Astronomer",
        handle="@ada@social.example",
        profile_url="https://social.example/@ada",
    )


@pytest.fixture
def astronomy(learner):
    """#astronomy, followed by the learner and collected by a Mastodon Source."""
    hashtag = HashtagFactory(name="astronomy", display="Astronomy")
    FollowedHashtag.objects.create(user=learner, hashtag=hashtag)
    return hashtag


@pytest.fixture
def stream(astronomy):
    return SourceFactory(platform="mastodon", hashtag=astronomy)


def timeline_titles(user) -> set[str]:
    return {item.title for item in timeline_items(user, TimelineFilter())}


def posts(person, n: int, **fields) -> list:
    return [ItemFactory(author=person, **fields) for _ in range(n)]


def tagged(hashtag, person, n: int, **fields) -> list:
    items = posts(person, n, **fields)
    for item in items:
        item.hashtags.add(hashtag)
    return items


# --- following -----------------------------------------------------------------------------


def test_following_a_person_brings_all_their_posts_into_the_timeline(client, learner, ada):
    unfollowed_tag = HashtagFactory(name="knitting")
    ItemFactory(author=ada, title="Through a hashtag the learner does not follow").hashtags.add(
        unfollowed_tag
    )
    ItemFactory(
        author=ada,
        title="Through a blog the learner does not follow",
        sources=[FollowedBlogFactory().blog.source],
    )
    ItemFactory(
        author=ada,
        title="Found by another hashtag's stream",
        sources=[SourceFactory(platform="mastodon", hashtag=unfollowed_tag)],
    )
    ItemFactory(title="Someone else's post")
    client.force_login(learner)
    assert timeline_titles(learner) == set()

    response = client.post(reverse("people:follow", args=[ada.pk]), follow=True)

    assert "You now follow Ada Astronomer" in response.content.decode()
    assert timeline_titles(learner) == {
        "Through a hashtag the learner does not follow",
        "Through a blog the learner does not follow",
        "Found by another hashtag's stream",
    }
    timeline = client.get(reverse("feeds:timeline")).content.decode()
    assert "Through a blog the learner does not follow" in timeline


def test_unfollowing_a_person_takes_their_posts_out_of_the_timeline(client, learner, ada):
    ItemFactory(author=ada, title="Moon notes")
    FollowedPerson.objects.create(user=learner, person=ada)
    client.force_login(learner)

    response = client.post(reverse("people:unfollow", args=[ada.pk]), follow=True)

    assert "You no longer follow Ada Astronomer" in response.content.decode()
    assert timeline_titles(learner) == set()


def test_following_a_person_follows_their_personas_on_other_platforms(
    client, learner, other_learner
):
    on_mastodon = PersonFactory(platform="mastodon", user=other_learner, name="Omar")
    on_bluesky = PersonFactory(platform="bluesky", user=other_learner, name="Omar")
    ItemFactory(author=on_mastodon, title="A toot")
    ItemFactory(author=on_bluesky, title="A skeet")
    client.force_login(learner)

    client.post(reverse("people:follow", args=[on_mastodon.pk]))

    assert timeline_titles(learner) == {"A toot", "A skeet"}
    client.post(reverse("people:unfollow", args=[on_bluesky.pk]))
    assert timeline_titles(learner) == set()


def test_following_twice_changes_nothing(client, learner, ada):
    ItemFactory(author=ada)
    client.force_login(learner)

    client.post(reverse("people:follow", args=[ada.pk]))
    client.post(reverse("people:follow", args=[ada.pk]))

    assert FollowedPerson.objects.filter(user=learner, person=ada).count() == 1


def test_follow_goes_back_to_the_page_it_came_from_but_never_off_site(client, learner, ada):
    ItemFactory(author=ada)
    client.force_login(learner)
    url = reverse("people:follow", args=[ada.pk])

    assert client.post(url, {"next": "/people/"}).url == "/people/"
    assert client.post(url, {"next": "https://evil.example/"}).url == reverse(
        "people:person", args=[ada.pk]
    )


def test_anonymous_visitors_must_log_in_to_follow(client, ada):
    ItemFactory(author=ada)

    response = client.post(reverse("people:follow", args=[ada.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not FollowedPerson.objects.exists()


def test_following_is_a_post(client, learner, ada):
    ItemFactory(author=ada)
    client.force_login(learner)

    assert client.get(reverse("people:follow", args=[ada.pk])).status_code == 405


# --- a person's page -----------------------------------------------------------------------


def test_a_persons_page_shows_their_posts_on_every_platform_newest_first(
    client, learner, other_learner
):
    on_mastodon = PersonFactory(
        platform="mastodon",
        user=other_learner,
        name="Omar",
        profile_url="https://social.example/@omar",
    )
    on_bluesky = PersonFactory(
        platform="bluesky", user=other_learner, name="Omar", profile_url="https://bsky.example/omar"
    )
    older = ItemFactory(author=on_mastodon, title="Older toot")
    ItemFactory(
        author=on_bluesky, title="Newer skeet", published_at=older.published_at + timedelta(hours=1)
    )
    ItemFactory(title="Not by Omar")
    client.force_login(learner)

    body = client.get(reverse("people:person", args=[on_mastodon.pk])).content.decode()

    assert body.index("Newer skeet") < body.index("Older toot")
    assert "Not by Omar" not in body
    assert "https://social.example/@omar" in body
    assert "https://bsky.example/omar" in body
    assert reverse("people:follow", args=[on_mastodon.pk]) in body


def test_anonymous_visitors_see_a_persons_public_posts_without_a_follow_button(client, ada):
    ItemFactory(author=ada, title="Public toot")

    response = client.get(reverse("people:person", args=[ada.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Public toot" in body
    assert reverse("people:follow", args=[ada.pk]) not in body
    assert "Log in</a> to follow" in body


def test_a_followed_person_links_to_their_posts_in_the_timeline(client, learner, ada):
    ItemFactory(author=ada)
    FollowedPerson.objects.create(user=learner, person=ada)
    client.force_login(learner)

    body = client.get(reverse("people:person", args=[ada.pk])).content.decode()

    assert f"{reverse('feeds:timeline')}?person={ada.pk}" in body
    assert reverse("people:unfollow", args=[ada.pk]) in body


def test_a_followed_person_without_posts_yet_has_an_empty_page(client, learner, ada):
    FollowedPerson.objects.create(user=learner, person=ada)
    client.force_login(learner)

    body = client.get(reverse("people:person", args=[ada.pk])).content.decode()

    assert "No posts from Ada Astronomer yet." in body


def test_closed_group_posts_stay_off_a_persons_page_for_non_members(
    client, learner, other_learner, ada
):
    group = GroupFactory(privacy="closed")
    MembershipFactory(group=group, user=other_learner)
    ItemFactory(author=ada, title="Public toot")
    ItemFactory(author=ada, platform="pln", group=group, title="Members only")

    client.force_login(learner)
    outsider_view = client.get(reverse("people:person", args=[ada.pk])).content.decode()
    client.force_login(other_learner)
    member_view = client.get(reverse("people:person", args=[ada.pk])).content.decode()

    assert "Public toot" in outsider_view
    assert "Members only" not in outsider_view
    assert "Members only" in member_view


def test_someone_known_only_from_a_closed_group_does_not_exist_for_outsiders(
    client, learner, other_learner
):
    group = GroupFactory(privacy="closed")
    MembershipFactory(group=group, user=other_learner)
    author = PersonFactory(platform="pln", name="Quiet Student")
    ItemFactory(author=author, platform="pln", group=group)
    page = reverse("people:person", args=[author.pk])

    assert client.get(page).status_code == 404
    client.force_login(learner)
    assert client.get(page).status_code == 404
    assert client.post(reverse("people:follow", args=[author.pk])).status_code == 404
    assert not FollowedPerson.objects.exists()
    client.force_login(other_learner)
    assert client.get(page).status_code == 200


def test_the_persons_page_loads_more_with_htmx(client, learner, ada):
    posts(ada, 35)
    client.force_login(learner)
    first = client.get(reverse("people:person", args=[ada.pk]))
    after = first.context["page"].next_cursor.encode()

    more = client.get(
        reverse("people:person", args=[ada.pk]), {"after": after}, HTTP_HX_REQUEST="true"
    )

    assert len(more.context["page"].items) == 5
    assert "<html" not in more.content.decode()


def test_the_persons_page_costs_the_same_queries_however_many_posts(
    client, learner, ada, astronomy, django_assert_max_num_queries
):
    client.force_login(learner)
    url = reverse("people:person", args=[ada.pk])
    tagged(astronomy, ada, 2, sources=[SourceFactory()])
    with django_assert_max_num_queries(50) as few:
        client.get(url)

    tagged(astronomy, ada, 40, sources=[SourceFactory(), SourceFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_authors_in_a_timeline_link_to_their_page_and_their_profile(client, learner, ada):
    ItemFactory(author=ada)
    FollowedPerson.objects.create(user=learner, person=ada)
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline")).content.decode()

    assert f'href="{reverse("people:person", args=[ada.pk])}"' in body
    assert 'href="https://social.example/@ada"' in body


# --- suggestions ---------------------------------------------------------------------------


def test_suggestions_rank_people_by_posts_in_the_learners_hashtags(learner, astronomy, stream):
    most, some, few = (PersonFactory(name=n) for n in ("Most", "Some", "Few"))
    tagged(astronomy, most, 2)
    posts(most, 2, sources=[stream])  # found by the hashtag's Source, without the tag
    tagged(astronomy, some, 3)
    tagged(astronomy, few, 1)
    posts(PersonFactory(name="Elsewhere"), 9)

    ranked = people.suggestions(learner)

    assert [(p.name, p.posts) for p in ranked] == [("Most", 4), ("Some", 3), ("Few", 1)]


def test_suggestions_count_the_hashtags_of_the_learners_topics(learner, other_learner):
    physics = HashtagFactory(name="physics")
    course = Topic.objects.create(name="Physics 101", owner=other_learner, kind="course")
    course.members.add(learner)
    course.class_hashtag = HashtagFactory(name="phy101")
    course.save()
    course.hashtags.add(physics)
    tagged(physics, PersonFactory(name="Tagged physics"), 1)
    tagged(course.class_hashtag, PersonFactory(name="Class hashtag"), 1)

    assert {p.name for p in people.suggestions(learner)} == {"Tagged physics", "Class hashtag"}


def test_suggestions_leave_out_followed_people_and_the_learner_themselves(learner, astronomy, ada):
    FollowedPerson.objects.create(user=learner, person=ada)
    tagged(astronomy, ada, 5)
    tagged(astronomy, PersonFactory(user=learner, name="Me on Mastodon"), 5)
    tagged(astronomy, PersonFactory(name="New face"), 1)

    assert [p.name for p in people.suggestions(learner)] == ["New face"]


def test_suggestions_count_only_the_last_thirty_days(learner, astronomy):
    old = timezone.now() - timedelta(days=31)
    tagged(astronomy, PersonFactory(name="Gone quiet"), 5, published_at=old)
    tagged(astronomy, PersonFactory(name="Active"), 1)

    assert [p.name for p in people.suggestions(learner)] == ["Active"]


def test_closed_group_posts_are_never_counted_for_non_members(learner, other_learner, astronomy):
    FollowedHashtag.objects.create(user=other_learner, hashtag=astronomy)
    group = GroupFactory(privacy="closed")
    MembershipFactory(group=group, user=other_learner)
    tagged(astronomy, PersonFactory(name="Group poster"), 3, platform="pln", group=group)

    assert people.suggestions(learner) == []
    assert [p.posts for p in people.suggestions(other_learner)] == [3]


def test_suggestions_take_two_queries(learner, astronomy, stream, django_assert_num_queries):
    for n in range(5):
        tagged(astronomy, PersonFactory(), n + 1, sources=[stream])

    with django_assert_num_queries(2):
        assert len(people.suggestions(learner)) == 5


def test_suggestions_show_at_most_twenty(learner, astronomy):
    for _ in range(22):
        tagged(astronomy, PersonFactory(), 1)

    assert len(people.suggestions(learner)) == 20


# --- the people page -----------------------------------------------------------------------


def test_the_people_page_lists_who_you_follow_and_who_to_follow(client, learner, astronomy, ada):
    FollowedPerson.objects.create(user=learner, person=ada)
    tagged(astronomy, PersonFactory(name="Grace Hopper"), 3)
    client.force_login(learner)

    body = client.get(reverse("people:list")).content.decode()

    assert "Ada Astronomer" in body
    assert reverse("people:unfollow", args=[ada.pk]) in body
    assert "Grace Hopper" in body
    assert "3 posts" in body


def test_the_people_page_explains_how_to_get_suggestions(client, learner):
    client.force_login(learner)

    body = client.get(reverse("people:list")).content.decode()

    assert "You follow no one yet." in body
    assert "Follow a hashtag to get suggestions" in body


def test_the_people_page_says_when_nobody_new_posted(client, learner, astronomy):
    client.force_login(learner)

    body = client.get(reverse("people:list")).content.decode()

    assert "No suggestions yet" in body


def test_the_people_page_needs_an_account(client):
    response = client.get(reverse("people:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_follow_buttons_swap_in_place_with_htmx(page, learner, astronomy, ada):
    from playwright.sync_api import expect

    from feeds.tests.test_browser import sign_in

    tagged(astronomy, ada, 2, title="Moon notes")
    sign_in(page, learner)
    page.goto(reverse("people:list"))
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Follow Ada Astronomer").click()

    expect(page.get_by_role("button", name="Unfollow Ada Astronomer")).to_be_visible()
    expect(page.get_by_text("You follow no one yet.")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("link", name="Ada Astronomer").click()
    expect(page.get_by_role("link", name="Show in my timeline")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Unfollow").click()

    expect(page.get_by_role("button", name="Follow Ada Astronomer")).to_be_visible()
    expect(page.get_by_role("link", name="Show in my timeline")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert not FollowedPerson.objects.filter(user=learner).exists()
