"""One module per platform, all with the interface in `base`, dispatched from CONNECTORS.

Dispatch is by a Source's `platform` field through this explicit dict: never by sniffing
URLs, never by import-order discovery.
"""

from sources.connectors import rss
from sources.connectors.base import Connector

CONNECTORS: dict[str, Connector] = {
    "feed": rss,
}
