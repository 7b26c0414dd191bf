import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from ethos.audit.models import AuditEvent
from ethos.vault import crypto, services
from ethos.vault.context import unlocked
from ethos.vault.models import AccountKey
from tests.conftest import PASSPHRASE, make_coach, open_vault, sign_in_browser

from .conftest import make_jotting
from .jotting import Jotting

pytestmark = pytest.mark.django_db
NEW = "a brand new passphrase here"


def new_coach_with_kit(client):
    response = client.post(
        reverse("accounts:first_run"),
        {
            "name": "Alex",
            "email": "alex@example.org",
            "passphrase": PASSPHRASE,
            "passphrase_again": PASSPHRASE,
        },
    )
    assert response["Location"] == reverse("accounts:recovery_kit")
    page = client.get(reverse("accounts:recovery_kit"))
    return page.context["groups"]


def actions(coach) -> list[str]:
    return list(AuditEvent.objects.filter(coach=coach).order_by("seq").values_list("action", flat=True))


def test_c2_the_account_key_is_stored_only_wrapped(coach):
    record = AccountKey.objects.get(coach=coach)
    vault = open_vault(coach)
    for blob in (record.wrapped_by_passphrase, record.wrapped_by_recovery):
        assert vault.account_key not in bytes(blob)
    assert crypto.KdfParams.from_dict(record.passphrase_kdf) == crypto.KdfParams.insecure_for_tests()


def test_c2_a_wrong_passphrase_does_not_unlock(coach):
    assert services.unlock_with_passphrase(coach=coach, passphrase="not the passphrase") is None


def test_it_refuses_the_test_kdf_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        services.kdf_params()
    settings.ETHOS_INSECURE_FAST_KDF = False
    params = services.kdf_params()
    assert params.memory_kib >= 64 * 1024 and params.iterations >= 3 and params.lanes >= 4


def test_c2_passphrase_change_keeps_records_readable(coach, jotting_table):
    with unlocked(open_vault(coach)):
        key = services.data_key_create(coach=coach, purpose="client")
        jotting = make_jotting(data_key=key, words="kept through the change")
    client = sign_in_browser(Client(), coach)
    response = client.post(
        reverse("accounts:passphrase_change"),
        {"current_passphrase": PASSPHRASE, "new_passphrase": NEW, "new_passphrase_again": NEW},
    )
    assert response.status_code == 302
    assert services.unlock_with_passphrase(coach=coach, passphrase=PASSPHRASE) is None
    with unlocked(open_vault(coach, NEW)):
        assert Jotting.objects.get(pk=jotting.pk).words == "kept through the change"
    assert "auth.passphrase_changed" in actions(coach)


def test_c2_the_recovery_kit_is_shown_once_and_confirmed_by_typing_groups(client):
    groups = new_coach_with_kit(client)
    assert len(groups) == 14
    text = client.get(reverse("accounts:recovery_kit_download", args=["txt"]))
    assert "-".join(groups) in text.content.decode()
    pdf = client.get(reverse("accounts:recovery_kit_download", args=["pdf"]))
    assert pdf.content.startswith(b"%PDF") and pdf["Cache-Control"] == "no-store"

    wrong = client.post(reverse("accounts:recovery_kit"), {"group_2": "AAAA", "group_13": groups[12]})
    assert services.RECOVERY_CONFIRM_MISMATCH in wrong.content.decode()
    right = client.post(
        reverse("accounts:recovery_kit"), {"group_2": groups[1].lower(), "group_13": groups[12]}
    )
    assert right.status_code == 302
    assert AccountKey.objects.get().recovery_confirmed_at is not None
    # Shown only until confirmed.
    assert client.get(reverse("accounts:recovery_kit")).status_code == 404
    assert client.get(reverse("accounts:recovery_kit_download", args=["txt"])).status_code == 404


def test_c2_the_recovery_key_opens_the_account_and_sets_a_new_passphrase(client):
    groups = new_coach_with_kit(client)
    client.post(reverse("accounts:sign_out"))
    response = client.post(
        reverse("accounts:recover"),
        {
            "email": "alex@example.org",
            "recovery_key": " ".join(groups),
            "new_passphrase": NEW,
            "new_passphrase_again": NEW,
        },
    )
    assert response.status_code == 302
    coach = AccountKey.objects.get().coach
    assert coach.check_password(NEW)
    assert services.unlock_with_passphrase(coach=coach, passphrase=NEW) is not None
    assert client.get(reverse("accounts:passphrase_change")).status_code == 200  # unlocked now
    assert "auth.recovery_key_used" in actions(coach)


