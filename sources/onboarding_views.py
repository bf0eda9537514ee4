"""The onboarding wizard: four server-rendered steps, each saving as it goes.

Step 1's topic is remembered in the session (by id, and only ever looked up among the
learner's own topics); everything else lives in the database, so a learner can reload, go
back, skip, or leave half-way and keep what they chose. Each form posts `action=next` or
`action=skip`; skipping saves nothing and moves on.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from feeds import counts
from sources import onboarding
from sources.onboarding_forms import BlogsForm, HashtagsForm, PeopleForm, TopicForm

SESSION_KEY = "onboarding_topic_id"
STEPS = [("start", "Topic"), ("hashtags", "Hashtags"), ("blogs", "Blogs"), ("people", "People")]


@login_required
@require_http_methods(["GET", "POST"])
def topic_step(request):
    topic = _topic(request)
    if _skipping(request):
        return redirect("onboarding:hashtags")
    initial = {"name": topic.name, "description": topic.description} if topic else None
    form = TopicForm(_data(request), initial=initial)
    if form.is_valid():
        topic = onboarding.save_topic(request.user, topic=topic, **form.cleaned_data)
        request.session[SESSION_KEY] = topic.pk
        return redirect("onboarding:hashtags")
    return _render(request, "start", {"form": form, "topic": topic})


@login_required
@require_http_methods(["GET", "POST"])
def hashtags_step(request):
    topic = _topic(request)
    if _skipping(request):
        return redirect("onboarding:blogs")
    form = HashtagsForm(_data(request), suggestions=onboarding.hashtag_choices(request.user, topic))
    if form.is_valid():
        typed, problems = onboarding.parse_tags(form.cleaned_data["more"])
        chosen = [*form.chosen_tags(), *typed]
        hashtags = onboarding.choose_hashtags(
            request.user, topic, chosen=chosen, offered=form.offered
        )
        if hashtags:
            messages.success(request, f"Following {' '.join(str(h) for h in hashtags)}.")
        if not problems:
            return redirect("onboarding:blogs")
        suggestions = onboarding.hashtag_choices(request.user, topic)
        form = HashtagsForm.with_problems(problems, suggestions=suggestions)
    return _render(request, "hashtags", {"form": form, "topic": topic})


@login_required
@require_http_methods(["GET", "POST"])
def blogs_step(request):
    topic = _topic(request)
    if _skipping(request):
        return redirect("onboarding:people")
    form = BlogsForm(_data(request))
    if form.is_valid():
        results = onboarding.add_blogs(request.user, topic, form.cleaned_data["addresses"])
        if results.added:
            messages.success(request, f"Following {', '.join(map(str, results.added))}.")
        if not results.failed:
            return redirect("onboarding:people")
        form = BlogsForm.with_failures(results.failed)
    blogs = list(topic.blogs.all()) if topic else []
    return _render(request, "blogs", {"form": form, "topic": topic, "blogs": blogs})


@login_required
@require_http_methods(["GET", "POST"])
def people_step(request):
    topic = _topic(request)
    if _skipping(request):
        return _finish(request, topic)
    hashtags = onboarding.chosen_hashtags(request.user, topic)
    people = onboarding.suggest_people(request.user, hashtags)
    chosen = onboarding.chosen_people(request.user, topic)
    form = PeopleForm(_data(request), people=people, chosen=chosen)
    if form.is_valid():
        onboarding.choose_people(
            request.user, topic, chosen=form.chosen_people(), offered=form.offered
        )
        return _finish(request, topic)
    context = {"form": form, "topic": topic, "hashtags": hashtags, "people": people}
    return _render(request, "people", context)


def _finish(request, topic):
    request.session.pop(SESSION_KEY, None)
    counts.forget(request.user)
    if topic is None:
        messages.success(request, "You're set up. New posts arrive over the next few minutes.")
        return redirect("feeds:timeline")
    messages.success(request, onboarding.summary(topic))
    return redirect(f"{reverse('feeds:timeline')}?{urlencode({'topic': topic.slug})}")


def _topic(request):
    return onboarding.wizard_topic(request.user, request.session.get(SESSION_KEY))


def _skipping(request) -> bool:
    return request.method == "POST" and request.POST.get("action") == "skip"


def _data(request):
    return request.POST if request.method == "POST" else None


def _render(request, step: str, context: dict):
    names = [name for name, _ in STEPS]
    index = names.index(step)
    context |= {
        "step": index + 1,
        "step_count": len(STEPS),
        "step_title": STEPS[index][1],
        "steps": [
            {"label": label, "url": reverse(f"onboarding:{name}"), "position": i - index}
            for i, (name, label) in enumerate(STEPS)
        ],
        "back_url": reverse(f"onboarding:{names[index - 1]}") if index else None,
        "next_label": f"Next: {STEPS[index + 1][1]}" if index + 1 < len(STEPS) else "Finish",
    }
    return render(request, f"onboarding/{step}.html", context)
