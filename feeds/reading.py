"""A learner's reading actions: read, favourite, save for later, hide.

Plain functions over `ItemState`, called by the views (htmx or plain forms), the keyboard
shortcuts' requests and the tests alike.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from feeds.models import Item, ItemState
from feeds.upsert import upsert

# An action's name -> the flag it sets and the value it sets it to.
ACTIONS = {
    "read": ("is_read", True),
    "unread": ("is_read", False),
    "favourite": ("is_favourite", True),
    "unfavourite": ("is_favourite", False),
    "save": ("is_saved", True),
    "unsave": ("is_saved", False),
    "hide": ("is_hidden", True),
    "unhide": ("is_hidden", False),
}
FLAGS = ["is_read", "is_favourite", "is_saved", "is_hidden"]


def apply(user, item: Item, action: str) -> ItemState:
    """Apply one action (a key of ACTIONS) to one item for `user`; returns the new state.
    Hiding an item also marks it read."""
    flag, value = ACTIONS[action]
    changes = {flag: value}
    if action == "hide":
        changes["is_read"] = True
    state, _ = ItemState.objects.update_or_create(user=user, item=item, defaults=changes)
    return state


def mark_read(user, items: QuerySet[Item] | Iterable[int]) -> int:
    """Mark every item in `items` (a queryset or ids) read for `user`, in one statement per
    thousand items; their other flags are kept. Returns how many items."""
    ids = list(items.values_list("pk", flat=True)) if isinstance(items, QuerySet) else list(items)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    for start in range(0, len(ids), 1000):
        upsert(
            ItemState._meta.db_table,
            ["user_id", "item_id", *FLAGS, "updated_at"],
            [(user.pk, pk, True, False, False, False, stamp) for pk in ids[start : start + 1000]],
            conflict=["user_id", "item_id"],
            update=["is_read", "updated_at"],
        )
    return len(ids)
