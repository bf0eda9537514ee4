import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pln.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "a-long-random-production-key-0123456789",
        ALLOWED_HOSTS="pln.example.edu",
        DATABASE_URL="postgres://pln@db.invalid:5432/pln",
        CELERY_BROKER_URL="redis://redis.invalid:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_secret_key():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", ALLOWED_HOSTS="x.example")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_bad_environment_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("PLN_DEBUG", "maybe")
    monkeypatch.setenv("DB_CONN_MAX_AGE", "sixty")
    with pytest.raises(ImproperlyConfigured, match="PLN_DEBUG"):
        env_bool("PLN_DEBUG", False)
    with pytest.raises(ImproperlyConfigured, match="DB_CONN_MAX_AGE"):
        env_int("DB_CONN_MAX_AGE", 60)


def test_every_model_change_has_its_migration():
    result = run_manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr


def test_without_redis_the_web_server_and_worker_share_a_cache_in_pln_cache_dir(tmp_path):
    """bin/dev runs them as separate processes: a count the worker leaves in the cache must
    be what the web server reads."""
    env = {"PLN_CACHE_DIR": str(tmp_path / "cache"), "PLN_VAR_DIR": str(tmp_path)}
    cache = "from django.core.cache import cache; "

    writer = run_manage("shell", "--no-imports", "-c", cache + "cache.set('k', 42, 60)", **env)
    reader = run_manage("shell", "--no-imports", "-c", cache + "print(cache.get('k'))", **env)

    assert writer.returncode == 0, writer.stderr
    assert reader.stdout.strip() == "42", reader.stderr
