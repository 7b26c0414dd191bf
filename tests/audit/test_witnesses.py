"""Witnesses outside the database: the checkpoint journal catches a log cut short or erased.

Each attack is played as someone with the database owner's rights and no signing key would:
drop the delete trigger, delete events, set the head back to an older event's own checkpoint.
"""

import base64
import io
import os
import shutil
import stat
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import backup
from ethos.accounts.models import User
from ethos.audit import checkpoint, merkle, triggers
from ethos.audit import journal as checkpoint_journal
from ethos.audit.actions import Action
from ethos.audit.keys import KEY_NAME, origin_for, public_key, signing_key
from ethos.audit.models import AuditEvent, AuditHead
from ethos.audit.selectors import chain_head, consistency_with, verify_log
from ethos.audit.services import Witness, audit_append, checkpoint_witness, sign_checkpoint
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db
CANARY = "Canary-Heron-7731"


def append_many(coach, count: int) -> None:
    for number in range(count):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="thing", target_id=str(number))


@pytest.fixture
def work(django_capture_on_commit_callbacks):
    """Commit `count` actions of a coach, as requests do: the audit layer witnesses them."""

    def commit(coach, count: int) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            append_many(coach, count)
        return chain_head(coach).size

    return commit


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def coach_param(coach):
    return coach.pk.hex if connection.vendor == "sqlite" else coach.pk


def cut_to(coach, size: int) -> None:
    """The attack: delete the newest events and set the head back to an older event's own checkpoint."""
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq > %s", [coach_param(coach), size])
    events = list(AuditEvent.objects.filter(coach=coach).order_by("seq"))
    compact = merkle.CompactRange.from_leaf_hashes(bytes(e.leaf_hash) for e in events)
    AuditHead.objects.filter(coach=coach).update(
        size=size, compact=compact.to_dict(), checkpoint=events[-1].checkpoint
    )


def erase(coach) -> None:
    """The attack: delete every event of the coach and the head row."""
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s", [coach_param(coach)])
    AuditHead.objects.filter(coach=coach).delete()


def verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exit_info:
        return exit_info.code, out.getvalue()
    return 0, out.getvalue()


def lines(path) -> list[checkpoint_journal.Entry]:
    return [entry for entries in checkpoint_journal.read(path).entries.values() for entry in entries]


# -- the attacks ---------------------------------------------------------------------------


def test_c2_newest_events_cut_with_the_head_reset_fail_verify_naming_coach_and_range(
    coach, work, triggers_dropped
):
    size = work(coach, 8)
    assert verify()[0] == 0
    cut_to(coach, 4)
    assert verify_log(coach).ok  # the database alone cannot tell...
    code, out = verify()  # ...the journal can
    assert code == 1
    assert f"FAIL {coach.email}: first problem at event 5" in out
    assert f"saw {size} events" in out and "the log has only 4" in out
    assert f"events 5..{size} are missing" in out


def test_c2_events_cut_then_followed_by_new_ones_fail_verify(coach, work, triggers_dropped):
    work(coach, 3)  # witnessed at 4
    size = work(coach, 5)  # witnessed at 9
    cut_to(coach, 4)
    # The server signs on from the cut: its new head is larger than anything the journal saw.
    work(coach, 10)
    assert verify_log(coach).ok
    code, out = verify()
    assert code == 1
    assert f"FAIL {coach.email}: first problem at event 5" in out
    assert f"events 5..{size} were replaced" in out


def test_c2_a_whole_log_and_head_deleted_fail_verify(coach, work, triggers_dropped):
    size = work(coach, 3)
    User.objects.filter(pk=coach.pk).update(last_login=timezone.now())
    erase(coach)
    code, out = verify()
    assert code == 1
    assert f"FAIL {coach.email}: first problem at event 1" in out
    assert f"the log has only 0: events 1..{size} are missing" in out
    assert "OK: 0 events" not in out and f"OK   {coach.email}" not in out


def test_c2_a_coach_who_signed_in_but_has_no_events_fails_verify(coach, triggers_dropped):
    User.objects.filter(pk=coach.pk).update(last_login=timezone.now())
    erase(coach)  # and nothing in the journal either
    code, out = verify()
    assert code == 1
    assert f"FAIL {coach.email}: first problem at event 1" in out
    assert "has signed in" in out and "no events at all" in out


def test_c2_a_coach_erased_with_their_log_fails_verify(db, journal):
    # The journal saw a log whose account is gone: the user row was deleted along with the log.
    gone = uuid.uuid4()
    note = sign_checkpoint(gone, 3, merkle.root([merkle.leaf_hash(b"x")] * 3))
    journal.parent.mkdir(parents=True, exist_ok=True)
    with journal.open("a") as handle:
        handle.write(f"{journal_line(gone, 3, note)}\n")
    code, out = verify()
    assert code == 1
    assert f"saw 3 events of the log {origin_for(gone)}" in out and "no account" in out


