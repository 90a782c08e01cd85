"""Browser tests: Playwright driving a headless Chromium against pytest-django's live server.

A system Chromium (Debian's ``chromium`` package) is used when there is one; otherwise the
session runs ``playwright install chromium`` once. If no browser can be started the tests
fail, saying how to get one: they are never skipped.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.chromium import DESKTOP, BrowserMissing, launch

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def _orm_beside_playwright():
    """Let the tests' own ORM calls run while Playwright's event loop runs in this thread.

    They are plain synchronous calls, so this is safe; the variable is restored afterwards so
    that no other test (``check --deploy`` among them) sees it.
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="package")
def browser(_orm_beside_playwright):
    """One headless Chromium for the browser tests."""
    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except BrowserMissing as exc:
            pytest.fail(str(exc), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh desktop-sized tab; console errors (CSP violations among them) are collected."""
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()
