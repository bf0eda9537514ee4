"""Every platform PLN Hub knows, with its display label.

Pollable platforms are those with a connector (`sources.connectors.CONNECTORS`); `pln` is
PLN Hub itself, where group posts are written.
"""

from django.db import models


class Platform(models.TextChoices):
    FEED = "feed", "Blog"
    WORDPRESS = "wordpress", "WordPress"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    X = "x", "X"
    PLN = "pln", "PLN Hub"
