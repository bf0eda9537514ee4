"""The small interface every platform connector implements.

A connector module exposes `fetch(target: Target) -> FetchResult`. It speaks HTTP only through
`sources.net`, returns plain records (never ORM objects) and raises `ConnectorError` for every
failure, saying whether it is permanent and when to retry.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PollState:
    """What a Source remembers between polls."""

    etag: str = ""
    last_modified: str = ""
    cursor: str = ""


@dataclass(frozen=True)
class Target:
    """What to poll: a Source's identity and state, without the ORM."""

    url: str
    state: PollState = PollState()
    hashtag: str = ""
    # Pay-per-use platforms: read at most this many posts (booked by feeds.read_caps).
    read_budget: int | None = None


@dataclass(frozen=True)
class AuthorRecord:
    external_id: str
    name: str = ""
    handle: str = ""
    profile_url: str = ""
    avatar_url: str = ""


@dataclass
class ItemRecord:
    """One post as a platform sent it. `html` is NOT sanitised yet: ingest does that once."""

    external_id: str
    url: str = ""
    title: str = ""
    html: str = ""
    text: str = ""
    author: AuthorRecord | None = None
    published_at: datetime | None = None
    hashtags: list[str] = field(default_factory=list)
    media: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""  # relative links in `html` resolve against it
    reply_count: int = 0
    like_count: int = 0
    repost_count: int = 0
    # False when the platform relays a post it does not own (a Mastodon server showing a
    # status from another server): such a copy may add a new item, never rewrite one.
    authoritative: bool = True


@dataclass
class FetchResult:
    items: list[ItemRecord]
    state: PollState
    not_modified: bool = False
    title: str = ""  # the source's own title, when the platform tells it
    site_url: str = ""
    # Set when the platform said it is busy (rate-limit headers near zero): poll no sooner.
    retry_at: datetime | None = None
    reads: int = 0  # posts a pay-per-use platform billed for this fetch


class ConnectorError(Exception):
    """A poll failed. `message` is shown to learners, so it is short and readable.

    `fallback`, when set, is another (platform, url) target that serves the same posts: the
    Source switches to it (a WordPress site whose REST API is off is read through its feed).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_at: datetime | None = None,
        fallback: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_at = retry_at
        self.fallback = fallback


class Connector(Protocol):
    def fetch(self, target: Target) -> FetchResult: ...
