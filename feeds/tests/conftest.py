"""Fixtures for the feeds tests that leave the process: a real browser and eager Celery.

Chromium is Debian's (/usr/bin/chromium), driven through Playwright's sync API. Playwright
keeps an asyncio loop running in the test thread while it is started, which makes Django
refuse ORM calls there and breaks `async_to_sync`; so Playwright lives for one module at a
time, and Django's async-safety check is relaxed only while it does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from pln import celery_app
from simulator.blogs import Post
from simulator.server import Simulator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Remember each phase's report on the test, so fixtures can tell whether it failed, and
    attach the Celery worker's log to a failing test that used one."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    worker = getattr(item, "funcargs", {}).get("worker")
    if report.failed and worker is not None:
        report.sections.append(("Celery worker log (tail)", worker.log_tail()))
    return report


def failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(PHASE_REPORTS, {})
    return any(report.failed for report in reports.values())


@pytest.fixture
def posts_in_feed(simulator: Simulator) -> Callable[[int], list[Post]]:
    """`posts_in_feed(n)`: the posts blog n's feed lists right now, newest first."""

    def posts(n: int) -> list[Post]:
        blogs = simulator.site.blogs
        return blogs.snapshot(blogs.blogs[n])[1]

    return posts


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks inline, where they are enqueued (the live server's request thread)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as mp:
        # The test thread shows Playwright's running loop to Django; our ORM calls there
        # (and pytest-django's flush) are still plain synchronous code.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def console_messages() -> list[ConsoleMessage]:
    """Everything the page wrote to the console, warnings and errors included."""
    return []


@pytest.fixture
def page(
    context: BrowserContext, console_messages: list[ConsoleMessage], request: pytest.FixtureRequest
) -> Iterator[Page]:
    page = context.new_page()
    page.on("console", lambda message: console_messages.append(message))
    yield page
    if failed(request):
        folder = Path(settings.BASE_DIR) / "var" / "test-screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=folder / f"{name}.png", full_page=True)
