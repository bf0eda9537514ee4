from datetime import UTC, datetime, timedelta

import pytest

from feeds import ingest, upsert
from feeds.ingest import store_items, store_polls
from feeds.models import Item, ItemHashtag, ItemSource, Person
from sources.connectors.base import AuthorRecord, ItemRecord
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True, params=["few", "batch"])
def write_path(request, monkeypatch):
    """Each test runs twice: as a poll of a few posts (statements with their values) and as
    a batch (on PostgreSQL, rows copied in and new posts inserted outright), whatever the
    number of posts it stores."""
    if request.param == "batch":
        monkeypatch.setattr(upsert, "COPY_FROM_ROWS", 1)


def record(n: int, **overrides) -> ItemRecord:
    fields = {
        "external_id": f"blog.example.org|post-{n}",
        "url": f"https://blog.example.org/{n}/",
        "title": f"Post {n}",
        "html": f"<p>Body of post {n}</p>",
        "author": AuthorRecord(external_id="blog.example.org|Ada", name="Ada"),
        "published_at": NOW - timedelta(hours=n),
        "hashtags": ["SUB101"],
        "base_url": "https://blog.example.org/",
    }
    return ItemRecord(**(fields | overrides))


def test_storing_the_same_posts_twice_keeps_one_copy_of_each():
    source = SourceFactory()
    store_items(source, [record(1), record(2)], now=NOW)
    again = store_items(source, [record(1), record(2), record(3)], now=NOW)

    assert again.new == 1
    assert Item.objects.count() == 3
    assert Person.objects.count() == 1


def test_an_edited_post_is_updated_in_place_and_keeps_its_place_in_time():
    source = SourceFactory()
    store_items(source, [record(1)], now=NOW)
    first = Item.objects.get()
    store_items(
        source,
        [record(1, title="Post 1 (edited)", published_at=NOW + timedelta(hours=5))],
        now=NOW + timedelta(hours=6),
    )

    edited = Item.objects.get()
    assert edited.pk == first.pk
    assert edited.title == "Post 1 (edited)"
    assert edited.published_at == first.published_at


def test_posts_refetched_unchanged_are_not_written_again():
    source = SourceFactory()
    store_items(source, [record(1), record(2)], now=NOW)
    later = NOW + timedelta(hours=1)

    again = store_items(source, [record(1), record(2), record(3)], now=later)

    assert (again.stored, again.new) == (1, 1)
    assert set(Item.objects.filter(updated_at=later).values_list("title", flat=True)) == {"Post 3"}
    assert Item.objects.filter(sources=source).count() == 3


def test_new_sanitising_rules_apply_to_posts_fetched_again(monkeypatch):
    source = SourceFactory()
    store_items(source, [record(1)], now=NOW)
    monkeypatch.setattr(ingest, "FINGERPRINT_VERSION", ingest.FINGERPRINT_VERSION + 1)

    again = store_items(source, [record(1)], now=NOW + timedelta(hours=1))

    assert again.stored == 1


def test_a_changed_like_count_is_enough_to_update_a_post():
    source = SourceFactory()
    store_items(source, [record(1, like_count=2)], now=NOW)

    again = store_items(source, [record(1, like_count=5)], now=NOW + timedelta(minutes=5))

    assert again.stored == 1
    assert Item.objects.get().like_count == 5


def test_an_unchanged_post_found_by_a_second_source_joins_its_stream_too():
    first, second = SourceFactory(), SourceFactory()
    store_items(first, [record(1)], now=NOW)

    store_items(second, [record(1)], now=NOW)

    assert set(Item.objects.get().sources.all()) == {first, second}


def test_a_guid_repeated_within_one_feed_is_stored_once_with_the_first_version():
    source = SourceFactory()
    result = store_items(source, [record(1, title="First"), record(1, title="Second")], now=NOW)

    assert result.stored == 1
    assert Item.objects.get().title == "First"


def test_a_post_dated_in_the_future_is_shown_as_published_now():
    store_items(SourceFactory(), [record(1, published_at=NOW + timedelta(days=400))], now=NOW)

    assert Item.objects.get().published_at == NOW


def test_a_post_without_a_date_gets_the_time_it_was_first_seen():
    store_items(SourceFactory(), [record(1, published_at=None)], now=NOW)

    assert Item.objects.get().published_at == NOW


def test_one_post_found_by_two_sources_is_stored_once_and_belongs_to_both():
    main_feed, tag_feed = SourceFactory(), SourceFactory()
    store_items(main_feed, [record(1)], now=NOW)
    store_items(tag_feed, [record(1)], now=NOW)

    item = Item.objects.get()
    assert set(item.sources.all()) == {main_feed, tag_feed}


def test_polls_stored_together_keep_each_sources_posts_and_share_the_common_one():
    main_feed, tag_feed, quiet = SourceFactory(), SourceFactory(), SourceFactory()
    store_items(main_feed, [record(1)], now=NOW)
    relayed = record(2, title="A relayed copy", authoritative=False)

    results = store_polls(
        [
            (tag_feed, [relayed, record(3)]),
            (main_feed, [record(1), record(2, title="The original")]),
            (quiet, []),
        ],
        now=NOW,
    )

    assert [(r.stored, r.new) for r in results] == [(2, 2), (1, 1), (0, 0)]
    streams = {
        source: sorted(Item.objects.filter(sources=source).values_list("title", flat=True))
        for source in (main_feed, tag_feed, quiet)
    }
    assert streams == {
        main_feed: ["Post 1", "The original"],
        tag_feed: ["Post 3", "The original"],  # the author's own copy, not the relayed one
        quiet: [],
    }
    assert Item.objects.count() == 3


