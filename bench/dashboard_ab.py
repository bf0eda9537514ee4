#!/usr/bin/env python3
"""An interleaved A/B of the dashboard: two checkouts of PLN Hub take turns, request by request,
on one seeded database, so that both see the same moments of this machine's drifting speed.

    bench/dashboard_ab.py OLD_TREE NEW_TREE [--view first|tag|topic] [--requests N]

Each tree runs in its own process (`--serve TREE`: Django set up from that tree, 30 seeded
learners logged in on test clients, one request per line read). The database and Redis are
those of the environment (`DATABASE_URL`, `REDIS_URL`), already seeded by
`bench/dashboard_seed.py`, e.g. with the services of `bench/run-dashboard` kept up. Both trees
must work on that schema. Prints p50, p95 and the mean of each, after 30 untimed turns.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

LEARNERS = 30
WARM_UP = 30


def serve(tree: Path) -> None:
    """Answer "go" lines with the server time in ms of one request of `--view`."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    os.chdir(tree)
    import dashboard  # noqa: PLC0415 (the tree's own, imported once its path is set)

    learners = dashboard.make_learners(LEARNERS, random.Random(3))  # noqa: S311
    for learner in learners:
        dashboard.warm_counts(learner)
    print("ready", flush=True)
    for turn, line in enumerate(sys.stdin):
        learner = learners[turn % len(learners)]
        query = {"tag": f"?tag={learner.tag}", "topic": f"?topic={learner.topic}"}.get(
            line.strip(), ""
        )
        started = time.perf_counter()
        response = learner.client.get("/" + query)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{tree}: HTTP {response.status_code}")
        print(f"{elapsed:.3f}", flush=True)


def compare(trees: list[Path], view: str, requests: int) -> None:
    workers = [
        subprocess.Popen(  # noqa: S603 (this script, on the trees given)
            [sys.executable, __file__, "--serve", str(tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tree in trees
    ]
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            sys.exit("a tree could not start")
    times: list[list[float]] = [[], []]
    for turn in range(WARM_UP + requests):
        for j in (turn % 2, 1 - turn % 2):  # who goes first alternates
            workers[j].stdin.write(view + "\n")
            workers[j].stdin.flush()
            elapsed = float(workers[j].stdout.readline())
            if turn >= WARM_UP:
                times[j].append(elapsed)
    for worker in workers:
        worker.stdin.close()
        worker.wait()
    for tree, ms in zip(trees, times, strict=True):
        ms.sort()
        p50, p95 = ms[len(ms) // 2], ms[int(len(ms) * 0.95)]
        print(f"{tree}  {view}: p50 {p50:.1f}  p95 {p95:.1f}  mean {statistics.mean(ms):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="the old tree, then the new one")
    parser.add_argument("--view", choices=["first", "tag", "topic"], default="first")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per tree")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve.resolve())
    elif len(args.trees) == 2:
        compare([tree.resolve() for tree in args.trees], args.view, args.requests)
    else:
        parser.error("give two trees")


if __name__ == "__main__":
    main()
