"""The polling benchmark: a real Celery worker on PostgreSQL and Redis against the simulator.

Run through `bench/run`, which starts the services and the simulator and passes
`--simulator URL`. Creates one Source per stream (1,000 blog feeds; 200 Mastodon hashtag
streams when that connector and simulator exist), starts `celery worker` (prefork), then:

1. first poll: every Source due, dispatched through `feeds.tasks.dispatch_due_sources`; the
   wall time until every Source has polled, checking that every post was stored;
2. no-change round: every Source due again; nothing changed, so feeds answer 304 and
   hashtag streams come back empty; the wall time until every Source has polled again;

sampling the worker's memory (VmRSS summed over its process tree every 100 ms, PSS every second).
Prints a table; `--json FILE` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pln.settings")
# The simulator serves every blog and stream from one host, where real ones live on as many
# hosts. Under the per-host cap (20 a dispatch) the dispatcher, which runs here, would hand
# them out 20 at a time: 60 calls, each reading every due Source again (~0.6 CPU-seconds a
# round, on the cores the worker uses). Real blogs on their own hosts go out in one call.
os.environ.setdefault("PLN_DISPATCH_PER_HOST", "100000")

import django
import requests  # noqa: TID251 (the benchmark warms our own simulator)

django.setup()

from django.conf import settings
from django.db import connection
from django.utils import timezone

from feeds.models import Item, SearchBacklog
from feeds.tasks import dispatch_due_sources, index_search_task
from pln import celery_app
from simulator.formats import FORMATS
from sources.connectors import CONNECTORS
from sources.models import Source

ROUND_TIMEOUT = 300  # seconds: a round that takes longer is reported as failed


@dataclass(frozen=True)
class StreamKind:
    """A kind of stream the benchmark polls: `count` Sources of `platform`, the i-th at
    `url(simulator_base_url, i)`, whose first poll should store `items_each` items."""

    name: str
    platform: str
    count: int
    url: Callable[[str, int], str]
    items_each: int


def stream_kinds(*, blogs: int, posts: int, hashtags: int) -> list[StreamKind]:
    """Blog feeds always; Mastodon tag streams once that connector and its simulator exist.
    (Bluesky and X streams go here the same way when they land.)"""
    kinds = [
        StreamKind(
            "blog feeds",
            "feed",
            blogs,
            lambda base, i: f"{base}/blogs/{i}/{FORMATS[i % len(FORMATS)].filename}",
            posts,
        )
    ]
    if hashtags and "mastodon" in CONNECTORS and (ROOT / "simulator" / "mastodon.py").exists():
        from sources.connectors.mastodon import target_url

        # Four fake servers: each allows 300 requests per 5 minutes, and two rounds of 200
        # streams on one server would run into it. Unknown tags are empty timelines.
        kinds.append(
            StreamKind(
                "Mastodon tag streams",
                "mastodon",
                hashtags,
                lambda base, i: target_url(f"{base}/mastodon/bench{i % 4}.example", f"tag{i}"),
                0,
            )
        )
    return kinds


# --- the worker and its memory ---------------------------------------------------------------


def start_worker(args: argparse.Namespace, log_path: Path) -> subprocess.Popen:
    name = f"pln-bench-{uuid.uuid4().hex[:8]}@localhost"
    command = [
        sys.executable, "-m", "celery", "-A", "pln", "worker", "--pool=prefork",
        f"--concurrency={args.concurrency}", f"--prefetch-multiplier={args.prefetch}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", "celery", "-n", name, "--loglevel=WARNING",
    ]  # fmt: skip
    env = {**os.environ, "PLN_NET_ALLOWED_PRIVATE_HOSTS": args.allowed_host}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            sys.exit(f"The worker did not start:\n{log_path.read_text(errors='replace')}")
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def _kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """VmRSS summed over the worker's process tree every 100 ms, PSS every second (reading
    smaps_rollup makes the kernel walk every page table: ~8 ms for a 300 MB process, and
    at two reads a second those walks were a third of the harness's CPU, taken from the two
    cores the system under test uses); keeps the peaks. The tree is walked again every 2 s
    only: walking all of /proc ten times a second cost the harness seconds of CPU too."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.done = threading.Event()

    def sample(self, pids: list[int] | None = None, *, pss: bool = True) -> tuple[int, int]:
        pids = pids or process_tree(self.pid)
        rss = sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
        pss_kb = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) if pss else 0
        return rss, pss_kb

    def run(self) -> None:
        ticks = 0
        pids = process_tree(self.pid)
        while not self.done.wait(0.1):
            ticks += 1
            if ticks % 20 == 0:
                pids = process_tree(self.pid)
            rss, pss = self.sample(pids, pss=ticks % 10 == 0)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)


