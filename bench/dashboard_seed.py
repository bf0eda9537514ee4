"""Seeds the dashboard benchmark's corpus into an empty, migrated PostgreSQL database.

Server-side SQL (INSERT ... SELECT over generate_series), not the ORM: 1,000,000 items with
their source and hashtag links, 5,000 Sources (90% blog feeds, 10% Mastodon and Bluesky
hashtag streams), 500 hashtags, 2,000 people, and 1,000 learners who each follow ~50 blogs,
~10 hashtags and ~20 people, own one or two topics grouping some of those, and have read,
starred, saved or hidden some of their blogs' posts. Texts come from a pool of 997 made-up
paragraphs (copied in with COPY); each item's HTML is one paragraph of 300-500 characters, a
fifth of what a real blog post weighs, to keep seeding to a few minutes.

Every "random" choice is a hash of the row's number (`bench_u`), so two runs seed the same
corpus and each step can recompute what an earlier one chose (an item's source, say)
instead of storing it. Item ids follow publication time (a year, newest last) as they would
in a database filled by polling. Activity is skewed: a few blogs, hashtags and streams
produce much of the content, and the most followed blogs are not the busiest ones.

Run it through `bench/run-dashboard`, or alone: `python bench/dashboard_seed.py --items N`.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pln.settings")

import django

django.setup()

from django.db import connection, connections

TEXTS = 997  # a prime: item g uses text g % TEXTS, so neighbours differ
WORDS = (
    "learning network open course blog post reading notes connectivism community practice "
    "teacher student feedback assessment inquiry curiosity research method theory design "
    "digital literacy media sharing reflection portfolio project peer review discussion "
    "forum hashtag stream conference keynote workshop lesson plan curriculum pedagogy "
    "online classroom remote hybrid access equity inclusion language science history maths "
    "art music code data privacy ethics tool platform federated social mastodon bluesky "
    "rss feed reader archive library citation source evidence argument question answer idea "
    "week today yesterday again first last small large simple hard new old good better"
).split()

SEEDED_TABLES = [
    "sources_hashtag", "sources_source", "sources_blog", "feeds_person", "feeds_item",
    "feeds_item_sources", "feeds_item_hashtags", "accounts_user", "sources_followedblog",
    "sources_followedhashtag", "sources_followedperson", "sources_topic",
    "sources_topic_hashtags", "sources_topic_blogs", "sources_topic_people", "feeds_itemstate",
]  # fmt: skip

# bench_u(n, salt): a uniform number in [0, 1) that depends only on (n, salt).
FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_u(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(n, salt) & 2147483647)::float8 / 2147483648.0 $$;
CREATE OR REPLACE FUNCTION bench_source(g bigint, items bigint, blogs int, streams int)
    RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN g % 10 = 0
        THEN blogs + 1 + floor(streams * bench_u(g, 1) ^ 2)::int
        ELSE 1 + floor(blogs * bench_u(g, 1) ^ 2)::int END $$;
"""

