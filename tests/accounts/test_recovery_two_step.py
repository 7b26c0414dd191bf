"""Recovery with the kit still asks for the second sign-in factor when two-step sign-in is on."""

import pyotp
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.models import RecoveryCode, User
from ethos.audit.models import AuditEvent
from ethos.vault import crypto
from ethos.vault import services as vault_services
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db
NEW = "a brand new passphrase here"


@pytest.fixture
def kit_coach(db):
    """A coach with their recovery key (as printed) and, on request, two-step sign-in."""
    made = services.coach_create(email="alex@example.org", name="Alex Rivera", passphrase=PASSPHRASE)
    return made.user, crypto.format_recovery_key(made.recovery_key)


def turn_on_two_step(user):
    secret = pyotp.random_base32()
    codes = services.totp_enable(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    assert codes is not None
    return secret, codes


def next_code(secret):
    # The enrolment used this time step; the next one has not been seen.
    return pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))


def recover(client, key, email="alex@example.org"):
    return client.post(
        reverse("accounts:recover"),
        {"email": email, "recovery_key": key, "new_passphrase": NEW, "new_passphrase_again": NEW},
    )


def unchanged(user):
    user.refresh_from_db()
    return user.check_password(PASSPHRASE) and vault_services.unlock_with_passphrase(
        coach=user, passphrase=PASSPHRASE
    )


def actions(user):
    return list(AuditEvent.objects.filter(coach=user).values_list("action", flat=True))


def test_the_sign_in_page_links_to_recovery(client, kit_coach):
    body = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'href="{reverse("accounts:recover")}"' in body
    assert "Forgot your passphrase?" in body


def test_without_two_step_the_kit_alone_recovers(client, kit_coach):
    user, key = kit_coach
    response = recover(client, key)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert str(client.session["_auth_user_id"]) == str(user.pk)


def test_with_two_step_a_right_key_asks_for_a_code_and_changes_nothing(client, kit_coach):
    user, key = kit_coach
    turn_on_two_step(user)
    response = recover(client, key)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:recover")
    assert "_auth_user_id" not in client.session
    assert unchanged(user)
    assert "auth.recovery_key_used" not in actions(user)
    # The new passphrase is not kept in the session as typed, and no vault is open.
    assert NEW not in str(dict(client.session))
    assert vault_services.SESSION_HALF not in client.session

    page = client.get(reverse("accounts:recover"))
    assert page.status_code == 200
    assert "authenticator app" in page.content.decode()
    assert "code" in page.context["form"].fields


def test_with_two_step_a_wrong_code_changes_nothing(client, kit_coach):
    user, key = kit_coach
    turn_on_two_step(user)
    recover(client, key)
    response = client.post(reverse("accounts:recover"), {"code": "000000"})
    assert response.status_code == 200
    assert services.CODE_FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert unchanged(user)


def test_with_two_step_key_and_app_code_recover_and_unlock(client, kit_coach):
    user, key = kit_coach
    secret, _ = turn_on_two_step(user)
    recover(client, key)
    response = client.post(reverse("accounts:recover"), {"code": next_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert str(client.session["_auth_user_id"]) == str(user.pk)
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert vault_services.unlock_with_passphrase(coach=user, passphrase=NEW) is not None
    assert client.get(reverse("accounts:passphrase_change")).status_code == 200  # records unlocked
    assert "auth.recovery_key_used" in actions(user)
    # The recovery is over: the address shows the first step again once signed out.
    client.post(reverse("accounts:sign_out"))
    assert "recovery_key" in client.get(reverse("accounts:recover")).context["form"].fields


def test_with_two_step_a_recovery_code_works_once(client, kit_coach):
    user, key = kit_coach
    _, codes = turn_on_two_step(user)
    recover(client, key)
    assert client.post(reverse("accounts:recover"), {"code": codes[0]}).status_code == 302
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1


def test_the_code_step_shares_the_lockout(client, kit_coach):
    user, key = kit_coach
    turn_on_two_step(user)
    recover(client, key)
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES):
        client.post(reverse("accounts:recover"), {"code": "000000"})
    user.refresh_from_db()
    assert user.is_locked()
    assert unchanged(user)
    # Locked: even the right key is refused now.
    client.get(reverse("accounts:recover") + "?again=1")
    response = recover(client, key)
    assert response.status_code == 200
    assert "locked" in response.content.decode()


def test_the_code_step_expires(client, kit_coach, monkeypatch):
    user, key = kit_coach
    secret, _ = turn_on_two_step(user)
    recover(client, key)
    session = client.session
    session["ethos_recover_since"] -= 600
    session.save()
    response = client.post(reverse("accounts:recover"), {"code": next_code(secret)})
    assert response.status_code == 302
    assert "recovery_key" in client.get(reverse("accounts:recover")).context["form"].fields
    assert unchanged(user)


def test_the_service_refuses_without_the_code(kit_coach):
    user, key = kit_coach
    turn_on_two_step(user)
    with pytest.raises(ValidationError) as raised:
        services.recover_with_key(email=user.email, recovery_text=key, new_passphrase=NEW)
    assert raised.value.message_dict["code"] == [services.SECOND_FACTOR_NEEDED]
    assert unchanged(user)
    assert User.objects.get(pk=user.pk).failed_sign_ins == 0
