"""The learner's timeline and their reading actions. htmx requests get fragments; the same
URLs work as plain links and forms without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from feeds import counts, feed_keys, filter_labels, reading, sidebar, timeline
from feeds.filters import PLATFORM_CHOICES, SHOW_CHOICES, TimelineFilter
from feeds.models import Item
from feeds.network import follows
from feeds.tasks import count_unread_task
from sources.forms import FollowBlogForm, FollowHashtagForm


@login_required
def timeline_view(request):
    filters = TimelineFilter.from_query(request.GET)
    after = timeline.Cursor.decode(request.GET.get("after"))
    network = follows(request.user)
    page = timeline.timeline_page(request.user, filters, after=after, network=network)
    context = {
        "page": page,
        "filters": filters,
        "is_first_page": after is None,
        "mark_read_url": reverse("feeds:mark_read"),
    }
    if request.htmx and after:
        return render(request, "feeds/_items.html", context)
    context |= sidebar.context(request.user, network)
    context |= {
        "active": _active_filters(filters, request.user, context),
        "atom_url": feed_keys.personal_feed_url(request.user, filters, request=request),
        "platforms": PLATFORM_CHOICES,
        "shows": SHOW_CHOICES,
        "form": FollowBlogForm(),
        "tag_form": FollowHashtagForm(),
    }
    return render(request, "feeds/timeline.html", context)


@login_required
def sidebar_counts(request):
    """The sidebar's topics and hashtags with the unread counts last made: what a page whose
    counts were stale asks for once loaded (htmx). It never counts: it asks the worker for a
    count, once, and the fragment asks again shortly until the counts are fresh. Without
    JavaScript, a link: it counts (a rare click), then goes back to the timeline with the
    same filters."""
    filters = TimelineFilter.from_query(request.GET)
    if not request.htmx:
        counts.unread_counts(request.user)
        return HttpResponseRedirect(reverse("feeds:timeline") + filters.query_string())
    if token := counts.claim(request.user):
        # Nothing to commit first: the count reads what earlier requests committed.
        count_unread_task.delay(request.user.pk, token)
    context = sidebar.network_context(request.user, follows(request.user))
    return render(
        request,
        "feeds/_sidebar_network.html",
        context | {"filters": filters, "asked": _asked(request)},
    )


@login_required
@require_POST
def item_action(request, item_id: int, action: str = ""):
    """Read, unread, favourite, save, hide (and their undoing) one item; the action comes
    from the URL or from the form's button (`action`)."""
    action = action or request.POST.get("action", "")
    if action not in reading.ACTIONS:
        raise Http404("No such action.")
    item = get_object_or_404(timeline.visible_items(request.user), pk=item_id)
    reading.apply(request.user, item, action)
    counts.forget(request.user)
    if request.htmx:
        if action == "hide":
            return render(request, "feeds/_hidden_item.html", {"item": item})
        item = timeline.page(
            Item.objects.filter(pk=item.pk), after=None, user=request.user, with_cards=True
        ).items[0]
        return render(request, "feeds/_item.html", {"item": item})
    return _back(request)


@login_required
@require_POST
def mark_read(request):
    """Mark read every item of the filtered timeline in the form, or with `until`, those
    from the top down to that item ("all above")."""
    filters = TimelineFilter.from_query(request.POST)
    items = timeline.timeline_items(request.user, filters)
    until = timeline.Cursor.decode(request.POST.get("until"))
    if until:
        items = items.filter(
            Q(published_at__gt=until.published_at)
            | Q(published_at=until.published_at, pk__gte=until.item_id)
        )
    marked = reading.mark_read(request.user, timeline.unread(request.user, items))
    counts.forget(request.user)
    messages.success(request, f"Marked {marked} post{'' if marked == 1 else 's'} as read.")
    return HttpResponseRedirect(reverse("feeds:timeline") + filters.query_string())


def _asked(request) -> int:
    """How many times this page has asked for its counts (`asked`, sent by the fragment)."""
    try:
        return min(max(int(request.GET.get("asked", 0)), 0), 1000) + 1
    except ValueError:
        return 1


def _back(request) -> HttpResponseRedirect:
    """To the page the form was on (`next`), if it is ours; else the timeline."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("feeds:timeline")
    return HttpResponseRedirect(target)


def _active_filters(filters: TimelineFilter, user, sidebar: dict) -> list[tuple[str, str]]:
    """(label, URL without this filter) for each filter set, for the removable chips; the
    topics and hashtags the sidebar shows need no query."""
    timeline_url = reverse("feeds:timeline")
    known = {"topics": sidebar["topics"], "hashtags": sidebar["hashtags"]}
    return [
        (text, timeline_url + filters.query_string(**{field: None}))
        for field, text in filter_labels.labels(filters, user, **known)
    ]
