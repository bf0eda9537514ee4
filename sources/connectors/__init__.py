"""One module per platform, all with the interface in `base`, dispatched from CONNECTORS.

Dispatch is by a Source's `platform` field through this explicit dict: never by sniffing
URLs, never by import-order discovery.
"""

from sources.connectors import bluesky, mastodon, rss, wordpress, wpcom, x
from sources.connectors.base import Connector

CONNECTORS: dict[str, Connector] = {
    "bluesky": bluesky,
    "x": x,
    "feed": rss,
    "mastodon": mastodon,
    "wordpress": wordpress,
    "wpcom": wpcom,
}
