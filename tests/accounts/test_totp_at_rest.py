"""Finding 11 of issue 10: TOTP secrets are stored sealed under a key the database does not hold."""

import pyotp
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import backup, services
from ethos.accounts.models import User
from tests.accounts.test_two_step import enrol, start_sign_in
from tests.conftest import make_coach

pytestmark = pytest.mark.django_db


def db_id(user):
    return User._meta.pk.get_db_prep_value(user.pk, connection)


def raw_row(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [db_id(user)])
        row = cursor.fetchone()
    return " ".join(repr(bytes(v)) if isinstance(v, bytes | memoryview) else repr(v) for v in row)


def test_f11_the_raw_database_row_does_not_hold_the_totp_secret(coach_client, coach):
    secret, _ = enrol(coach_client)
    row = raw_row(coach)
    assert secret not in row and secret.lower() not in row
    coach.refresh_from_db()
    assert services.totp_open(user_id=coach.pk, sealed=coach.totp_secret_sealed) == secret


def test_f11_sign_in_with_a_totp_code_still_works(client, coach):
    client.force_login(coach)
    secret, _ = enrol(client)
    client.post(reverse("accounts:sign_out"))
    start_sign_in(client, coach)
    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))
    assert client.post(reverse("accounts:sign_in_code"), {"code": code}).status_code == 302
    assert str(client.session["_auth_user_id"]) == str(coach.pk)


def test_f11_a_backup_file_does_not_hold_the_totp_secret(
    coach_client, coach, tmp_path, backups_of_product_models
):
    secret, _ = enrol(coach_client)
    out = tmp_path / "practice.ethos-backup"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    assert secret.encode() not in data and secret.lower().encode() not in data


def test_f11_the_setup_page_keeps_the_new_secret_sealed_in_the_session(coach_client):
    from ethos.accounts.views import PENDING_SECRET

    secret = coach_client.get(reverse("accounts:two_factor_setup")).context["secret"]
    assert secret not in str(coach_client.session[PENDING_SECRET])


def test_f11_a_sealed_secret_opens_only_for_its_own_account(coach):
    other = make_coach()
    sealed = services.totp_seal(user_id=coach.pk, secret="JBSWY3DPEHPK3PXP")
    assert services.totp_open(user_id=coach.pk, sealed=sealed) == "JBSWY3DPEHPK3PXP"
    assert services.totp_open(user_id=other.pk, sealed=sealed) is None


def test_f11_another_secret_key_cannot_open_it_unless_kept_as_a_fallback(coach, settings):
    sealed = services.totp_seal(user_id=coach.pk, secret="JBSWY3DPEHPK3PXP")
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    assert services.totp_open(user_id=coach.pk, sealed=sealed) is None
    settings.SECRET_KEY_FALLBACKS = [old]
    assert services.totp_open(user_id=coach.pk, sealed=sealed) == "JBSWY3DPEHPK3PXP"


def test_f11_a_secret_that_cannot_be_opened_refuses_codes_but_not_recovery_codes(client, coach, settings):
    client.force_login(coach)
    secret, codes = enrol(client)
    client.post(reverse("accounts:sign_out"))
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    start_sign_in(client, coach)
    code = pyotp.TOTP(secret).at(timezone.now() + timezone.timedelta(seconds=30))
    assert client.post(reverse("accounts:sign_in_code"), {"code": code}).status_code == 200
    assert client.post(reverse("accounts:sign_in_code"), {"code": codes[0]}).status_code == 302


def test_f11_the_migration_seals_secrets_stored_before_it(flushable_db):
    from django.db.migrations.executor import MigrationExecutor

    coach = make_coach()
    executor = MigrationExecutor(connection)
    before, after = ("accounts", "0002_client_role"), executor.loader.graph.leaf_nodes("accounts")[0]
    try:
        executor.migrate([before])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_user SET totp_secret = %s WHERE id = %s", ["JBSWY3DPEHPK3PXP", db_id(coach)]
            )
        executor = MigrationExecutor(connection)
        executor.migrate([after])
    finally:
        # Going back unapplied every app that depends on accounts (the vault's key pairs, the
        # portal ...): bring the whole schema forward again for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert "JBSWY3DPEHPK3PXP" not in raw_row(coach)
    coach = User.objects.get(pk=coach.pk)
    assert services.totp_open(user_id=coach.pk, sealed=coach.totp_secret_sealed) == "JBSWY3DPEHPK3PXP"
