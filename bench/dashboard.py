"""The dashboard benchmark: server time of the timeline views on a seeded PostgreSQL database.

Run through `bench/run-dashboard`, which starts the services, migrates and seeds the corpus
(bench/dashboard_seed.py). Measures, for learners drawn at random from a pool:

1. server time per view: Django's test `Client` in this process (DEBUG off), the wall time
   of `client.get()`, over `--requests` requests per view: the first page (sidebar counts
   cached and cold; items' cards cached and cold), "load more" (htmx fragments at pages 2
   and 20), page 20 as a full page, each filter's first page, the sidebar's counts request
   (none made yet; a count pending), and the unread count itself as the worker runs it
   (background work, no request waits for it); with the queries made and the time spent in
   them per request. A view
   stops early once its requests have taken `--budget` seconds, and a statement timeout
   (`--timeout`) cuts off runaway queries;
2. queries per page size: `feeds.timeline.page()` at sizes 10 and 30, to show that the count
   does not grow with the page;
3. throughput: the app under gunicorn on 127.0.0.1, `--clients` concurrent clients
   requesting first pages for `--duration` seconds; requests per second and latency.

Prints a table; `--json FILE` also writes the figures; `--explain` prints EXPLAIN (ANALYZE,
BUFFERS) of each view's timeline query for one learner.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pln.settings")
# Plain HTTP on 127.0.0.1 (no redirect to HTTPS), and the test client's host name.
os.environ.setdefault("PLN_HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

import django
import requests  # noqa: TID251 (the load generator talks to our own server, not the web)

django.setup()

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from feeds import counts, tasks, timeline
from feeds.filters import TimelineFilter
from sources.models import FollowedHashtag, FollowedPerson

TARGET_MS = 50.0
DEEP_PAGE = 20
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Learner:
    """A logged-in test client and what its requests need: cursors and filter values."""

    user: User
    client: Client
    tag: str
    topic: str
    person: int
    # The sidebar's unread counts in the shape feeds.counts caches them, every one at the
    # cap ("99+"): what "cached" puts in the cache when the real ones are not there.
    counts: dict[str, dict[str, int]]
    cursors: dict[int, str] = field(default_factory=dict)  # page number -> `after`


@dataclass(frozen=True)
class View:
    """One measured request: `params(learner)` gives the query string (None: skip this
    learner), `prepare(learner)` sets the counts' cache state before it, untimed. With
    `cards`, the cards of the items it shows are cached beforehand (`warm_cards`), as they
    are once anyone has seen those items; without, the whole cache is emptied first but for
    the counts (which `prepare` sets)."""

    name: str
    params: Callable[[Learner], dict[str, str] | None]
    htmx: bool = False
    prepare: Callable[[Learner], None] | None = None
    cards: bool = True
    path: str = "/"


def warm_counts(learner: Learner) -> None:
    """Fresh sidebar counts in the cache, as they are for a minute after they were made.
    Computing the real ones here would take longer than the measurements themselves."""
    cache.set(counts._key(learner.user), learner.counts, counts.KEEP)
    cache.set(counts._fresh_key(learner.user), True, counts.TTL)
    cache.delete(counts._pending_key(learner.user))  # no newer count asked for


def cold_counts(learner: Learner) -> None:
    """No sidebar counts at all and none being made, as for a learner's first view of the
    day: the page shows none and asks for them once loaded (the "sidebar counts" request,
    which asks the worker for a count)."""
    user = learner.user
    cache.delete_many([counts._key(user), counts._fresh_key(user), counts._pending_key(user)])


def pending_counts(learner: Learner) -> None:
    """Stale counts, a fresh count asked of the worker and not made yet: what the sidebar
    block asks again for every second until the count is made."""
    cold_counts(learner)
    cache.set(counts._key(learner.user), learner.counts, counts.KEEP)
    counts.claim(learner.user)


def warm_cards(learner: Learner, params: dict[str, str]) -> None:
    """The cards of the items a request with `params` shows, in the cache (feeds.cards): a
    card is rendered once for every learner, so in use most are cached. This runs the
    page's query once, untimed."""
    filters = TimelineFilter.from_query(params)
    after = timeline.Cursor.decode(params.get("after"))
    items = timeline.timeline_items(learner.user, filters)
    timeline.page(items, after=after, with_cards=True)


def cold_cache(learner: Learner) -> None:
    """Nothing cached but the learner's counts: no card, no sidebar."""
    cache.clear()
    warm_counts(learner)