def journal_line(coach_id, size: int, note: str) -> str:
    encoded = base64.b64encode(note.encode()).decode()
    return f"{checkpoint_journal.FORMAT} 2025-01-01T00:00:00Z {coach_id} {size} activity {encoded}"


def test_c2_a_forged_journal_line_is_not_taken_for_a_checkpoint(coach, work, journal):
    size = work(coach, 2)
    genuine = chain_head(coach).checkpoint
    # Someone with the file but not the key: a checkpoint whose root was changed after signing.
    forged = genuine.replace(genuine.splitlines()[2], base64.b64encode(b"\x00" * 32).decode())
    with journal.open("a") as handle:
        handle.write(journal_line(coach.pk, size, forged) + "\n")
    code, out = verify()
    assert code == 1 and "is not a checkpoint this log signed" in out


def test_it_checks_against_a_copy_of_the_journal_kept_elsewhere(
    coach, work, journal, tmp_path, triggers_dropped
):
    work(coach, 6)
    kept = tmp_path / "journal-copy"
    shutil.copy(journal, kept)
    cut_to(coach, 3)
    journal.unlink()  # the operator deletes the journal with the rows: the server alone cannot tell
    code, out = verify()
    assert code == 0 and "no checkpoint journal" in out
    code, out = verify("--journal", str(kept))
    assert code == 1 and "events 4..7 are missing" in out


def test_a_kept_checkpoint_still_works_beside_the_journal(coach, work, tmp_path):
    work(coach, 2)
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(chain_head(coach).checkpoint)
    work(coach, 3)
    code, out = verify("--coach", coach.email, "--checkpoint", str(kept))
    assert code == 0 and f"OK   {coach.email}: 6 events" in out and "journal saw 6" in out


# -- restore -------------------------------------------------------------------------------


@pytest.fixture
def only_tables_here(monkeypatch):
    """Back up the product's tables: a test-only model of tests/vault may have no table here."""
    every, tables = backup._ethos_models, set(connection.introspection.table_names())
    monkeypatch.setattr(backup, "_ethos_models", lambda: [m for m in every() if m._meta.db_table in tables])


def empty_the_database():
    """What the database of a machine that lost it and was set up again holds: nothing."""
    triggers.remove(connection)
    with connection.cursor() as cursor:
        for model in reversed(backup._ethos_models()):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 (our own table names)
    triggers.install(connection)


def raw_counts() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in backup._ethos_models()}


def test_c2_restoring_a_backup_that_rolls_a_log_back_is_refused_and_changes_nothing(
    coach, work, journal, tmp_path, only_tables_here
):
    work(coach, 3)
    old = backup.backup_write(out=tmp_path / "old.ethos-backup", coach=coach).path
    size = work(coach, 4)  # witnessed after the backup was written
    current = backup.backup_write(out=tmp_path / "current.ethos-backup", coach=coach).path
    empty_the_database()
    before = raw_counts()
    with pytest.raises(backup.BackupError, match="roll the audit log") as refused:
        backup.restore_read(path=old)
    assert f"events 5..{size} are missing" in str(refused.value) and coach.email in str(refused.value)
    assert raw_counts() == before and not User.objects.exists()
    # The backup that holds everything the journal saw restores, and the journal notes it.
    backup.restore_read(path=current)
    assert verify_log(User.objects.get(pk=coach.pk), witnessed=lines(journal)).ok


# -- what the journal holds ------------------------------------------------------------------


def test_it_witnesses_sign_out_backup_and_report_export(
    coach, coach_client, tmp_path, only_tables_here, journal, django_capture_on_commit_callbacks
):
    from ethos.accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        report = coach_client.get(reverse("standards:compliance_export", args=["json"])).json()
    with django_capture_on_commit_callbacks(execute=True):
        services.backup_for_download(coach=coach, passphrase=PASSPHRASE, out=tmp_path / "b")
    with django_capture_on_commit_callbacks(execute=True):
        coach_client.post(reverse("accounts:sign_out"))
    entries = [e for e in lines(journal) if e.reason != Witness.ACTIVITY]
    assert [e.reason for e in entries] == ["report", "backup", "sign-out"]
    # The compliance report carries the very checkpoint the journal saw when it was exported.
    assert report["audit_chain"]["checkpoint"] == entries[0].note
    assert entries[-1].note == chain_head(coach).checkpoint


def test_it_writes_activity_at_most_once_a_window(
    coach, journal, settings, django_capture_on_commit_callbacks
):
    settings.ETHOS_JOURNAL_SECONDS = 60
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            append_many(coach, 1)
    assert [e.reason for e in lines(journal)] == ["activity"]
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_witness(coach=coach, reason=Witness.SIGN_OUT)
    assert [(e.reason, e.size) for e in lines(journal)][-1] == ("sign-out", chain_head(coach).size)


