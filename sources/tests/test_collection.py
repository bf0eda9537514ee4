import pytest
from django.core.management import call_command
from django.urls import reverse

from sources.collection import collectors_for
from sources.following import FollowError, follow_hashtag
from sources.models import FollowedHashtag, Hashtag, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def platforms(settings):
    settings.PLN_MASTODON_SERVERS = ["https://social.example", "https://edu.example"]
    settings.PLN_BLUESKY_HANDLE = settings.PLN_BLUESKY_APP_PASSWORD = ""
    settings.PLN_X_BEARER_TOKEN = ""
    return settings


def test_following_a_hashtag_creates_one_source_per_enabled_target(
    learner, platforms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first_polls:
        hashtag = follow_hashtag(learner, "#SUB101")

    sources = Source.objects.filter(hashtag=hashtag)
    assert hashtag.name == "sub101" and str(hashtag) == "#SUB101"
    assert sorted(sources.values_list("platform", flat=True)) == ["mastodon", "mastodon", "wpcom"]
    assert {s.host for s in sources if s.platform == "mastodon"} == {
        "social.example",
        "edu.example",
    }
    assert len(first_polls) == 3  # each new Source is polled once the follow commits


def test_a_second_follower_reuses_the_hashtags_sources(
    learner, other_learner, platforms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        follow_hashtag(learner, "#SUB101")
    with django_capture_on_commit_callbacks() as second:
        follow_hashtag(other_learner, "sub101")

    assert Source.objects.count() == 3
    assert FollowedHashtag.objects.count() == 2
    assert second == []  # nothing new to poll


def test_a_platform_switched_on_later_joins_at_the_next_follow(
    learner, other_learner, platforms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        follow_hashtag(learner, "#SUB101")
    platforms.PLN_X_BEARER_TOKEN = "a-token"
    with django_capture_on_commit_callbacks():
        follow_hashtag(other_learner, "#SUB101")

    assert Source.objects.filter(platform="x", hashtag__name="sub101").count() == 1


def test_the_collection_plan_says_which_platforms_are_off_and_why(platforms):
    plan = {c.label: c for c in collectors_for("sub101")}

    assert plan["Mastodon · social.example"].url
    assert "app password" in plan["Bluesky"].off_reason and not plan["Bluesky"].url
    assert "paid" in plan["X"].off_reason and not plan["X"].url


def test_a_hashtag_page_shows_the_plan_with_each_sources_state(
    client, learner, platforms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        follow_hashtag(learner, "#SUB101")
    Source.objects.filter(platform="wpcom").update(last_error="Timed out after 20 s")
    client.force_login(learner)

    body = client.get(reverse("sources:hashtag", args=["sub101"])).content.decode()

    assert "Mastodon · edu.example" in body
    assert "Off. Bluesky only lets signed-in apps search" in body
    assert "Could not update: Timed out after 20 s" in body
    assert "Unfollow" in body


def test_a_hashtag_with_nothing_to_search_for_is_refused(learner):
    with pytest.raises(FollowError):
        follow_hashtag(learner, "# !!")
    assert not Hashtag.objects.exists()


def test_the_demo_seed_follows_blogs_and_hashtags_on_the_simulator(
    allow_simulator, platforms, django_capture_on_commit_callbacks
):
    from accounts.models import User

    with django_capture_on_commit_callbacks():
        call_command("seeddemo", simulator=allow_simulator.base_url, blogs=3, verbosity=0)
        call_command("seeddemo", simulator=allow_simulator.base_url, blogs=3, verbosity=0)

    learner = User.objects.get(email="demo@example.com")
    assert learner.followed_blogs.count() == 4  # three feeds and a WordPress site
    assert sorted(learner.followed_hashtags.values_list("hashtag__name", flat=True)) == [
        "astronomy",
        "sub101",
    ]
    assert User.objects.get(email="coordinator@example.com").is_staff
