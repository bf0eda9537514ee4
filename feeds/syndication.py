"""Atom 1.0 feeds of timeline views: a learner's (filtered) timeline, and a hashtag's public
stream. The items come from the same selectors as the pages (`feeds.timeline`), so a feed
never shows what the page would not.

Titles, author names and categories are plain text in Atom elements without a `type`, so
the XML writer's escaping is all they need; `content` is the HTML sanitised at ingest.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator

from feeds import timeline
from feeds.filters import PLATFORM_CHOICES, SHOW_CHOICES, TimelineFilter
from feeds.models import Item, Person
from sources.models import Blog, Hashtag

FEED_SIZE = 50
TITLE_WORDS = 12


@dataclass(frozen=True)
class FeedView:
    """What one feed shows: its title, the page it mirrors, its own address, its items."""

    title: str
    link: str
    feed_url: str
    items: list[Item]


def timeline_view(user, filters: TimelineFilter, *, feed_url: str) -> FeedView:
    """The newest FEED_SIZE items of `user`'s timeline narrowed by `filters`."""
    items = timeline.timeline_items(user, filters)
    return FeedView(
        title=f"PLN Hub: {describe(user, filters)}",
        link=reverse("feeds:timeline") + filters.query_string(),
        feed_url=feed_url,
        items=timeline.page(items, after=None, size=FEED_SIZE).items,
    )


def hashtag_view(hashtag: Hashtag, *, feed_url: str) -> FeedView:
    """A hashtag's stream as an anonymous visitor sees it: never a closed group's posts,
    whoever's reader fetches it."""
    items = timeline.hashtag_items(AnonymousUser(), hashtag)
    return FeedView(
        title=f"PLN Hub: {hashtag}",
        link=reverse("sources:hashtag", args=[hashtag.name]),
        feed_url=feed_url,
        items=timeline.page(items, after=None, size=FEED_SIZE).items,
    )


def describe(user, filters: TimelineFilter) -> str:
    """A short name for a timeline view: `#astronomy (unread)`, `Topic: Space · Mastodon`."""
    parts = []
    if filters.tag:
        hashtag = Hashtag.objects.filter(name=filters.tag).first()
        parts.append(str(hashtag) if hashtag else f"#{filters.tag}")
    if filters.topic:
        topic = timeline.my_topics(user).filter(slug=filters.topic).first()
        parts.append(f"Topic: {topic.name if topic else filters.topic}")
    if filters.blog:
        blog = Blog.objects.filter(pk=filters.blog, followers__user=user).first()
        parts.append(f"Blog: {blog or 'unknown'}")
    if filters.person:
        person = Person.objects.filter(pk=filters.person).first()
        parts.append(f"Person: {person or 'unknown'}")
    if filters.platform:
        parts.append(PLATFORM_CHOICES[filters.platform])
    if filters.q:
        parts.append(f"“{filters.q}”")
    name = " · ".join(parts) or "your timeline"
    return f"{name} ({SHOW_CHOICES[filters.show].lower()})" if filters.show else name


class _AtomWithContent(Atom1Feed):
    """Atom with each entry's full `content` (Django's Atom writes only a summary)."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class ItemsFeed(Feed):
    """Renders a FeedView. Instantiate per request: it remembers the request's host."""

    feed_type = _AtomWithContent

    def get_object(self, request, *args, view: FeedView, **kwargs) -> FeedView:
        self._host = request.get_host().split(":")[0]
        self._page = view.link
        return view

    def title(self, view: FeedView) -> str:
        return view.title

    def link(self, view: FeedView) -> str:
        return view.link

    def feed_url(self, view: FeedView) -> str:
        return view.feed_url

    def items(self, view: FeedView) -> list[Item]:
        return view.items

    def item_title(self, item: Item) -> str:
        return item.title or Truncator(item.text).words(TITLE_WORDS) or "Untitled post"

    def item_description(self, item: Item) -> None:
        return None  # the full content is in <content>; no summary

    def item_link(self, item: Item) -> str:
        return item.url if _is_web_url(item.url) else self._page

    def item_guid(self, item: Item) -> str:
        return f"tag:{self._host},2025:item:{item.pk}"

    def item_author_name(self, item: Item) -> str | None:
        author = item.author
        return (author.name or author.handle or None) if author else None

    def item_author_link(self, item: Item) -> str | None:
        url = item.author.profile_url if item.author else ""
        return url if _is_web_url(url) else None

    def item_pubdate(self, item: Item):
        return item.published_at

    def item_updateddate(self, item: Item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item: Item) -> list[str]:
        return [hashtag.display or hashtag.name for hashtag in item.hashtags.all()]

    def item_extra_kwargs(self, item: Item) -> dict[str, str]:
        # `html` is stored only after feeds.sanitize.clean_html; plain text is escaped here.
        return {"content": item.html or linebreaks(escape(item.text))}


def _is_web_url(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https") if url else False
