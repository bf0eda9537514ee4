"""An item's HTML, written in Python: its card (author, platform badge, title, body, media,
hashtags, links: the same for every learner, cached by `feeds.cards`) and the learner's part
around it (reading state, one form of action buttons, "mark this and all above read").

These were Django templates (`_item_card.html`, `_media.html`, `_item.html`); a page shows
30 items, and the template engine took ~0.8 ms to render a card and ~0.2 ms to wrap one
(25-30 ms of a page whose cards were not cached, 7 ms of every page, on
bench/run-dashboard). Here a card takes ~0.05 ms. Every value from an item, its author or a
learner goes through `escape`; `Item.safe_html` (sanitised at ingest) is the only markup
taken as it is. The keyboard shortcuts (`static/js/reader.js`) find the buttons by their
`data-action`.
"""

import html as html_module
from dataclasses import dataclass
from functools import lru_cache

from django.middleware.csrf import get_token
from django.urls import get_script_prefix, reverse
from django.utils.dates import MONTHS
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime

from feeds.filters import TimelineFilter

# Where the relative time goes: `feeds.cards.with_time` fills it on every view. Everything
# before it in a card is escaped text, so its first occurrence is always the slot.
TIME_SLOT = "<!--pln:time-->"
MEDIA_SHOWN = 4
_EXTERNAL = 'rel="noopener noreferrer nofollow"'


def escape(value) -> str:
    """`value` as HTML text: what Django's `escape` gives, without its lazy-string wrapper
    (a third of a card's time)."""
    return html_module.escape(str(value))


def card(item) -> SafeString:
    """The card of `item` (loaded with its author, hashtags and sources), its time slot
    unfilled. Nothing of a learner or a request goes into it."""
    tags = [(tag.name, tag.display) for tag in item.hashtags.all()]
    return card_of(item, tags=tags, via=_via(item))


def card_of(item, *, tags: list[tuple[str, str]], via: str | None) -> SafeString:
    """The card of `item` (loaded with its author), with its hashtags `tags` ((name,
    display) pairs) and `via`, the name of where it was found (its first Source's blog, or
    the Source; None: nowhere known)."""
    person = item.author
    pk = item.pk
    title, url = item.title, item.url
    platform = item.get_platform_display()
    head = [
        '<header class="item-head">',
        _avatar(person),
        '<div class="byline">',
        f'<span class="author" id="item-{pk}-author">{_byline(person)}</span>',
        f'<span class="meta"><span class="badge badge-{escape(item.platform)}">'
        f"{escape(platform)}</span> {_found_by(via)}· {_time(item.published_at)}",
    ]
    if person is not None and person.profile_url:
        head.append(
            f' · <a class="profile-link" href="{escape(person.profile_url)}" {_EXTERNAL}>'
            f"{escape(person.get_platform_display())} profile"
            f'<span class="visually-hidden"> of {escape(person)}</span>'
            '<span aria-hidden="true"> ↗</span></a>'
        )
    head.append("</span></div></header>")
    if title:
        shown = f'<a href="{escape(url)}" {_EXTERNAL}>{escape(title)}</a>' if url else escape(title)
        head.append(f'<h2 class="item-title" id="item-{pk}-title">{shown}</h2>')
    head.append(f'<div class="item-body">{item.safe_html}</div>')
    head.append(media(item))
    head.append('<footer class="item-foot">')
    if tags:
        links = "".join(
            f'<li><a class="tag" href="{_tag_url(get_script_prefix(), name)}">'
            f"#{escape(display)}</a></li>"
            for name, display in tags
        )
        head.append(f'<ul class="tags" aria-label="Hashtags">{links}</ul>')
    if url:
        label = "Read on the original site" if title else f"Open on {escape(platform)}"
        head.append(
            f'<a class="original" href="{escape(url)}" {_EXTERNAL}>{label} '
            '<span aria-hidden="true">↗</span></a>'
        )
    head.append("</footer>")
    return mark_safe("".join(head))  # noqa: S308 (every value above is escaped)


def media(item) -> str:
    """An item's media: images (with their alt text), video posters and link cards, the
    first MEDIA_SHOWN. Every URL was checked to be http(s) at ingest."""
    if not item.media:
        return ""
    shown = []
    for m in item.media[:MEDIA_SHOWN]:
        kind, src = m.get("type"), escape(m.get("url") or "")
        if kind == "link":
            thumb = m.get("thumb")
            image = (
                f'<img src="{escape(thumb)}" alt="" loading="lazy" referrerpolicy="no-referrer">'
                if thumb
                else ""
            )
            about = m.get("description")
            about = (
                f'<span class="muted">{escape(Truncator(about).chars(160))}</span>' if about else ""
            )
            shown.append(
                f'<a class="link-card" href="{src}" {_EXTERNAL}>{image}'
                '<span class="link-card-text"><strong>'
                f"{escape(m.get('title') or m.get('url') or '')}</strong>{about}</span></a>"
            )
        elif kind == "video":
            shown.append(
                f'<a class="media-video" href="{escape(item.url or m.get("url") or "")}" '
                f'{_EXTERNAL}><img src="{src}" alt="{escape(m.get("alt") or "Video")}" '
                'loading="lazy" referrerpolicy="no-referrer">'
                '<span class="media-play" aria-hidden="true">▶</span></a>'
            )
        else:
            shown.append(
                f'<a href="{src}" {_EXTERNAL} class="media-image"><img src="{src}" '
                f'alt="{escape(m.get("alt") or "")}" loading="lazy" '
                'referrerpolicy="no-referrer"></a>'
            )
    grid = " item-media-grid" if len(item.media) > 1 else ""
    return f'<div class="item-media{grid}">{"".join(shown)}</div>'


