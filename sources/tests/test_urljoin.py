"""`sources.urljoin` answers exactly as `urllib.parse.urljoin`, shortcuts or not."""

import random
import urllib.parse

import pytest

from sources.urljoin import shortcut, urljoin

BASES = [
    "https://blog.example.org/feed/", "http://h.example:8080/a/b?q=1#f", "https://h.example",
    "https://u:p@h.example:81/p;x?q", "http:///x", "tag:b", "", "HTTP://X.example/a",
    "https://bücher.example/a/", " https://h.example/", "https://h.example/a b/", "//h.example/",
    "https://[::1]/x", "mailto:a@b.example", "https://h.example/a/./b/", "https://h.example//a/",
    "https://h.example/a/b", "https://h.example/a/../b/c", "https://h.example/a/b/..",
]  # fmt: skip
URLS = [
    "/rel", "/a/b.png", "//cdn.example/x.png", "/a/../b", "/./x", "/a/.", "/a/..", "/.well",
    "/a;p", "/a;", "/a?", "/a?b", "/a#", "/a#b", "/a b", "/a\tb", "/a\nb", "/\x00", "/é/ü",
    "/a//b", "/", "rel/x", "../x", "?q", "#f", "", "https://x.example/a", "http://x.example",
    "HTTPS://X/", "https://x.example/a?", "tag:x,2026:1", " /lead", "/trail ", "/\x7f",
    "/a\\b", "/%2e%2e/x", "a.png", "12/", "a/b/c.html", "a//b", "./a", "a/./b", "a/..",
    "..a", "a..", "a/.b", ".", "..", "a:b", "a;b", "a%20b", "é/ü", "a b", "a?b", "a#b",
]  # fmt: skip


@pytest.mark.parametrize("base", BASES)
def test_every_odd_pair_joins_as_urllib_joins_it(base: str) -> None:
    for url in URLS:
        assert urljoin(base, url) == urllib.parse.urljoin(base, url), (base, url)


def test_generated_paths_join_as_urllib_joins_them() -> None:
    rng = random.Random(11)
    alphabet = "ab/.;?#% \t\x00é:@"
    for _ in range(20_000):
        url = rng.choice(["/", ""]) + "".join(
            rng.choice(alphabet) for _ in range(rng.randrange(12))
        )
        base = rng.choice(BASES)
        assert urljoin(base, url) == urllib.parse.urljoin(base, url), (base, url)


def test_the_everyday_cases_take_the_shortcut() -> None:
    base = "https://blog.example.org/2026/11/post/"
    assert shortcut(base, "/static/a.png") == "https://blog.example.org/static/a.png"
    assert shortcut(base, "https://cdn.example/a.png") == "https://cdn.example/a.png"
    assert shortcut(base, "a.png") == "https://blog.example.org/2026/11/post/a.png"
    assert shortcut(base, "../a.png") is None  # a dot segment: left to urllib
