"""Fixtures shared by every app's tests: the simulator, personas, network allowance."""

import pytest

pytest_plugins = ["simulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Plain HTTP for the test client and the live server; a fast password hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture
def allow_simulator(settings, simulator):
    """Let sources.net reach the simulator (and nothing else private)."""
    settings.PLN_NET_ALLOWED_PRIVATE_HOSTS = [simulator.host_port]
    return simulator


@pytest.fixture
def learner(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(display_name="Lena Learner")


@pytest.fixture
def other_learner(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(display_name="Omar Other")
