"""The sidebar's blog entries are written in Python (`feeds.sidebar_html`), not by the
template engine: a hostile blog name, address or error must still come out as text, and a
blog's status must read as on the Blogs page (`sources/_source_status.html`)."""

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from feeds import sidebar_html
from feeds.tests.test_item_html import HOSTILE, Elements
from sources.models import Source
from sources.tests.factories import FollowedBlogFactory

pytestmark = pytest.mark.django_db


def test_hostile_values_in_every_field_a_blog_entry_shows_stay_text(client, learner):
    blog = FollowedBlogFactory(
        user=learner, blog__title=f"Title {HOSTILE}", blog__site_url=f"https://x.example/{HOSTILE}"
    ).blog
    failing = FollowedBlogFactory(user=learner, blog__title="").blog  # named by its address
    failing.site_url = f"https://y.example/?{HOSTILE}"
    failing.save()
    Source.objects.filter(pk=failing.source_id).update(
        last_polled_at=timezone.now(), last_error=f"HTTP 500 {HOSTILE}"
    )
    paused = FollowedBlogFactory(user=learner).blog
    Source.objects.filter(pk=paused.source_id).update(
        paused_at=timezone.now(), pause_reason=f"Gone {HOSTILE}"
    )
    client.force_login(learner)

    body = client.get(reverse("feeds:timeline")).content.decode()

    entries = "".join(re.findall(r'<li><div class="blog-status">.*?</li>', body, re.S))
    assert entries.count('class="blog-status"') == 3
    elements = Elements()
    elements.feed(entries)
    assert "script" not in {tag for tag, _ in elements.found}
    assert not [n for _, attrs in elements.found for n, _ in attrs if n.startswith("on")]
    assert ("img", {"src": "x"}) not in [(tag, dict(attrs)) for tag, attrs in elements.found]
    # As text: both blogs' names (twice each), the error and the pause reason.
    assert elements.text.count("<script>alert(1)</script>") == 6
    hrefs = [value for _, attrs in elements.found for name, value in attrs if name == "href"]
    assert f"https://x.example/{HOSTILE}" in hrefs and f"https://y.example/?{HOSTILE}" in hrefs
    assert f"?blog={blog.pk}" in hrefs


@pytest.mark.parametrize(
    "state",
    [
        {"paused_at": True, "pause_reason": "Moved away"},
        {"paused_at": True, "pause_reason": ""},
        {"last_error": "HTTP 500 <b>oops</b>", "last_success_at": True},
        {"last_success_at": True},
        {},
    ],
    ids=["paused", "paused, no reason", "failing", "updated", "waiting"],
)
def test_a_blogs_status_reads_as_on_the_blogs_page(state):
    now = timezone.now() - timedelta(minutes=3)
    source = {
        "is_paused": bool(state.get("paused_at")),
        "pause_reason": state.get("pause_reason", ""),
        "last_error": state.get("last_error", ""),
        "last_success_at": now if state.get("last_success_at") else None,
    }
    slot = mark_safe(sidebar_html.TIME_SLOT)  # noqa: S308 (a constant)
    template = render_to_string(
        "sources/_source_status.html", {"source": source, "updated": slot}
    ).strip()

    assert sidebar_html.status(source) == template
