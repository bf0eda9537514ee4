"""Contract case for X hashtag search: API v2 recent search, through tweepy."""

import time

from pytest_django.fixtures import Settings

from simulator import x as fake_x
from simulator.server import Simulator
from sources.connectors.base import Target

platform = "x"
page_size = 100
TAG = "SUB101"
SEARCH = "/x/2/tweets/search/recent"


def configure(sim: Simulator, settings: Settings) -> None:
    """Point the connector at the simulator, with the simulator's bearer token."""
    settings.PLN_X_API_BASE_URL = f"{sim.base_url}/x"
    settings.PLN_X_BEARER_TOKEN = fake_x.BEARER_TOKEN


def target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}{SEARCH}?query=%23{TAG}", hashtag=TAG.lower())


def publish(sim: Simulator, target: Target, count: int) -> None:
    fake_x.publish(sim, TAG, count)


def path(sim: Simulator, target: Target) -> str:
    return SEARCH


def rate_limited_headers() -> dict[str, str]:
    reset = int(time.time()) + 120
    return {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
    }


def hostile_target(sim: Simulator) -> Target:
    return Target(url=f"{sim.base_url}{SEARCH}?query=%23hostile", hashtag="hostile")
