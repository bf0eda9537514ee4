"""Parser throughput on the simulator's feeds: feedparser against the lxml fast path.

`python bench/parse.py [--blogs 40] [--posts 50] [--post-chars 1350]` renders the feeds
in-process (no HTTP), checks that both paths give the same records, and prints feeds/s for
each (one core, best of three runs), plus what sanitising those records costs, and how fast
this host is against the one issue 3's figures were measured on.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pln.settings")

import django

django.setup()

import feedparser

from feeds.sanitize import clean_html, plain_text
from simulator.blogs import BlogSet
from simulator.formats import JSONFEED
from sources.connectors import rss

BASE = "http://127.0.0.1:8765"
# Issue 3 set its targets beside figures measured on "this 2-core machine", among them
# feedparser with its default options (it sanitises) at 47 ms a feed of this shape. Machines
# of this kind differ in speed (more than two times, seen here), so this benchmark measures
# the same thing again, as one gauge of the host's speed against the issue's. (The issue's
# other parser figures gauge it differently: fastfeedparser 0.59 ms a feed there took 0.80
# here, on the day feedparser said this host was 1.5 times as fast.)
ANCHOR_FEEDPARSER_MS = 47


def best_rate(work, count: int, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blogs", type=int, default=40)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--post-chars", type=int, default=1350)
    args = parser.parse_args()
    blogs = BlogSet(count=args.blogs, seed=1, posts_per_blog=args.posts, post_chars=args.post_chars)
    feeds = [
        (
            blog.format.name,
            *blogs.feed_body(blog, BASE)[:1],
            f"{BASE}{blog.path}{blog.format.filename}",
        )
        for blog in blogs.blogs
        if blog.format is not JSONFEED
    ]
    for _, body, url in feeds:
        if rss.parse_xml(body, url=url) != rss.parse_xml(body, url=url, fast=False):
            sys.exit(f"the two parsers disagree on {url}")
    records = [item for _, body, url in feeds for item in rss.parse_xml(body, url=url).items]
    html_bytes = sum(len(r.html) for r in records) / len(records)

    print(f"{len(feeds)} RSS 2.0 / Atom / RSS 1.0 feeds, {args.posts} posts each, "
          f"{html_bytes:,.0f} characters of HTML per post on average")  # fmt: skip
    print(f"{'':<34}{'feeds/s':>10}{'ms/feed':>10}")
    for label, fast in (("feedparser, no sanitising", False), ("feedparse (lxml fast path)", True)):
        rate = best_rate(
            lambda fast=fast: [rss.parse_xml(b, url=u, fast=fast) for _, b, u in feeds], len(feeds)
        )
        print(f"{label:<34}{rate:>10,.0f}{1000 / rate:>10.2f}")
    rate = best_rate(lambda: [feedparser.parse(body) for _, body, _ in feeds], len(feeds))
    print(f"{'feedparser, default options':<34}{rate:>10,.0f}{1000 / rate:>10.2f}")
    print(f"  issue 3 measured this at {ANCHOR_FEEDPARSER_MS} ms/feed: by this gauge the host is "
          f"{ANCHOR_FEEDPARSER_MS * rate / 1000:.2f} times as fast as the issue's")  # fmt: skip
    for name in sorted({name for name, _, _ in feeds}):
        subset = [(b, u) for n, b, u in feeds if n == name]
        rate = best_rate(
            lambda subset=subset: [rss.parse_xml(b, url=u) for b, u in subset], len(subset)
        )
        print(f"  fast path, {name:<22}{rate:>10,.0f}{1000 / rate:>10.2f}")

    def sanitise() -> None:  # what ingest does to each post's HTML and title
        for record in records:
            clean_html(record.html, base_url=record.base_url)
            plain_text(record.title, limit=500)

    per_feed = len(records) / len(feeds)
    rate = best_rate(sanitise, len(records)) / per_feed
    print(f"{'sanitising (clean_html + title)':<34}{rate:>10,.0f}{1000 / rate:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
