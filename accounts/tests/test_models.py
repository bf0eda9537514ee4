import pytest
from django.db import connection

from accounts.models import LinkedAccount, User

pytestmark = pytest.mark.django_db


def test_users_sign_in_with_their_email_and_have_no_username():
    user = User.objects.create_user("Ada@Example.ORG", "s3cret-pass")

    assert user.email == "Ada@example.org"
    assert user.check_password("s3cret-pass")
    assert not hasattr(user, "username") or user.username is None


def test_linked_account_tokens_are_ciphertext_in_the_database(learner):
    account = LinkedAccount.objects.create(
        user=learner, platform="mastodon", handle="@lena@social.example", access_token="tok-123"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token FROM accounts_linkedaccount WHERE id = %s", [account.pk]
        )
        (stored,) = cursor.fetchone()

    assert "tok-123" not in stored
    assert LinkedAccount.objects.get(pk=account.pk).access_token == "tok-123"


def test_tokens_never_appear_in_the_admin(admin_client, learner):
    account = LinkedAccount.objects.create(
        user=learner, platform="x", handle="@lena", access_token="tok-secret-42"
    )

    response = admin_client.get(f"/admin/accounts/linkedaccount/{account.pk}/change/")

    assert response.status_code == 200
    assert "tok-secret-42" not in response.content.decode()
    assert "access_token" not in response.content.decode()


def test_coordinators_see_why_a_source_is_paused_in_the_admin(admin_client):
    from django.utils import timezone

    from sources.tests.factories import SourceFactory

    SourceFactory(paused_at=timezone.now(), pause_reason="Paused after 10 failed updates in a row.")

    response = admin_client.get("/admin/sources/source/?paused_at__isnull=False")

    assert "Paused after 10 failed updates in a row." in response.content.decode()
