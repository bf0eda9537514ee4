"""The coordinators' admin for items: moderation and the hashtags an item carries."""

import pytest
from django.urls import reverse

from feeds.models import ItemHashtag
from feeds.tests.factories import ItemFactory
from sources.tests.factories import HashtagFactory

pytestmark = pytest.mark.django_db


def test_an_items_page_in_the_admin_lists_its_hashtags(admin_client):
    item = ItemFactory(title="Saturn tonight")
    astronomy = HashtagFactory(name="astronomy")
    ItemHashtag.objects.create(item=item, hashtag=astronomy)

    page = admin_client.get(reverse("admin:feeds_item_change", args=[item.pk]))

    assert page.status_code == 200
    (hashtags,) = page.context["inline_admin_formsets"]
    assert [form.instance.hashtag for form in hashtags.formset.initial_forms] == [astronomy]
