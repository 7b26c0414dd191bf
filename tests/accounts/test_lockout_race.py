"""Finding 6 of issue 10: concurrent wrong guesses cannot get past the lockout.

Each request counts its guess and checks the lock in one conditional UPDATE before any hash is
checked, so however many arrive at once, at most ETHOS_LOCKOUT_FAILURES are checked per lock.
"""

import threading
import time

import pyotp
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.models import User
from ethos.vault import services as vault_services
from tests.accounts.test_two_step import enrol, start_sign_in
from tests.conftest import at_once, make_coach

ATTEMPTS = 30


class CountedChecks:
    """Wrap a coach's passphrase check (their key's unwrap): count each, and slow it to widen any race."""

    def __init__(self, monkeypatch):
        self.calls = 0
        self._lock = threading.Lock()
        real = vault_services.unlock_with_passphrase

        def counted(*, coach, passphrase):
            with self._lock:
                self.calls += 1
            time.sleep(0.05)
            return real(coach=coach, passphrase=passphrase)

        monkeypatch.setattr(vault_services, "unlock_with_passphrase", counted)


def test_f6_thirty_concurrent_wrong_sign_ins_check_at_most_the_limit(flushable_db, monkeypatch):
    coach = make_coach()
    checks = CountedChecks(monkeypatch)

    def guess(i):
        data = {"email": coach.email, "passphrase": f"wrong guess number {i}"}
        return Client().post(reverse("accounts:sign_in"), data, REMOTE_ADDR=f"203.0.113.{i + 1}").status_code

    assert at_once(guess, ATTEMPTS) == [200] * ATTEMPTS
    assert checks.calls <= settings.ETHOS_LOCKOUT_FAILURES
    coach.refresh_from_db()
    assert coach.is_locked()


def test_f6_a_guess_is_refused_before_its_hash_is_checked_while_locked(client, coach, monkeypatch):
    User.objects.filter(pk=coach.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=5))
    checks = CountedChecks(monkeypatch)
    response = client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": "a guess"})
    assert "is locked for" in response.content.decode()
    assert checks.calls == 0


def test_f6_the_passphrase_step_does_not_reset_the_count_for_the_code_step(client, coach):
    """Knowing the passphrase must not buy unlimited guesses at the 6-digit code."""
    client.force_login(coach)
    enrol(client)
    client.post(reverse("accounts:sign_out"))
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES - 1):
        start_sign_in(client, coach)
        client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
    start_sign_in(client, coach)
    response = client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
    assert "is locked for" in response.content.decode()
    coach.refresh_from_db()
    assert coach.is_locked()


def test_f6_a_right_code_after_the_passphrase_clears_the_count(client, coach):
    client.force_login(coach)
    secret, _ = enrol(client)
    client.post(reverse("accounts:sign_out"))
    start_sign_in(client, coach)
    client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))
    assert client.post(reverse("accounts:sign_in_code"), {"code": code}).status_code == 302
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 0 and coach.locked_until is None
