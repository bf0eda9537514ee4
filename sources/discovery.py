"""Feed autodiscovery: from whatever address a learner pastes to a feed PLN Hub can poll.

The address may be a feed already, a page whose <head> links to its feeds
(`<link rel="alternate" type="application/rss+xml" href="...">`), or a site whose feed sits at
a conventional path such as /feed/.
"""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sources import net
from sources.connectors import rss, wordpress
from sources.connectors.base import ConnectorError

FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 1,
    "application/feed+json": 2,
    "application/json": 3,
    "application/rdf+xml": 4,
}
FEEDISH_CONTENT_TYPES = {*FEED_TYPES, "application/xml", "text/xml", "application/x-rss+xml"}
CONVENTIONAL_PATHS = ["/feed/", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feed.json"]
WORDPRESS_API_REL = "https://api.w.org/"


class DiscoveryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DiscoveredFeed:
    feed_url: str
    site_url: str
    title: str
    is_wordpress: bool = False
    wordpress_api_root: str = ""  # the site's REST API, on the site's own host


def discover(address: str) -> DiscoveredFeed:
    """Find the feed for `address`. Raises DiscoveryError with a message for the learner."""
    url = normalise_address(address)
    response = _get(url, http_fallback="://" not in address)
    if _looks_like_feed(response):
        return _validated(response, site_url="")
    page = _HeadLinks.read(response)
    api_root = wordpress.find_api_root(response) or ""
    for candidate in page.feed_urls(base=response.url):
        found = _try(candidate, site_url=response.url, page_title=page.title)
        if found:
            return DiscoveredFeed(
                found.feed_url,
                found.site_url,
                found.title,
                is_wordpress=page.is_wordpress or bool(api_root),
                wordpress_api_root=api_root,
            )
    for path in CONVENTIONAL_PATHS:
        found = _try(urljoin(response.url, path), site_url=response.url, page_title=page.title)
        if found:
            return found
    raise DiscoveryError(f"No RSS, Atom or JSON feed was found at {url}.")


def normalise_address(address: str) -> str:
    address = address.strip()
    if "://" not in address:
        address = f"https://{address}"
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DiscoveryError("Paste a web address starting with http:// or https://.")
    return address


def _get(url: str, *, http_fallback: bool) -> net.Response:
    """GET `url`; an address typed without a scheme is tried over https, then plain http."""
    try:
        response = net.get(url)
    except (net.ConnectFailed, net.FetchTimeout) as exc:
        if not http_fallback:
            raise DiscoveryError(exc.message) from exc
        return _get("http://" + url.removeprefix("https://"), http_fallback=False)
    except net.FetchError as exc:
        raise DiscoveryError(exc.message) from exc
    if response.status >= 400:
        raise DiscoveryError(f"{url} answered with an error (HTTP {response.status}).")
    return response


def _try(url: str, *, site_url: str, page_title: str) -> DiscoveredFeed | None:
    try:
        response = net.get(url)
    except net.FetchError:
        return None
    if response.status != 200:
        return None
    try:
        return _validated(response, site_url=site_url, page_title=page_title)
    except DiscoveryError:
        return None


def _validated(response: net.Response, *, site_url: str, page_title: str = "") -> DiscoveredFeed:
    try:
        parsed = rss.parse(response.body, url=response.url, content_type=response.content_type)
    except ConnectorError as exc:
        raise DiscoveryError(exc.message) from exc
    site = parsed.site_url or site_url or urljoin(response.url, "/")
    return DiscoveredFeed(
        feed_url=response.url,
        site_url=site,
        title=(parsed.title or page_title or urlsplit(site).hostname or "").strip()[:300],
    )


def _looks_like_feed(response: net.Response) -> bool:
    if response.content_type in FEEDISH_CONTENT_TYPES:
        return True
    head = response.body[:512].lstrip()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:RDF")) or head[:1] == b"{"


class _HeadLinks(HTMLParser):
    """Collects feed <link>s, the WordPress API link, <base href> and <title> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str]] = []
        self.base = ""
        self.title = ""
        self.is_wordpress = False
        self._in_title = False

    @classmethod
    def read(cls, response: net.Response) -> "_HeadLinks":
        parser = cls()
        parser.feed(response.body[:1_000_000].decode("utf-8", errors="replace"))
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: (value or "") for name, value in attrs}
        rels = attr.get("rel", "").lower().split()
        if tag == "link" and "alternate" in rels and attr.get("href"):
            kind = attr.get("type", "").lower().split(";")[0].strip()
            is_comments = "comment" in (attr.get("title", "") + attr["href"]).lower()
            if kind in FEED_TYPES and not is_comments:
                self.links.append((FEED_TYPES[kind], attr["href"]))
        elif tag == "link" and WORDPRESS_API_REL in attr.get("rel", ""):
            self.is_wordpress = True
        elif tag == "base" and attr.get("href") and not self.base:
            self.base = attr["href"]
        elif tag == "title" and not self.title:
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.title = self.title.strip()

    def feed_urls(self, *, base: str) -> list[str]:
        base = urljoin(base, self.base) if self.base else base
        return [urljoin(base, href) for _, href in sorted(self.links, key=lambda link: link[0])]
