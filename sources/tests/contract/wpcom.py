"""Contract case for WordPress.com tag streams (the Reader's public API)."""

from simulator import wpcom
from simulator.server import Simulator
from sources.connectors.base import Target

platform = "wpcom"
page_size = 40  # sources.connectors.wpcom.NUMBER
STREAM = "/wpcom/rest/v1.1/read/tags/{tag}/posts"


def configure(sim: Simulator, settings) -> None:
    settings.PLN_WPCOM_API_BASE_URL = f"{sim.base_url}/wpcom"


def target(sim: Simulator) -> Target:
    return Target(url=sim.base_url + STREAM.format(tag="sub101"), hashtag="sub101")


def publish(sim: Simulator, target: Target, count: int) -> None:
    wpcom.publish(sim, "sub101", count=count)


def path(sim: Simulator, target: Target) -> str:
    return target.url.removeprefix(sim.base_url)


def rate_limited_headers() -> dict[str, str]:
    return {"Retry-After": "120"}


def hostile_target(sim: Simulator) -> Target:
    return Target(url=sim.base_url + STREAM.format(tag="hostile"), hashtag="hostile")
