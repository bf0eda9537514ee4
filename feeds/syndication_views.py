"""Atom feeds of timeline views, and the page where a learner finds and revokes their links.

Personal feeds are read by feed readers, not browsers: the learner is identified by the
token in the URL alone, never by a session, and the response sets no cookie.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from feeds import feed_keys, syndication
from feeds.filters import TimelineFilter
from feeds.timeline import my_topics
from sources.hashtags import normalise
from sources.models import Hashtag


@require_safe
def timeline_atom(request) -> HttpResponse:
    """`/feeds/atom/?<filters>&key=<token>`: 404 for a missing, wrong or revoked key."""
    user = feed_keys.user_for_token(request.GET.get("key"))
    if user is None:
        raise Http404("No such feed.")
    filters = TimelineFilter.from_query(request.GET)
    self_url = f"{request.path}?{urlencode({**filters.as_params(), 'key': request.GET['key']})}"
    view = syndication.timeline_view(user, filters, feed_url=self_url)
    response = syndication.ItemsFeed()(request, view=view)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def hashtag_atom(request, name: str) -> HttpResponse:
    """`/tags/<name>/atom/`: public, no key; shows only what anyone may see."""
    hashtag = get_object_or_404(Hashtag, name=normalise(name))
    view = syndication.hashtag_view(hashtag, feed_url=request.path)
    return syndication.ItemsFeed()(request, view=view)


@login_required
def feed_links(request):
    """The learner's private feed links: the whole timeline, each hashtag and topic."""
    token = feed_keys.make_token(request.user)

    def link(**filters: str) -> str:
        return feed_keys.feed_url(token, TimelineFilter(**filters), request=request)

    hashtags = Hashtag.objects.filter(followers__user=request.user).order_by("name")
    context = {
        "timeline_url": link(),
        "hashtag_links": [
            (h, link(tag=h.name), feed_keys.public_hashtag_feed_url(h.name, request=request))
            for h in hashtags
        ],
        "topic_links": [(t, link(topic=t.slug)) for t in my_topics(request.user)],
    }
    return render(request, "feeds/feed_links.html", context)


@login_required
@require_POST
def revoke_feed_links(request):
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm: nothing was revoked.")
        return redirect(reverse("syndication:links"))
    feed_keys.revoke(request.user)
    messages.success(
        request, "Your old feed links no longer work. Give your feed reader the new ones below."
    )
    return redirect(reverse("syndication:links"))
