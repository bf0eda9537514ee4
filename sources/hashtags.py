"""Hashtag names: how `#SUB101`, `sub101` and `Sub 101` become one stored hashtag."""

import re

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(tag: str) -> str:
    """`#SUB101` -> `sub101`; `Open Science` -> `openscience`. Empty if nothing is left."""
    return _NOT_WORD.sub("", tag.strip().lstrip("#")).casefold()[:100]


def display_form(tag: str) -> str:
    """How a hashtag is shown, without its `#`: the author's casing, spaces removed."""
    return _NOT_WORD.sub("", tag.strip().lstrip("#"))[:100]
