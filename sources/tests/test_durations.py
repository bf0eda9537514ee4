from datetime import timedelta

import pytest

from sources.templatetags.durations import in_words


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(seconds=20), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=67, seconds=30), "1 hour 8 minutes"),
        (timedelta(hours=6), "6 hours"),
        (timedelta(days=1, hours=2, minutes=10), "1 day 2 hours"),
    ],
)
def test_poll_intervals_read_as_words(duration, words):
    assert in_words(duration) == words
