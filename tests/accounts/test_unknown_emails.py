"""Finding 8 of issue 10: unknown emails look like wrong passphrases, and one address is throttled."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.models import SignInAttempt, User
from tests.conftest import PASSPHRASE, make_coach
from tests.test_signin_one_kdf import Argon2Runs

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
HOME = "198.51.100.7"


def sign_in(browser, email, passphrase, address=HOME):
    return browser.post(SIGN_IN, {"email": email, "passphrase": passphrase}, REMOTE_ADDR=address)


def errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


@pytest.fixture
def hash_checks(monkeypatch):
    """Count every Argon2 run (the real checks and the dummy), with its costs."""
    return Argon2Runs(monkeypatch).costs


def test_f8_an_unknown_email_and_a_wrong_passphrase_get_the_same_message(client, coach):
    unknown = sign_in(client, "nobody@example.org", "a guess at something")
    wrong = sign_in(client, coach.email, "a guess at something")
    assert errors(unknown) == errors(wrong) == [services.SIGN_IN_FAILED]


def test_f8_an_unknown_email_costs_one_hash_check_like_a_wrong_passphrase(client, coach, hash_checks):
    sign_in(client, coach.email, "a guess at something")
    assert len(hash_checks) == 1
    sign_in(client, "nobody@example.org", "a guess at something")
    assert len(hash_checks) == 2
    # The dummy has the cost of a real check: the same Argon2id run, with the same parameters.
    real, dummy = hash_checks
    assert dummy == real


def test_f8_a_locked_account_costs_one_hash_check_too(client, coach, hash_checks):
    User.objects.filter(pk=coach.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=5))
    response = sign_in(client, coach.email, PASSPHRASE)
    assert "is locked for" in response.content.decode()
    assert len(hash_checks) == 1
    coach.refresh_from_db()
    assert coach.is_locked()


def test_f8_an_inactive_account_answers_like_an_unknown_email(client, coach, hash_checks):
    User.objects.filter(pk=coach.pk).update(is_active=False)
    assert errors(sign_in(client, coach.email, PASSPHRASE)) == [services.SIGN_IN_FAILED]
    assert len(hash_checks) == 1


def test_f8_one_address_is_throttled_across_different_emails(client):
    coach = make_coach()
    limit = services.ADDRESS_FAILURE_LIMIT
    assert 10 <= limit <= 50
    for n in range(limit):
        # Each email is tried fewer times than the account lockout, as a sprayer would.
        email = coach.email if n % 10 == 0 else f"guess{n}@example.org"
        response = sign_in(client, email, f"a guess number {n}")
        assert errors(response) == [services.SIGN_IN_FAILED]
    message = services.ADDRESS_THROTTLED.format(minutes=settings.ETHOS_LOCKOUT_MINUTES)
    refused = sign_in(client, coach.email, PASSPHRASE)
    assert errors(refused) == [message]
    assert "_auth_user_id" not in client.session
    coach.refresh_from_db()
    assert not coach.is_locked()
    # Another address is not held back, and the coach signs in from there.
    other = Client()
    assert sign_in(other, coach.email, PASSPHRASE, address="192.0.2.44").status_code == 302


def test_f8_the_throttle_forgets_an_address_after_the_window(client, coach):
    for n in range(services.ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"guess{n}@example.org", "a guess")
    SignInAttempt.objects.update(
        at=timezone.now() - timezone.timedelta(minutes=settings.ETHOS_LOCKOUT_MINUTES)
    )
    assert sign_in(client, coach.email, PASSPHRASE).status_code == 302


def test_f8_a_successful_sign_in_does_not_count_toward_the_throttle(client, coach):
    for _ in range(services.ADDRESS_FAILURE_LIMIT + 1):
        assert sign_in(Client(), coach.email, PASSPHRASE).status_code == 302
    assert not SignInAttempt.objects.exists()


def test_f8_ipv6_addresses_are_throttled_by_their_64_bit_network(client, coach):
    for n in range(services.ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"guess{n}@example.org", "a guess", address=f"2001:db8:1:2::{n + 1:x}")
    refused = sign_in(client, coach.email, PASSPHRASE, address="2001:db8:1:2:ffff::1")
    assert errors(refused) == [services.ADDRESS_THROTTLED.format(minutes=settings.ETHOS_LOCKOUT_MINUTES)]
    assert sign_in(client, coach.email, PASSPHRASE, address="2001:db8:1:3::1").status_code == 302
