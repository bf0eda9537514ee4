"""Renderers for the four feed formats a generated blog can have.

Each `FeedFormat` renders `(blog, posts newest first, base_url) -> bytes` (UTF-8). Ids are
stable for a given seed and base URL: RSS 2.0 and JSON Feed use the post's absolute URL,
Atom a `tag:` URI, RSS 1.0 the post URL as `rdf:about`. Atom entries use relative links under
an `xml:base`, so consumers must resolve them. Autodiscovery hrefs are relative too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from simulator import prose
from simulator.replies import http_date

if TYPE_CHECKING:
    from simulator.blogs import Blog, Post

Renderer = Callable[["Blog", "list[Post]", str], bytes]


@dataclass(frozen=True)
class FeedFormat:
    name: str
    filename: str
    content_type: str
    discovery_type: str
    render: Renderer
    href_style: str  # how the home page's autodiscovery link points at the feed

    def discovery_href(self, n: int) -> str:
        return self.href_style.format(n=n, filename=self.filename)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _iso(post: Post) -> str:
    return post.published.isoformat().replace("+00:00", "Z")


def _rss2(blog: Blog, posts: list[Post], base: str) -> bytes:
    items = []
    for p in posts:
        url = base + p.path
        cats = "".join(f"<category>{escape(c)}</category>" for c in p.categories)
        items.append(
            f"<item><title>{escape(p.title)}</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid><pubDate>{http_date(p.published)}</pubDate>'
            f"<dc:creator>{escape(p.author)}</dc:creator>{cats}"
            f"<description>{escape(prose.summary(p.html))}</description>"
            f"<content:encoded>{_cdata(p.html)}</content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>{escape(blog.title)}</title><link>{base}{blog.path}</link>"
        f"<description>{escape(blog.tagline)}</description><language>en</language>"
        f'<atom:link href="{base}{blog.path}feed.xml" rel="self" type="application/rss+xml"/>'
        f"<lastBuildDate>{http_date(posts[0].published)}</lastBuildDate>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    ).encode()


def _atom(blog: Blog, posts: list[Post], base: str) -> bytes:
    entries = []
    for p in posts:
        cats = "".join(f"<category term={quoteattr(c)}/>" for c in p.categories)
        entries.append(
            f"<entry><id>tag:simulator.pln-hub.test,2024:blog-{blog.index}/post-{p.index}</id>"
            f'<title type="text">{escape(p.title)}</title>'
            f'<link rel="alternate" type="text/html" href="{p.index}/"/>'
            f"<published>{_iso(p)}</published><updated>{_iso(p)}</updated>"
            f"<author><name>{escape(p.author)}</name><uri>{base}{blog.path}about/</uri></author>"
            f'{cats}<summary type="text">{escape(prose.summary(p.html))}</summary>'
            f'<content type="html">{escape(p.html)}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}{blog.path}posts/">\n'
        f"<id>tag:simulator.pln-hub.test,2024:blog-{blog.index}</id>"
        f"<title>{escape(blog.title)}</title><subtitle>{escape(blog.tagline)}</subtitle>"
        f'<link rel="alternate" type="text/html" href="../"/>'
        f'<link rel="self" type="application/atom+xml" href="{base}{blog.path}atom.xml"/>'
        f"<updated>{_iso(posts[0])}</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    ).encode()


def _jsonfeed(blog: Blog, posts: list[Post], base: str) -> bytes:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": blog.title,
        "description": blog.tagline,
        "home_page_url": base + blog.path,
        "feed_url": f"{base}{blog.path}feed.json",
        "language": "en",
        "authors": [{"name": a} for a in blog.authors],
        "items": [
            {
                "id": base + p.path,
                "url": base + p.path,
                "title": p.title,
                "content_html": p.html,
                "summary": prose.summary(p.html),
                "date_published": _iso(p),
                "authors": [{"name": p.author, "url": f"{base}{blog.path}about/"}],
                "tags": list(p.categories),
            }
            for p in posts
        ],
    }
    return json.dumps(feed, indent=1, ensure_ascii=False).encode()


def _rdf(blog: Blog, posts: list[Post], base: str) -> bytes:
    seq = "".join(f'<rdf:li rdf:resource="{base}{p.path}"/>' for p in posts)
    items = []
    for p in posts:
        subjects = "".join(f"<dc:subject>{escape(c)}</dc:subject>" for c in p.categories)
        items.append(
            f'<item rdf:about="{base}{p.path}"><title>{escape(p.title)}</title>'
            f"<link>{base}{p.path}</link><description>{escape(prose.summary(p.html))}"
            f"</description><dc:date>{_iso(p)}</dc:date>"
            f"<dc:creator>{escape(p.author)}</dc:creator>{subjects}"
            f"<content:encoded>{_cdata(p.html)}</content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f'<channel rdf:about="{base}{blog.path}index.rdf"><title>{escape(blog.title)}</title>'
        f"<link>{base}{blog.path}</link><description>{escape(blog.tagline)}</description>"
        f"<dc:date>{_iso(posts[0])}</dc:date><items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n"
        + "\n".join(items)
        + "\n</rdf:RDF>\n"
    ).encode()


RSS2 = FeedFormat(
    "RSS 2.0", "feed.xml", "application/rss+xml; charset=utf-8", "application/rss+xml",
    _rss2, "{filename}",
)  # fmt: skip
ATOM = FeedFormat(
    "Atom", "atom.xml", "application/atom+xml; charset=utf-8", "application/atom+xml",
    _atom, "./{filename}",
)  # fmt: skip
JSONFEED = FeedFormat(
    "JSON Feed", "feed.json", "application/feed+json; charset=utf-8", "application/feed+json",
    _jsonfeed, "/blogs/{n}/{filename}",
)  # fmt: skip
# Real RSS 1.0 blogs usually advertise index.rdf as application/rss+xml.
RDF = FeedFormat(
    "RSS 1.0", "index.rdf", "application/rdf+xml; charset=utf-8", "application/rss+xml",
    _rdf, "{filename}",
)  # fmt: skip

FORMATS = (RSS2, ATOM, JSONFEED, RDF)  # blog n uses FORMATS[n % 4]