def at_page(n: int) -> Callable[[Learner], dict[str, str] | None]:
    return lambda learner: {"after": learner.cursors[n]} if n in learner.cursors else None


VIEWS = [
    View("first page", lambda _: {}, prepare=warm_counts),
    View("first page, counts cold", lambda _: {}, prepare=cold_counts),
    View("first page, cards cold", lambda _: {}, prepare=cold_cache, cards=False),
    View("load more: page 2 (htmx)", at_page(2), htmx=True),
    View(f"load more: page {DEEP_PAGE} (htmx)", at_page(DEEP_PAGE), htmx=True),
    View(
        f"load more: page {DEEP_PAGE}, cards cold",
        at_page(DEEP_PAGE),
        htmx=True,
        prepare=cold_cache,
        cards=False,
    ),
    View(f"page {DEEP_PAGE}, full page", at_page(DEEP_PAGE), prepare=warm_counts),
    View("?tag=", lambda learner: {"tag": learner.tag}, prepare=warm_counts),
    View("?topic=", lambda learner: {"topic": learner.topic}, prepare=warm_counts),
    View("?platform=mastodon", lambda _: {"platform": "mastodon"}, prepare=warm_counts),
    View("?person=", lambda learner: {"person": str(learner.person)}, prepare=warm_counts),
    View("?show=unread", lambda _: {"show": "unread"}, prepare=warm_counts),
    View("?show=favourites", lambda _: {"show": "favourites"}, prepare=warm_counts),
    # What a page whose counts were stale or missing asks for once loaded (htmx): the first
    # time it asks the worker for a count; then it asks again until the count is made.
    View(
        "sidebar counts, none yet (htmx)",
        lambda _: {},
        htmx=True,
        prepare=cold_counts,
        cards=False,
        path="/sidebar/counts/",
    ),
    View(
        "sidebar counts, pending (htmx)",
        lambda _: {"asked": "1"},
        htmx=True,
        prepare=pending_counts,
        cards=False,
        path="/sidebar/counts/",
    ),
]


# --- setting up the learners -----------------------------------------------------------------


def make_learners(n: int, rng: random.Random) -> list[Learner]:
    """`n` seeded learners at random, each logged in on its own client, with a followed
    hashtag, a topic and a followed person picked for the filters, and the cursors that
    open pages 2 and DEEP_PAGE of their timeline."""
    ids = sorted(User.objects.filter(email__endswith="@bench.example").values_list("pk", flat=True))
    if not ids:
        sys.exit("No seeded learners: run bench/dashboard_seed.py first.")
    learners = []
    for user in User.objects.filter(pk__in=rng.sample(ids, min(n, len(ids)))).order_by("pk"):
        client = Client()
        client.force_login(user)
        tags = list(FollowedHashtag.objects.filter(user=user).values_list("hashtag__name", flat=1))
        people = list(FollowedPerson.objects.filter(user=user).values_list("person_id", flat=1))
        topics = list(timeline.my_topics(user).values_list("slug", flat=True))
        sidebar = {
            "topics": dict.fromkeys(topics, counts.CAP),
            "hashtags": dict.fromkeys(tags, counts.CAP),
        }
        learner = Learner(
            user, client, rng.choice(tags), rng.choice(topics), rng.choice(people), sidebar
        )
        learner.cursors = page_cursors(user.pk, (2, DEEP_PAGE))
        learners.append(learner)
    return learners


