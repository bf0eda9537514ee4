"""Pages for what a learner follows. Thin: look up, call a plain function, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sources.discovery import DiscoveryError
from sources.following import follow_blog, unfollow_blog
from sources.forms import FollowBlogForm
from sources.models import Blog


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
