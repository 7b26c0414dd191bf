"""Fixtures every test module shares: two coaches who must never see each other's data."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings

_numbers = itertools.count(1)
PASSPHRASE = "correct horse battery staple"


def pytest_configure(config):
    # Lower the deliberately slow costs for the test run only; production refuses these.
    settings.ETHOS_INSECURE_FAST_KDF = True
    settings.PASSWORD_HASHERS = ["ethos.accounts.hashers.FastArgon2PasswordHasher"]


def make_coach(*, email: str | None = None, name: str | None = None, passphrase: str = PASSPHRASE):
    """Create a coach through the one write path that the product uses."""
    from ethos.accounts import services

    number = next(_numbers)
    return services.coach_create(
        email=email or f"coach{number}@example.org",
        name=name or f"Coach Number {number}",
        passphrase=passphrase,
    )


@pytest.fixture
def coach(db):
    return make_coach(name="Alex Rivera")


@pytest.fixture
def other_coach(db):
    return make_coach(name="Sam Okafor")


@pytest.fixture
def coach_client(client, coach):
    """A test client signed in as the first coach."""
    client.force_login(coach)
    return client


@pytest.fixture
def other_client(db, other_coach):
    """A second browser, signed in as the other coach."""
    from django.test import Client

    browser = Client()
    browser.force_login(other_coach)
    return browser
