"""The deck: the learner's timeline, hashtags and topics side by side as columns.

Each column is a `TimelineFilter`. It pages on its own ("load more" with `after`) and asks
every few seconds for posts newer than the newest it shows (`since`): a keyset condition on
(published time, id), so a poll repeats nothing and, taking the oldest news first, loses
nothing however many posts arrived since the last one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from feeds import timeline
from feeds.filters import TimelineFilter
from feeds.models import Item
from feeds.network import follows
from feeds.timeline import Cursor
from sources.forms import FollowHashtagForm
from sources.models import Hashtag

COLUMN_PAGE_SIZE = 20
# Where a column with nothing in it starts asking from: every post is newer.
_BEFORE_ALL = Cursor(datetime(1970, 1, 1, tzinfo=UTC), 0)


def poll_seconds() -> int:
    """How often a column asks for news; tests shorten it."""
    return settings.PLN_DECK_POLL_SECONDS


@dataclass(frozen=True)
class Column:
    key: str  # unique on the page and safe in an HTML id
    title: str
    filters: TimelineFilter

    def url(self, **cursors: Cursor) -> str:
        """This column's fragment URL with an `after` or `since` cursor."""
        params = self.filters.as_params() | {name: c.encode() for name, c in cursors.items()}
        return f"{reverse('deck:column')}?{urlencode(params)}"

    @property
    def timeline_url(self) -> str:
        return reverse("feeds:timeline") + self.filters.query_string()


def deck_columns(user) -> list[Column]:
    """The "Everything" column, then one per followed hashtag and per topic, by name."""
    hashtags = Hashtag.objects.filter(followers__user=user).order_by("name")
    topics = timeline.my_topics(user)
    return [
        Column("everything", "Everything", TimelineFilter()),
        *(Column(f"tag-{h.pk}", str(h), TimelineFilter(tag=h.name)) for h in hashtags),
        *(Column(f"topic-{t.pk}", t.name, TimelineFilter(topic=t.slug)) for t in topics),
    ]


def newer_items(
    user, items: QuerySet[Item], *, since: Cursor, size: int = COLUMN_PAGE_SIZE
) -> tuple[list[Item], bool]:
    """The oldest `size` of `items` newer than `since` in (published time, id) order, newest
    first and with `user`'s reading state, and whether more newer ones remain."""
    newer = Q(published_at__gt=since.published_at) | Q(
        published_at=since.published_at, pk__gt=since.item_id
    )
    ids = list(
        items.filter(newer).order_by("published_at", "pk").values_list("pk", flat=True)[: size + 1]
    )
    batch = timeline.page(
        Item.objects.filter(pk__in=ids[:size]), after=None, size=size, user=user, with_cards=True
    )
    return batch.items, len(ids) > size


@login_required
def deck_view(request):
    columns = []
    network = follows(request.user)  # once for every column
    for column in deck_columns(request.user):
        items = timeline.timeline_items(request.user, column.filters, network=network)
        page = timeline.page(
            items, after=None, size=COLUMN_PAGE_SIZE, user=request.user, with_cards=True
        )
        newest = _cursor(page.items[0]) if page.items else _BEFORE_ALL
        columns.append(
            {"column": column, "items": page.items} | _links(column, page.next_cursor, newest)
        )
    context = {"columns": columns, "poll_seconds": poll_seconds(), "tag_form": FollowHashtagForm()}
    return render(request, "feeds/deck.html", context)


@login_required
def column_view(request):
    """A column's next page (`after`) or its news (`since`; 204 when there is none). Without
    htmx, the same filter on the full timeline."""
    filters = TimelineFilter.from_query(request.GET)
    after = Cursor.decode(request.GET.get("after"))
    if not request.htmx:
        return HttpResponseRedirect(_timeline_url(filters, after))
    column = Column("", "", filters)
    items = timeline.timeline_items(request.user, filters)
    since = Cursor.decode(request.GET.get("since"))
    if since:
        fresh, more_news = newer_items(request.user, items, since=since)
        if not fresh:
            return HttpResponse(status=204)
        context = {"items": fresh, "new_count": len(fresh), "poll_now": more_news}
        context |= {"poll_url": column.url(since=_cursor(fresh[0]))}
    else:
        page = timeline.page(
            items, after=after, size=COLUMN_PAGE_SIZE, user=request.user, with_cards=True
        )
        context = {"items": page.items, "is_last_page": after is not None}
        context |= _links(column, page.next_cursor, newest=None)
    return render(request, "feeds/_deck_items.html", context | {"poll_seconds": poll_seconds()})


def _links(column: Column, next_cursor: Cursor | None, newest: Cursor | None) -> dict:
    links = {}
    if next_cursor:
        links["more_url"] = column.url(after=next_cursor)
        links["more_href"] = _timeline_url(column.filters, next_cursor)
    if newest:
        links["poll_url"] = column.url(since=newest)
    return links


def _timeline_url(filters: TimelineFilter, after: Cursor | None) -> str:
    params = filters.as_params() | ({"after": after.encode()} if after else {})
    return reverse("feeds:timeline") + (f"?{urlencode(params)}" if params else "")


def _cursor(item: Item) -> Cursor:
    return Cursor(item.published_at, item.pk)
