"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser).

Every browser context a test opens, through `page` or `browser.new_context()`, leaves a full-page
screenshot of its last page in the run's output folder as it closes: `<test name>.png` in
$ETHOS_E2E_OUTPUT, by default test-results/e2e/ (git-ignored). A test that opens several contexts
keeps the one closed last, which is where its journey ended.
"""

import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Flags that keep chromium from reaching for the network on a closed machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        message = "Debian's chromium is not installed (apt-get install chromium)."
        if os.environ.get("CI") == "true":
            pytest.fail(message + " CI must run the browser tests.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the browser lives;
    # the tests' own ORM calls are still synchronous, so allow them while it does.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def e2e_output(pytestconfig) -> Path:
    """The folder the screenshots go to: $ETHOS_E2E_OUTPUT, else test-results/e2e/ under the root."""
    folder = Path(os.environ.get("ETHOS_E2E_OUTPUT") or pytestconfig.rootpath / "test-results" / "e2e")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot_path(request, e2e_output) -> Path:
    """Where this test's last page is kept: its name, with the parameters made safe for a file name."""
    return e2e_output / (re.sub(r"[^\w.-]+", "-", request.node.name).strip("-") + ".png")


class _Context:
    """A browser context that photographs its last open page before it closes."""

    def __init__(self, context, path: Path):
        self._context = context
        self._path = path

    def __getattr__(self, name):
        return getattr(self._context, name)

    def close(self, **kwargs) -> None:
        open_pages = [page for page in self._context.pages if not page.is_closed()]
        if open_pages:
            try:
                open_pages[-1].screenshot(path=str(self._path), full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own result
                warnings.warn(f"No screenshot of the last page: {error}", stacklevel=2)
        self._context.close(**kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Browser:
    """The session's chromium, handing out contexts that keep a screenshot of this test's last page."""

    def __init__(self, browser, path: Path):
        self._browser = browser
        self._path = path

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs) -> _Context:
        return _Context(self._browser.new_context(**kwargs), self._path)


@pytest.fixture
def browser(chromium, screenshot_path):
    return _Browser(chromium, screenshot_path)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
