import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from ethos.accounts import backup
from ethos.accounts.models import User
from ethos.accounts.services import invitation_create
from ethos.audit import triggers
from ethos.audit.actions import Action
from ethos.audit.selectors import verify_log
from ethos.audit.services import audit_append
from ethos.vault.context import unlocked
from ethos.vault.services import data_key_create
from tests.conftest import PASSPHRASE, make_coach, open_vault, sign_in_browser

from .conftest import make_jotting
from .jotting import Jotting

pytestmark = pytest.mark.django_db
CANARY = "Canary-Lynx-4410"


def practice(coach, jottings=3):
    """A coach with encrypted records, several audit events and a destroyed key."""
    with unlocked(open_vault(coach)):
        key = data_key_create(coach=coach, purpose="client")
        rows = [make_jotting(data_key=key, words=f"{CANARY} {n}", facts={"n": n}) for n in range(jottings)]
        audit_append(
            coach=coach,
            action=Action.CLIENT_VIEWED,
            target_type="jotting",
            target_id=str(rows[0].pk),
            sealed_details={"said": CANARY},
        )
    return rows


def raw_words() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, words FROM vault_jotting")
        return {str(row[0]).replace("-", ""): bytes(row[1]) for row in cursor.fetchall()}


def empty_the_database():
    """What a fresh install has: no rows in any Ethos table."""
    triggers.remove(connection)
    with connection.cursor() as cursor:
        for model in reversed(backup._ethos_models()):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 (our own table names)
    triggers.install(connection)


def test_c2_backup_and_restore_bring_every_record_back_byte_for_byte(coach, jotting_table, tmp_path):
    rows = practice(coach)
    before = raw_words()
    out = tmp_path / "practice.ethos-backup"
    result = backup.backup_write(out=out, coach=coach)
    assert result.counts["vault.jotting"] == 3 and result.counts["accounts.user"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["practice.ethos-backup"]  # no partial files left

    empty_the_database()
    assert not User.objects.exists() and not Jotting.objects.exists()
    counts = backup.restore_read(path=out)
    assert counts == result.counts
    assert raw_words() == before
    restored = User.objects.get(pk=coach.pk)
    assert restored.check_password(PASSPHRASE)
    with unlocked(open_vault(restored)):
        assert sorted(Jotting.objects.get(pk=r.pk).words for r in rows) == [f"{CANARY} {n}" for n in range(3)]
    assert verify_log(restored).ok


def test_c2_the_backup_file_reveals_no_client_data(coach, jotting_table, tmp_path):
    practice(coach)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    assert CANARY.encode() not in data
    manifest = json.loads(data.split(b"\n")[1])
    assert manifest["scope"] == "coach" and manifest["checkpoints"][str(coach.pk)].startswith("ethos/audit/")


def test_a_coach_backup_holds_only_that_coach(coach, jotting_table, tmp_path):
    other = make_coach()
    practice(coach)
    practice(other)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    text = out.read_text()
    assert str(other.pk) not in text and other.email not in text


def test_a_site_backup_restores_every_coach(coach, jotting_table, tmp_path):
    other = make_coach()
    practice(coach)
    practice(other, jottings=2)
    invitation_create(email="later@example.org")
    out = tmp_path / "site"
    result = backup.backup_write(out=out)
    assert result.counts["accounts.user"] == 2 and result.counts["accounts.invitation"] == 1
    empty_the_database()
    backup.restore_read(path=out)
    assert User.objects.count() == 2
    assert all(verify_log(user).ok for user in User.objects.all())


def test_restoring_over_an_existing_coach_is_refused_and_changes_nothing(coach, jotting_table, tmp_path):
    practice(coach)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    before = raw_words()
    with pytest.raises(backup.BackupError, match="already holds"):
        backup.restore_read(path=out)
    assert raw_words() == before and User.objects.count() == 1


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) - 40], "damaged or was changed"),
        (lambda data: data.replace(b'"seq": 2', b'"seq": 9', 1), "damaged or was changed"),
        (lambda data: b"hello\n" + data, "not an Ethos backup"),
        (lambda data: data.split(b"\n", 1)[0] + b"\n{not json\n", "damaged or was changed"),
    ],
)
def test_a_damaged_backup_is_refused(coach, jotting_table, tmp_path, damage, message):
    practice(coach)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    out.write_bytes(damage(data))
    empty_the_database()
    with pytest.raises(backup.BackupError, match=message):
        backup.restore_read(path=out)
    assert not User.objects.exists()


def test_a_backup_signed_by_another_server_key_is_refused(coach, tmp_path):
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    lines = out.read_bytes().split(b"\n", 2)
    manifest = json.loads(lines[1])
    manifest["verifier_key"] = "ethos-audit+00000000+AQ"
    out.write_bytes(lines[0] + b"\n" + json.dumps(manifest).encode() + b"\n" + lines[2])
    empty_the_database()
    with pytest.raises(backup.BackupError, match="another server key"):
        backup.restore_read(path=out)


def test_the_commands_back_up_and_restore(coach, jotting_table, tmp_path):
    practice(coach)
    out = tmp_path / "cmd.ethos-backup"
    stdout = io.StringIO()
    call_command("backup", "--out", str(out), "--coach", coach.email, stdout=stdout)
    assert "Backup written" in stdout.getvalue()
    with pytest.raises(CommandError, match="already holds"):
        call_command("restore", str(out), stdout=io.StringIO())
    empty_the_database()
    stdout = io.StringIO()
    call_command("restore", str(out), stdout=stdout)
    assert "every restored audit log verifies" in stdout.getvalue()


def test_the_commands_give_clear_errors(coach, tmp_path):
    with pytest.raises(CommandError, match="No coach"):
        call_command("backup", "--out", str(tmp_path / "x"), "--coach", "nobody@example.org")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", "--out", str(tmp_path / "missing" / "x"))
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("restore", str(tmp_path / "nothing-here"))


def test_the_download_button_asks_for_the_passphrase_again(coach, other_coach, jotting_table):
    practice(coach)
    client = sign_in_browser(Client(), coach)
    assert client.get(reverse("accounts:backup")).status_code == 200
    wrong = client.post(reverse("accounts:backup"), {"passphrase": "not it at all"})
    assert "does not unlock" in wrong.content.decode()
    response = client.post(reverse("accounts:backup"), {"passphrase": PASSPHRASE})
    assert response["Content-Disposition"].startswith('attachment; filename="ethos-backup-')
    data = b"".join(response.streaming_content)
    manifest = json.loads(data.split(b"\n")[1])
    assert manifest["coach"] == str(coach.pk)
    assert str(other_coach.pk) not in data.decode()
    assert CANARY.encode() not in data


def test_c2_a_backup_download_needs_the_passphrase_and_is_audited(coach, tmp_path, jotting_table):
    from django.core.exceptions import ValidationError

    from ethos.accounts import services
    from ethos.audit.actions import Action
    from ethos.audit.models import AuditEvent

    with pytest.raises(ValidationError):
        services.backup_for_download(coach=coach, passphrase="not the passphrase at all", out=tmp_path / "b")
    assert not (tmp_path / "b").exists()
    result = services.backup_for_download(coach=coach, passphrase=PASSPHRASE, out=tmp_path / "b")
    assert result.path.exists()
    event = AuditEvent.objects.filter(coach=coach).order_by("-seq").first()
    assert event.action == Action.VAULT_BACKUP_DOWNLOADED and event.details["sha256"] == result.sha256
