"""The learner's timeline. htmx "load more" requests get only the next page's items."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from feeds import timeline
from sources.forms import FollowBlogForm, FollowHashtagForm
from sources.models import Blog, Hashtag


@login_required
def timeline_view(request):
    after = timeline.Cursor.decode(request.GET.get("after"))
    page = timeline.page(timeline.followed_items(request.user), after=after)
    context = {"page": page, "is_first_page": after is None}
    if request.htmx and after:
        return render(request, "feeds/_items.html", context)
    blogs = list(
        Blog.objects.filter(followers__user=request.user).select_related("source").order_by("title")
    )
    context |= {
        "blogs": blogs,
        "hashtags": Hashtag.objects.filter(followers__user=request.user).order_by("name"),
        "waiting_for": [b for b in blogs if b.source.last_polled_at is None],
        "form": FollowBlogForm(),
        "tag_form": FollowHashtagForm(),
    }
    return render(request, "feeds/timeline.html", context)
