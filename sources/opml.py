"""OPML: reading a subscription list a learner uploads, and writing the blogs they follow.

`parse` takes the uploaded bytes and returns the outlines worth following, folders flattened.
It is written for hostile files: at most MAX_BYTES and MAX_OUTLINES, and any DOCTYPE (so any
entity, internal or external) or XInclude is refused before a single blog is followed. lxml
runs without entity expansion, DTD loading or network access, the same settings as the feed
parser (`sources.connectors.feedparse`).
"""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from feeds.sanitize import plain_text
from sources.discovery import DiscoveryError
from sources.following import FollowError, follow_blog
from sources.models import Blog, FollowedBlog

MAX_BYTES = 1_000_000
MAX_OUTLINES = 500
MAX_ADDRESS = 2000
# Following a new blog fetches its feed; stop starting new ones before a web server's usual
# 30 s request timeout. Blogs already known to PLN Hub need no fetch, so importing the same
# file again finishes the rest.
IMPORT_SECONDS = 25.0

TOO_LARGE = "The file is larger than 1 MB. Split it into smaller OPML files."
TOO_MANY = f"The file lists more than {MAX_OUTLINES} feeds. Split it into smaller OPML files."
DOCTYPE_REFUSED = (
    "The file declares a DOCTYPE or XML entities, which PLN Hub refuses for safety. "
    "Nothing was imported."
)
XINCLUDE_REFUSED = "The file uses XInclude, which PLN Hub refuses for safety. Nothing was imported."
NO_FEEDS = "The file lists no feeds (no outline has an xmlUrl or htmlUrl)."

_PARSER_OPTIONS = {
    "resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False,
    "dtd_validation": False, "remove_comments": True, "remove_pis": True,
}  # fmt: skip
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_XINCLUDE = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class OpmlError(Exception):
    """The whole file is refused; `message` says why, for the learner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outline:
    """One feed listed in the file: where it is, and what it is called there (plain text)."""

    line: int
    title: str
    address: str  # xmlUrl, or htmlUrl when there is none


class Outcome:
    FOLLOWED = "followed"
    ALREADY = "already"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ImportResult:
    outline: Outline
    outcome: str  # an Outcome value
    message: str


def parse(data: bytes) -> list[Outline]:
    """The feeds `data` lists, in document order, nested outlines (folders) flattened.

    Raises OpmlError when the file is too large, is not well-formed XML, declares a DOCTYPE
    or entities, uses XInclude, is not OPML, lists no feed or more than MAX_OUTLINES.
    """
    if len(data) > MAX_BYTES:
        raise OpmlError(TOO_LARGE)
    if _DECLARATION.search(data):  # refused before lxml reads a single declaration
        raise OpmlError(DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"The file is not well-formed XML (line {exc.lineno}).") from None
    if root.getroottree().docinfo.doctype:  # one the byte search missed (UTF-16, say)
        raise OpmlError(DOCTYPE_REFUSED)
    if any(True for ns in _XINCLUDE for _ in root.iter(f"{{{ns}}}*")):
        raise OpmlError(XINCLUDE_REFUSED)
    body = root.find("{*}body")  # `{*}`: in any namespace or none
    if etree.QName(root).localname != "opml" or body is None:
        name = etree.QName(root).localname[:40]
        raise OpmlError(f"This XML file is not OPML (it starts with <{name}>, not <opml>).")
    outlines = []
    for element in body.iter("{*}outline"):
        attrs = {name.lower(): value for name, value in element.attrib.items()}
        address = (attrs.get("xmlurl") or attrs.get("htmlurl") or "").strip()
        if not address:
            continue  # a folder, or a note
        if len(outlines) == MAX_OUTLINES:
            raise OpmlError(TOO_MANY)
        title = plain_text(attrs.get("title") or attrs.get("text") or "", limit=300)
        outlines.append(Outline(line=element.sourceline or 0, title=title, address=address))
    if not outlines:
        raise OpmlError(NO_FEEDS)
    return outlines


def import_outlines(
    user, outlines: Iterable[Outline], *, time_budget: float = IMPORT_SECONDS
) -> list[ImportResult]:
    """Follow each outline's feed for `user`; one result per outline, in order.

    A failing outline does not stop the others. An outline with an xmlUrl is followed through
    that address: a blog PLN Hub knows needs no request, a new one one fetch of its feed
    (autodiscovery reads an HTML page only for an htmlUrl). Outlines not started within
    `time_budget` seconds are reported as skipped.
    """
    followed = set(FollowedBlog.objects.filter(user=user).values_list("blog_id", flat=True))
    deadline = time.monotonic() + time_budget
    results = []
    for outline in outlines:
        if time.monotonic() > deadline:
            message = "Not tried yet: the import ran out of time. Import the same file again."
            results.append(ImportResult(outline, Outcome.SKIPPED, message))
        else:
            results.append(_import_one(user, outline, followed))
    return results


def _import_one(user, outline: Outline, followed: set[int]) -> ImportResult:
    problem = _address_problem(outline.address)
    if problem:
        return ImportResult(outline, Outcome.ERROR, problem)
    try:
        blog = follow_blog(user, outline.address)
    except (DiscoveryError, FollowError) as exc:
        return ImportResult(outline, Outcome.ERROR, exc.message)
    if blog.pk in followed:
        return ImportResult(outline, Outcome.ALREADY, f"Already followed: {blog}")
    followed.add(blog.pk)
    return ImportResult(outline, Outcome.FOLLOWED, f"Now following {blog}")


def _address_problem(address: str) -> str:
    """Why `address` cannot be followed as it stands, or "" when it might be."""
    if len(address) > MAX_ADDRESS:
        return "The address is too long."
    parts = urlsplit(address)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "The address has an invalid port."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "Not a web address: it must start with http:// or https://."
    return ""


def build(blogs: Iterable[Blog], *, created: datetime) -> bytes:
    """An OPML 2.0 document listing `blogs` (title, feed and site addresses), UTF-8."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "Blogs followed on PLN Hub"
    etree.SubElement(head, "dateCreated").text = format_datetime(
        created.astimezone(UTC), usegmt=True
    )
    body = etree.SubElement(opml, "body")
    for blog in blogs:
        title = _xml_text(blog.title or blog.site_url or blog.feed_url)
        attrs = {"type": "rss", "text": title, "title": title, "xmlUrl": _xml_text(blog.feed_url)}
        if blog.site_url:
            attrs["htmlUrl"] = _xml_text(blog.site_url)
        etree.SubElement(body, "outline", attrib=attrs)
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry (lxml refuses them)."""
    return _NOT_XML_CHAR.sub("", value)
