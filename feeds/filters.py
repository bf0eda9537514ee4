"""The timeline's filters, read from and written back to the URL's query string.

Every timeline view (the page, its "load more", the deck's columns, search, the Atom feed)
reads a `TimelineFilter` from the request, so a filtered view is a link the learner can
bookmark or share with themselves.
"""

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from django.http import QueryDict

from sources.hashtags import normalise
from sources.platforms import Platform

SHOW_CHOICES = {
    "unread": "Unread",
    "favourites": "Favourites",
    "saved": "Saved for later",
}
PLATFORM_CHOICES = {p.value: p.label for p in Platform}


@dataclass(frozen=True)
class TimelineFilter:
    """What to show. Empty fields do not filter; set ones combine (AND)."""

    topic: str = ""  # a topic's slug
    tag: str = ""  # a hashtag's normalised name
    platform: str = ""  # an item platform (`Platform` value)
    person: int | None = None  # a Person's id
    blog: int | None = None  # a Blog's id
    show: str = ""  # "", "unread", "favourites" or "saved"
    q: str = ""  # search words

    @classmethod
    def from_query(cls, params: QueryDict | dict) -> "TimelineFilter":
        """The filter in a query string; values that make no sense are ignored, not errors
        (a stale bookmark still opens the timeline)."""
        platform = params.get("platform", "")
        show = params.get("show", "")
        return cls(
            topic=params.get("topic", "")[:140],
            tag=normalise(params.get("tag", "")),
            platform=platform if platform in PLATFORM_CHOICES else "",
            person=_positive_int(params.get("person")),
            blog=_positive_int(params.get("blog")),
            show=show if show in SHOW_CHOICES else "",
            q=" ".join(params.get("q", "").split())[:200],
        )

    def as_params(self) -> dict[str, str]:
        """The non-empty fields as query parameters."""
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name))}

    def query_string(self, **changes: object) -> str:
        """`?...` for this filter with `changes` applied (`None` or "" clears a field); empty
        when nothing is set."""
        params = replace(self, **changes).as_params() if changes else self.as_params()
        return f"?{urlencode(params)}" if params else ""

    @property
    def is_set(self) -> bool:
        return bool(self.as_params())

    @property
    def narrows_sources(self) -> bool:
        """Whether it picks a part of the learner's network (rather than a reading state)."""
        return bool(self.topic or self.tag or self.platform or self.person or self.blog)


def _positive_int(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None