# Each step: (label, SQL). Parameters: items, blogs, streams, mastodon (streams on Mastodon,
# the rest are on Bluesky), hashtags, people, blog_authors, learners.
STEPS = [
    ("hashtags", """
INSERT INTO sources_hashtag (id, name, display, created_at)
SELECT h, 'tag' || h, 'Tag' || h, now() - interval '400 days'
FROM generate_series(1, %(hashtags)s) h
"""),
    ("sources and blogs", """
INSERT INTO sources_source (id, platform, url, title, etag, last_modified, cursor, next_poll_at,
    interval, consecutive_failures, last_polled_at, last_success_at, last_error, created_at,
    hashtag_id, pause_reason)
SELECT s,
    CASE WHEN s <= %(blogs)s THEN 'feed' WHEN s <= %(blogs)s + %(mastodon)s THEN 'mastodon'
        ELSE 'bluesky' END,
    CASE WHEN s <= %(blogs)s THEN 'https://blog' || s || '.example/feed.xml'
        WHEN s <= %(blogs)s + %(mastodon)s
            THEN 'https://mastodon.example/api/v1/timelines/tag/tag' || (s - %(blogs)s)
        ELSE 'https://bsky.example/xrpc/app.bsky.feed.searchPosts?q=%%23tag'
            || (s - %(blogs)s - %(mastodon)s) END,
    CASE WHEN s <= %(blogs)s THEN 'Blog ' || s ELSE '' END,
    '', '', '', now() + interval '1 hour', interval '1 hour', 0, now(), now(), '',
    now() - interval '400 days',
    CASE WHEN s <= %(blogs)s THEN NULL
        WHEN s <= %(blogs)s + %(mastodon)s THEN s - %(blogs)s
        ELSE s - %(blogs)s - %(mastodon)s END,
    ''
FROM generate_series(1, %(blogs)s + %(streams)s) s;
INSERT INTO sources_blog (id, site_url, feed_url, title, kind, created_at, source_id)
SELECT b, 'https://blog' || b || '.example/', 'https://blog' || b || '.example/feed.xml',
    'Blog ' || b, 'feed', now() - interval '400 days', b
FROM generate_series(1, %(blogs)s) b
"""),
    ("people", """
INSERT INTO feeds_person (id, platform, external_id, handle, name, profile_url, avatar_url,
    created_at, updated_at)
SELECT p, x.platform, x.platform || '-person-' || p, 'person' || p, 'Person ' || p,
    'https://people.example/' || p, '', now(), now()
FROM generate_series(1, %(people)s) p,
LATERAL (SELECT CASE WHEN p <= %(blog_authors)s THEN 'feed'
    WHEN p <= %(blog_authors)s + (%(people)s - %(blog_authors)s) * 3 / 5 THEN 'mastodon'
    ELSE 'bluesky' END AS platform) x
"""),
    ("items", """
INSERT INTO feeds_item (id, platform, external_id, url, title, html, author_id,
    published_at, fetched_at, updated_at, media, reply_count, like_count, repost_count, hidden,
    content_hash)
SELECT g, x.platform, x.url, x.url,
    CASE WHEN x.platform = 'feed' THEN t.title ELSE '' END,
    '<p>' || t.text || '</p>',
    CASE WHEN x.platform = 'feed' THEN 1 + (x.source - 1) %% %(blog_authors)s
        WHEN x.platform = 'mastodon'
            THEN %(blog_authors)s + 1 + floor(x.masto_people * bench_u(g, 3) ^ 1.5)::int
        ELSE %(blog_authors)s + x.masto_people + 1
            + floor((%(people)s - %(blog_authors)s - x.masto_people) * bench_u(g, 3) ^ 1.5)::int
        END,
    x.published, x.published, x.published, '[]'::jsonb, 0, 0, 0, false, ''
FROM generate_series(1, %(items)s) g
CROSS JOIN LATERAL (
    SELECT s AS source,
        CASE WHEN s <= %(blogs)s THEN 'feed' WHEN s <= %(blogs)s + %(mastodon)s THEN 'mastodon'
            ELSE 'bluesky' END AS platform,
        CASE WHEN s <= %(blogs)s THEN 'https://blog' || s || '.example/posts/' || g
            ELSE 'https://social.example/posts/' || g END AS url,
        (%(people)s - %(blog_authors)s) * 3 / 5 AS masto_people,
        now() - interval '365 days' * (1 - g::float8 / %(items)s)
            - interval '6 hours' * bench_u(g, 2) AS published
    FROM (SELECT bench_source(g, %(items)s, %(blogs)s, %(streams)s) AS s) chosen
) x
JOIN bench_text t ON t.n = g %% %(texts)s
"""),
    ("item sources", """
INSERT INTO feeds_item_sources (item_id, source_id)
SELECT g, bench_source(g, %(items)s, %(blogs)s, %(streams)s) FROM generate_series(1, %(items)s) g
"""),
    # 0-3 hashtags per item, skewed towards the first (popular) ones; a stream's items also
    # carry the stream's hashtag. Rows go in in index order (ORDER BY): three times faster.
    ("item hashtags", """
INSERT INTO feeds_item_hashtags (item_id, hashtag_id)
SELECT g, 1 + floor(%(hashtags)s * bench_u(g * 4 + k, 4) ^ 2)::int
FROM generate_series(1, %(items)s) g, generate_series(1, 3) k
WHERE k <= floor(bench_u(g, 5) * 4)
UNION
SELECT g, CASE WHEN s <= %(blogs)s + %(mastodon)s THEN s - %(blogs)s
    ELSE s - %(blogs)s - %(mastodon)s END
FROM generate_series(10, %(items)s, 10) g,
LATERAL (SELECT bench_source(g, %(items)s, %(blogs)s, %(streams)s) AS s) x
ORDER BY 1, 2
"""),
    ("learners", """
INSERT INTO accounts_user (id, password, is_superuser, is_staff, is_active, date_joined, email,
    display_name, role, bio, blog_url, x_handle, mastodon_handle, bluesky_handle)
SELECT l, '!', false, false, true, now() - interval '300 days',
    'learner' || l || '@bench.example', 'Learner ' || l, 'learner', '', '', '', '', ''
FROM generate_series(1, %(learners)s) l
"""),
    # Blog follows: a rank skewed towards popular blogs, scattered over the blog ids with a
    # multiplier coprime to their count, so that popular is not the same as busy.
    ("follows", """
INSERT INTO sources_followedblog (user_id, blog_id, created_at)
SELECT DISTINCT l, 1 + (floor(%(blogs)s * bench_u(l * 100 + k, 6) ^ 1.5)::bigint * 7919)
    %% %(blogs)s, now()
FROM generate_series(1, %(learners)s) l, generate_series(1, 51) k;
INSERT INTO sources_followedhashtag (user_id, hashtag_id, created_at)
SELECT DISTINCT l, 1 + floor(%(hashtags)s * bench_u(l * 100 + k, 7) ^ 2)::int, now()
FROM generate_series(1, %(learners)s) l, generate_series(1, 11) k;
INSERT INTO sources_followedperson (user_id, person_id, created_at)
SELECT DISTINCT l, 1 + (floor(%(people)s * bench_u(l * 100 + k, 8) ^ 1.5)::bigint * 7907)
    %% %(people)s, now()
FROM generate_series(1, %(learners)s) l, generate_series(1, 20) k
"""),
    # One topic per learner, two for every other one, each grouping a share of their follows.
    ("topics", """
INSERT INTO sources_topic (id, name, slug, kind, visibility, description, created_at, owner_id)
SELECT (l - 1) * 2 + k, 'Topic ' || k || ' of learner ' || l, 'learner-' || l || '-topic-' || k,
    'personal', 'private', '', now(), l
FROM generate_series(1, %(learners)s) l, generate_series(1, 2) k WHERE k = 1 OR l %% 2 = 0;
INSERT INTO sources_topic_hashtags (topic_id, hashtag_id)
SELECT t.id, f.hashtag_id FROM sources_topic t
JOIN sources_followedhashtag f ON f.user_id = t.owner_id WHERE bench_u(t.id * 1000 + f.id, 9) < 0.4;
INSERT INTO sources_topic_blogs (topic_id, blog_id)
SELECT t.id, f.blog_id FROM sources_topic t
JOIN sources_followedblog f ON f.user_id = t.owner_id WHERE bench_u(t.id * 1000 + f.id, 10) < 0.25;
INSERT INTO sources_topic_people (topic_id, person_id)
SELECT t.id, f.person_id FROM sources_topic t
JOIN sources_followedperson f ON f.user_id = t.owner_id
WHERE bench_u(t.id * 1000 + f.id, 11) < 0.25
"""),
    # Reading state on the learner's blogs' posts: 30% of the last 30 days, 3% of the older
    # ones; of those, ~90% read, 5% favourites, 3% saved for later, 1% hidden.
    ("reading state", """
INSERT INTO feeds_itemstate (user_id, item_id, is_read, is_favourite, is_saved, is_hidden,
    updated_at)
SELECT f.user_id, s.item_id, r.v < 0.9, r.v2 < 0.05, r.v2 >= 0.05 AND r.v2 < 0.08,
    r.v2 >= 0.08 AND r.v2 < 0.09, now()
FROM sources_followedblog f
JOIN feeds_item_sources s ON s.source_id = f.blog_id
CROSS JOIN LATERAL (SELECT bench_u(s.item_id * 1000 + f.user_id, 12) AS p,
    bench_u(s.item_id * 1000 + f.user_id, 13) AS v,
    bench_u(s.item_id * 1000 + f.user_id, 14) AS v2) r
WHERE r.p < CASE WHEN s.item_id > %(items)s * 335 / 365 THEN 0.3 ELSE 0.03 END
ORDER BY 1, 2
"""),
]  # fmt: skip


