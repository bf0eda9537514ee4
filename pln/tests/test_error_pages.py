"""What a learner sees when a page is missing or private."""

import pytest
from django.urls import reverse

from sources.models import Topic

pytestmark = pytest.mark.django_db


def test_a_private_topic_looks_missing_to_others_with_a_way_back(client, learner, other_learner):
    topic = Topic.objects.create(name="Private notes", owner=other_learner)
    client.force_login(learner)

    response = client.get(reverse("topics:topic", args=[topic.slug]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "This page is not here" in body
    assert "Private notes" not in body
    assert f'href="{reverse("feeds:timeline")}"' in body
