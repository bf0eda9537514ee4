"""Where a hashtag is collected from: one Source per enabled platform target.

`collectors_for` is the honest plan shown on a hashtag's page: which platforms and servers
are searched, and which are off and why. `ensure_sources` creates (or reuses) the Sources.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from sources.connectors import CONNECTORS
from sources.models import Hashtag, Source


@dataclass(frozen=True)
class Collector:
    platform: str  # the connector key
    label: str  # "Mastodon · social.example"
    url: str = ""  # the Source's target; empty when this platform is off
    off_reason: str = ""


def collectors_for(tag: str) -> list[Collector]:
    """Every place a hashtag `tag` (normalised name) can be collected from, on or off."""
    plan: list[Collector] = []
    if mastodon := CONNECTORS.get("mastodon"):
        for server in settings.PLN_MASTODON_SERVERS:
            parts = urlsplit(server)
            where = (parts.netloc + parts.path).rstrip("/")  # "mastodon.social"
            plan.append(
                Collector("mastodon", f"Mastodon · {where}", mastodon.target_url(server, tag))
            )
    for key, label, why_off in [
        ("bluesky", "Bluesky", "Bluesky only lets signed-in apps search, and the site admin "
         "has not set an app password."),
        ("x", "X", "Reading X is paid per post, and the site admin has not set an API token."),
        ("wpcom", "WordPress.com", "WordPress.com collection is switched off."),
    ]:  # fmt: skip
        connector = CONNECTORS.get(key)
        if connector is None:
            continue
        configured = getattr(connector, "is_configured", lambda: True)()
        plan.append(
            Collector(key, label, connector.target_url(tag))
            if configured
            else Collector(key, label, off_reason=why_off)
        )
    return plan


def ensure_sources(hashtag: Hashtag) -> list[Source]:
    """Create or reuse one Source per enabled collector; new ones get their first poll
    right after the commit."""
    from feeds.tasks import poll_source_task

    sources = []
    for collector in collectors_for(hashtag.name):
        if not collector.url:
            continue
        source, created = Source.objects.get_or_create(
            platform=collector.platform,
            url=collector.url,
            defaults={"hashtag": hashtag, "title": f"{hashtag} on {collector.label}"},
        )
        if created:
            transaction.on_commit(lambda pk=source.pk: poll_source_task.delay(pk))
        sources.append(source)
    return sources
