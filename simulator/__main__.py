"""Run the simulator in the foreground until Ctrl-C or SIGTERM.

Usage: python -m simulator --host 127.0.0.1 --port 8765 --blogs 12 --seed 1 [--new-post-every 30]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from simulator.server import start_in_thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--blogs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts-per-blog", type=int, default=20)
    parser.add_argument(
        "--new-post-every", type=float, default=None, metavar="SECONDS",
        help="publish a post on a random blog this often, so timelines grow",
    )  # fmt: skip
    parser.add_argument(
        "--post-chars", type=int, default=900, metavar="N",
        help="make each blog post's HTML at least N characters (about N + 100 on average)",
    )  # fmt: skip
    parser.add_argument("--log-requests", action="store_true", help="access log on stderr")
    args = parser.parse_args(argv)

    sim = start_in_thread(
        host=args.host,
        port=args.port,
        blogs=args.blogs,
        seed=args.seed,
        posts_per_blog=args.posts_per_blog,
        new_post_every=args.new_post_every,
        log_requests=args.log_requests,
        post_chars=args.post_chars,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"PLN simulator serving {args.blogs} blogs at {sim.base_url}/", flush=True)
    while not stop.wait(0.5):
        pass
    sim.stop()
    print("PLN simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