# The learner's timeline in plain SQL, to find where its pages start without depending on
# how fast feeds.timeline is: items of the blogs, hashtags (tagged, or found by a hashtag
# stream) and people followed or gathered by the learner's topics, minus hidden ones (no
# group posts: the seed makes no groups). First what they follow, as arrays of ids...
FOLLOWED_SQL = """
WITH topic AS (
    SELECT id FROM sources_topic WHERE owner_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_members WHERE user_id = %(user)s
    UNION SELECT topic_id FROM sources_topic_coordinators WHERE user_id = %(user)s
), tag AS (
    SELECT hashtag_id FROM sources_followedhashtag WHERE user_id = %(user)s
    UNION SELECT hashtag_id FROM sources_topic_hashtags WHERE topic_id IN (SELECT id FROM topic)
)
SELECT ARRAY(
    SELECT b.source_id FROM sources_blog b
    WHERE b.id IN (SELECT blog_id FROM sources_followedblog WHERE user_id = %(user)s
        UNION SELECT blog_id FROM sources_topic_blogs WHERE topic_id IN (SELECT id FROM topic))
    UNION SELECT id FROM sources_source WHERE hashtag_id IN (SELECT hashtag_id FROM tag)
), ARRAY(SELECT hashtag_id FROM tag), ARRAY(
    SELECT person_id FROM sources_followedperson WHERE user_id = %(user)s
    UNION SELECT person_id FROM sources_topic_people WHERE topic_id IN (SELECT id FROM topic)
)
"""
# ... then newest first down the timeline index, each item checked with two index probes
# (OFFSET 0 keeps PostgreSQL from hashing every item of the followed hashtags first).
TIMELINE_SQL = """
SELECT i.published_at, i.id FROM feeds_item i
WHERE NOT i.hidden AND (
    EXISTS (SELECT 1 FROM feeds_item_sources x
        WHERE x.item_id = i.id AND x.source_id = ANY(%(sources)s::bigint[]) OFFSET 0)
    OR EXISTS (SELECT 1 FROM feeds_item_hashtags x
        WHERE x.item_id = i.id AND x.hashtag_id = ANY(%(tags)s::bigint[]) OFFSET 0)
    OR i.author_id = ANY(%(people)s::bigint[])
) AND NOT EXISTS (
    SELECT 1 FROM feeds_itemstate s WHERE s.item_id = i.id AND s.user_id = %(user)s AND s.is_hidden
)
ORDER BY i.published_at DESC, i.id DESC LIMIT %(limit)s
"""


def page_cursors(user_id: int, pages: tuple[int, ...]) -> dict[int, str]:
    """The `after` value that opens each of `pages` of a learner's unfiltered timeline."""
    size = timeline.PAGE_SIZE
    with connection.cursor() as cursor:
        cursor.execute(FOLLOWED_SQL, {"user": user_id})
        sources, tags, people = cursor.fetchone()
        limit = (max(pages) - 1) * size
        cursor.execute(TIMELINE_SQL, {
            "user": user_id, "sources": sources, "tags": tags, "people": people, "limit": limit
        })  # fmt: skip
        rows = cursor.fetchall()
    return {
        n: timeline.Cursor(*rows[(n - 1) * size - 1]).encode()
        for n in pages
        if len(rows) >= (n - 1) * size
    }


# --- measuring -------------------------------------------------------------------------------


