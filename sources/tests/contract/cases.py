"""Every platform's contract case, by connector key. Add a line when you add a connector."""

from sources.tests.contract import bluesky, mastodon, rss, wordpress, wpcom, x

CASES = {
    "bluesky": bluesky,
    "x": x,
    "feed": rss,
    "mastodon": mastodon,
    "wordpress": wordpress,
    "wpcom": wpcom,
}