# --- where the CPU goes ----------------------------------------------------------------------

CPU_ROLES = ("worker", "postgres", "simulator", "redis", "harness")


def cpu_seconds(worker_pid: int) -> dict[str, float]:
    """CPU time (user + system) used so far by each role's processes. Processes are
    told apart by their command name (postgres, redis-server) or command line (the
    simulator), so run the benchmark on a machine without other copies of them."""
    worker = set(process_tree(worker_pid))
    ticks = dict.fromkeys(CPU_ROLES, 0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rpartition(")")[2].split()
        # utime and stime, plus cutime and cstime: the CPU of exited children it has reaped
        # (PostgreSQL's backends for closed connections).
        used = sum(int(n) for n in fields[11:15])
        pid = int(entry)
        if pid in worker:
            ticks["worker"] += used
        elif pid == os.getpid():
            ticks["harness"] += used
        elif comm.startswith("postgres") or cmdline.startswith(b"postgres"):
            ticks["postgres"] += used
        elif comm.startswith("redis-server"):
            ticks["redis"] += used
        elif b"-m\x00simulator" in cmdline:
            ticks["simulator"] += used
    hertz = os.sysconf("SC_CLK_TCK")
    return {role: n / hertz for role, n in ticks.items()}


# --- rounds ------------------------------------------------------------------------------------


def autovacuum_runs() -> int:
    """Autovacuum and autoanalyze runs so far on this database's tables: PostgreSQL's own
    upkeep after many inserts, which runs on the cores the round uses."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables"
        )
        return int(cursor.fetchone()[0])


def make_due() -> None:
    Source.objects.update(next_poll_at=timezone.now(), claimed_until=None)


def run_round(label: str, total: int, worker_pid: int) -> dict:
    """Make every Source due, dispatch as beat would, and wait until all have polled."""
    make_due()
    upkeep_before = autovacuum_runs()
    cpu_before = cpu_seconds(worker_pid)
    started_at = timezone.now()
    started = time.monotonic()
    dispatched = 0
    while (sent := dispatch_due_sources()) > 0:  # at most 2,000 a call
        dispatched += sent
    polled = Source.objects.filter(last_polled_at__gte=started_at)
    while (done := polled.count()) < total:
        if time.monotonic() - started > ROUND_TIMEOUT:
            break
        time.sleep(0.1)
    seconds = time.monotonic() - started
    cpu_after = cpu_seconds(worker_pid)
    cpu = {role: round(cpu_after[role] - cpu_before[role], 1) for role in CPU_ROLES}
    upkeep = autovacuum_runs() - upkeep_before
    failed = list(
        polled.filter(last_polled_at__gte=started_at, consecutive_failures__gt=0).values_list(
            "url", "last_error"
        )[:5]
    )
    return {
        "round": label, "seconds": round(seconds, 2), "dispatched": dispatched,
        "polled": done, "failed": failed, "cpu": cpu, "autovacuum_runs": upkeep,
    }  # fmt: skip


def warm_simulator(urls: list[str]) -> None:
    """Ask for every feed once before timing: a real platform serves its feeds from a cache,
    and rendering and compressing 1,000 feeds (~4 CPU seconds) is the simulator's work, not
    PLN Hub's, on the two cores they share."""
    with requests.Session() as session, ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda url: session.get(url, timeout=30).raise_for_status(), urls))


