import base64
import hashlib
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from ethos.accounts import backup
from ethos.accounts.models import User
from ethos.accounts.services import invitation_create
from ethos.audit import checkpoint as signed_notes
from ethos.audit import merkle, triggers
from ethos.audit.actions import Action
from ethos.audit.keys import KEY_NAME, key_name_for, open_checkpoint, origin_for, public_key, signing_key
from ethos.audit.models import AuditEvent, AuditHead
from ethos.audit.selectors import verify_log
from ethos.audit.services import audit_append
from ethos.clients.models import Client as ClientRecord
from ethos.referrals.models import VettingRecord
from ethos.vault.context import unlocked
from ethos.vault.services import data_key_create
from tests.clients.conftest import intake, vetted_resource
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


# -- finding 3: backups are authenticated ---------------------------------------------------
#
# The attacker below holds a backup file but not the server's signing key. They edit rows, fix
# the counts and recompute the SHA-256, keeping every other header line as it was.


def declined_client_and_vetted_resource(coach):
    """A person the coach declined (practice full) and a resource the coach vetted ten days ago."""
    with unlocked(open_vault(coach)):
        declined = intake(coach, decline_reason="capacity").intake.client
        resource = vetted_resource(coach)
    return declined, resource


def row_line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()


def forge(out, edit=None, *, then=None, sign_with=None):
    """Let `edit(rows, manifest)` change the rows, then fix the counts and the payload's SHA-256.

    `then(manifest)` changes the manifest after that; `sign_with` signs the new header with a key
    (the attacker has none; the tests that pass one check what lies beneath the signature).
    """
    lines = out.read_bytes().splitlines(keepends=True)
    first_row = next(n for n, line in enumerate(lines) if line.startswith(b'{"fields"'))
    header, rows = lines[:first_row], [json.loads(line) for line in lines[first_row:]]
    manifest = json.loads(header[1])
    rows = edit(rows, manifest) if edit else rows
    payload = b"".join(row_line(row) for row in rows)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    manifest["counts"] = counts
    manifest["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    if then:
        then(manifest)
    header[1] = (json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n").encode()
    if sign_with is not None:
        header[2] = backup._signature_line(header[0] + header[1], sign_with)
    out.write_bytes(b"".join(header) + payload)


def set_the_client_back_to_active(rows, manifest):
    for row in rows:
        if row["model"] == "clients.client":
            row["fields"]["status"] = "active"
    return rows


def move_the_vetting_to_2099(rows, manifest):
    for row in rows:
        if row["model"] == "referrals.vettingrecord":
            row["fields"]["review_by"] = "2099-12-31"
    return rows


def drop_the_newest_audit_event(rows, manifest):
    """Cut the newest event and set the head, and the manifest's checkpoint, back one event."""
    events = sorted((r for r in rows if r["model"] == "audit.auditevent"), key=lambda r: r["fields"]["seq"])
    newest, kept = events[-1], events[:-1]
    compact = merkle.CompactRange.from_leaf_hashes(base64.b64decode(r["fields"]["leaf_hash"]) for r in kept)
    for row in rows:
        if row["model"] == "audit.audithead":
            row["fields"].update(
                size=compact.size, compact=compact.to_dict(), checkpoint=kept[-1]["fields"]["checkpoint"]
            )
    manifest["checkpoints"][newest["fields"]["coach_id"]] = kept[-1]["fields"]["checkpoint"]
    return [row for row in rows if row is not newest]


def every_row() -> dict[str, list]:
    return {
        model._meta.label_lower: sorted(map(str, model._default_manager.values_list("pk", flat=True)))
        for model in backup._ethos_models()
    }


def written(coach, tmp_path):
    """A backup of a coach with a declined client and a vetted resource."""
    declined_client_and_vetted_resource(coach)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    return out


def refusal(out) -> str:
    """Restore into a database holding only another coach; return why it was refused."""
    empty_the_database()
    make_coach()
    before = every_row()
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_read(path=out)
    assert every_row() == before  # nothing was written
    return str(refused.value)


@pytest.mark.parametrize(
    "edit", [set_the_client_back_to_active, move_the_vetting_to_2099, drop_the_newest_audit_event]
)
def test_a_backup_edited_and_rehashed_is_refused(coach, jotting_table, tmp_path, edit):
    out = written(coach, tmp_path)
    forge(out, edit)
    assert refusal(out) == backup.SIGNATURE_INVALID


def flip_a_signature_bit(data: bytes) -> bytes:
    magic, manifest, signature, rest = data.split(b"\n", 3)
    raw = bytearray(base64.b64decode(signature.split(b" ")[2]))
    raw[-1] ^= 1
    line = b" ".join([*signature.split(b" ")[:2], base64.b64encode(bytes(raw))])
    return b"\n".join([magic, manifest, line, rest])


def drop_the_signature_line(data: bytes) -> bytes:
    magic, manifest, _signature, rest = data.split(b"\n", 3)
    return b"\n".join([magic, manifest, rest])


@pytest.mark.parametrize("tamper", [flip_a_signature_bit, drop_the_signature_line])
def test_a_backup_with_a_tampered_signature_is_refused(coach, jotting_table, tmp_path, tamper):
    out = written(coach, tmp_path)
    out.write_bytes(tamper(out.read_bytes()))
    assert refusal(out) == backup.SIGNATURE_INVALID


def test_a_backup_signed_by_another_key_is_refused(coach, jotting_table, tmp_path):
    out = written(coach, tmp_path)
    theirs = Ed25519PrivateKey.generate()
    their_verifier = signed_notes.verifier_key_string(KEY_NAME, theirs.public_key())
    forge(out, then=lambda manifest: manifest.update(verifier_key=their_verifier), sign_with=theirs)
    ours = signed_notes.verifier_key_string(KEY_NAME, public_key())
    assert refusal(out) == backup.OTHER_SIGNING_KEY.format(theirs=their_verifier, ours=ours)


def test_a_backup_naming_this_servers_key_but_signed_by_another_is_refused(coach, jotting_table, tmp_path):
    out = written(coach, tmp_path)
    forge(out, set_the_client_back_to_active, sign_with=Ed25519PrivateKey.generate())
    assert refusal(out) == backup.SIGNATURE_INVALID


def test_an_unsigned_version_1_backup_is_refused(coach, jotting_table, tmp_path):
    out = written(coach, tmp_path)
    _magic, manifest, _signature, rest = out.read_bytes().split(b"\n", 3)
    legacy = json.loads(manifest) | {"format": 1}
    out.write_bytes(b"\n".join([b"ETHOS-BACKUP 1", json.dumps(legacy, sort_keys=True).encode(), rest]))
    assert refusal(out) == backup.UNSIGNED_VERSION_1


def test_a_signed_backup_has_a_canonical_manifest_and_a_signature_line(coach, jotting_table, tmp_path):
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    magic, manifest, signature, _rest = out.read_bytes().split(b"\n", 3)
    assert magic == b"ETHOS-BACKUP 2" and json.loads(manifest)["format"] == 2
    assert manifest == json.dumps(json.loads(manifest), sort_keys=True, separators=(",", ":")).encode()
    assert signature.startswith("\u2014 ethos-backup ".encode())
    assert backup._signature_verifies(magic + b"\n" + manifest + b"\n", signature + b"\n")


def test_a_coach_backup_carries_the_coachs_own_signed_checkpoint(coach, other_coach, jotting_table, tmp_path):
    practice(coach)
    out = tmp_path / "b"
    backup.backup_write(out=out, coach=coach)
    checkpoints = json.loads(out.read_bytes().split(b"\n")[1])["checkpoints"]
    head = AuditHead.objects.get(coach=coach)
    assert checkpoints == {str(coach.pk): head.checkpoint}
    signed = open_checkpoint(head.checkpoint, coach.pk)
    assert signed.size == AuditEvent.objects.filter(coach=coach).count() == verify_log(coach).size
    assert signed.root.hex() == verify_log(coach).root_hex


def test_an_untouched_signed_backup_still_restores_byte_for_byte(coach, jotting_table, tmp_path):
    declined, resource = declined_client_and_vetted_resource(coach)
    review_by = resource.vettings.get().review_by
    first, again = tmp_path / "first", tmp_path / "again"
    backup.backup_write(out=first, coach=coach)
    empty_the_database()
    backup.restore_read(path=first)
    backup.backup_write(out=again, coach=coach)
    # Every row comes back exactly as it was written: the two payloads are the same bytes.
    assert first.read_bytes().split(b"\n", 3)[3] == again.read_bytes().split(b"\n", 3)[3]
    assert ClientRecord.objects.get(pk=declined.pk).status == ClientRecord.Status.DECLINED
    assert VettingRecord.objects.get(resource_id=resource.pk).review_by == review_by
    assert verify_log(User.objects.get()).ok


def counted_one_more(manifest):
    manifest["counts"]["referrals.vettingrecord"] += 1


def with_no_checkpoint(manifest):
    manifest["checkpoints"] = {}


def with_a_checkpoint_signed_by_another_key(manifest):
    (coach_id,) = manifest["checkpoints"]
    body = signed_notes.Checkpoint(origin_for(coach_id), 1, bytes(32))
    manifest["checkpoints"][coach_id] = signed_notes.sign(
        body, Ed25519PrivateKey.generate(), key_name_for(coach_id)
    )


def with_a_stranger(manifest):
    manifest["checkpoints"]["00000000-0000-0000-0000-000000000000"] = ""


def keep_the_checkpoint_but_drop_the_newest_event(rows, manifest):
    checkpoints = dict(manifest["checkpoints"])
    rows = drop_the_newest_audit_event(rows, manifest)
    manifest["checkpoints"] = checkpoints
    return rows


def with_an_older_head(rows, manifest):
    events = sorted((r for r in rows if r["model"] == "audit.auditevent"), key=lambda r: r["fields"]["seq"])
    for row in rows:
        if row["model"] == "audit.audithead":
            row["fields"]["checkpoint"] = events[-2]["fields"]["checkpoint"]
    return rows


@pytest.mark.parametrize(
    ("edit", "then", "expected"),
    [
        (None, counted_one_more, backup.COUNTS_DIFFER),
        (None, with_no_checkpoint, backup.CHECKPOINT_MISSING),
        (None, with_a_checkpoint_signed_by_another_key, backup.CHECKPOINT_UNSIGNED),
        (None, with_a_stranger, backup.CHECKPOINT_STRANGER),
        (keep_the_checkpoint_but_drop_the_newest_event, None, backup.CHECKPOINT_OTHER_SIZE.partition("{")[0]),
        (with_an_older_head, None, backup.CHECKPOINT_NOT_HEAD),
    ],
)
def test_a_signed_backup_whose_counts_or_checkpoint_do_not_match_its_rows_is_refused(
    coach, jotting_table, tmp_path, edit, then, expected
):
    # Only the server's key can sign these; the checks below the signature still refuse them.
    out = written(coach, tmp_path)
    forge(out, edit, then=then, sign_with=signing_key())
    assert expected in refusal(out)


def test_a_log_restored_from_a_backup_without_stored_subtree_hashes_gets_them_back(
    coach, jotting_table, tmp_path
):
    from ethos.audit.models import AuditNode

    practice(coach)
    for _ in range(40):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    stored = sorted(AuditNode.objects.filter(coach=coach).values_list("level", "index", "hash"))
    assert stored  # a log of 40+ events has complete blocks of 16 and 32
    # A backup made before the log stored its subtree hashes carries none.
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditnode")
    triggers.install(connection)
    out = tmp_path / "old.ethos-backup"
    assert "audit.auditnode" not in backup.backup_write(out=out, coach=coach).counts
    empty_the_database()
    backup.restore_read(path=out)
    restored = sorted(AuditNode.objects.filter(coach=coach).values_list("level", "index", "hash"))
    assert [(level, index, bytes(h)) for level, index, h in restored] == [
        (level, index, bytes(h)) for level, index, h in stored
    ]
    assert verify_log(User.objects.get(pk=coach.pk)).ok
