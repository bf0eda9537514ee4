"""Every platform's contract case, by connector key. Add a line when you add a connector."""

from sources.tests.contract import rss

CASES = {
    "feed": rss,
}
