"""Following blogs, hashtags and people. Blogs, hashtags and their Sources are shared by
followers. Each change makes the learner's unread counts stale, so the sidebar counts the
new blog, hashtag or person at once rather than a minute later."""

from django.db import IntegrityError, transaction

from feeds import counts
from feeds.models import Person
from feeds.people import personas_of
from feeds.sanitize import plain_text
from sources.collection import ensure_sources
from sources.connectors import wordpress
from sources.discovery import discover, normalise_address
from sources.hashtags import display_form, normalise
from sources.models import Blog, FollowedBlog, FollowedHashtag, FollowedPerson, Hashtag, Source


def follow_blog(user, address: str) -> Blog:
    """Follow the blog at `address` (a site or a feed address) and return it.

    A blog someone already follows is reused without any network request; otherwise its
    feed is discovered first. A new Source is polled right away, after the commit.
    Raises DiscoveryError with a message for the learner.
    """
    blog = _known_blog(address) or _register_blog(address)
    FollowedBlog.objects.get_or_create(user=user, blog=blog)
    counts.forget(user)
    if blog.source.last_polled_at is None:
        from feeds.tasks import poll_source_task

        source_id = blog.source_id
        transaction.on_commit(lambda: poll_source_task.delay(source_id))
    return blog


def unfollow_blog(user, blog_id: int) -> None:
    FollowedBlog.objects.filter(user=user, blog_id=blog_id).delete()
    counts.forget(user)


class FollowError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def follow_hashtag(user, tag: str) -> Hashtag:
    """Follow `tag` (`#SUB101`, `sub101`...): its Sources on every enabled platform are
    created or reused. Raises FollowError when nothing usable is left of `tag`."""
    name = normalise(tag)
    if not name:
        raise FollowError("A hashtag needs at least one letter or digit.")
    hashtag, _ = Hashtag.objects.get_or_create(name=name, defaults={"display": display_form(tag)})
    FollowedHashtag.objects.get_or_create(user=user, hashtag=hashtag)
    counts.forget(user)
    ensure_sources(hashtag)
    return hashtag


def unfollow_hashtag(user, hashtag: Hashtag) -> None:
    FollowedHashtag.objects.filter(user=user, hashtag=hashtag).delete()
    counts.forget(user)


def follow_person(user, person: Person) -> None:
    """Follow `person` and their personas on other platforms (Persons linked to the same
    local user): everything they post joins the learner's timeline, whichever hashtag, blog
    or group it came through. Following again changes nothing."""
    FollowedPerson.objects.bulk_create(
        [FollowedPerson(user=user, person=p) for p in personas_of(person)],
        ignore_conflicts=True,
    )
    counts.forget(user)


def unfollow_person(user, person: Person) -> None:
    """Stop following `person` and their personas."""
    FollowedPerson.objects.filter(user=user, person__in=personas_of(person).values("pk")).delete()
    counts.forget(user)


def _known_blog(address: str) -> Blog | None:
    url = normalise_address(address)
    variants = {url, url.rstrip("/"), url.rstrip("/") + "/"}
    return (
        Blog.objects.select_related("source").filter(feed_url__in=variants).first()
        or Blog.objects.select_related("source").filter(site_url__in=variants).first()
    )


def _register_blog(address: str) -> Blog:
    found = discover(address)
    title = plain_text(found.title, limit=300)  # a feed's title is the stranger's text
    # A WordPress site is read through its REST API (full content, tags, featured images),
    # falling back to its feed if the API turns out to be closed.
    platform, url = (
        ("wordpress", wordpress.target_url(found.wordpress_api_root))
        if found.wordpress_api_root
        else ("feed", found.feed_url)
    )
    try:
        with transaction.atomic():
            source, _ = Source.objects.get_or_create(
                platform=platform, url=url, defaults={"title": title}
            )
            blog, _ = Blog.objects.get_or_create(
                feed_url=found.feed_url,
                defaults={
                    "site_url": found.site_url,
                    "title": title,
                    "kind": Blog.Kind.WORDPRESS if found.is_wordpress else Blog.Kind.FEED,
                    "source": source,
                },
            )
    except IntegrityError:  # another learner registered it at the same moment
        blog = Blog.objects.get(feed_url=found.feed_url)
    return Blog.objects.select_related("source").get(pk=blog.pk)