class QueryMeter:
    """Counts the queries run on `connection` and the time spent in them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def summary(samples_ms: list[float]) -> dict[str, float]:
    samples_ms = samples_ms * 2 if len(samples_ms) < 2 else samples_ms
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "max": max(samples_ms)}


def measure_view(view: View, learners: list[Learner], args: argparse.Namespace, rng) -> dict:
    """Timed requests of `view` for random learners."""
    eligible = [learner for learner in learners if view.params(learner) is not None]

    def request(learner: Learner) -> bool:
        extra = HTMX if view.htmx else {}
        response = learner.client.get(view.path, view.params(learner), **extra)
        return response.status_code == 200 and (b"<html" in response.content) != view.htmx

    def prepare(learner: Learner) -> None:
        if view.prepare:
            view.prepare(learner)
        if view.cards and view.path == "/":
            warm_cards(learner, view.params(learner))

    return measure(view.name, eligible, request, prepare, args, rng)


def measure_counts(learners: list[Learner], args: argparse.Namespace, rng) -> list[dict]:
    """The unread count as the worker makes it (`feeds.tasks.count_unread_task`, run here:
    background work, which no request waits for), and the counts last made read from the
    cache (`feeds.counts.last_counts`, what every page does)."""
    tokens: dict[int, str] = {}

    def claim(learner: Learner) -> None:
        cold_counts(learner)
        tokens[learner.user.pk] = counts.claim(learner.user)

    def count(learner: Learner) -> bool:
        tasks.count_unread_task(learner.user.pk, tokens[learner.user.pk])
        return counts.last_counts(learner.user)[1]

    def read(learner: Learner) -> bool:
        return counts.last_counts(learner.user)[1]

    worker = measure("unread count (worker task)", learners, count, claim, args, rng)
    return [
        worker | {"background": True},
        measure("last counts read (cache)", learners, read, warm_counts, args, rng),
    ]


def measure(name: str, learners: list[Learner], call, prepare, args, rng) -> dict:
    """`args.requests` timed calls of `call(learner)` (True when the answer was right) for
    random learners, after three untimed ones; stops early once the calls have taken
    `args.budget` seconds in all. A call that raises (a statement timeout, say) counts as
    failed, with the time it took."""
    wall, sql, queries, failures = [], [], [], 0
    spent = 0.0
    for n in range(args.requests + 3):
        if spent > args.budget and wall:
            break
        learner = rng.choice(learners)
        if prepare:
            prepare(learner)
        meter = QueryMeter()
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            try:
                ok = call(learner)
            except Exception:  # noqa: BLE001 - reported as a failed request
                ok = False
            elapsed = time.perf_counter() - started
        spent += elapsed
        if n >= 3:  # the first ones warm up the connection and the caches
            failures += not ok
            wall.append(elapsed * 1000)
            sql.append(meter.seconds * 1000)
            queries.append(meter.count)
    return {
        "view": name, "requests": len(wall), "learners": len(learners), "failures": failures,
        "ms": summary(wall), "sql_ms": summary(sql), "queries": [min(queries), max(queries)],
    }  # fmt: skip


def queries_per_page_size(learner: Learner) -> dict[str, dict[int, int]]:
    """Queries `feeds.timeline.page()` makes for each filter at page sizes 10 and 30, as the
    timeline asks for it (with cards), none of them cached."""
    filters = {
        "no filter": TimelineFilter(),
        "tag": TimelineFilter(tag=learner.tag),
        "topic": TimelineFilter(topic=learner.topic),
        "unread": TimelineFilter(show="unread"),
    }
    found: dict[str, dict[int, int]] = {}
    for name, f in filters.items():
        found[name] = {}
        for size in (10, 30):
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                items = timeline.timeline_items(learner.user, f)
                timeline.page(items, after=None, size=size, user=learner.user, with_cards=True)
            found[name][size] = len(captured.captured_queries)
    return found


def explain(view: View, learner: Learner) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the timeline query behind `view` for `learner`, as
    `feeds.timeline.page()` makes it."""
    params = view.params(learner) or {}
    items = timeline.timeline_items(learner.user, TimelineFilter.from_query(params))
    after = timeline.Cursor.decode(params.get("after"))
    if after:
        items = items.filter(
            Q(published_at__lt=after.published_at)
            | Q(published_at=after.published_at, pk__lt=after.item_id)
        )
    query = items.order_by("-published_at", "-pk")[: timeline.PAGE_SIZE + 1]
    return query.explain(analyze=True, buffers=True)


# --- throughput under gunicorn ---------------------------------------------------------------


