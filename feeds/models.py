"""Collected items, their authors, and each learner's reading state.

Group posts are Items too (platform `pln`), so one timeline query serves everything.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from feeds.sanitize import text_of_clean_html
from sources.platforms import Platform


class Person(models.Model):
    """An author on a platform, optionally linked to a local user (so a student's posts on
    every platform count as theirs). `external_id` is the platform's stable id."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=500)
    handle = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    profile_url = models.URLField(max_length=2000, blank=True)
    avatar_url = models.URLField(max_length=2000, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personas",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="unique_person")
        ]

    def __str__(self) -> str:
        return self.name or self.handle or self.external_id

    @property
    def initials(self) -> str:
        words = (self.name or self.handle or "?").replace("@", "").split()
        return "".join(word[0] for word in words[:2]).upper()


class Item(models.Model):
    """One post, stored once per (platform, external id) however many sources found it."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    # Only the sanitised HTML is stored; its plain text (`text`) is derived when needed. The
    # search index reads the HTML itself: PostgreSQL's text parser skips tags and entities.
    html = models.TextField(blank=True, help_text="Sanitised HTML, safe to show.")
    # No database foreign key, like the link tables below: checking it locked the author's
    # row once per stored post, and every poll of a one-author blog queued on that row.
    author = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        db_constraint=False,
    )
    published_at = models.DateTimeField()
    fetched_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    hashtags = models.ManyToManyField(
        "sources.Hashtag", blank=True, related_name="items", through="ItemHashtag"
    )
    sources = models.ManyToManyField(
        "sources.Source", blank=True, related_name="items", through="ItemSource"
    )
    media = models.JSONField(default=list, blank=True)
    reply_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    repost_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False, help_text="Hidden by a moderator.")
    # What the platform last sent, fingerprinted (`feeds.ingest.content_hash`): a refetched
    # post that has not changed is not written again.
    content_hash = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Native posts written in a PLN Hub group. Both are empty on every polled post, which
    # their indexes (below) leave out.
    group = models.ForeignKey(
        "sources.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="posts",
        db_index=False,
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="unique_item")
        ]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="item_timeline_idx"),
            models.Index(fields=["group"], condition=Q(group__isnull=False), name="item_group_idx"),
            models.Index(
                fields=["posted_by"],
                condition=Q(posted_by__isnull=False),
                name="item_posted_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80] or self.external_id

    @cached_property
    def text(self) -> str:
        """The HTML's plain text, for previews and titles of untitled posts."""
        return text_of_clean_html(self.html)

    @property
    def safe_html(self) -> SafeString:
        # The only mark_safe on imported content: `html` is written solely by
        # feeds.ingest, after feeds.sanitize.clean_html.
        return mark_safe(self.html)  # noqa: S308


# The two link tables below are written ~150 rows per polled feed. They keep their unique
# (item, other) index, which also serves lookups by item, but no database foreign keys: at
# commit PostgreSQL checked each row against both parents, locking the parent rows (the same
# few hashtags and Sources for every poll), a third of a poll's database work. The rows are
# written only by `feeds.ingest`, with ids it has just written or read in the same
# transaction, while the poll holds its Source. Deleting through the ORM still cascades.


class ItemSource(models.Model):
    """An item found through a Source (a blog's feed, a hashtag's stream)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    source = models.ForeignKey(
        "sources.Source", on_delete=models.CASCADE, db_constraint=False, db_index=False
    )

    class Meta:
        db_table = "feeds_item_sources"
        unique_together = [("item", "source")]
        # A Source's items, answered from the index alone (a blog filter, a hashtag's stream).
        indexes = [models.Index(fields=["source", "item"], name="item_source_by_source_idx")]

    def __str__(self) -> str:
        return f"item {self.item_id} from source {self.source_id}"


class ItemHashtag(models.Model):
    """An item tagged with a hashtag (a platform tag, a blog category, or #word in its text)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    hashtag = models.ForeignKey(
        "sources.Hashtag", on_delete=models.CASCADE, db_constraint=False, db_index=False
    )

    class Meta:
        db_table = "feeds_item_hashtags"
        unique_together = [("item", "hashtag")]
        # A hashtag's items, answered from the index alone: the tag filter's set, the unread
        # counts. On hashtag_id alone each of a tag's ~3,000 rows was read from the table.
        indexes = [models.Index(fields=["hashtag", "item"], name="item_hashtag_by_tag_idx")]

    def __str__(self) -> str:
        return f"item {self.item_id} tagged {self.hashtag_id}"


class SearchDocument(models.Model):
    """An item's full-text search vector (PostgreSQL): its title weighted above its text.

    Computed after the poll, from the backlog, by `feeds.search_index`: parsing and stemming
    every post as it is stored would double the database's work on a poll.
    """

    item = models.OneToOneField(
        Item, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    vector = SearchVectorField()

    def __str__(self) -> str:
        return f"search document of item {self.item_id}"


class SearchBacklog(models.Model):
    """Items whose search document is missing or stale. On PostgreSQL a trigger on the item
    table queues every inserted or updated item here (migration 0007), whoever writes it."""

    item_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return f"item {self.item_id} waits for search"


class ItemState(models.Model):
    """One learner's reading state for one item."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_states"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="states")
    is_read = models.BooleanField(default=False)
    is_favourite = models.BooleanField(default=False)
    is_saved = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="unique_item_state")]

    def __str__(self) -> str:
        return f"{self.user} on {self.item_id}"


class Like(models.Model):
    """A public like on a group post (favourites are private; likes are counted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="unique_like")]

    def __str__(self) -> str:
        return f"{self.user} likes {self.item_id}"


class Comment(models.Model):
    """Discussion under an item, written in PLN Hub."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField()
    hidden = models.BooleanField(default=False, help_text="Hidden by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} on {self.item_id}: {self.body[:40]}"


class FeedKey(models.Model):
    """The generation of a learner's private feed links. A personal Atom feed's URL carries a
    token signed with the site's secret over (user, generation); revoking the links bumps the
    generation, so every old URL stops working. Nothing secret is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_key"
    )
    generation = models.PositiveIntegerField(default=1)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Feed links of {self.user} (generation {self.generation})"
