"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's `live_server`.

Chromium is found on PATH (`shutil.which("chromium")`); `playwright install` cannot download browsers
here. Without chromium the browser tests skip, except under CI=true, where they fail: CI must not pass
by silently running nothing.

Database: `live_server` implies a transactional database, whose teardown flushes every table. That would
remove the roles and offices the data migrations seed (0002_seed_roles, 0002_seed_offices), so `page`
also requests `django_db_serialized_rollback`: pytest-django then serialises the migrated test database
once at creation and reloads it before each browser test. pytest-django runs transactional tests after
the ordinary `db` tests, so the flush never reaches those.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_JS = BASE_DIR / "tests" / "assets" / "axe.min.js"
SCREENSHOT_DIR = BASE_DIR / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Same as the root conftest's personas.
PASSWORD = "Correct-horse-battery-9"
SERIOUS = {"serious", "critical"}
# Generous: CI machines are shared and slow; a real hang still fails within a minute.
TIMEOUT_MS = 30_000


def _finish_requests(timeout: float = 10.0) -> None:
    """Wait for the live server's request threads to end once the browser has closed its connections.

    A request thread still running when the test's database flush starts, or when the session stops the
    live server (and SQLite's shared in-memory connection stops being shareable), fails the run with an
    unhandled-thread-exception warning. Under load that race is real.
    """
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        message = "chromium is not installed (apt-get install chromium); browser tests need it"
        if _in_ci():
            pytest.fail(f"{message}, and CI=true does not allow skipping them", pytrace=False)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its event loop marked as running in this thread. Django's connection
    # handler then keeps connections per context instead of per thread, so from here on the tests get
    # new connection objects, without the snapshot the test database was serialised into. Hand it over,
    # or serialized rollback silently restores nothing.
    snapshots = {
        alias: getattr(connections[alias], "_test_serialized_contents")  # noqa: B009 - private, untyped
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in snapshots.items():
            setattr(connections[alias], "_test_serialized_contents", contents)  # noqa: B010
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
        _finish_requests()


@pytest.fixture
def page(browser: Any, live_server: Any, django_db_serialized_rollback: None) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test; fails the test on a CSP violation or a script error."""
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 800}, base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    problems: list[str] = []
    new_page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    new_page.on("console", on_console)
    yield new_page
    context.close()
    _finish_requests()
    if problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems), pytrace=False)


def login(page: Any, live_server: Any, user: Any, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait for the dashboard."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_email").fill(user.email)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == f"{live_server.url}/", f"sign-in did not reach the dashboard, ended on {page.url}"


def set_language(page: Any, code: str) -> None:
    """Choose a language with the navbar selector, as a user does (its change event submits the form)."""
    with page.expect_navigation():
        page.locator("#ph-language").select_option(code)
    page.wait_for_load_state("load")


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG to var/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _inject_axe(page: Any) -> None:
    # page.evaluate runs through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern; a <script> tag (page.add_script_tag) would be refused by script-src 'self' 'nonce-…'.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))


def axe_violations(page: Any, impacts: set[str] = SERIOUS) -> list[dict[str, Any]]:
    """Run axe-core on the current page; return the violations with one of the given impacts."""
    _inject_axe(page)
    result = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    return [violation for violation in result if violation["impact"] in impacts]


def assert_accessible(page: Any) -> None:
    """Fail listing every serious or critical axe-core violation (rule id, help, target nodes)."""
    violations = axe_violations(page)
    if violations:
        lines = [f"{len(violations)} serious/critical accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(
                f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
            )
            lines.extend(
                f"    {json.dumps(node['target'])}: {node['summary'] or ''}".replace("\n", " ")
                for node in violation["nodes"]
            )
        pytest.fail("\n".join(lines), pytrace=False)


class Checks:
    """Screenshot each state and run axe on it, keeping every violation for one report at the end."""

    def __init__(self, page: Any, language: str = "en", *, prefix: str = "screening") -> None:
        self.page, self.language, self.prefix = page, language, prefix
        self.failures: list[str] = []

    def __call__(self, name: str) -> None:
        html = self.page.locator("html")
        expected = (self.language, "rtl" if self.language == "ar" else "ltr")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == expected, name
        screenshot(self.page, f"{self.prefix}-{name}-{self.language}")
        try:
            assert_accessible(self.page)
        except pytest.fail.Exception as failure:
            self.failures.append(f"{name}-{self.language}: {failure}")

    def finish(self) -> None:
        if self.failures:
            pytest.fail("\n\n".join(self.failures), pytrace=False)


def click_to(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()
