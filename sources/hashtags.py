"""Hashtag names: how `#SUB101`, `sub101` and `Sub 101` become one stored hashtag."""

import re

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(tag: str) -> str:
    """`#SUB101` -> `sub101`; `Open Science` -> `openscience`. Empty if nothing is left."""
    return _NOT_WORD.sub("", tag.strip().lstrip("#")).casefold()[:100]


def display_form(tag: str) -> str:
    """How a hashtag is shown, without its `#`: the author's casing, spaces removed."""
    return _NOT_WORD.sub("", tag.strip().lstrip("#"))[:100]


# A `#` starting a word (not inside one, not an HTML entity like `&#39;`, not a URL fragment),
# followed by word characters of which at least one is a letter: `#1` is not a hashtag. The
# pattern starts with the literal `#` (the look-behind checks the character before it), so the
# regex engine skips straight to each `#` instead of trying a look-behind at every position.
_IN_TEXT = re.compile(r"#(?<![\w&#/]#)(\w*[^\W\d_]\w*)", re.UNICODE)


def find_in_text(text: str) -> list[str]:
    """Hashtags written in plain text, in order, as written (without `#`)."""
    return [match.group(1)[:100] for match in _IN_TEXT.finditer(text)]
