import pytest
from django.db import IntegrityError
from django.urls import reverse

from feeds import counts
from feeds.tests.factories import ItemFactory
from sources.following import follow_blog, follow_hashtag, unfollow_hashtag
from sources.models import Blog, FollowedBlog, JoinRequest, Source
from sources.tests.factories import (
    FollowedBlogFactory,
    GroupFactory,
    HashtagFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Following enqueues the first poll; these tests only look at what was recorded."""
    from feeds.tasks import poll_source_task

    queued = []
    monkeypatch.setattr(poll_source_task, "delay", queued.append)
    return queued


def test_two_learners_following_one_blog_share_its_source(
    allow_simulator, learner, other_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        follow_blog(learner, f"{allow_simulator.base_url}/blogs/0/")
        follow_blog(other_learner, allow_simulator.feed_url(0))

    assert Blog.objects.count() == 1
    assert Source.objects.count() == 1
    assert FollowedBlog.objects.count() == 2


def test_following_a_new_blog_enqueues_its_first_poll_after_commit(
    allow_simulator, learner, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        blog = follow_blog(learner, f"{allow_simulator.base_url}/blogs/1/")

    assert no_broker == [blog.source_id]


def test_the_follow_form_reports_an_address_without_a_feed(client, learner, allow_simulator):
    client.force_login(learner)

    response = client.post(
        reverse("sources:blog_follow"), {"address": f"{allow_simulator.base_url}/faults/404"}
    )

    assert response.status_code == 400
    assert "HTTP 404" in response.content.decode()
    assert not FollowedBlog.objects.exists()


def test_following_needs_a_post_with_csrf(learner, allow_simulator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    url = reverse("sources:blog_follow")

    assert client.get(url, {"address": allow_simulator.feed_url(0)}).status_code == 405
    assert client.post(url, {"address": allow_simulator.feed_url(0)}).status_code == 403
    assert not FollowedBlog.objects.exists()


def test_a_learner_cannot_unfollow_for_someone_else(client, learner, other_learner):
    theirs = FollowedBlogFactory(user=other_learner)
    client.force_login(learner)

    response = client.post(reverse("sources:blog_unfollow", args=[theirs.blog_id]))

    assert response.status_code == 404
    assert FollowedBlog.objects.filter(pk=theirs.pk).exists()


def test_one_source_per_platform_and_address():
    source = SourceFactory()
    with pytest.raises(IntegrityError):
        SourceFactory(url=source.url)


def test_only_one_pending_join_request_per_group_and_learner(learner):
    group = GroupFactory()
    JoinRequest.objects.create(group=group, user=learner)
    JoinRequest.objects.create(group=group, user=learner, status=JoinRequest.Status.DECLINED)
    with pytest.raises(IntegrityError):
        JoinRequest.objects.create(group=group, user=learner)


def test_group_slugs_stay_unique():
    assert GroupFactory(name="Stargazers").slug == "stargazers"
    assert GroupFactory(name="Stargazers").slug == "stargazers-2"


def test_an_address_typed_without_a_scheme_falls_back_to_plain_http(allow_simulator, learner):
    address = allow_simulator.base_url.removeprefix("http://") + "/blogs/2/"

    blog = follow_blog(learner, address)

    assert blog.feed_url == allow_simulator.feed_url(2)


def test_a_hostile_blog_title_is_stored_as_plain_text(allow_simulator, learner):
    blog = follow_blog(learner, f"{allow_simulator.base_url}/faults/hostile/")

    assert "<" not in blog.title and "script" not in blog.title.lower()
    assert blog.source.title == blog.title


def test_a_wordpress_site_is_followed_through_its_rest_api(allow_simulator, learner):
    blog = follow_blog(learner, f"{allow_simulator.base_url}/wp/1/")

    assert blog.kind == Blog.Kind.WORDPRESS
    assert blog.source.platform == "wordpress"
    assert blog.source.url.startswith(f"{allow_simulator.base_url}/wp/1/wp-json/")


def test_a_wordpress_site_with_its_rest_api_off_is_read_through_its_feed(allow_simulator, learner):
    from feeds.models import Item
    from feeds.polling import Outcome, poll_source

    blog = follow_blog(learner, f"{allow_simulator.base_url}/wp/rest-off/")
    assert blog.source.platform == "wordpress"  # the page advertises its API

    assert poll_source(blog.source_id) is Outcome.FAILED  # the API answers 404
    source = Source.objects.get(pk=blog.source_id)
    assert (source.platform, source.url) == (
        "feed",
        f"{allow_simulator.base_url}/wp/rest-off/feed/",
    )
    assert "reads its feed instead" in source.last_error

    assert poll_source(source.pk) is Outcome.STORED
    assert Item.objects.filter(sources=source).exists()


def test_a_hashtag_just_followed_is_counted_at_once_not_a_minute_later(learner):
    hashtag = HashtagFactory(name="astronomy", display="Astronomy")
    stream = SourceFactory(platform="mastodon", hashtag=hashtag)
    for _ in range(2):
        ItemFactory(platform="mastodon", sources=[stream])
    assert counts.unread_counts(learner)["hashtags"] == {}  # counted, and fresh for a minute

    follow_hashtag(learner, "#Astronomy")
    assert counts.unread_counts(learner)["hashtags"] == {"astronomy": 2}

    unfollow_hashtag(learner, hashtag)
    assert counts.unread_counts(learner)["hashtags"] == {}
