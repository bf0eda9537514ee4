"""Contract case for Bluesky hashtag search: XRPC searchPosts behind an app-password session."""

import time

from pytest_django.fixtures import Settings

from simulator import bluesky as fake_bluesky
from simulator.server import Simulator
from sources.connectors.base import Target

platform = "bluesky"
page_size = 100
TAG = "SUB101"
SEARCH = "/bsky/xrpc/app.bsky.feed.searchPosts"


def configure(sim: Simulator, settings: Settings) -> None:
    """Point the connector at the simulator, with the simulator's account."""
    settings.PLN_BLUESKY_BASE_URL = f"{sim.base_url}/bsky"
    settings.PLN_BLUESKY_HANDLE = fake_bluesky.HANDLE
    settings.PLN_BLUESKY_APP_PASSWORD = fake_bluesky.APP_PASSWORD


def target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}{SEARCH}?tag={TAG}", hashtag=TAG.lower())


def publish(sim: Simulator, target: Target, count: int) -> None:
    fake_bluesky.publish(sim, TAG, count)


def path(sim: Simulator, target: Target) -> str:
    return SEARCH


def rate_limited_headers() -> dict[str, str]:
    reset = int(time.time()) + 120
    return {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)}


def hostile_target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}{SEARCH}?tag=hostile", hashtag="hostile")
