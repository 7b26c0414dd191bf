import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.models import RecoveryCode
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


def enrol(client):
    """Turn on two-step sign-in through the pages; return the secret and recovery codes."""
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    secret = page.context["secret"]
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    response = client.post(reverse("accounts:two_factor_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    return secret, response.context["codes"]


def start_sign_in(client, coach):
    response = client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in_code"))
    assert "_auth_user_id" not in client.session


def test_it_enrols_totp_only_with_a_correct_code(coach_client, coach):
    page = coach_client.get(reverse("accounts:two_factor_setup"))
    response = coach_client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert response.status_code == 200
    coach.refresh_from_db()
    assert not coach.totp_enabled
    assert page.context["secret"] == response.context["secret"]  # same secret kept while enrolling

    secret, codes = enrol(coach_client)
    coach.refresh_from_db()
    assert coach.totp_enabled
    assert services.totp_open(user_id=coach.pk, sealed=coach.totp_secret_sealed) == secret
    assert len(codes) == services.RECOVERY_CODE_COUNT
    # Only hashes are stored.
    stored = set(RecoveryCode.objects.filter(user=coach).values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in stored for code in codes)


def test_it_signs_in_with_a_totp_code(client, coach):
    client.force_login(coach)
    secret, _ = enrol(client)
    client.post(reverse("accounts:sign_out"))

    start_sign_in(client, coach)
    # A code from the enrolment step cannot be replayed, so use the next time step.
    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))
    response = client.post(reverse("accounts:sign_in_code"), {"code": code})
    assert response.status_code == 302
    assert str(client.session["_auth_user_id"]) == str(coach.pk)


def test_it_refuses_a_replayed_totp_code(client, coach):
    client.force_login(coach)
    secret, _ = enrol(client)
    client.post(reverse("accounts:sign_out"))
    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))

    start_sign_in(client, coach)
    assert client.post(reverse("accounts:sign_in_code"), {"code": code}).status_code == 302
    client.post(reverse("accounts:sign_out"))

    start_sign_in(client, coach)
    response = client.post(reverse("accounts:sign_in_code"), {"code": code})
    assert response.status_code == 200
    assert "did not work" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_signs_in_with_a_recovery_code_once(client, coach):
    client.force_login(coach)
    _, codes = enrol(client)
    client.post(reverse("accounts:sign_out"))

    start_sign_in(client, coach)
    response = client.post(reverse("accounts:sign_in_code"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert str(client.session["_auth_user_id"]) == str(coach.pk)
    client.post(reverse("accounts:sign_out"))

    start_sign_in(client, coach)
    response = client.post(reverse("accounts:sign_in_code"), {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_does_not_open_the_code_step_without_the_passphrase_step(client, coach):
    response = client.get(reverse("accounts:sign_in_code"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")


def test_wrong_codes_count_towards_the_lockout(client, coach, settings):
    client.force_login(coach)
    enrol(client)
    client.post(reverse("accounts:sign_out"))
    start_sign_in(client, coach)
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES):
        response = client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
    assert "is locked for" in response.content.decode()
    coach.refresh_from_db()
    assert coach.is_locked()


def test_it_turns_two_step_off_only_with_the_passphrase(coach_client, coach):
    enrol(coach_client)
    response = coach_client.post(reverse("accounts:two_factor_disable"), {"passphrase": "wrong wrong wrong"})
    assert response.status_code == 200
    coach.refresh_from_db()
    assert coach.totp_enabled
    response = coach_client.post(reverse("accounts:two_factor_disable"), {"passphrase": PASSPHRASE})
    assert response.status_code == 302
    coach.refresh_from_db()
    assert not coach.totp_enabled
    assert not RecoveryCode.objects.filter(user=coach).exists()


def test_the_vault_opens_only_after_the_second_step(client, coach):
    from ethos.vault import services as vault_services

    client.force_login(coach)
    secret, _ = enrol(client)
    client.post(reverse("accounts:sign_out"))

    start_sign_in(client, coach)
    # The passphrase step alone leaves the key aside, where no request can use it.
    assert vault_services.SESSION_HALF not in client.session
    assert vault_services.SESSION_PENDING in client.session
    assert client.get(reverse("clients:list")).status_code == 302  # still signed out

    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))
    client.post(reverse("accounts:sign_in_code"), {"code": code})
    assert vault_services.SESSION_HALF in client.session
    assert vault_services.SESSION_PENDING not in client.session
    assert client.get(reverse("home")).wsgi_request.vault is not None
