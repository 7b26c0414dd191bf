"""Issue 12, part 5: one Argon2 run at sign-in, and a passphrase check as strong as before.

A coach's passphrase is checked by unwrapping their account key (the AES-GCM tag is the check), so
the Argon2id run that checks it also opens the vault. Everyone else's is an Argon2 hash; an unknown
email or a locked account runs the same derivation for nothing.
"""

from __future__ import annotations

import threading

import argon2
import argon2._password_hasher
import argon2.low_level
import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.hashers import VaultCostArgon2PasswordHasher, VaultKeyHasher
from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.vault import crypto
from ethos.vault import services as vault_services
from tests.conftest import PASSPHRASE, sign_in_browser

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
WRONG = "a wrong guess at the passphrase"
NEW = "a brand new passphrase for the vault"


class Argon2Runs:
    """Count every Argon2 run, with its costs (memory KiB, passes, lanes), whoever starts it.

    The vault derives with hash_secret_raw; Django's Argon2 hasher hashes with hash_secret and
    checks with verify_secret (through argon2.PasswordHasher).
    """

    def __init__(self, monkeypatch) -> None:
        self.costs: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()
        real_raw, real_hash = crypto.hash_secret_raw, argon2.low_level.hash_secret
        real_verify = argon2._password_hasher.verify_secret

        def raw(**kwargs):
            self._record(kwargs["memory_cost"], kwargs["time_cost"], kwargs["parallelism"])
            return real_raw(**kwargs)

        def hashed(*args, **kwargs):
            self._record(kwargs["memory_cost"], kwargs["time_cost"], kwargs["parallelism"])
            return real_hash(*args, **kwargs)

        def verify(encoded, secret, kind):
            params = argon2.extract_parameters(encoded.decode())
            self._record(params.memory_cost, params.time_cost, params.parallelism)
            return real_verify(encoded, secret, kind)

        monkeypatch.setattr(crypto, "hash_secret_raw", raw)
        monkeypatch.setattr(argon2.low_level, "hash_secret", hashed)
        monkeypatch.setattr(argon2._password_hasher, "verify_secret", verify)

    def _record(self, memory: int, passes: int, lanes: int) -> None:
        with self._lock:
            self.costs.append((memory, passes, lanes))

    def __len__(self) -> int:
        return len(self.costs)

    def clear(self) -> None:
        self.costs.clear()


@pytest.fixture
def runs(monkeypatch):
    return Argon2Runs(monkeypatch)


def sign_in(browser, email, passphrase, address="198.51.100.20"):
    return browser.post(SIGN_IN, {"email": email, "passphrase": passphrase}, REMOTE_ADDR=address)


def errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


def stored_costs(coach) -> tuple[int, int, int]:
    params = crypto.KdfParams.from_dict(coach.account_key.passphrase_kdf)
    return params.memory_kib, params.iterations, params.lanes


def make_staff(*, email="staff@example.org"):
    return User.objects.create_user(email, PASSPHRASE, name="Dana Staff", role=User.Role.ASSOCIATION_STAFF)


def test_it_signs_a_coach_in_and_opens_the_vault_with_one_argon2_run(client, coach, runs):
    response = sign_in(client, coach.email, PASSPHRASE)
    assert response.status_code == 302
    assert str(client.session["_auth_user_id"]) == str(coach.pk)
    assert runs.costs == [stored_costs(coach)]
    # The one run opened the records: both halves are there, no second derivation needed.
    assert client.get(reverse("accounts:passphrase_change")).status_code == 200
    assert len(runs) == 1


def test_it_keeps_no_hash_of_a_coachs_passphrase_beside_the_wrapped_key(coach):
    assert coach.has_vault_password()
    assert not coach.password.startswith("argon2")
    assert PASSPHRASE not in coach.password and str(coach.pk) in coach.password
    # The field still checks out, by the wrapped key, and is never "upgraded" to a hash.
    before = coach.password
    assert coach.check_password(PASSPHRASE)
    assert not coach.check_password(WRONG)
    assert not coach.check_password(None)
    coach.refresh_from_db()
    assert coach.password == before


def test_it_lets_django_recognise_a_vault_checked_field(settings, coach):
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "ethos.accounts.hashers.VaultKeyHasher"]
    assert check_password(PASSPHRASE, coach.password)
    assert not check_password(WRONG, coach.password)
    assert not VaultKeyHasher().verify(PASSPHRASE, "ethos_vault$not-a-coach$x")
    with pytest.raises(ValueError, match="not hashed"):
        VaultKeyHasher().encode(PASSPHRASE, "salt")


def test_a_wrong_passphrase_fails_and_counts_toward_the_lockout_with_one_run(client, coach, runs):
    response = sign_in(client, coach.email, WRONG)
    assert errors(response) == [services.SIGN_IN_FAILED]
    assert "_auth_user_id" not in client.session
    assert runs.costs == [stored_costs(coach)]
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 1 and not coach.is_locked()
    failed = AuditEvent.objects.filter(coach=coach, action=Action.AUTH_SIGN_IN_FAILED)
    assert failed.count() == 1


