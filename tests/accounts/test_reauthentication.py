"""Finding 4 of issue 10: every passphrase prompt behind a signed-in session is one guarded check.

Wrong answers count toward the sign-in lockout, are audited (the purpose, never the passphrase) and
so are limited to ETHOS_LOCKOUT_FAILURES per lock; a locked account refuses even the right one.
"""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ethos.accounts import services
from ethos.accounts.forms import ConfirmPassphraseForm, PassphraseChangeForm
from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from tests.accounts.test_two_step import enrol
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db

WRONG = "a wrong guess at the passphrase"
NEW = "a brand new passphrase here"


def backup(browser, passphrase):
    return browser.post(reverse("accounts:backup"), {"passphrase": passphrase})


def two_step_off(browser, passphrase):
    return browser.post(reverse("accounts:two_factor_disable"), {"passphrase": passphrase})


def passphrase_change(browser, passphrase):
    data = {"current_passphrase": passphrase, "new_passphrase": NEW, "new_passphrase_again": NEW}
    return browser.post(reverse("accounts:passphrase_change"), data)


def unlock(browser, passphrase):
    return browser.post(reverse("accounts:unlock"), {"passphrase": passphrase})


PROMPTS = {
    "backup": backup,
    "two_step_off": two_step_off,
    "passphrase_change": passphrase_change,
    "unlock": unlock,
}


@pytest.fixture(autouse=True)
def _backups(backups_of_product_models):
    """The backup prompt takes a real backup."""


def prepare(browser, prompt):
    if prompt == "two_step_off":
        enrol(browser)
    if prompt == "unlock":
        browser.post(reverse("accounts:lock"))


def happened(prompt, response, coach) -> bool:
    coach.refresh_from_db()
    return {
        "backup": lambda: response.get("Content-Disposition", "").startswith("attachment"),
        "two_step_off": lambda: not coach.totp_enabled,
        "passphrase_change": lambda: coach.check_password(NEW),
        "unlock": lambda: response.status_code == 302,
    }[prompt]()


@pytest.mark.parametrize("prompt", sorted(PROMPTS))
def test_f4_every_passphrase_prompt_counts_toward_the_sign_in_lockout(coach_client, coach, prompt):
    prepare(coach_client, prompt)
    ask = PROMPTS[prompt]
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES - 1):
        response = ask(coach_client, WRONG)
        assert response.status_code == 200 and "is locked for" not in response.content.decode()
    response = ask(coach_client, WRONG)
    assert "is locked for" in response.content.decode()
    coach.refresh_from_db()
    assert coach.is_locked()

    # Locked: even the right passphrase is refused, on this prompt and at sign-in.
    response = ask(coach_client, PASSPHRASE)
    assert "is locked for" in response.content.decode()
    assert not happened(prompt, response, coach)
    stranger = Client()
    response = stranger.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    assert "is locked for" in response.content.decode()


@pytest.mark.parametrize("prompt", sorted(PROMPTS))
def test_f4_the_right_passphrase_on_each_prompt_still_works(coach_client, coach, prompt):
    prepare(coach_client, prompt)
    ask = PROMPTS[prompt]
    ask(coach_client, WRONG)
    response = ask(coach_client, PASSPHRASE)
    assert happened(prompt, response, coach)
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 0


@pytest.mark.parametrize("prompt", sorted(PROMPTS))
def test_f4_a_wrong_answer_is_audited_with_its_purpose_and_never_the_passphrase(coach_client, coach, prompt):
    prepare(coach_client, prompt)
    PROMPTS[prompt](coach_client, WRONG)
    event = AuditEvent.objects.filter(coach=coach).order_by("-seq").first()
    assert event.action == Action.AUTH_REAUTH_FAILED
    assert event.details["purpose"] == prompt
    assert WRONG not in json.dumps(event.details) and WRONG not in event.target_id


def test_f4_the_service_refuses_the_right_passphrase_while_locked(coach):
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES):
        with pytest.raises(ValidationError):
            services.reauthenticate(user=coach, passphrase=WRONG, purpose=services.Reauth.BACKUP)
    with pytest.raises(ValidationError, match="is locked for"):
        services.reauthenticate(user=coach, passphrase=PASSPHRASE, purpose=services.Reauth.BACKUP)


def test_f4_the_service_gives_a_coach_their_open_vault(coach):
    vault = services.reauthenticate(user=coach, passphrase=PASSPHRASE, purpose=services.Reauth.UNLOCK)
    assert vault is not None and vault.coach_id == coach.pk


def test_f4_a_client_without_a_vault_is_checked_against_the_passphrase_hash(db):
    person = User.objects.create_user(
        "client@example.org", PASSPHRASE, name="A client", role=User.Role.CLIENT
    )
    purpose = services.Reauth.PASSPHRASE_CHANGE
    assert services.reauthenticate(user=person, passphrase=PASSPHRASE, purpose=purpose) is None
    with pytest.raises(ValidationError, match=services.NOT_YOUR_PASSPHRASE):
        services.reauthenticate(user=person, passphrase=WRONG, purpose=purpose)
    person.refresh_from_db()
    assert person.failed_sign_ins == 1


def test_f4_the_forms_ask_the_service_not_the_password_hash(coach, monkeypatch):
    asked = []

    def spy(*, user, passphrase, purpose):
        asked.append((user, purpose))

    monkeypatch.setattr(services, "reauthenticate", spy)
    monkeypatch.setattr(User, "check_password", lambda *a: pytest.fail("checked the hash directly"))
    form = ConfirmPassphraseForm({"passphrase": WRONG}, user=coach, purpose=services.Reauth.TWO_STEP_OFF)
    assert form.is_valid()
    data = {"current_passphrase": WRONG, "new_passphrase": NEW, "new_passphrase_again": NEW}
    assert PassphraseChangeForm(data, user=coach).is_valid()
    assert asked == [(coach, services.Reauth.TWO_STEP_OFF), (coach, services.Reauth.PASSPHRASE_CHANGE)]