def test_categories_become_hashtags_under_their_normalised_name():
    store_items(
        SourceFactory(), [record(1, hashtags=["SUB101", "#sub101", "Open Science"])], now=NOW
    )

    tags = Item.objects.get().hashtags.all()
    assert sorted(tag.name for tag in tags) == ["openscience", "sub101"]


def test_stored_html_is_sanitised_and_titles_are_plain_text():
    hostile = record(
        1,
        title="<b>Bold</b> &amp; <script>alert(1)</script>brave",
        html='<p onclick="x()">Hi <a href="/about">about</a></p><script>alert(1)</script>',
    )
    store_items(SourceFactory(), [hostile], now=NOW)

    item = Item.objects.get()
    assert item.title == "Bold & brave"
    assert "<script" not in item.html and "onclick" not in item.html
    assert 'href="https://blog.example.org/about"' in item.html
    assert item.text == "Hi about"


def test_links_with_dangerous_schemes_are_not_stored():
    store_items(SourceFactory(), [record(1, url="javascript:alert(1)")], now=NOW)

    assert Item.objects.get().url == ""


def test_a_relayed_copy_adds_a_post_but_never_rewrites_one():
    source = SourceFactory()
    store_items(source, [record(1, title="Original")], now=NOW)

    relayed = [
        record(1, title="Rewritten by a relaying server", authoritative=False),
        record(2, title="Only seen relayed", authoritative=False),
    ]
    store_items(source, relayed, now=NOW)

    assert Item.objects.get(external_id=record(1).external_id).title == "Original"
    assert Item.objects.filter(title="Only seen relayed").exists()


def test_hashtags_written_in_the_text_are_linked_too():
    store_items(
        SourceFactory(),
        [record(1, hashtags=[], html="<p>Notes for #SUB101 and #OpenScience, issue #4</p>")],
        now=NOW,
    )

    assert sorted(Item.objects.get().hashtags.values_list("name", flat=True)) == [
        "openscience",
        "sub101",
    ]


def test_hashtags_written_with_entities_count_and_links_do_not():
    html = (
        '<p>Tonight &#35;Astronomy and &num;Jupiter, <a href="https://example.org/#moons">'
        "notes</a></p>"
    )
    store_items(SourceFactory(), [record(1, hashtags=[], html=html)], now=NOW)

    assert sorted(Item.objects.get().hashtags.values_list("name", flat=True)) == [
        "astronomy",
        "jupiter",
    ]


def test_an_authors_profile_is_rewritten_only_when_it_changed():
    store_items(SourceFactory(), [record(1)], now=NOW)
    first = Person.objects.get()

    store_items(SourceFactory(), [record(2)], now=NOW)  # the same author, as she was
    assert Person.objects.get().updated_at == first.updated_at

    renamed = AuthorRecord(external_id="blog.example.org|Ada", name="Ada King")
    store_items(SourceFactory(), [record(3, author=renamed)], now=NOW)
    person = Person.objects.get()
    assert (person.pk, person.name) == (first.pk, "Ada King")
    assert person.updated_at > first.updated_at
    assert set(Item.objects.values_list("author", flat=True)) == {first.pk}


def test_a_relayed_copy_never_rewrites_its_authors_profile():
    ada = AuthorRecord(external_id="blog.example.org|Ada", name="Ada Lovelace")
    store_items(SourceFactory(), [record(1, author=ada)], now=NOW)
    impostor = AuthorRecord(external_id="blog.example.org|Ada", name="Send me your password")

    store_items(SourceFactory(), [record(2, author=impostor, authoritative=False)], now=NOW)

    assert Person.objects.get().name == "Ada Lovelace"
    assert Item.objects.get(external_id=record(2).external_id).author.name == "Ada Lovelace"


def test_media_and_counts_are_stored_as_sent_and_unsafe_media_dropped():
    media = [
        {"url": "https://cdn.example.org/a.png", "type": "image", "alt": "A chart"},
        {"url": "javascript:alert(1)", "type": "image"},
    ]
    store_items(SourceFactory(), [record(1, media=media, like_count=7, reply_count=-3)], now=NOW)

    item = Item.objects.get()
    assert item.media == [media[0]]
    assert (item.like_count, item.reply_count) == (7, 0)


def test_deleting_a_source_or_an_item_takes_their_links_with_them():
    kept, dropped = SourceFactory(), SourceFactory()
    store_items(kept, [record(1), record(2)], now=NOW)
    store_items(dropped, [record(2), record(3)], now=NOW)

    dropped.delete()
    Item.objects.get(external_id=record(1).external_id).delete()

    assert sorted(ItemSource.objects.values_list("item__external_id", flat=True)) == [
        record(2).external_id
    ]
    assert sorted(ItemHashtag.objects.values_list("item__external_id", flat=True)) == [
        record(2).external_id,
        record(3).external_id,
    ]


def test_a_post_stored_by_a_concurrent_poll_meanwhile_is_kept_once_and_linked(monkeypatch):
    source, other = SourceFactory(), SourceFactory()
    prepare = ingest._prepare
    raced = []

    def prepare_then_race(*args, **kwargs):
        batch = prepare(*args, **kwargs)
        if not raced:  # another worker stores post 2 between our lookup and our insert
            raced.append(other)
            store_items(other, [record(2, title="Stored meanwhile")], now=NOW)
        return batch

    monkeypatch.setattr(ingest, "_prepare", prepare_then_race)
    result = store_items(source, [record(1), record(2), record(3)], now=NOW)

    assert raced and (result.stored, result.new) == (3, 3)
    assert sorted(Item.objects.values_list("title", flat=True)) == ["Post 1", "Post 2", "Post 3"]
    assert Item.objects.filter(sources=source).count() == 3
    assert list(Item.objects.filter(sources=other).values_list("title", flat=True)) == ["Post 2"]
    assert ItemHashtag.objects.count() == 3
