"""Private feed links: the token in a personal Atom feed's URL, checking it, revoking them all.

A token is the site's signature (salt "pln.feeds") over "<user id>:<generation>", so nothing
secret is stored and the same learner gets the same links until they revoke them. Revoking
bumps `FeedKey.generation`: every token signed over an older generation stops working.
"""

from urllib.parse import urlencode

from django.core import signing
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from feeds.filters import TimelineFilter
from feeds.models import FeedKey

_SIGNER = signing.Signer(salt="pln.feeds")
MAX_TOKEN_LENGTH = 200


def make_token(user) -> str:
    """The token of `user`'s current feed links (creating their FeedKey on first use)."""
    key, _ = FeedKey.objects.get_or_create(user=user)
    return _SIGNER.sign(f"{user.pk}:{key.generation}")


def user_for_token(token: str | None):
    """The active user whose current feed links carry `token`, or None for a missing,
    malformed, forged or revoked token (the caller answers 404 either way)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = _SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    user_id, _, generation = value.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    key = (
        FeedKey.objects.filter(user_id=int(user_id), generation=int(generation))
        .select_related("user")
        .first()
    )
    if key is None or not key.user.is_active:
        return None
    return key.user


def revoke(user) -> None:
    """Make every feed link `user` has handed out stop working; new links are issued."""
    FeedKey.objects.get_or_create(user=user)
    FeedKey.objects.filter(user=user).update(
        generation=F("generation") + 1, revoked_at=timezone.now()
    )


def personal_feed_url(user, filters: TimelineFilter, *, request=None) -> str:
    """The Atom feed URL of `user`'s timeline narrowed by `filters`, with their token;
    absolute when `request` is given (feed readers need the whole address)."""
    return feed_url(make_token(user), filters, request=request)


def feed_url(token: str, filters: TimelineFilter, *, request=None) -> str:
    """`personal_feed_url` for a token already made (one query for a page of links)."""
    params = {**filters.as_params(), "key": token}
    path = f"{reverse('syndication:timeline_atom')}?{urlencode(params)}"
    return request.build_absolute_uri(path) if request is not None else path


def public_hashtag_feed_url(hashtag_name: str, *, request=None) -> str:
    """The public Atom feed URL of a hashtag's stream (no token: it shows public posts only)."""
    path = reverse("syndication:hashtag_atom", args=[hashtag_name])
    return request.build_absolute_uri(path) if request is not None else path
