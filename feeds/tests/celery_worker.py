"""A real `celery worker` subprocess for tests, pointed at pytest-django's test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from pln import celery_app

WORKER_START_TIMEOUT = 30
ON_REAL_SERVICES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "CELERY_BROKER_URL", ""
).startswith("redis")


class Worker:
    """A running `celery worker` subprocess, known to the broker as `name`."""

    def __init__(self, process: subprocess.Popen, name: str, log_path: Path) -> None:
        self.process = process
        self.name = name
        self.log_path = log_path

    def log_tail(self, lines: int = 80) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not celery_app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker was not ready:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crash or OOM would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Warm shutdown (finish running tasks), then kill the whole process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def worker_database_url() -> str:
    """DATABASE_URL pointing at the database pytest-django created, not the real one."""
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


def start_worker(log_dir: Path, **env_extra: str) -> Worker:
    """Start a worker (prefork, two children) and wait until it answers a ping."""
    name = f"pln-test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = log_dir / f"{name.split('@')[0]}.log"
    env = {**os.environ, "DATABASE_URL": worker_database_url(), **env_extra}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pln",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        "celery",
        "-n",
        name,
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its pool children share its process group
        )
    worker = Worker(process, name, log_path)
    try:
        worker.wait_until_ready()
    except BaseException:
        worker.kill()
        raise
    return worker
