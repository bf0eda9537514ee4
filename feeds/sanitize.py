"""The one place imported HTML is made safe, with nh3 and a narrow allowlist.

Only sanitised HTML is stored. Every other imported field is reduced to plain text here and
autoescaped by templates.
"""

import html
import re
from urllib.parse import urljoin, urlsplit

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "img": {"src", "alt", "title", "width", "height"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Removed together with everything inside them.
DROP_WITH_CONTENT = {"script", "style", "iframe", "noscript", "svg", "math", "template", "object"}
_SPACE = re.compile(r"\s+")


def clean_html(fragment: str, *, base_url: str = "") -> str:
    """Sanitise `fragment`: allowlisted tags only, no event handlers or style, http(s) and
    mailto URLs only (resolved against `base_url`), rel="noopener noreferrer nofollow ugc"."""

    def resolve(tag: str, attribute: str, value: str) -> str | None:
        # nh3 checks schemes before calling this, so a relative URL is checked again after
        # joining: a hostile base (`javascript:...`) must not lend it its scheme.
        if attribute not in URL_ATTRIBUTES:
            return value
        joined = urljoin(base_url, value) if base_url else value
        scheme = urlsplit(joined).scheme.lower()
        return joined if scheme in SAFE_SCHEMES or (not scheme and not base_url) else None

    return nh3.clean(
        fragment,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        clean_content_tags=DROP_WITH_CONTENT,
        attribute_filter=resolve,
    )


def plain_text(fragment: str, *, limit: int | None = None) -> str:
    """Markup stripped, entities decoded, whitespace collapsed: for titles, names, previews."""
    text = html.unescape(nh3.clean(fragment, tags=set(), clean_content_tags=DROP_WITH_CONTENT))
    text = _SPACE.sub(" ", text).strip()
    return text[:limit] if limit else text
