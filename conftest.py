"""Fixtures shared by every app's tests: the simulator, personas, network allowance."""

import pytest
from django.test.utils import override_settings

pytest_plugins = ["simulator.pytest_plugin"]


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Plain HTTP for the test client and the live server, and a fast password hasher.

    Session-wide and in place before anything starts: the live server's SecurityMiddleware
    reads the HTTPS settings once, when the server builds its handler.
    """
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (Redis under bin/test, on its own database so
    that clearing it never touches the broker's queues)."""
    from django.core.cache import cache

    cache.clear()


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
