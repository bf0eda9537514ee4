"""The connector contract: what every platform connector must do, stated once.

Each platform supplies a `ContractCase` (one module per platform in this package, listed in
`CASES`); `sources/tests/test_contract.py` runs the same tests against every case, over real
HTTP against the simulator. A connector registered in `CONNECTORS` without a case fails the
suite.
"""

from dataclasses import dataclass
from typing import Protocol

from simulator.server import Simulator
from sources.connectors.base import Target


class ContractCase(Protocol):
    platform: str  # the key in sources.connectors.CONNECTORS
    page_size: int | None  # items per platform page, None when the platform does not paginate

    def target(self, sim: Simulator) -> Target:
        """A target with no poll state whose first fetch returns at least one item."""

    def publish(self, sim: Simulator, target: Target, count: int) -> None:
        """Make `count` new items appear on the platform for `target`."""

    def path(self, sim: Simulator, target: Target) -> str:
        """The simulator path (no query) a fetch of `target` requests first, for overrides."""

    def rate_limited_headers(self) -> dict[str, str]:
        """Headers of a 429 that asks to wait two minutes, in the platform's own dialect."""

    def hostile_target(self, sim: Simulator) -> Target:
        """A target whose items carry script, event handlers and javascript: URLs."""


@dataclass(frozen=True)
class Hostile:
    """Markers the simulator puts in hostile payloads, and text that must survive."""

    forbidden: tuple[str, ...] = ("<script", "onerror", "onload", "javascript:", "<iframe")
    harmless: str = "Harmless text survives"
