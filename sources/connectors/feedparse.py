"""Fast RSS/Atom parsing on lxml that returns exactly what feedparser would, or steps aside.

`parse(body, url=...)` gives feedparser-shaped dicts (`feed`, `entries`, `version`), so `rss`
builds records from either parser with one function. It models how feedparser 6.0 reads RSS
0.9x/2.0, RSS 1.0 and Atom 1.0 (its element handlers, namespace mapping, xml:base, text
clean-up, author and category quirks, date parsing), reusing feedparser's own encoding
detection, DOCTYPE clean-up, URL joining and date parsers so the two paths cannot drift.
Anything it does not model (XML lxml will not read, an element whose feedparser handler would
change what we read, an odd shape) raises `Unsupported` and the caller runs feedparser itself.
It is about 40 times faster: one C parse, then a walk over the entries' direct children.

Safety: lxml never loads a DTD, an external entity or anything from the network, never
expands entities, and refuses documents nested deeper than 256 elements; a prolog that still
declares entities after feedparser's DOCTYPE clean-up is refused outright.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from time import struct_time
from typing import Any
from xml.sax.saxutils import escape

from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin as _Mixin
from feedparser.sanitizer import replace_doctype
from feedparser.urls import _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict
from lxml import etree

from sources.connectors.base import ConnectorError
from sources.urljoin import shortcut

ENTITIES_REFUSED = "The feed declares XML entities, which PLN Hub refuses."
TOO_DEEP = "The feed is nested too deeply (or is too large) to read safely."
_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False,
    "remove_comments": True, "remove_pis": True,
}  # fmt: skip
_NAMESPACES = {uri.lower(): prefix for uri, prefix in _Mixin.namespaces.items()}
_STANDARD_PREFIXES = {prefix for prefix in _NAMESPACES.values() if prefix}
_ENDS = {name[5:] for name in dir(_Mixin) if name.startswith("_end_")}
_HANDLED = _ENDS | {name[7:] for name in dir(_Mixin) if name.startswith("_start_")}
_RSS10, _RSS090, _ATOM10 = (
    "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
    "http://www.w3.org/2005/atom",
)  # fmt: skip
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
XHTML = "application/xhtml+xml"
_HTML_TYPES = {"text/html", XHTML}

TITLE = {"title", "dc_title"}
GUID = {"guid", "id"}
PUBLISHED = {"published", "issued", "pubdate", "dcterms_issued"}
UPDATED = {"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"}
AUTHOR = {"author", "managingeditor", "dc_author", "dc_creator", "itunes_author"}
CATEGORY = {"category", "keywords", "dc_subject", "media_category"}
DESCRIPTION = {"description", "dc_description"}
# Handlers that only set keys we never read, as long as the element holds no elements.
HARMLESS = {
    "cloud", "created", "dcterms_created", "dcterms_valid", "expirationdate", "generator",
    "language", "dc_language", "webmaster", "dc_publisher", "email", "name", "itunes_name",
    "itunes_email", "width", "height", "rights", "copyright", "dc_rights", "info",
    "feedburner_browserfriendly", "subtitle", "tagline", "itunes_subtitle", "itunes_block",
    "itunes_explicit", "itunes_image", "itunes_link", "media_thumbnail",
    "media_player", "media_rating", "media_credit", "media_restriction", "media_license",
    "url", "uri", "homepage", "newlocation", "georss_point", "georss_line", "georss_polygon",
    "georss_box", "dc_contributor",
}  # fmt: skip
FEED_HARMLESS = HARMLESS | PUBLISHED | UPDATED | CATEGORY | DESCRIPTION | {"enclosure"}
# How `_Reader._entry` reads each element of an entry, by handler key.
_ENTRY_KINDS = {
    **dict.fromkeys(TITLE, "title"), "link": "link", **dict.fromkeys(GUID, "guid"),
    **dict.fromkeys(PUBLISHED, "published"), **dict.fromkeys(UPDATED, "updated"),
    **dict.fromkeys(AUTHOR, "author"), **dict.fromkeys(CATEGORY, "category"),
    "content": "content", "content_encoded": "content",
    **dict.fromkeys(DESCRIPTION, "summary"), "summary": "summary",
    "enclosure": "enclosure", "source": "source",
}  # fmt: skip
PASS_THROUGH = {"media_group", "media_content", "contributor"}  # containers, not text
_AUTHOR_KEYS = {"author", "authors", "author_detail"}  # set by an earlier author element
AUTHOR_PARTS = {"name": "name", "itunes_name": "name", "email": "email", "itunes_email": "email"}
AUTHOR_LINKS = {"uri", "url", "homepage"}
IMAGE_PARTS = {"title", "link", "description", "url", "href", "width", "height"}
TEXTINPUT_PARTS = {"title", "link", "description", "name"}
# Keys an element without a handler would overwrite, which records or handlers read.
_READ_KEYS = {
    "content", "summary", "summary_detail", "link", "id", "title", "author", "author_detail",
    "authors", "published_parsed", "updated_parsed", "tags", "links", "image", "textinput",
}  # fmt: skip
_EMAIL = re.compile(
    r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"""
)
_ELEMENT = re.compile(rb"<\w")
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_QUERY_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_QUOTE = {'"': "&quot;"}


