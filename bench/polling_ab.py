#!/usr/bin/env python3
"""An interleaved A/B of the first poll: two checkouts of PLN Hub take turns polling the same
blog feeds, so that both see the same moments of this machine's drifting speed.

    bench/polling_ab.py OLD_TREE NEW_TREE --simulator URL [--feeds 100] [--turns 8]

Each tree runs in its own process (`--serve TREE`: Django set up from that tree, its own
database `<name>_ab0` / `<name>_ab1` created on the PostgreSQL server of `DATABASE_URL` and
migrated by that tree). In each turn a tree empties its tables, adds one Source per feed and
polls them with its own `feeds.polling.poll_sources`, 20 at a time, in process: no Celery,
so the figures are the poll's own work. The simulator must serve at least `--feeds` blogs
(`python -m simulator --blogs 1000 ...`) and its host must be allowed
(`PLN_NET_ALLOWED_PRIVATE_HOSTS`). Prints, per tree, the medians of the CPU milliseconds per
feed of its process and of its PostgreSQL backend, and of the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BATCH = 20  # Sources per poll_sources call, as PLN_POLL_BATCH dispatches them


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(tree: Path, simulator: str) -> None:
    """Answer "START COUNT" lines with the figures of one first poll of those feeds."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pln.settings")
    import django  # noqa: PLC0415 (the tree's own, imported once its path is set)

    django.setup()
    from django.apps import apps  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from feeds.polling import poll_sources  # noqa: PLC0415
    from pln.celery import freeze_startup_objects  # noqa: PLC0415
    from simulator.formats import FORMATS  # noqa: PLC0415
    from sources.models import Hashtag, Source  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    freeze_startup_objects()  # the collector set up as each tree's worker sets it up
    tables = [m._meta.db_table for m in apps.get_app_config("feeds").get_models()]
    tables += [Source._meta.db_table, Hashtag._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    print("ready", flush=True)
    for line in sys.stdin:
        start, count = map(int, line.split())
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        ids = [
            source.pk
            for source in Source.objects.bulk_create(
                Source(
                    platform="feed",
                    url=f"{simulator}/blogs/{i}/{FORMATS[i % len(FORMATS)].filename}",
                    title=f"blog {i}",
                )
                for i in range(start, start + count)
            )
        ]
        cpu, database, wall = time.process_time(), _cpu_seconds(backend), time.perf_counter()
        outcomes = [o for i in range(0, len(ids), BATCH) for o in poll_sources(ids[i : i + BATCH])]
        figures = {
            "cpu": time.process_time() - cpu,
            "database": _cpu_seconds(backend) - database,
            "wall": time.perf_counter() - wall,
            "stored": sum(o.value == "stored" for o in outcomes),
        }
        print(json.dumps(figures), flush=True)


def _database_url(base: str, suffix: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _create_database(base: str, name_url: str) -> None:
    import psycopg2  # noqa: PLC0415

    name = urlsplit(name_url).path.lstrip("/")
    connection = psycopg2.connect(base)
    connection.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def compare(
    trees: list[Path], simulator: str, feeds: int, turns: int, *, verbose: bool = False
) -> None:
    base = os.environ["DATABASE_URL"]
    workers = []
    for n, tree in enumerate(trees):
        url = _database_url(base, f"_ab{n}")
        _create_database(base, url)
        python = tree / ".venv" / "bin" / "python"
        workers.append(
            subprocess.Popen(  # noqa: S603 (this script, on the trees given)
                [str(python if python.exists() else sys.executable), __file__, "--serve",
                 str(tree), "--simulator", simulator],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                env={**os.environ, "DATABASE_URL": url},
            )
        )  # fmt: skip
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            sys.exit("a tree did not start")

    def turn(worker: subprocess.Popen, start: int) -> dict:
        worker.stdin.write(f"{start} {feeds}\n")
        worker.stdin.flush()
        figures = json.loads(worker.stdout.readline())
        if figures["stored"] != feeds:
            sys.exit(f"only {figures['stored']} of {feeds} feeds stored")
        return figures

    for worker in workers:  # untimed: imports, caches, the simulator's own first answers
        turn(worker, 0)
    results: list[list[dict]] = [[], []]
    for n in range(turns):
        order = [0, 1] if n % 2 == 0 else [1, 0]
        for i in order:
            results[i].append(turn(workers[i], (n * feeds) % 1000))
        if verbose:
            print(" | ".join(f"{r[-1]['cpu']:.2f} {r[-1]['database']:.2f}" for r in results))
    for worker in workers:
        worker.stdin.close()
        worker.wait()

    print(f"first poll of {feeds} feeds, {turns} turns each; medians, ms per feed")
    print(f"{'':<44}{'process CPU':>12}{'PostgreSQL':>12}{'wall':>10}")
    for tree, rows in zip(trees, results, strict=True):
        cpu, database, wall = (
            statistics.median(r[key] for r in rows) * 1000 / feeds
            for key in ("cpu", "database", "wall")
        )
        print(f"{str(tree)[-44:]:<44}{cpu:>12.2f}{database:>12.2f}{wall:>10.2f}")
    # The turns were taken in pairs, one of each tree back to back: the median of the pairs'
    # ratios is steadier than the ratio of the medians when the machine's speed drifts.
    ratios = [
        statistics.median(new[key] / old[key] for old, new in zip(*results, strict=True))
        for key in ("cpu", "database", "wall")
    ]
    print(f"{'new / old, median of the pairs':<44}" + "".join(
        f"{ratio:>{width}.3f}" for ratio, width in zip(ratios, (12, 12, 10), strict=True)
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--simulator", required=True, help="the simulator's base URL")
    parser.add_argument("--feeds", type=int, default=100, help="feeds polled per turn")
    parser.add_argument("--turns", type=int, default=8, help="timed turns per tree")
    parser.add_argument("--verbose", action="store_true", help="print each turn's seconds")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve.resolve(), args.simulator.rstrip("/"))
    elif len(args.trees) == 2:
        compare([t.resolve() for t in args.trees], args.simulator.rstrip("/"), args.feeds,
                args.turns, verbose=args.verbose)  # fmt: skip
    else:
        parser.error("give two trees")


if __name__ == "__main__":
    main()
