"""Contract case for a Mastodon hashtag timeline on one fake server of the simulator."""

from datetime import UTC, datetime, timedelta

from simulator import mastodon as fake_mastodon
from simulator.server import Simulator
from sources.connectors.base import Target
from sources.connectors.mastodon import target_url

platform = "mastodon"
page_size = 40
SERVER = "social.example"
TAG = "sub101"


def target(sim: Simulator) -> Target:
    return Target(url=target_url(fake_mastodon.server_base_url(sim, SERVER), TAG), hashtag=TAG)


def publish(sim: Simulator, target: Target, count: int) -> None:
    fake_mastodon.publish(sim, TAG, count, servers=[SERVER])


def path(sim: Simulator, target: Target) -> str:
    return target.url.removeprefix(sim.base_url)


def rate_limited_headers() -> dict[str, str]:
    reset = datetime.now(UTC) + timedelta(minutes=2)
    return {"X-RateLimit-Reset": f"{reset:%Y-%m-%dT%H:%M:%S.%f}Z", "X-RateLimit-Remaining": "0"}


def hostile_target(sim: Simulator) -> Target:
    base = fake_mastodon.server_base_url(sim, SERVER)
    return Target(url=target_url(base, fake_mastodon.HOSTILE_TAG), hashtag="hostile")
