"""Following and unfollowing blogs. One Blog and one Source per feed, shared by followers."""

from django.db import IntegrityError, transaction

from feeds.sanitize import plain_text
from sources.discovery import discover, normalise_address
from sources.models import Blog, FollowedBlog, Source


def follow_blog(user, address: str) -> Blog:
    """Follow the blog at `address` (a site or a feed address) and return it.

    A blog someone already follows is reused without any network request; otherwise its
    feed is discovered first. A new Source is polled right away, after the commit.
    Raises DiscoveryError with a message for the learner.
    """
    blog = _known_blog(address) or _register_blog(address)
    FollowedBlog.objects.get_or_create(user=user, blog=blog)
    if blog.source.last_polled_at is None:
        from feeds.tasks import poll_source_task

        source_id = blog.source_id
        transaction.on_commit(lambda: poll_source_task.delay(source_id))
    return blog


def unfollow_blog(user, blog_id: int) -> None:
    FollowedBlog.objects.filter(user=user, blog_id=blog_id).delete()


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
    try:
        with transaction.atomic():
            source, _ = Source.objects.get_or_create(
                platform="feed", url=found.feed_url, defaults={"title": title}
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
