"""What learners follow and where items come from.

A Source is the unit of polling and is shared: every learner who follows the same blog (or,
later, the same hashtag on the same server) shares one Source, polled once. Following is per
user (FollowedBlog, FollowedHashtag, Membership...); polling is per Source.
"""

import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from sources.connectors import CONNECTORS
from sources.platforms import Platform


class Hashtag(models.Model):
    """A hashtag, stored once under its normalised name (`sub101`), shown as `#SUB101`."""

    name = models.CharField(max_length=100, unique=True)
    display = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"#{self.display}"


class NamedWithSlug(models.Model):
    """A name, and a unique slug for URLs made from it on first save."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(type(self), self.name)
        super().save(*args, **kwargs)


class Topic(NamedWithSlug):
    """A subject of learning. Personal topics belong to one learner; a course topic has
    coordinators, a roster and a class hashtag."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        COURSE = "course", "Course"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private"
        PUBLIC = "public", "Public"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topics"
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="coordinated_topics"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="enrolled_topics"
    )
    class_hashtag = models.ForeignKey(
        Hashtag, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    hashtags = models.ManyToManyField(Hashtag, blank=True, related_name="topics")
    blogs = models.ManyToManyField("Blog", blank=True, related_name="topics")
    groups = models.ManyToManyField("Group", blank=True, related_name="topics")
    people = models.ManyToManyField("feeds.Person", blank=True, related_name="topics")


def default_interval() -> timedelta:
    return settings.PLN_POLL_INTERVAL


class Source(models.Model):
    """Something polled: a blog's feed, a hashtag search on one platform or server.

    Holds the poll state. `url` identifies the target on its platform (the feed URL, or the
    API endpoint of a hashtag search), so (platform, url) is unique.
    """

    platform = models.CharField(
        max_length=20, choices=[(p.value, p.label) for p in Platform if p.value in CONNECTORS]
    )
    url = models.URLField(max_length=2000)
    hashtag = models.ForeignKey(
        Hashtag, null=True, blank=True, on_delete=models.CASCADE, related_name="sources"
    )
    title = models.CharField(max_length=300, blank=True)
    # Conditional GET and cursors.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    cursor = models.CharField(max_length=500, blank=True)
    # Scheduling.
    next_poll_at = models.DateTimeField(default=timezone.now)
    interval = models.DurationField(default=default_interval)
    claimed_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=600, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "url"], name="unique_source_target")
        ]
        indexes = [models.Index(fields=["next_poll_at"], name="source_due_idx")]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_failing(self) -> bool:
        return bool(self.last_error)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def adapted_interval(self, *, new_items: int) -> timedelta:
        """The interval after a successful poll: halved when it brought news, half as long
        again when it did not, within PLN_POLL_MIN_INTERVAL and PLN_POLL_MAX_INTERVAL."""
        interval = self.interval / 2 if new_items else self.interval * 1.5
        return min(max(interval, settings.PLN_POLL_MIN_INTERVAL), settings.PLN_POLL_MAX_INTERVAL)

    def next_poll_after_failure(self, now: datetime, *, retry_at: datetime | None) -> datetime:
        """When to try again after a failure: never before the platform's retry time,
        otherwise exponential backoff (base interval doubled per failure, capped at a day)
        with jitter so failing sources do not retry in lockstep."""
        backoff = min(self.interval * 2 ** max(self.consecutive_failures - 1, 0), timedelta(days=1))
        backoff *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
        soonest = now + backoff
        return max(soonest, retry_at) if retry_at else soonest


class PlatformUsage(models.Model):
    """Reads spent on a pay-per-use platform (X) on one UTC day, to enforce the admin's cap."""

    platform = models.CharField(max_length=20)
    day = models.DateField()
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "day"], name="unique_platform_usage")
        ]

    def __str__(self) -> str:
        return f"{self.platform} on {self.day}: {self.reads} reads"


class Blog(models.Model):
    """A blog followed through its feed. Two learners pasting the same blog share it."""

    class Kind(models.TextChoices):
        FEED = "feed", "RSS, Atom or JSON Feed"
        WORDPRESS = "wordpress", "WordPress"

    site_url = models.URLField(max_length=2000)
    feed_url = models.URLField(max_length=2000, unique=True)
    title = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FEED)
    source = models.OneToOneField(Source, on_delete=models.PROTECT, related_name="blog")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_blogs",
        help_text="Set when a learner registers this blog as their own.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title or self.site_url


class Group(NamedWithSlug):
    """A group living in PLN Hub. Anyone joins an open group; a closed group's admins approve
    each join request, and its posts are invisible to non-members."""

    class Privacy(models.TextChoices):
        OPEN = "open", "Open: anyone can join"
        CLOSED = "closed", "Closed: admins approve members"

    description = models.TextField(blank=True)
    privacy = models.CharField(max_length=10, choices=Privacy.choices, default=Privacy.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="pln_groups"
    )


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"


class JoinRequest(models.Model):
    """A request to join a closed group, decided by one of its admins."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group} ({self.status})"


class Invitation(models.Model):
    """An invitation to join a group, sent by a member to an email address."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} to {self.group}"


class FollowedBlog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_blogs"
    )
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "blog"], name="unique_blog_follow")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.blog}"


class FollowedHashtag(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_hashtags"
    )
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "hashtag"], name="unique_hashtag_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.hashtag}"


class FollowedPerson(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_people"
    )
    person = models.ForeignKey("feeds.Person", on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "person"], name="unique_person_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.person}"


def unique_slug(model: type[models.Model], name: str) -> str:
    """A slug for `name` not yet used by `model` (`astronomy`, `astronomy-2`, ...)."""
    base = slugify(name)[:120] or "untitled"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