def test_c2_a_wrong_recovery_key_is_refused(client):
    groups = new_coach_with_kit(client)
    client.post(reverse("accounts:sign_out"))
    other_key = crypto.format_recovery_key(crypto.new_recovery_key())
    response = client.post(
        reverse("accounts:recover"),
        {
            "email": "alex@example.org",
            "recovery_key": other_key,
            "new_passphrase": NEW,
            "new_passphrase_again": NEW,
        },
    )
    assert services.WRONG_RECOVERY_KEY in response.content.decode()
    typo = groups.copy()
    typo[3] = "ZZZZ" if typo[3] != "ZZZZ" else "YYYY"
    response = client.post(
        reverse("accounts:recover"),
        {
            "email": "alex@example.org",
            "recovery_key": "-".join(typo),
            "new_passphrase": NEW,
            "new_passphrase_again": NEW,
        },
    )
    assert "typo" in response.content.decode()
    coach = AccountKey.objects.get().coach
    assert coach.check_password(PASSPHRASE)
    assert "_auth_user_id" not in client.session


def test_c2_a_new_recovery_kit_replaces_the_old_key(coach):
    client = sign_in_browser(Client(), coach)
    old = AccountKey.objects.get(coach=coach).wrapped_by_recovery
    assert client.post(reverse("accounts:recovery_kit_new")).status_code == 302
    groups = client.get(reverse("accounts:recovery_kit")).context["groups"]
    key = crypto.parse_recovery_key("".join(groups))
    assert services.unlock_with_recovery_key(coach=coach, recovery_key=key) is not None
    assert bytes(AccountKey.objects.get(coach=coach).wrapped_by_recovery) != bytes(old)


def test_c2_both_halves_are_needed_to_unlock_a_session(coach):
    client = sign_in_browser(Client(), coach)
    assert client.get(reverse("accounts:passphrase_change")).status_code == 200
    # The cookie alone (server half gone) is locked.
    session = client.session
    half = session.pop(services.SESSION_HALF)
    session.save()
    response = client.get(reverse("accounts:passphrase_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:unlock"))
    # The server half alone (cookie gone) is locked too.
    session[services.SESSION_HALF] = half
    session.save()
    del client.cookies[services.cookie_name()]
    response = client.get(reverse("accounts:passphrase_change"))
    assert response["Location"].startswith(reverse("accounts:unlock"))


def test_c2_lock_and_unlock_return_the_coach_where_they_were(coach):
    client = sign_in_browser(Client(), coach)
    assert client.post(reverse("accounts:lock")).status_code == 302
    assert services.SESSION_HALF not in client.session
    target = reverse("accounts:passphrase_change")
    response = client.get(target)
    assert response["Location"] == f"{reverse('accounts:unlock')}?next={target.replace('/', '%2F')}"
    wrong = client.post(reverse("accounts:unlock"), {"passphrase": "nope nope nope", "next": target})
    assert services.WRONG_PASSPHRASE in wrong.content.decode()
    right = client.post(reverse("accounts:unlock"), {"passphrase": PASSPHRASE, "next": target})
    assert right["Location"] == target
    assert client.get(target).status_code == 200
    assert actions(coach)[-3:] == ["vault.locked", "auth.reauth_failed", "vault.unlocked"]


def test_c2_sign_in_unlocks_and_sign_out_locks(client, coach):
    client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    assert client.session.get(services.SESSION_HALF)
    assert client.cookies[services.cookie_name()].value
    cookie = client.cookies[services.cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    client.post(reverse("accounts:sign_out"))
    assert client.cookies[services.cookie_name()].value == ""


def test_c2_the_vault_cookie_is_host_only_and_secure_in_production(settings):
    settings.PRODUCTION = True
    assert services.cookie_name() == "__Host-ethos_vault_KEY"


def test_c2_each_coach_has_their_own_keys(coach):
    other = make_coach()
    assert open_vault(coach).account_key != open_vault(other).account_key


def test_c2_the_dashboard_asks_for_a_recovery_kit_until_one_is_confirmed(coach_client, coach):
    assert "Your recovery kit is not confirmed" in coach_client.get("/").content.decode()
    AccountKey.objects.filter(coach=coach).update(recovery_confirmed_at="2026-01-01T00:00:00Z")
    assert "Your recovery kit is not confirmed" not in coach_client.get("/").content.decode()


def test_c2_the_compliance_report_shows_the_vault_evidence(coach_client, coach):
    body = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "Client records are encrypted (AES-256-GCM)" in body
    assert "The recovery kit has not been confirmed." in body
