"""The search page: everything the learner may see (or only their network), narrowed by the
timeline's filters and ranked by relevance. "Load more" is a plain link with an offset; htmx
fetches the same page and keeps only the new rows."""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.shortcuts import render
from django.urls import reverse

from feeds import filter_labels, search, timeline
from feeds.filters import PLATFORM_CHOICES, SHOW_CHOICES, TimelineFilter
from feeds.models import Item
from sources.models import Hashtag, Source

PAGE_SIZE = 30
MAX_OFFSET = search.RESULTS_CAP
NETWORK = "network"


def searchable_items(user, filters: TimelineFilter, *, network_only: bool) -> QuerySet[Item]:
    """Items matching `filters.q` and the other filters, among all `user` may see (public
    posts and their groups' posts) or, with `network_only`, among their timeline's. Items
    the learner hid stay out either way."""
    base = timeline.followed_items(user) if network_only else timeline.visible_items(user)
    return search.matching(timeline.narrow(user, base, replace(filters, q="")), filters.q)


@dataclass(frozen=True)
class SearchPage:
    items: list[Item]
    offset: int
    next_offset: int | None


def results_page(items: QuerySet[Item], *, offset: int, user) -> SearchPage:
    """PAGE_SIZE of the (already ordered) `items` from `offset`, with reading states."""
    rows = list(
        items.select_related("author").prefetch_related(
            Prefetch("hashtags", queryset=Hashtag.objects.only("name", "display")),
            Prefetch("sources", queryset=Source.objects.select_related("blog")),
        )[offset : offset + PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE and offset + PAGE_SIZE < MAX_OFFSET
    rows = rows[:PAGE_SIZE]
    timeline.attach_states(user, rows)
    return SearchPage(rows, offset, offset + PAGE_SIZE if more else None)


@login_required
def results_view(request):
    filters = TimelineFilter.from_query(request.GET)
    network_only = request.GET.get("scope") == NETWORK
    query = search.clean(filters.q)
    filters = replace(filters, q=query)
    context = {
        "query": query,
        "search_filters": filters,
        "network_only": network_only,
        "platforms": PLATFORM_CHOICES,
        "shows": SHOW_CHOICES,
        "active": _active_filters(filters, network_only=network_only, user=request.user),
    }
    if query:
        items = search.ranked(
            searchable_items(request.user, filters, network_only=network_only), query
        )
        offset = _offset(request.GET.get("start"))
        result = results_page(items, offset=offset, user=request.user)
        context |= {
            "result": result,
            # htmx "load more" keeps only the new rows (hx-select): no need to count again.
            "count": None if request.htmx else search.capped_count(items),
            "count_cap": search.RESULTS_CAP,
            "more_url": (
                _url(filters, network_only=network_only, start=result.next_offset)
                if result.next_offset
                else ""
            ),
            "everywhere_url": _url(TimelineFilter(q=query), network_only=False),
        }
    return render(request, "feeds/search.html", context)


def _offset(raw: str | None) -> int:
    try:
        offset = int(raw or 0)
    except ValueError:
        return 0
    return min(max(offset, 0), MAX_OFFSET)


def _url(filters: TimelineFilter, *, network_only: bool, **extra: object) -> str:
    params = filters.as_params() | ({"scope": NETWORK} if network_only else {})
    params |= {k: str(v) for k, v in extra.items() if v}
    return reverse("search:results") + (f"?{urlencode(params)}" if params else "")


def _active_filters(filters: TimelineFilter, *, network_only: bool, user) -> list[tuple[str, str]]:
    """(label, URL of the same search without it) for each filter set besides the words."""
    return [
        (text, _url(replace(filters, **{field: None}), network_only=network_only))
        for field, text in filter_labels.labels(filters, user)
    ]
