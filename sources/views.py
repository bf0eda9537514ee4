"""Pages for what a learner follows. Thin: look up, call a plain function, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from feeds import people, timeline
from feeds.polling import Outcome, poll_source, resume
from sources.access import sources_visible_to
from sources.collection import collectors_for
from sources.discovery import DiscoveryError
from sources.following import (
    FollowError,
    follow_blog,
    follow_hashtag,
    unfollow_blog,
    unfollow_hashtag,
)
from sources.forms import FollowBlogForm, FollowHashtagForm
from sources.hashtags import normalise
from sources.models import Blog, FollowedHashtag, Hashtag

REFRESH_MESSAGES = {
    Outcome.STORED: "Updated just now.",
    Outcome.NOT_MODIFIED: "Checked just now: nothing new.",
    Outcome.SKIPPED: "Another worker is updating it right now; look again in a moment.",
}


@login_required
def blog_list(request, form: FollowBlogForm | None = None, status: int = 200):
    blogs = (
        Blog.objects.filter(followers__user=request.user).select_related("source").order_by("title")
    )
    context = {"blogs": blogs, "form": form or FollowBlogForm()}
    return render(request, "sources/blog_list.html", context, status=status)


@login_required
@require_POST
def blog_follow(request):
    form = FollowBlogForm(request.POST)
    if form.is_valid():
        try:
            blog = follow_blog(request.user, form.cleaned_data["address"])
        except DiscoveryError as exc:
            form.add_error("address", exc.message)
        else:
            messages.success(request, f"You now follow {blog}. Its posts will appear shortly.")
            return redirect("feeds:timeline")
    return blog_list(request, form=form, status=400)


@login_required
@require_POST
def blog_unfollow(request, blog_id: int):
    blog = get_object_or_404(Blog, pk=blog_id, followers__user=request.user)
    unfollow_blog(request.user, blog.pk)
    messages.success(request, f"You no longer follow {blog}.")
    return redirect("sources:blogs")


def hashtag_page(request, name: str):
    """A hashtag's stream, and honestly where it is collected from. Public: what it shows
    passes through the same visibility rule as every timeline."""
    hashtag = get_object_or_404(Hashtag, name=normalise(name))
    after = timeline.Cursor.decode(request.GET.get("after"))
    items = timeline.hashtag_items(request.user, hashtag)
    page = timeline.page(items, after=after)
    context = {"page": page, "is_first_page": after is None, "hashtag": hashtag}
    if request.htmx and after:
        return render(request, "feeds/_items.html", context)
    sources = {(s.platform, s.url): s for s in hashtag.sources.all()}
    context |= {
        "contributors": people.top_contributors(items),
        "contributors_days": people.CONTRIBUTORS_WINDOW.days,
        "collectors": [(c, sources.get((c.platform, c.url))) for c in collectors_for(hashtag.name)],
        "follows": request.user.is_authenticated
        and FollowedHashtag.objects.filter(user=request.user, hashtag=hashtag).exists(),
    }
    return render(request, "sources/hashtag.html", context)


@login_required
@require_POST
def hashtag_follow(request):
    form = FollowHashtagForm(request.POST)
    if form.is_valid():
        try:
            hashtag = follow_hashtag(request.user, form.cleaned_data["tag"])
        except FollowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"You now follow {hashtag}. Its posts will appear shortly.")
            return redirect("sources:hashtag", name=hashtag.name)
    return redirect("feeds:timeline")


@login_required
@require_POST
def hashtag_unfollow(request, name: str):
    hashtag = get_object_or_404(Hashtag, name=name)
    unfollow_hashtag(request.user, hashtag)
    messages.success(request, f"You no longer follow {hashtag}.")
    return redirect("sources:hashtag", name=hashtag.name)


@login_required
def source_detail(request, source_id: int):
    """A Source's health: last poll, last error, next poll, items stored."""
    source = get_object_or_404(sources_visible_to(request.user), pk=source_id)
    return render(
        request,
        "sources/source_detail.html",
        {"source": source, "items_stored": source.items.count()},
    )


@login_required
@require_POST
def source_refresh(request, source_id: int):
    """Poll now, in this request, with the very function the workers run."""
    source = get_object_or_404(sources_visible_to(request.user), pk=source_id)
    outcome = poll_source(source.pk, force=True)
    if outcome is Outcome.FAILED:
        source.refresh_from_db()
        messages.error(request, f"Could not update: {source.last_error}")
    else:
        messages.success(request, REFRESH_MESSAGES[outcome])
    return redirect("sources:source", source_id=source.pk)


@login_required
@require_POST
def source_resume(request, source_id: int):
    source = get_object_or_404(sources_visible_to(request.user), pk=source_id)
    resume(source)
    messages.success(request, "Resumed: it will be updated within a minute.")
    return redirect("sources:source", source_id=source.pk)