def text_pool(rng: random.Random) -> io.StringIO:
    """TEXTS made-up posts as COPY rows: number, title, 300-500 characters of text."""
    rows = io.StringIO()
    for n in range(TEXTS):
        words: list[str] = []
        target = rng.randint(300, 500)
        while sum(len(w) + 1 for w in words) < target:
            words.append(rng.choice(WORDS))
        text = " ".join(words).capitalize() + "."
        title = " ".join(rng.sample(WORDS, 5)).capitalize()
        rows.write(f"{n}\t{title}\t{text}\n")
    rows.seek(0)
    return rows


def seed(
    *, items: int, sources: int, hashtags: int, people: int, learners: int, search_index: bool
) -> dict[str, float]:
    """Fill the (empty, migrated) database; returns seconds per step. Without
    `search_index`, the full-text index of migration feeds/0006 is dropped and not rebuilt:
    no measured view uses it, and building it on 1M items takes 1.5-3 minutes.

    Raises SystemExit when the database already holds items or users."""
    blogs = sources * 9 // 10
    streams = sources - blogs
    params = {
        "items": items, "blogs": blogs, "streams": streams, "mastodon": streams * 3 // 5,
        "hashtags": hashtags, "people": people, "blog_authors": people * 3 // 4,
        "learners": learners, "texts": TEXTS,
    }  # fmt: skip
    if streams * 3 // 5 > hashtags:
        raise SystemExit("need at least as many hashtags as Mastodon streams")
    timings: dict[str, float] = {}
    builder: Background | None = None
    with connection.cursor() as cursor:
        search_index_sql = prepare(cursor)
        for label, sql in STEPS:
            timed(timings, label, lambda sql=sql: cursor.execute(sql, params))
            if label == "items" and search_index and search_index_sql:
                # Building it takes one core for longer than all the steps after the items
                # together: on a second connection, it runs beside them.
                builder = Background(search_index_sql)
        for table in SEEDED_TABLES:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cursor.execute(f"SELECT setval({sequence}, max(id)) FROM {table}")  # noqa: S608
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("DROP FUNCTION bench_source(bigint, bigint, int, int)")
        cursor.execute("DROP FUNCTION bench_u(bigint, bigint)")
        if builder:
            timed(timings, "search index (waiting for it)", builder.join)
        elif search_index_sql:
            print("  feeds_item_search_gin dropped (--search-index keeps it)", flush=True)
        # VACUUM sets the visibility map and hint bits once, here, rather than leaving the
        # first reads (and autovacuum, mid-measurement) to do it; ANALYZE gives the planner
        # the statistics of the seeded data.
        timed(timings, "vacuum analyze", lambda: cursor.execute("VACUUM (ANALYZE)"))
    return timings


