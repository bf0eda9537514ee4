"""A followed blog's entry in the timeline's sidebar, written in Python: its name, how its
last update went (the words of `sources/_source_status.html`, which the Blogs page and a
Source's page still render), and a link to show only its posts.

This was a template (`_sidebar_blog.html` including `_source_status.html`): ~0.14 ms an
entry, 7 ms of a page whose 50 entries were not cached on bench/run-dashboard. Every value
goes through `escape`; `feeds/tests/test_sidebar_html.py` checks hostile values and that the
status reads as the template writes it.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from feeds.item_html import TIME_SLOT, escape

_EXTERNAL = 'rel="noopener noreferrer nofollow"'


def entry(blog: dict) -> SafeString:
    """The entry of `blog` (a row of `feeds.sidebar.blog_list`), the relative time of its
    last update left in TIME_SLOT. Nothing of a learner goes into it."""
    name = escape(blog["title"] or blog["site_url"])
    status_url = _source_url(get_script_prefix(), blog["source_id"])
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<li><div class="blog-status"><a class="blog-name" href="{escape(blog["site_url"])}" '
        f'{_EXTERNAL}>{name}</a> <a class="status-link" href="{status_url}">{status(blog)}</a>'
        f'</div> <a class="filter-link" href="?blog={int(blog["id"])}">Show only'
        f'<span class="visually-hidden"> {name}</span></a></li>'
    )


def status(source: dict) -> str:
    """How a Source's last update went, as `sources/_source_status.html` words it, with
    TIME_SLOT for the time of the last success."""
    if source["is_paused"]:
        reason = escape(source["pause_reason"] or "Paused")
        return f'<span class="status status-paused">{reason}</span>'
    if source["last_error"]:
        return (
            '<span class="status status-error">'
            f"Could not update: {escape(source['last_error'])}</span>"
        )
    if source["last_success_at"]:
        return f'<span class="status status-ok">Updated {TIME_SLOT}</span>'
    return '<span class="status status-pending">Waiting for its first update</span>'


@lru_cache(maxsize=8)
def _source_pattern(prefix: str) -> tuple[str, str]:
    head, _, tail = reverse("sources:source", args=[987654321]).partition("987654321")
    return head, tail


def _source_url(prefix: str, pk: int) -> str:
    head, tail = _source_pattern(prefix)
    return f"{head}{int(pk)}{tail}"
