"""Fixtures every test module shares: two coaches who must never see each other's data."""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from hypothesis import settings as hypothesis_settings

# No test asserts a time (docs/structure.md): hypothesis's 200 ms deadline per example failed the
# vault's crypto tests when the other worker was busy (274 ms once, 0.8 ms on the retry).
hypothesis_settings.register_profile("ethos", deadline=None)
hypothesis_settings.load_profile("ethos")

_numbers = itertools.count(1)
PASSPHRASE = "correct horse battery staple"


def pytest_configure(config):
    # Lower the deliberately slow costs for the test run only; production refuses these.
    settings.ETHOS_INSECURE_FAST_KDF = True
    # Files Ethos writes while it runs (the checkpoint journal, backups) go to a folder of this
    # test process, never into the data directory of a real installation in the working tree.
    settings.ETHOS_DATA_DIR = Path(tempfile.mkdtemp(prefix="ethos-test-data-"))
    settings.PASSWORD_HASHERS = ["ethos.accounts.hashers.FastArgon2PasswordHasher"]


def make_coach(*, email: str | None = None, name: str | None = None, passphrase: str = PASSPHRASE):
    """Create a coach through the one write path that the product uses."""
    from ethos.accounts import services

    number = next(_numbers)
    return services.coach_create(
        email=email or f"coach{number}@example.org",
        name=name or f"Coach Number {number}",
        passphrase=passphrase,
    ).user


def open_vault(coach, passphrase: str = PASSPHRASE):
    """Unlock a coach's vault with their passphrase, as sign-in does."""
    from ethos.vault.services import unlock_with_passphrase

    vault = unlock_with_passphrase(coach=coach, passphrase=passphrase)
    assert vault is not None
    return vault


def sign_in_browser(browser, coach, passphrase: str = PASSPHRASE):
    """Sign a test client in with both vault halves: the session's and the cookie's."""
    from types import SimpleNamespace

    from ethos.vault import services as vault_services

    browser.force_login(coach)
    session = browser.session
    request = SimpleNamespace(session=session)
    vault_services.session_open(request, open_vault(coach, passphrase))
    session.save()
    browser.cookies[vault_services.cookie_name()] = request.vault_cookie
    return browser


def at_once(work, count):
    """Run `work(i)` for i in range(count) on as many threads, all released together."""
    start = threading.Barrier(count)

    def run(i):
        try:
            start.wait()
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def coach(db):
    return make_coach(name="Alex Rivera")


@pytest.fixture
def other_coach(db):
    return make_coach(name="Sam Okafor")


@pytest.fixture
def vault(coach):
    """The first coach's vault, unlocked for the length of the test."""
    from ethos.vault.context import unlocked

    with unlocked(open_vault(coach)) as opened:
        yield opened


@pytest.fixture
def coach_client(client, coach):
    """A test client signed in as the first coach, records unlocked."""
    return sign_in_browser(client, coach)


@pytest.fixture
def other_client(db, other_coach):
    """A second browser, signed in as the other coach, records unlocked."""
    from django.test import Client

    return sign_in_browser(Client(), other_coach)


@pytest.fixture
def flushable_db(transactional_db):
    """A transactional database whose teardown flush may empty the append-only audit table.

    The audit app puts the triggers back on the post_migrate signal that the flush sends. Before
    the flush, the live server's requests still running (a browser's last autosave) are let
    finish: a flush that truncates under a request's open transaction deadlocks on PostgreSQL.
    """
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)
    from django.db import connection

    from ethos.audit import triggers

    triggers.remove(connection)