@dataclass(frozen=True)
class Forms:
    """What every item's forms on one page repeat: hidden fields (CSRF token and the page to
    come back to; the filters, for "mark this and all above read"), built once a page."""

    signed_in: bool
    back: str  # hidden fields of the action form
    above: str  # hidden fields of "mark this and all above read"; "" for no such form
    mark_read_url: str

    @classmethod
    def for_request(cls, request, filters: TimelineFilter | None, mark_read_url: str) -> "Forms":
        if not request.user.is_authenticated:
            return cls(False, "", "", "")
        token = _hidden({"csrfmiddlewaretoken": get_token(request)})
        back = token + _hidden({"next": request.get_full_path()})
        above = token + _hidden(filters.as_params()) if filters and mark_read_url else ""
        return cls(True, back, above, mark_read_url)


def item(entry, card_html: str, forms: Forms, cursor: str) -> SafeString:
    """One item of a list: `card_html` (its card, time filled in) inside the learner's part,
    with `entry`'s reading state (`is_read`, `is_favourite`, `is_saved`); `cursor` is its
    keyset position, for "mark this and all above read"."""
    pk, url = entry.pk, entry.url
    # Items listed without a learner's state (a public hashtag page) count as unread.
    is_read = getattr(entry, "is_read", False)
    state = (is_read, getattr(entry, "is_favourite", False), getattr(entry, "is_saved", False))
    data_url = f' data-url="{escape(url)}"' if url else ""
    labelled = f"item-{pk}-{'title' if entry.title else 'author'}"
    html = [
        f'<li class="item{" is-read" if is_read else ""}" id="item-{pk}" tabindex="-1" '
        f'data-item-id="{pk}"{data_url}><article aria-labelledby="{labelled}">',
        card_html,
    ]
    if forms.signed_in:
        action = _item_url(get_script_prefix(), pk)
        html.append(
            '<div class="item-actions" role="group" aria-label="Actions on this post">'
            f'<form method="post" action="{action}" hx-post="{action}" '
            f'hx-target="closest li.item" hx-swap="outerHTML">{forms.back}'
            f"{_BUTTONS[state]}</form>"
        )
        if forms.above:
            html.append(
                f'<form method="post" action="{escape(forms.mark_read_url)}" class="mark-above">'
                f'{forms.above}<input type="hidden" name="until" value="{cursor}">'
                '<button type="submit" class="action" data-action="read-above">'
                "Mark this and all above read</button></form>"
            )
        html.append("</div>")
    html.append("</article></li>")
    return mark_safe("".join(html))  # noqa: S308 (escaped values and rendered cards)


def _avatar(person) -> str:
    if person is not None and person.avatar_url:
        return (
            f'<img class="avatar" src="{escape(person.avatar_url)}" alt="" width="40" '
            'height="40" loading="lazy" referrerpolicy="no-referrer">'
        )
    shown = escape(person.initials) if person is not None else "✎"
    return f'<span class="avatar" aria-hidden="true">{shown}</span>'


def _byline(person) -> str:
    if person is None:
        return "Unknown author"
    link = f'<a href="{_person_url(get_script_prefix(), person.pk)}">{escape(person)}</a>'
    if person.name and person.handle:
        link += f' <span class="handle">{escape(person.handle)}</span>'
    return link


def _via(item) -> str | None:
    """Where the item was found: its first Source's blog, or the Source."""
    for source in item.sources.all():
        blog = getattr(source, "blog", None)
        return str(blog if blog is not None else source)
    return None


def _found_by(via: str | None) -> str:
    return f'<span class="via">{escape(via)}</span> ' if via is not None else ""


def _time(moment) -> str:
    """The item's <time>, as the template filters `date:'c'` and `date:'j F Y, H:i'` wrote
    it, in the current time zone; its text is the slot for the relative time."""
    local = template_localtime(moment)
    title = f"{local.day} {MONTHS[local.month]} {local.year}, {local:%H:%M}"
    return f'<time datetime="{local.isoformat()}" title="{escape(title)}">{TIME_SLOT}</time>'


def _button(value: str, action: str, pressed: bool | None, label: str) -> str:
    state = "" if pressed is None else f' aria-pressed="{"true" if pressed else "false"}"'
    return (
        f'<button type="submit" name="action" value="{value}" class="action" '
        f'data-action="{action}"{state}>{label}</button>'
    )


_BUTTONS = {
    (read, favourite, saved): "".join(
        [
            _button("unread", "toggle-read", True, "Mark unread")
            if read
            else _button("read", "toggle-read", False, "Mark read"),
            _button("unfavourite", "favourite", True, '<span aria-hidden="true">★</span> Favourite')
            if favourite
            else _button(
                "favourite", "favourite", False, '<span aria-hidden="true">☆</span> Favourite'
            ),
            _button("unsave", "save", True, "Saved")
            if saved
            else _button("save", "save", False, "Save for later"),
            _button("hide", "hide", None, "Hide"),
        ]
    )
    for read in (False, True)
    for favourite in (False, True)
    for saved in (False, True)
}


def _hidden(fields: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items()
    )


# URLs by their pattern, made once per script prefix: `reverse` costs ~30 microseconds.
_SENTINEL = 9_876_543_210


@lru_cache(maxsize=64)
def _pattern(prefix: str, name: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))
    return head, tail


def _item_url(prefix: str, pk: int) -> str:
    head, tail = _pattern(prefix, "feeds:item")
    return f"{head}{pk}{tail}"


def _person_url(prefix: str, pk: int) -> str:
    head, tail = _pattern(prefix, "people:person")
    return f"{head}{pk}{tail}"


@lru_cache(maxsize=4096)
def _tag_url(prefix: str, name: str) -> str:
    return escape(reverse("sources:hashtag", args=[name]))