class Unsupported(Exception):
    """Only feedparser reads this document faithfully: the caller falls back to it."""


def parse(body: bytes, *, url: str) -> tuple[dict, list[dict], str]:
    """(feed, entries, version) as feedparser would give them for `body` fetched from `url`.

    Raises Unsupported (use feedparser), or ConnectorError for entity declarations and
    documents nested too deeply.
    """
    result: dict[str, Any] = {}
    data = convert_to_utf8({"content-location": url}, body, result)
    if not result.get("encoding"):
        raise Unsupported("unknown encoding")
    doctype_version, data, _ = replace_doctype(data)
    first_element = _ELEMENT.search(data)
    if _ENTITY.search(data, 0, first_element.start() if first_element else len(data)):
        raise ConnectorError(ENTITIES_REFUSED)  # however far down the prolog hides them
    reader = _Reader(url)
    feed, entries = reader.read(*_tree(data))
    return feed, entries, doctype_version or reader.version


def _tree(data: bytes) -> tuple[Any, list[tuple[str, str]]]:
    """The root element and every namespace declaration, in document order.

    Most feeds declare their namespaces on the root only, and then the root's `nsmap` lists
    them all and a plain parse is enough: 13% quicker than collecting declarations as the
    parser meets them, which is done when the document names "xmlns" anywhere else.
    """
    try:
        root = etree.fromstring(data, _parser())
        declarations = [(prefix or "", uri) for prefix, uri in root.nsmap.items()]
        if data.count(b"xmlns") != len(declarations):
            events = etree.iterparse(io.BytesIO(data), events=("start-ns",), **_OPTIONS)
            declarations = [declaration for _, declaration in events]
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise ConnectorError(TOO_DEEP) from None
        raise Unsupported(str(exc)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype:  # feedparser strips plain DOCTYPEs; what is left may declare entities
        dtd = docinfo.internalDTD
        if dtd is not None and any(True for _ in dtd.iterentities()):
            raise ConnectorError(ENTITIES_REFUSED)
        raise Unsupported("DOCTYPE")
    return root, declarations


_parsers = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser (an lxml parser must not be shared between threads)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = etree.XMLParser(**_OPTIONS)
    return parser


def _attributes(element: Any) -> dict[str, str]:
    """Attributes keyed as feedparser's strict parser keys them (lower-cased; known namespaces
    as "prefix:name", then every attribute again under its bare name), rel/type lower-cased.
    A new dict each time: callers change it."""
    items = element.items()
    return dict(_keyed_attributes(tuple(items))) if items else {}


@lru_cache(maxsize=1024)  # a feed repeats the same few (type="html", rel="alternate", ...)
def _keyed_attributes(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    attrs = {}
    for name, value in items:
        if name[0] == "{":
            uri, _, local = name[1:].partition("}")
            prefix = _NAMESPACES.get(uri.lower(), "")
            name = f"{prefix}:{local}" if prefix else local
        attrs[name.lower()] = value
    for name, value in items:
        attrs[name.rpartition("}")[2].lower()] = value
    for key in ("rel", "type"):
        if key in attrs:
            attrs[key] = attrs[key].lower() or attrs[key]
    return attrs


def _clean(text: str) -> str:
    """feedparser's last touches on text: undo UTF-8 read as Latin-1, map C1 to cp1252."""
    if text.isascii():
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.translate(_cp1252)


_OTHER_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!//)")
_HTTP = ("http://", "https://")


@lru_cache(maxsize=4096)  # entries repeat their author's and their feed's addresses
def join(base: str, url: str) -> str:
    """feedparser's `_urljoin(base, url)`, without the work when `url` is already plain or a
    path from the root (`sources.urljoin`), or has another scheme than an http(s) base (`tag:`,
    `urn:`: urljoin returns those as is)."""
    scheme = _OTHER_SCHEME.match(url)
    if scheme and scheme[1].lower() not in ("http", "https") and base.startswith(_HTTP):
        return url
    found = shortcut(base, url)  # feedparser's fix-ups change neither kind of URL
    return _urljoin(base, url) if found is None else found


def _enforce_href(attrs: dict[str, str]) -> None:
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href


def _add_tag(tags: list[dict], term: Any, scheme: Any, label: Any) -> None:
    if term or scheme or label:
        tag = {"term": term, "scheme": scheme, "label": label}
        if tag not in tags:
            tags.append(tag)


def _add_term(tags: list[dict], value: str) -> None:
    """A category's text: the term of the tag its attributes began, or a tag of its own."""
    if value and tags and not tags[-1]["term"]:
        tags[-1]["term"] = value
    elif value:
        _add_tag(tags, value, None, None)


def _link_text(value: str, *, in_entry: bool) -> str:
    """A link given as an element's text, its entities undone as feedparser undoes them."""
    if in_entry:
        value = value.replace("&amp;", "&")
    return _QUERY_ENTITY.sub(r"&\g<1>", value) if "&" in value else value


def _save_author(context: dict, key: str, value: str) -> None:
    context.setdefault("author_detail", {})[key] = value
    _sync_author(context)
    context.setdefault("authors", [{}])[-1][key] = value


def _sync_author(context: dict) -> None:
    """feedparser's `_sync_author_detail`, line for line, on a plain dict."""
    detail = context.get("authors", [{}])[-1]
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            context["author"] = f"{name} ({email})"
        elif name or email:
            context["author"] = name or email
        return
    author, email = context.get("author"), None
    if not author:
        return
    match = _EMAIL.search(author) if "@" in author else None  # most are names alone
    if match:
        email = match.group(0)
        author = author.replace(email, "").replace("()", "").replace("<>", "")
        author = author.replace("&lt;&gt;", "").strip()
        if author and author[0] == "(":
            author = author[1:]
        if author and author[-1] == ")":
            author = author[:-1]
        author = author.strip()
    if author or email:
        context.setdefault("author_detail", detail)
    if author:
        detail["name"] = author
    if email:
        detail["email"] = email


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?(\d{1,2}) ([a-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d) "
    r"(?:([+-])(\d\d)(\d\d)|gmt|ut|z)",
    re.IGNORECASE,
)
_W3DTF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:Z|([+-])(\d\d):(\d\d))")


@lru_cache(maxsize=256)  # an Atom entry's published and updated times are often one
def parse_date(value: str) -> struct_time | None:
    """feedparser's `_parse_date`, with the two everyday forms read without its handler chain."""
    found = _everyday_date(value)
    return found if found is not None else _parse_date(value)


def _everyday_date(value: str) -> struct_time | None:
    """The date in one of the two everyday forms, or None: feedparser's own parsers then
    decide (a leap second, an offset out of range)."""
    try:
        if value[4:5] == "-":  # W3DTF, which `fromisoformat` reads 3-4 times quicker
            return datetime.fromisoformat(value).utctimetuple() if _W3DTF.fullmatch(value) else None
        match = _RFC822.fullmatch(value)
        if match is None:
            return None
        day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
        stamp = datetime(
            int(year), _MONTHS.get(month.lower(), 0), int(day), int(hour), int(minute), int(second)
        )
        if sign is None:  # GMT, UT, Z
            return stamp.utctimetuple()
        offset = timedelta(hours=int(tz_hours), minutes=int(tz_minutes))
        return (stamp + offset if sign == "-" else stamp - offset).utctimetuple()
    except (ValueError, OverflowError):
        return None


class _Reader:
    """One document's walk. Mirrors the feedparser state that matters: the version, the base
    URI, and `title_depth` (the first non-empty title at a depth wins)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.version = ""
        self.title_depth = -1
        self._unknown: dict[str, str] = {}  # unknown namespace URI -> the prefix feedparser uses
        self._keys: dict[str, tuple[str, bool]] = {}
        self._entry_kinds: dict[str, tuple[str, str | None]] = {}  # tag -> (key, how to read)
        self._bases: dict[tuple[str, str], str] = {}

    # --- the document --------------------------------------------------------------------

    def read(self, root: Any, declarations: list[tuple[str, str]]) -> tuple[dict, list[dict]]:
        self._declare(declarations)
        key, _ = self.key(root)
        attrs = _attributes(root)
        self.version = self._version(key, attrs, declarations[: len(root.nsmap)])
        base = self.base(self.url, attrs)
        feed: dict = {}
        entries: list[dict] = []
        if key == "feed":
            self._channel(root, base, 1, feed, entries)
            return feed, entries
        for child, child_key, child_attrs, child_base in self._children(root, base):
            if child_key == "channel":
                if "lastmod" in child_attrs or "href" in child_attrs:
                    raise Unsupported("CDF channel")
                self._channel(child, child_base, 2, feed, entries)
            elif child_key == "item" and key == "rdf_rdf":
                entries.append(self._entry(child, child_attrs, child_base, 2))
            elif child_key in ("image", "textinput") and key == "rdf_rdf":
                self._image(child, child_key, 2)
            else:
                self._inert(child, child_key)
        return feed, entries

    def _declare(self, declarations: list[tuple[str, str]]) -> None:
        bound: dict[str, str] = {}
        defaulted = set()
        for prefix, uri in declarations:
            if prefix and bound.setdefault(prefix, uri) != uri:  # a default may change freely
                raise Unsupported(f"prefix {prefix!r} bound twice")
            lowered = uri.lower()
            if "backend.userland.com/rss" in lowered:
                lowered = "http://backend.userland.com/rss"
            standard = _NAMESPACES.get(lowered)
            if prefix and lowered == "http://www.w3.org/1999/xlink":
                raise Unsupported("xlink")  # feedparser copies its declaration into attributes
            if standard is None:
                if prefix.lower() in _STANDARD_PREFIXES:
                    raise Unsupported(f"prefix {prefix!r} bound to an unknown namespace")
                if prefix:
                    self._unknown.setdefault(uri, prefix.lower())
                else:
                    defaulted.add(uri)
            elif prefix and prefix != standard and prefix in _STANDARD_PREFIXES:
                raise Unsupported(f"prefix {prefix!r} bound to {standard!r}'s namespace")
        if defaulted & set(self._unknown):
            raise Unsupported("a namespace used both as default and with a prefix")

    def _version(self, key: str, attrs: dict, declarations: list[tuple[str, str]]) -> str:
        version = ""
        for prefix, uri in declarations:
            lowered = uri.lower()
            if not version:
                if not prefix and lowered == _RSS090:
                    version = "rss090"
                elif lowered == _RSS10:
                    version = "rss10"
                elif lowered == _ATOM10:
                    version = "atom10"
        if key == "rss" and not version.startswith("rss"):
            given = attrs.get("version", "")
            return _RSS_VERSIONS.get(given) or ("rss20" if given.startswith("2.") else "rss")
        if key == "feed" and version == "atom10":
            return version
        if key == "feed" and not version and attrs.get("version") not in ("0.1", "0.2", "0.3"):
            return "atom"
        if key == "rdf_rdf" and version in ("rss10", "rss090"):
            return version
        if key == "rss":
            return version
        raise Unsupported(f"root {key!r} as {version or 'no version'}")

    def key(self, element: Any) -> tuple[str, bool]:
        """(handler key, whether it has a namespace prefix), e.g. ("dc_creator", True)."""
        tag = element.tag
        found = self._keys.get(tag) if isinstance(tag, str) else None
        if found is None:
            if not isinstance(tag, str):
                raise Unsupported("entity reference")
            uri, _, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
            lowered = uri.lower()
            if "backend.userland.com/rss" in lowered:
                lowered = "http://backend.userland.com/rss"
            prefix = _NAMESPACES.get(lowered) if uri else ""
            if prefix is None:
                prefix = self._unknown.get(uri, "")
            local = local.lower()
            found = self._keys[tag] = (f"{prefix}_{local}" if prefix else local, bool(prefix))
        return found

    def _children(self, element: Any, base: str) -> Iterator[tuple[Any, str, dict, str]]:
        """(child, key, attributes, base URI) for each child of `element`, `key` and
        `base` as `key()` and `base()` give them; the usual child, of a known tag and without
        attributes, without calling either."""
        keys = self._keys
        plain_base = self.base(base, {})
        for child in element:
            found = keys.get(child.tag)
            key = found[0] if found is not None else self.key(child)[0]
            if child.keys():
                attrs = _attributes(child)
                yield child, key, attrs, self.base(base, attrs)
            else:
                yield child, key, {}, plain_base

    def base(self, current: str, attrs: dict[str, str]) -> str:
        given = attrs.get("xml:base", attrs.get("base")) if attrs else None
        pair = (current, given or current)
        found = self._bases.get(pair)
        if found is None:
            if current:
                found = make_safe_absolute_uri(current, pair[1]) or current
            else:
                found = _urljoin(current, pair[1])
            self._bases[pair] = found
        return found

    # --- the feed --------------------------------------------------------------------------

    def _channel(self, container: Any, base: str, depth: int, feed: dict, entries: list) -> None:
        for child, key, attrs, child_base in self._children(container, base):
            if key in ("item", "entry"):
                entries.append(self._entry(child, attrs, child_base, depth + 1))
            elif key in TITLE:
                stored, value = self._title(child, attrs, depth + 1)
                if stored:
                    feed["title"] = value
            elif key == "link":
                self._link(feed, child, attrs, child_base, in_entry=False)
            elif key in GUID:
                self._guid(feed, child, attrs, child_base)
            elif key in AUTHOR:
                self._author(feed, child, child_base)
            elif key in ("image", "textinput"):
                self._image(child, key, depth + 1)
            elif key in FEED_HARMLESS:
                self._leaf(child)
            else:
                self._inert(child, key)

    def _image(self, element: Any, kind: str, depth: int) -> None:
        """An <image> or <textinput>: nothing we read, but its title moves `title_depth`, and
        feedparser leaves the image on any other unprefixed child (we step aside then)."""
        self.title_depth = -1
        allowed = IMAGE_PARTS if kind == "image" else TEXTINPUT_PARTS
        for child in element:
            key, prefixed = self.key(child)
            if key in allowed and not prefixed:
                if key == "title":
                    self._title(child, _attributes(child), depth + 1)
                else:
                    self._leaf(child)
            elif prefixed:
                self._inert(child, key)
            else:
                raise Unsupported(f"<{key}> inside <{kind}>")

    def _inert(self, element: Any, key: str) -> None:
        """An element that must not change what we read: no handler (or a harmless one), and
        nothing inside it that has one."""
        if key in HARMLESS:
            self._leaf(element)
            return
        if key in _HANDLED and key not in PASS_THROUGH:
            raise Unsupported(f"<{key}> here")
        if key not in PASS_THROUGH:
            stored = FeedParserDict.keymap.get(key, key)
            if (stored[0] if isinstance(stored, list) else stored) in _READ_KEYS:
                raise Unsupported(f"unknown <{key}> overwrites what we read")
        for child in element:
            self._inert(child, self.key(child)[0])

    @staticmethod
    def _leaf(element: Any) -> None:
        if len(element):
            raise Unsupported(f"elements inside <{element.tag}>")

    # --- entries ---------------------------------------------------------------------------

    def _entry(self, element: Any, attrs: dict, base: str, depth: int) -> dict:
        if "lastmod" in attrs or "href" in attrs:
            raise Unsupported("CDF item")
        self.title_depth = -1
        entry: dict = {}
        if attrs.get("rdf:about"):
            entry["id"] = attrs["rdf:about"]
        has_content = False
        # `_children`, inlined: this loop runs for every element of every entry.
        kinds = self._entry_kinds
        plain_base = self.base(base, {})
        for child in element:
            found = kinds.get(child.tag)
            if found is None:
                key = self.key(child)[0]
                found = kinds[child.tag] = (key, _ENTRY_KINDS.get(key))
            key, kind = found
            items = child.items()
            if items:  # `_attributes(child)`, inlined
                child_attrs = dict(_keyed_attributes(tuple(items)))
                has_base = "xml:base" in child_attrs or "base" in child_attrs
                child_base = self.base(base, child_attrs) if has_base else plain_base
            else:
                child_attrs, child_base = {}, plain_base
            if kind == "summary" and "summary" in entry and not has_content:
                kind = "content"  # a second summary without content is read as content
            # Elements without attributes (most, in RSS) are read here, as their readers
            # below would read them with no attributes, without the attribute handling.
            if kind == "title" and not child_attrs:
                value = _clean(_raw(child))
                if self._title_seen(value, depth + 1):
                    entry["title"] = value
            elif kind == "title":
                stored, value = self._title(child, child_attrs, depth + 1)
                if stored:
                    entry["title"] = value
            elif kind == "link" and not child_attrs:
                entry["link"] = _link_text(self._plain(child, base=child_base), in_entry=True)
            elif kind == "link":
                self._link(entry, child, child_attrs, child_base, in_entry=True)
            elif kind == "guid":
                self._guid(entry, child, child_attrs, child_base)
            elif kind == "published":
                entry["published_parsed"] = parse_date(_clean(_raw(child)))
            elif kind == "updated":
                entry["updated_parsed"] = parse_date(_clean(_raw(child)))
            elif kind == "author" and not _AUTHOR_KEYS.isdisjoint(entry):
                self._author(entry, child, child_base)
            elif kind == "author":
                self._first_author(entry, child, child_base)
            elif kind == "category" and not child_attrs and key != "media_category":
                _add_term(entry.setdefault("tags", []), _clean(_raw(child)))
            elif kind == "category":
                self._category(entry, child, child_attrs, key)
            elif kind == "content":
                has_content = True
                default = "text/html" if key == "content_encoded" else "text/plain"
                self._content(entry, child, child_attrs, child_base, default)
            elif kind == "summary":
                default = "text/plain" if key == "summary" else "text/html"
                self._summary(entry, child, child_attrs, child_base, default)
            elif kind == "enclosure":
                self._leaf(child)
                _enforce_href(child_attrs)
                child_attrs.pop("rel", None)
                entry.setdefault("enclosures", []).append(child_attrs)
            elif kind == "source":
                self._leaf(child)  # an RSS <source>: feedparser forgets its last title here
                self.title_depth = -1
            else:
                self._inert(child, key)
        return entry

    def _title(self, element: Any, attrs: dict, depth: int) -> tuple[bool, str]:
        """(whether feedparser stores it, the text): a title at a depth where a non-empty
        one was already seen is read but not stored."""
        value, _ = self._text(element, self._content_type(attrs, "text/plain"))
        return self._title_seen(value, depth), value

    def _title_seen(self, value: str, depth: int) -> bool:
        """Note a title read at `depth`; whether feedparser stores it."""
        stored = not (-1 < self.title_depth <= depth)
        if value:
            self.title_depth = depth
        return stored

    def _link(self, context: dict, element: Any, attrs: dict, base: str, *, in_entry: bool) -> None:
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        _enforce_href(attrs)
        if "href" not in attrs:
            context["link"] = _link_text(self._plain(element, base=base), in_entry=in_entry)
            return
        self._leaf(element)
        attrs["href"] = join(base or "", attrs["href"])
        if attrs["rel"] == "enclosure":
            enclosure = {k: v for k, v in attrs.items() if k != "rel"}
            context.setdefault("enclosures", []).append(enclosure)
        if attrs["rel"] == "alternate" and _Mixin.map_content_type(attrs["type"]) in _HTML_TYPES:
            context["link"] = attrs["href"]

    def _guid(self, context: dict, element: Any, attrs: dict, base: str) -> None:
        is_link = attrs.get("ispermalink", "true") == "true"
        value = self._plain(element, base=base if is_link else None)
        context["id"] = value
        if is_link:
            context.setdefault("link", value)

    def _author(self, context: dict, element: Any, base: str) -> None:
        context.setdefault("authors", []).append({})
        parts, text = self._author_parts(element, base)
        for key, value in parts:
            _save_author(context, key, value)
        context["author"] = text
        _sync_author(context)

    def _first_author(self, entry: dict, element: Any, base: str) -> None:
        """`_author` for an entry's first author: the same keys and values, without
        syncing them after every part (only the last sync's outcome survives)."""
        parts, text = self._author_parts(element, base)
        detail = dict(parts)
        entry["authors"] = [detail]
        entry["author"] = text
        if not detail:  # the author is the element's text: "Ann", "ann@example.org (Ann)"
            _sync_author(entry)
            return
        entry["author_detail"] = dict(detail)
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            entry["author"] = f"{name} ({email})"
        elif name or email:
            entry["author"] = name or email

    def _author_parts(self, element: Any, base: str) -> tuple[list[tuple[str, str]], str]:
        """An author element's (detail key, value) parts in order, and its own text."""
        parts = []
        text = element.text or ""  # and the text after each part
        for child in element:
            text += child.tail or ""
            key, _ = self.key(child)
            if key in AUTHOR_PARTS:
                self._leaf(child)
                parts.append((AUTHOR_PARTS[key], (child.text or "").strip()))
            elif key in AUTHOR_LINKS:
                link_base = self.base(base, _attributes(child))
                parts.append(("href", self._plain(child, base=link_base)))
            elif key not in _HANDLED and not child.attrib and not len(child):
                self._inert(child, key)  # its text is its own, not the author's
            else:
                raise Unsupported(f"<{key}> inside an author")
        return parts, _clean(text.strip())

    def _category(self, context: dict, element: Any, attrs: dict, key: str) -> None:
        if key == "media_category":
            attrs.setdefault("scheme", "http://search.yahoo.com/mrss/category_schema")
        tags = context.setdefault("tags", [])
        scheme = attrs.get("scheme", attrs.get("domain"))
        _add_tag(tags, attrs.get("term"), scheme, attrs.get("label"))
        _add_term(tags, _clean(_raw(element)))

    def _summary(self, entry: dict, element: Any, attrs: dict, base: str, default: str) -> None:
        value, content_type = self._text(element, self._content_type(attrs, default))
        entry["summary"] = value
        entry["summary_detail"] = {"type": content_type, "base": base, "value": value}

    def _content(self, entry: dict, element: Any, attrs: dict, base: str, default: str) -> None:
        declared = self._content_type(attrs, default)
        value, content_type = self._text(element, declared)
        detail = {"type": content_type, "base": base, "value": value}
        if default == "text/plain" and attrs.get("src"):
            detail["src"] = attrs["src"]
        entry.setdefault("content", []).append(detail)
        if declared == "text/plain" or declared in _HTML_TYPES:
            entry.setdefault("summary", value)

    # --- text --------------------------------------------------------------------------------

    @staticmethod
    def _content_type(attrs: dict, default: str) -> str:
        if not attrs:  # the defaults passed in are mapped and textual already
            return default
        return _declared_type(attrs.get("type", default), attrs.get("mode"))

    def _plain(self, element: Any, *, base: str | None = None) -> str:
        """An element's text as feedparser pops it, resolved against `base` when given."""
        text = _raw(element)
        if base is not None and text:
            text = join(base or "", text)
        return _clean(text)

    def _text(self, element: Any, content_type: str) -> tuple[str, str]:
        """(text, type) of a title, summary or content, as feedparser pops it."""
        text = self._xhtml(element).strip() if content_type == XHTML else _raw(element)
        if (
            content_type == "text/plain"
            and not self.version.startswith("atom")
            and _Mixin.looks_like_html(text)
        ):
            content_type = "text/html"
        return _clean(text), content_type

    def _xhtml(self, element: Any) -> str:
        pieces = [escape(element.text)] if element.text else []
        for child in element:
            self._markup(child, pieces)
        if self.version == "atom10":  # feedparser unwraps one enclosing <div>
            while len(pieces) > 1 and not pieces[-1].strip():
                del pieces[-1]
            while len(pieces) > 1 and not pieces[0].strip():
                del pieces[0]
            if pieces and (pieces[0] == "<div>" or pieces[0].startswith("<div ")):
                if pieces[-1] == "</div>" and _encloses(pieces):
                    pieces = pieces[1:-1]
        return "".join(pieces)

    def _markup(self, element: Any, pieces: list[str]) -> None:
        key, _ = self.key(element)
        name = element.tag.rpartition("}")[2].lower()
        if name in ("svg", "math") or key in _ENDS:
            raise Unsupported(f"<{key}> inside XHTML content")
        attrs = "".join(f' {k}="{escape(v, _QUOTE)}"' for k, v in _attributes(element).items())
        pieces.append(f"<{name}{attrs}>")
        if element.text:
            pieces.append(escape(element.text))
        for child in element:
            self._markup(child, pieces)
        pieces.append(f"</{name}>")
        if element.tail:
            pieces.append(escape(element.tail))


@lru_cache(maxsize=256)  # an Atom feed declares the same few types on every entry
def _declared_type(given: str, mode: str | None) -> str:
    """The content type feedparser reads from a `type` attribute; Unsupported if the content
    is not text (an image, base64)."""
    content_type = _Mixin.map_content_type(given)
    textual = content_type.startswith("text/") or content_type.endswith(("+xml", "/xml"))
    if mode == "base64" or not textual:
        raise Unsupported(f"base64 content ({content_type})")
    return content_type


def _raw(element: Any) -> str:
    if len(element):
        raise Unsupported(f"elements inside <{element.tag}>")
    return (element.text or "").strip()


def _encloses(pieces: list[str]) -> bool:
    """True if the first piece's element closes only at the last piece."""
    depth = 0
    for piece in pieces[:-1]:
        if piece.startswith("</"):
            depth -= 1
            if depth == 0:
                return False
        elif piece.startswith("<") and not piece.endswith("/>"):
            depth += 1
    return True