def prepare(cursor) -> str | None:
    """Check that the database is empty, set up the session, the functions and the text
    pool, and drop the full-text index (it is cheaper to build once than to keep up row by
    row); returns the SQL that recreates that index, if there was one."""
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM feeds_item) OR EXISTS (SELECT 1 FROM accounts_user)"
    )
    if cursor.fetchone()[0]:
        raise SystemExit("the database is not empty: seed a freshly migrated one")
    # A throwaway bulk load: skip the foreign-key triggers (every row is made consistent
    # here) and give the sorts room.
    cursor.execute("SET session_replication_role = replica")
    cursor.execute("SET work_mem = '256MB'")
    cursor.execute(FUNCTIONS)
    cursor.execute("CREATE TEMP TABLE bench_text (n int PRIMARY KEY, title text, text text)")
    pool = text_pool(random.Random(20261126))  # noqa: S311 (made-up text)
    cursor.cursor.copy_expert("COPY bench_text FROM STDIN", pool)
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'feeds_item_search_gin'")
    row = cursor.fetchone()
    if row:
        cursor.execute("DROP INDEX feeds_item_search_gin")
    return row[0] if row else None


class Background(threading.Thread):
    """One SQL statement run on a connection of its own; `join()` re-raises its error."""

    def __init__(self, sql: str) -> None:
        super().__init__(daemon=True)
        self.sql = sql
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute(self.sql)
        except BaseException as error:  # handed to the caller in join()
            self.error = error
        finally:
            connections["default"].close()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error:
            raise self.error


def timed(timings: dict[str, float], label: str, step) -> None:
    started = time.monotonic()
    step()
    timings[label] = time.monotonic() - started
    print(f"  {label}: {timings[label]:.1f}s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=5_000)
    parser.add_argument("--hashtags", type=int, default=500)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--learners", type=int, default=1_000)
    parser.add_argument(
        "--search-index", action="store_true", help="rebuild the full-text index (1.5-3 min)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    seed(
        items=args.items,
        sources=args.sources,
        hashtags=args.hashtags,
        people=args.people,
        learners=args.learners,
        search_index=args.search_index,
    )
    print(f"seeded in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
