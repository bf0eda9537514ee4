"""People pages: one person's posts across platforms, the people a learner follows, and who
to follow next. Follow buttons are plain forms; with htmx they swap in the updated part."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from feeds import counts, people, timeline
from feeds.models import Person
from sources.following import follow_person, unfollow_person


def person_page(request, person_id: int):
    """Public: shows only what the viewer may see (`people.known_person`)."""
    person = _known_person_or_404(request.user, person_id)
    after = timeline.Cursor.decode(request.GET.get("after"))
    items = people.person_items(request.user, person)
    page = timeline.page(items, after=after, user=request.user, with_cards=True)
    context = {"page": page, "filters": None, "is_first_page": after is None}
    if request.htmx and after:
        return render(request, "feeds/_items.html", context)
    context["profile"] = people.profile(request.user, person)
    return render(request, "feeds/person.html", context)


@login_required
def people_list(request):
    context = {
        "followed": list(people.followed_people(request.user)),
        "suggestions": people.suggestions(request.user),
        "has_hashtags": people.network_hashtags(request.user).exists(),
        "window_days": people.SUGGESTIONS_WINDOW.days,
    }
    return render(request, "feeds/people.html", context)


@login_required
@require_POST
def person_follow(request, person_id: int):
    person = _known_person_or_404(request.user, person_id)
    follow_person(request.user, person)
    counts.forget(request.user)
    messages.success(request, f"You now follow {person}. Their posts join your timeline.")
    return _back(request, person)


@login_required
@require_POST
def person_unfollow(request, person_id: int):
    person = _known_person_or_404(request.user, person_id)
    unfollow_person(request.user, person)
    counts.forget(request.user)
    messages.success(request, f"You no longer follow {person}.")
    return _back(request, person)


def _known_person_or_404(user, person_id: int) -> Person:
    person = people.known_person(user, person_id)
    if person is None:
        raise Http404("No such person.")
    return person


def _back(request, person: Person) -> HttpResponseRedirect:
    """To the page the form was on (`next`), if it is ours; else the person's page. htmx
    follows the redirect and picks its part of the page (`hx-select`)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("people:person", args=[person.pk])
    return HttpResponseRedirect(target)