def run_indexing(worker_pid: int) -> dict:
    """Time the worker's search indexer (what beat runs every 15 s) through the backlog the
    first poll left: that work is kept off the poll itself."""
    backlog = SearchBacklog.objects.count()
    upkeep_before = autovacuum_runs()
    cpu_before = cpu_seconds(worker_pid)
    started = time.monotonic()
    for _ in range(backlog // settings.PLN_SEARCH_INDEX_LIMIT + 1):
        index_search_task.delay()
    while SearchBacklog.objects.exists() and time.monotonic() - started < ROUND_TIMEOUT:
        time.sleep(0.1)
    seconds = time.monotonic() - started
    cpu_after = cpu_seconds(worker_pid)
    return {
        "round": "search index", "seconds": round(seconds, 2), "dispatched": 0,
        "polled": 0, "failed": [], "items": backlog - SearchBacklog.objects.count(),
        "cpu": {role: round(cpu_after[role] - cpu_before[role], 1) for role in CPU_ROLES},
        "autovacuum_runs": autovacuum_runs() - upkeep_before,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", required=True, help="the simulator's base URL")
    parser.add_argument("--blogs", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=50, help="posts per blog feed")
    parser.add_argument("--hashtags", type=int, default=200, help="hashtag streams per kind")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=settings.CELERY_WORKER_CONCURRENCY,
        help="worker processes (default: the app's, PLN_WORKER_CONCURRENCY or cores + 1)",
    )
    parser.add_argument("--prefetch", type=int, default=1, help="worker_prefetch_multiplier")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--log", type=Path, default=ROOT / "var" / "bench-worker.log")
    args = parser.parse_args(argv)
    args.allowed_host = args.simulator.split("://", 1)[1].rstrip("/")

    kinds = stream_kinds(blogs=args.blogs, posts=args.posts, hashtags=args.hashtags)
    Source.objects.all().delete()
    Item.objects.all().delete()
    Source.objects.bulk_create(
        Source(platform=kind.platform, url=kind.url(args.simulator, i), title=f"{kind.name} {i}")
        for kind in kinds
        for i in range(kind.count)
    )
    warm_simulator(
        [u for u in Source.objects.filter(platform="feed").values_list("url", flat=True)]
    )
    total = sum(kind.count for kind in kinds)
    expected_items = sum(kind.count * kind.items_each for kind in kinds)
    connection.close()

    celery_app.control.purge()
    worker = start_worker(args, args.log)
    sampler = MemorySampler(worker.pid)
    idle_rss, idle_pss = sampler.sample()
    sampler.start()
    try:
        first = run_round("first poll", total, worker.pid)
        first["items"] = Item.objects.count()
        indexing = run_indexing(worker.pid)
        second = run_round("no change", total, worker.pid)
        second["items"] = Item.objects.count()
    finally:
        sampler.done.set()
        sampler.join()
        stop_worker(worker)

    figures = {
        "streams": {kind.name: kind.count for kind in kinds},
        "expected_items": expected_items,
        "concurrency": args.concurrency,
        "prefetch": args.prefetch,
        "rounds": [first, indexing, second],
        "worker_idle_rss_mb": round(idle_rss / 1024),
        "worker_idle_pss_mb": round(idle_pss / 1024),
        "worker_peak_rss_mb": round(sampler.peak_rss_kb / 1024),
        "worker_peak_pss_mb": round(sampler.peak_pss_kb / 1024),
    }
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    ok = (
        first["items"] == expected_items
        and second["items"] == expected_items
        and all(r["polled"] == total and not r["failed"] for r in (first, second))
        and indexing["items"] == expected_items
    )
    return 0 if ok else 1


def print_table(f: dict) -> None:
    streams = ", ".join(f"{n:,} {name}" for name, n in f["streams"].items())
    print(f"\nPLN Hub polling benchmark: {streams}; worker prefork x{f['concurrency']}, "
          f"prefetch {f['prefetch']}")  # fmt: skip
    print(f"{'':<28}{'seconds':>9}{'polled':>9}{'items':>9}")
    for r in f["rounds"]:
        print(f"{r['round']:<28}{r['seconds']:>9.2f}{r['polled']:>9,}{r['items']:>9,}")
        for url, error in r["failed"]:
            print(f"    FAILED {url}: {error}")
    print(f"items expected after the first poll: {f['expected_items']:,}")
    print(f"CPU seconds used in each round: {'':<2}" + "".join(f"{r:>10}" for r in CPU_ROLES))
    for r in f["rounds"]:
        print(f"    {r['round']:<28}" + "".join(f"{r['cpu'][role]:>10.1f}" for role in CPU_ROLES))
    print(
        f"worker memory, idle:  RSS {f['worker_idle_rss_mb']} MB, PSS {f['worker_idle_pss_mb']} MB"
    )
    upkeep = ", ".join(f"{r['round']} {r['autovacuum_runs']}" for r in f["rounds"])
    print(f"PostgreSQL autovacuum/autoanalyze runs in each round: {upkeep}")
    peak = f"RSS {f['worker_peak_rss_mb']} MB, PSS {f['worker_peak_pss_mb']} MB"
    print(f"worker memory, peak:  {peak} (summed over the worker's process tree)")


if __name__ == "__main__":
    sys.exit(main())
