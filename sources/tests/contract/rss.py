"""Contract case for blogs read through RSS, Atom, RSS 1.0 and JSON Feed."""

from simulator.server import Simulator
from sources.connectors.base import Target

platform = "feed"
page_size = None  # feeds are one document


def target(sim: Simulator) -> Target:
    return Target(url=sim.feed_url(0))


def publish(sim: Simulator, target: Target, count: int) -> None:
    for _ in range(count):
        sim.add_post(0)


def path(sim: Simulator, target: Target) -> str:
    return target.url.removeprefix(sim.base_url)


def rate_limited_headers() -> dict[str, str]:
    return {"Retry-After": "120"}


def hostile_target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}/faults/hostile/feed.xml")
