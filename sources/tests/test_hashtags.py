import pytest

from sources.hashtags import display_form, find_in_text, normalise


@pytest.mark.parametrize(
    ("written", "name"),
    [("#SUB101", "sub101"), ("sub101", "sub101"), ("Open Science", "openscience"), ("#", "")],
)
def test_hashtags_are_stored_under_one_normalised_name(written, name):
    assert normalise(written) == name


def test_the_display_form_keeps_the_authors_casing():
    assert display_form("#SUB101") == "SUB101"


def test_hashtags_are_found_in_text_but_not_in_numbers_entities_or_links():
    text = "Week 1 of #SUB101 with #Astronomy! Issue #12, see https://x.example/#frag &#39;q"

    assert find_in_text(text) == ["SUB101", "Astronomy"]


def test_hashtags_in_other_scripts_are_found():
    assert find_in_text("Notes #física and #天文") == ["física", "天文"]