def start_gunicorn(port: int, args: argparse.Namespace) -> subprocess.Popen:
    workers, threads, log = args.workers, args.threads, args.log
    command = [
        sys.executable, "-m", "gunicorn", args.app, f"--bind=127.0.0.1:{port}",
        f"--workers={workers}", f"--threads={threads}", "--log-level=warning",
        "--backlog=256",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10).ok:
                    return process
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
    except BaseException:
        stop(process)
        raise


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def load_test(learners: list[Learner], args: argparse.Namespace) -> dict:
    """First pages requested by `args.clients` threads, each waiting for its answer before
    the next request, for a warm-up of 3 s and then `args.duration` seconds measured (the
    requests that finish in them); each request as a random learner, with the sidebar
    counts cached beforehand."""
    for learner in learners:
        warm_counts(learner)
    cookies = [learner.client.cookies[settings.SESSION_COOKIE_NAME].value for learner in learners]
    port = free_port()
    server = start_gunicorn(port, args)
    url = f"http://127.0.0.1:{port}/"
    start = time.monotonic() + 3
    end = start + args.duration
    done: list[tuple[float, float, int]] = []  # (started, seconds, status)

    def client(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 (picking learners)
        session = requests.Session()
        while (started := time.monotonic()) < end:
            cookie = {settings.SESSION_COOKIE_NAME: rng.choice(cookies)}
            try:
                status = session.get(url, cookies=cookie, timeout=30, allow_redirects=False)
                code = status.status_code
            except requests.RequestException:
                code = 0
            done.append((started, time.monotonic() - started, code))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop(server)
    measured = [(s, d, code) for s, d, code in done if start <= s + d <= end]  # finished
    latencies = [d * 1000 for _, d, code in measured if code == 200] or [float("nan")]
    return {
        "clients": args.clients, "workers": args.workers, "threads": args.threads,
        "seconds": args.duration, "requests": len(measured),
        "failures": sum(code != 200 for _, _, code in measured),
        "rps": len(measured) / args.duration, "ms": summary(latencies),
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the report ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per view")
    parser.add_argument("--budget", type=float, default=60.0, help="max seconds per view")
    parser.add_argument("--timeout", type=float, default=5.0, help="statement timeout, s")
    parser.add_argument("--learners", type=int, default=200, help="learners drawn from")
    parser.add_argument("--only", default="", help="measure only views whose name has this")
    parser.add_argument("--clients", type=int, default=20, help="0: no throughput test")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds under load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--app", default="pln.wsgi:application", help="the WSGI app to serve")
    parser.add_argument("--explain", action="store_true", help="print each view's plan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--log", type=Path, default=ROOT / "var" / "bench-gunicorn.log")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 (picking learners)
    # `kill` unwinds like Ctrl-C does, so that the gunicorn started here is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # A slow query is cut off rather than left to stall the run: here and in gunicorn.
    timeout = f"-c statement_timeout={args.timeout * 1000:.0f}"
    os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} {timeout}".strip()
    connection.close()

    speed_before = host_speed()
    started = time.monotonic()
    learners = make_learners(args.learners, rng)
    print(f"{len(learners)} learners logged in, cursors found in {time.monotonic() - started:.1f}s")
    views = [view for view in VIEWS if args.only in view.name]
    rows = [measure_view(view, learners, args, rng) for view in views]
    if "counts" in args.only or not args.only:
        rows += measure_counts(learners, args, rng)
    figures = {
        "corpus": corpus(), "views": rows,
        "queries_per_page_size": queries_per_page_size(learners[0]), "load": None,
        "host_speed_ms": [speed_before, host_speed()],
    }  # fmt: skip
    print_table(figures)
    if args.clients:
        figures["load"] = load = load_test(learners, args)
        print(f"under load: {load['clients']} clients, gunicorn {load['workers']} workers x "
              f"{load['threads']} threads, first pages for {load['seconds']:.0f}s: "
              f"{load['rps']:.1f} requests/s, p50 {load['ms']['p50']:.1f} ms, "
              f"p95 {load['ms']['p95']:.1f} ms, {load['failures']} failed")  # fmt: skip
    if args.explain:
        deep = next(learner for learner in learners if DEEP_PAGE in learner.cursors)
        for view in views:
            print(f"\n--- {view.name} (learner {deep.user.pk})\n{explain(view, deep)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    failures = sum(row["failures"] for row in rows) + (figures["load"] or {}).get("failures", 0)
    return 1 if failures else 0


def host_speed() -> float:
    """How long a fixed loop of plain Python takes here now, in ms (best of 5): a rough sign
    of this machine's speed, which drifts by up to half with the load on its host and which
    nothing else inside it shows. PostgreSQL's share of a request drifts more than it."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best * 1000


def corpus() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM feeds_item), (SELECT count(*) FROM sources_source),"
            " (SELECT count(*) FROM feeds_person), (SELECT count(*) FROM accounts_user)"
        )
        items, sources, people, users = cursor.fetchone()
    return {"items": items, "sources": sources, "people": people, "learners": users}


def print_table(f: dict) -> None:
    c = f["corpus"]
    sizes = f"{c['items']:,} items, {c['sources']:,} sources, {c['people']:,} people"
    print(f"\nPLN Hub dashboard benchmark: {sizes}, {c['learners']:,} learners")
    print("server time per request, ms (Django's test client in this process)")
    print(f"{'view':<33}{'n':>5}{'p50':>8}{'p95':>8}{'max':>8}{'SQL p50':>9}{'queries':>9}  target")
    for r in f["views"]:
        ms, sql = r["ms"], r["sql_ms"]
        low, high = r["queries"]
        queries = f"{low}" if low == high else f"{low}-{high}"
        verdict = "ok" if ms["p95"] < TARGET_MS else "MISSED"
        if r.get("background"):
            verdict = "background: no request waits for it"
        if r["failures"]:
            verdict += f", {r['failures']} failed"
        print(f"{r['view']:<33}{r['requests']:>5}{ms['p50']:8.1f}{ms['p95']:8.1f}{ms['max']:8.1f}"
              f"{sql['p50']:9.1f}{queries:>9}  {verdict}")  # fmt: skip
    before, after = f["host_speed_ms"]
    print(f"host speed: a fixed Python loop took {before:.0f} ms before, {after:.0f} ms after")
    print("queries made by feeds.timeline.page(), by page size:")
    for name, by_size in f["queries_per_page_size"].items():
        print(f"    {name:<12}" + "".join(f"  size {size}: {n}" for size, n in by_size.items()))


if __name__ == "__main__":
    sys.exit(main())
