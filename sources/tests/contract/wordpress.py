"""Contract case for self-hosted WordPress sites read through the REST API."""

from simulator import wordpress
from simulator.server import Simulator
from sources.connectors.base import Target

platform = "wordpress"
page_size = 50  # sources.connectors.wordpress.PER_PAGE
POSTS = "/wp/1/wp-json/wp/v2/posts"


def target(sim: Simulator) -> Target:
    return Target(url=sim.base_url + POSTS)


def publish(sim: Simulator, target: Target, count: int) -> None:
    wordpress.publish(sim, "1", count=count)


def path(sim: Simulator, target: Target) -> str:
    return POSTS


def rate_limited_headers() -> dict[str, str]:
    return {"Retry-After": "120"}


def hostile_target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}/wp/hostile/wp-json/wp/v2/posts")
