"""A change to the vault's keys and its audit event are one transaction: neither without the other."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore

from ethos.accounts import services
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.vault import crypto
from ethos.vault import services as vault_services
from ethos.vault.models import AccountKey
from tests.conftest import PASSPHRASE, open_vault

pytestmark = pytest.mark.django_db


def request_stub():
    return SimpleNamespace(session=SessionStore(), COOKIES={})


def last_action(coach) -> str:
    return AuditEvent.objects.filter(coach=coach).order_by("-seq").values_list("action", flat=True).first()


def test_c2_replacing_the_recovery_key_is_audited_in_the_same_transaction(coach):
    services.recovery_key_replace(request_stub(), coach=coach, vault=open_vault(coach))
    assert last_action(coach) == Action.VAULT_RECOVERY_KEY_REPLACED


def test_c2_a_key_change_whose_audit_event_fails_is_not_made(coach, monkeypatch):
    before = AccountKey.objects.get(coach=coach).wrapped_by_recovery

    def broken_append(**kwargs):
        raise RuntimeError("the log is unavailable")

    monkeypatch.setattr(services, "audit_append", broken_append)
    with pytest.raises(RuntimeError):
        services.recovery_key_replace(request_stub(), coach=coach, vault=open_vault(coach))
    assert AccountKey.objects.get(coach=coach).wrapped_by_recovery == before


def test_c2_a_confirmed_kit_is_audited_and_forgotten_by_the_browser(coach):
    request = request_stub()
    key = services.recovery_key_replace(request, coach=coach, vault=open_vault(coach))
    groups = crypto.format_recovery_key(key).split("-")
    typed = {2: groups[1], len(groups) - 1: groups[-2]}
    assert services.recovery_kit_confirm(request, coach=coach, recovery_key=key, typed=typed)
    assert last_action(coach) == Action.VAULT_RECOVERY_KIT_CONFIRMED
    assert AccountKey.objects.get(coach=coach).recovery_confirmed_at is not None


def test_c2_unlock_and_lock_are_audited_by_their_services(coach):
    request = request_stub()
    services.vault_unlock(request, coach=coach, passphrase=PASSPHRASE)
    assert last_action(coach) == Action.VAULT_UNLOCKED
    services.vault_lock(request, coach=coach)
    assert last_action(coach) == Action.VAULT_LOCKED


def test_c2_a_wrong_passphrase_opens_nothing_and_counts_as_a_failed_sign_in(coach):
    from django.core.exceptions import ValidationError

    request = request_stub()
    with pytest.raises(ValidationError):
        services.vault_unlock(request, coach=coach, passphrase="not the passphrase at all")
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 1
    assert last_action(coach) == Action.AUTH_REAUTH_FAILED
    assert vault_services.SESSION_HALF not in request.session