def test_the_lockout_is_unchanged_and_a_locked_account_costs_one_run(client, coach, runs):
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES - 1):
        assert errors(sign_in(client, coach.email, WRONG)) == [services.SIGN_IN_FAILED]
    assert "is locked for" in errors(sign_in(client, coach.email, WRONG))[0]
    assert len(runs) == settings.ETHOS_LOCKOUT_FAILURES
    runs.clear()
    # Even the right passphrase is refused while locked, before it is checked: the dummy runs.
    assert "is locked for" in errors(sign_in(client, coach.email, PASSPHRASE))[0]
    assert "_auth_user_id" not in client.session
    assert runs.costs == [stored_costs(coach)]
    coach.refresh_from_db()
    assert coach.is_locked()
    # Once the lock runs out the right passphrase signs in and clears the count.
    User.objects.filter(pk=coach.pk).update(locked_until=timezone.now() - timezone.timedelta(seconds=1))
    assert sign_in(client, coach.email, PASSPHRASE).status_code == 302
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 0 and coach.locked_until is None


def test_an_unknown_email_runs_the_same_one_derivation_as_a_coach(client, coach, runs):
    sign_in(client, coach.email, WRONG)
    sign_in(Client(), "nobody@example.org", WRONG)
    real, dummy = runs.costs
    assert dummy == real  # same Argon2id, same costs: the time does not tell them apart


def test_the_right_passphrase_of_a_two_step_coach_runs_one_derivation(client, coach, runs):
    from tests.accounts.test_two_step import enrol

    sign_in_browser(client, coach)
    enrol(client)
    client.post(reverse("accounts:sign_out"))
    runs.clear()
    response = sign_in(client, coach.email, PASSPHRASE)
    assert response["Location"].startswith(reverse("accounts:sign_in_code"))
    assert vault_services.SESSION_PENDING in client.session  # the vault, kept aside
    assert len(runs) == 1


def test_reauthenticate_returns_the_vault_with_one_derivation(coach, runs):
    vault = services.reauthenticate(user=coach, passphrase=PASSPHRASE, purpose=services.Reauth.UNLOCK)
    assert vault is not None and vault.coach_id == coach.pk
    assert len(runs) == 1
    with pytest.raises(Exception, match=vault_services.WRONG_PASSPHRASE):
        services.reauthenticate(user=coach, passphrase=WRONG, purpose=services.Reauth.UNLOCK)
    assert len(runs) == 2
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 1


def test_after_a_passphrase_change_the_new_one_signs_in_and_the_old_fails(client, coach, runs):
    sign_in_browser(client, coach)
    runs.clear()
    data = {"current_passphrase": PASSPHRASE, "new_passphrase": NEW, "new_passphrase_again": NEW}
    assert client.post(reverse("accounts:passphrase_change"), data).status_code == 302
    assert len(runs) == 2  # the check of the current one, and the new wrap: no hash beside it
    client.post(reverse("accounts:sign_out"))
    assert errors(sign_in(Client(), coach.email, PASSPHRASE)) == [services.SIGN_IN_FAILED]
    assert sign_in(Client(), coach.email, NEW).status_code == 302
    coach.refresh_from_db()
    assert coach.check_password(NEW) and not coach.check_password(PASSPHRASE)


def test_after_recovery_the_new_passphrase_signs_in_and_the_old_fails(client):
    new = services.coach_create(email="recovering@example.org", name="Robin Vale", passphrase=PASSPHRASE)
    before = new.user.password
    response = client.post(
        reverse("accounts:recover"),
        {
            "email": new.user.email,
            "recovery_key": crypto.format_recovery_key(new.recovery_key),
            "new_passphrase": NEW,
            "new_passphrase_again": NEW,
        },
    )
    assert response.status_code == 302
    coach = User.objects.get(pk=new.user.pk)
    assert coach.password != before  # so Django's session hash ends the coach's other sessions
    assert errors(sign_in(Client(), coach.email, PASSPHRASE)) == [services.SIGN_IN_FAILED]
    assert sign_in(Client(), coach.email, NEW).status_code == 302


def test_a_staff_member_without_a_vault_signs_in_with_their_hash_in_one_run(client, runs):
    staff = make_staff()
    assert staff.password.startswith("argon2$")
    runs.clear()  # the hash made for the new account
    assert errors(sign_in(client, staff.email, WRONG)) == [services.SIGN_IN_FAILED]
    assert len(runs) == 1
    assert sign_in(client, staff.email, PASSPHRASE).status_code == 302
    assert str(client.session["_auth_user_id"]) == str(staff.pk)
    assert len(runs) == 2
    staff.refresh_from_db()
    assert staff.password.startswith("argon2$")  # staff keep Django's hash
    assert staff.failed_sign_ins == 0


def test_a_coach_with_a_hash_from_before_signs_in_through_the_wrapped_key(client, coach, runs):
    """No data migration: an old coach's Django hash is no longer consulted, and is then dropped."""
    coach.set_password("a passphrase the hash alone would accept")
    coach.save(update_fields=["password"])
    runs.clear()
    assert errors(sign_in(client, coach.email, "a passphrase the hash alone would accept")) == [
        services.SIGN_IN_FAILED
    ]
    assert sign_in(client, coach.email, PASSPHRASE).status_code == 302
    assert len(runs) == 2  # one for each sign-in, and none to drop the old hash
    coach.refresh_from_db()
    assert coach.has_vault_password()
    assert coach.check_password(PASSPHRASE)


def test_every_sign_in_costs_the_vaults_argon2id_parameters_in_production(settings):
    settings.ETHOS_INSECURE_FAST_KDF = False
    params = vault_services.kdf_params()
    assert params == crypto.KdfParams.default()
    assert params.meets_production_floor()
    hasher = VaultCostArgon2PasswordHasher().params()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism, hasher.type) == (
        params.memory_kib,
        params.iterations,
        params.lanes,
        argon2.low_level.Type.ID,
    )
