"""Every platform PLN Hub knows, with its display label.

Pollable platforms are those with a connector (`sources.connectors.CONNECTORS`); `pln` is
PLN Hub itself, where group posts are written.
"""

from django.db import models


class Platform(models.TextChoices):
    FEED = "feed", "Blog"
    WORDPRESS = "wordpress", "WordPress"
    WPCOM = "wpcom", "WordPress.com"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    X = "x", "X"
    PLN = "pln", "PLN Hub"


# Items found through a Source of the key platform are stored under the value's platform, so
# a blog post read through WordPress's REST API (or a WordPress.com tag stream) and through its
# RSS feed is one item.
ITEM_PLATFORM = {"wordpress": "feed", "wpcom": "feed"}


def item_platform(source_platform: str) -> str:
    return ITEM_PLATFORM.get(source_platform, source_platform)