def test_nothing_is_witnessed_from_a_change_that_rolls_back(
    coach, journal, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        append_many(coach, 2)
        raise RuntimeError
    assert not journal.exists()


def test_c2_a_head_this_process_did_not_sign_is_verified_before_it_is_journalled(
    coach, other_coach, work, journal, caplog, django_capture_on_commit_callbacks
):
    from ethos.audit import services

    def seen(who) -> list[tuple[str, int]]:
        return [(e.reason, e.size) for e in checkpoint_journal.read(journal).entries.get(str(who.pk), [])]

    size = work(coach, 2)
    work(other_coach, 1)
    # Someone with the database's rights puts another log's genuine checkpoint on this coach's head.
    AuditHead.objects.filter(coach=coach).update(checkpoint=chain_head(other_coach).checkpoint)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_witness(coach=coach, reason=Witness.SIGN_OUT)
    assert seen(coach) == [("activity", size)]
    assert "does not verify" in caplog.text

    # A head signed by another process (none of its notes known here) is verified, and goes in.
    size = work(coach, 1)
    services._signed_here.clear()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_witness(coach=coach, reason=Witness.SIGN_OUT)
    assert seen(coach)[-1] == ("sign-out", size)


def test_the_journal_file_is_mode_600_whatever_the_umask(coach, work, journal):
    previous = os.umask(0)
    try:
        work(coach, 1)
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
        journal.chmod(0o644)  # say, restored by a careless copy
        work(coach, 1)
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
    assert len(journal.read_text().splitlines()) == 2


def test_a_line_torn_by_a_crash_is_left_out_and_the_next_starts_on_its_own(coach, work, journal):
    work(coach, 1)
    with journal.open("a") as handle:
        handle.write(journal.read_text()[:40])  # the power went off half-way through a line
    size = work(coach, 2)
    code, out = verify()
    assert code == 0 and "line 2 of the checkpoint journal is unreadable" in out
    assert f"journal saw {size}" in out


def test_c2_the_journal_holds_no_client_data(coach, vault, journal, django_capture_on_commit_callbacks):
    from tests.clients.conftest import intake

    with django_capture_on_commit_callbacks(execute=True):
        intake(coach, name=CANARY)
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, sealed_details={"name": CANARY})
    raw = journal.read_bytes()
    assert raw
    decoded = b"".join(base64.b64decode(line.split(b" ")[-1]) for line in raw.splitlines())
    for text in (CANARY, "Heron"):
        assert text.encode() not in raw and text.encode() not in decoded
    # Checkpoints only: every line is a checkpoint the log signed, nothing else.
    for entry in lines(journal):
        signed = checkpoint.parse_and_verify(
            entry.note, public_key(), origin_for(coach.pk), origin=origin_for(coach.pk)
        )
        assert signed.size == entry.size and entry.coach_id == str(coach.pk)


# -- key names -----------------------------------------------------------------------------


def test_c2_checkpoints_are_signed_under_the_logs_origin_and_old_ones_still_verify(
    coach, monkeypatch, tmp_path
):
    from ethos.audit import services

    # Events written before the change: their checkpoints carry the old key name.
    with monkeypatch.context() as before:
        before.setattr(services, "key_name_for", lambda coach_id: KEY_NAME)
        append_many(coach, 3)
    old = chain_head(coach).checkpoint
    assert f"\n\u2014 {KEY_NAME} " in old
    append_many(coach, 3)
    new = chain_head(coach).checkpoint
    origin = origin_for(coach.pk)
    # The key name is the origin line, and the key ID hashes that name (C2SP signed-note).
    assert new.splitlines()[0] == origin
    name, signature = new.rstrip("\n").rsplit("\n", 1)[1].split(" ")[1:]
    assert name == origin
    assert base64.b64decode(signature)[:4] == checkpoint.key_id(origin, signing_key().public_key())
    assert checkpoint.parse_and_verify(new, public_key(), origin, origin=origin).size == 7
    # A standard verifier given the key as "<origin>+<id>+<key>" checks it without special cases.
    verifier = checkpoint.verifier_key_string(origin, public_key())
    parsed_name, parsed_key = checkpoint.parse_verifier_key(verifier)
    assert checkpoint.parse_and_verify(new, parsed_key, parsed_name).origin == origin
    # Old checkpoints still verify: in the events, as a kept checkpoint, at sign-in.
    assert verify_log(coach, kept_checkpoint=old).ok
    assert consistency_with(coach, old).ok
    kept = tmp_path / "old-checkpoint.txt"
    kept.write_text(old)
    assert verify("--coach", coach.email, "--checkpoint", str(kept))[0] == 0
    # A name that is neither is not ours.
    stranger = checkpoint.sign(
        checkpoint.parse_and_verify(new, public_key(), origin), signing_key(), "stranger"
    )
    with pytest.raises(checkpoint.CheckpointError):
        consistency_with(coach, stranger)
