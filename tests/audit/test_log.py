import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ethos.audit import checkpoint, merkle
from ethos.audit.actions import Action
from ethos.audit.keys import key_name_for, origin_for, public_key
from ethos.audit.models import AppendOnlyError, AuditEvent, AuditHead
from ethos.audit.selectors import chain_head, sealed_details, verify_log
from ethos.audit.services import audit_append
from tests.conftest import make_coach

pytestmark = pytest.mark.django_db


def append_many(coach, count: int) -> None:
    for number in range(count):
        audit_append(
            coach=coach,
            action=Action.CLIENT_VIEWED,
            target_type="thing",
            target_id=str(number),
            clauses=["C2"],
        )


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def coach_param(coach):
    return coach.pk.hex if connection.vendor == "sqlite" else coach.pk


def test_c2_events_form_a_signed_merkle_tree(coach):
    base = chain_head(coach).size  # account creation is already an event
    append_many(coach, 10)
    head = chain_head(coach)
    assert head.size == base + 10
    events = list(AuditEvent.objects.filter(coach=coach).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, head.size + 1))
    leaves = [merkle.leaf_hash(e.canonical_bytes()) for e in events]
    assert merkle.root(leaves).hex() == head.root_hex
    origin = origin_for(coach.pk)
    signed = checkpoint.parse_and_verify(head.checkpoint, public_key(), key_name_for(coach.pk), origin=origin)
    assert signed.size == head.size and signed.root.hex() == head.root_hex
    for index in range(head.size):
        proof = merkle.inclusion_proof(index, head.size, leaves.__getitem__)
        assert merkle.verify_inclusion(leaves[index], index, head.size, proof, signed.root)


def test_c2_each_coach_has_their_own_chain(coach, other_coach):
    append_many(coach, 3)
    assert chain_head(other_coach).size == 1  # only their own account creation
    assert verify_log(coach).ok and verify_log(other_coach).ok


def test_c2_sealed_details_are_encrypted(coach, vault):
    event = audit_append(coach=coach, action=Action.CLIENT_VIEWED, sealed_details={"name": "Canary-Otter"})
    assert b"Canary-Otter" not in bytes(event.sealed)
    assert b"Canary-Otter" not in event.canonical_bytes()
    assert sealed_details(AuditEvent.objects.get(pk=event.pk)) == {"name": "Canary-Otter"}


def test_c2_the_model_refuses_changes_and_deletes(coach):
    event = AuditEvent.objects.filter(coach=coach).first()
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(coach=coach).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(coach=coach).delete()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'forged'", "DELETE FROM audit_auditevent"]
)
def test_c2_the_database_refuses_changes_and_deletes(coach, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)
    assert AuditEvent.objects.filter(coach=coach, action="forged").count() == 0


def test_c2_verify_reports_a_changed_event_at_its_sequence(coach, triggers_dropped):
    append_many(coach, 8)
    sql(
        "UPDATE audit_auditevent SET target_id = 'edited' WHERE coach_id = %s AND seq = 5",
        [coach_param(coach)],
    )
    report = verify_log(coach)
    assert not report.ok and report.first_bad_seq == 5
    assert "changed" in report.problems[0]


def test_c2_verify_reports_a_removed_event(coach, triggers_dropped):
    append_many(coach, 8)
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq = 4", [coach_param(coach)])
    report = verify_log(coach)
    assert report.first_bad_seq == 4 and "removed" in report.problems[0]


def test_c2_verify_reports_a_removed_and_renumbered_event(coach, triggers_dropped):
    append_many(coach, 8)
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq = 4", [coach_param(coach)])
    for seq in range(5, 10):
        sql(
            "UPDATE audit_auditevent SET seq = %s WHERE coach_id = %s AND seq = %s",
            [seq - 1, coach_param(coach), seq],
        )
    report = verify_log(coach)
    assert report.first_bad_seq == 4


def test_c2_verify_reports_reordered_events(coach, triggers_dropped):
    append_many(coach, 8)
    sql("UPDATE audit_auditevent SET seq = 1000 WHERE coach_id = %s AND seq = 3", [coach_param(coach)])
    sql("UPDATE audit_auditevent SET seq = 3 WHERE coach_id = %s AND seq = 6", [coach_param(coach)])
    sql("UPDATE audit_auditevent SET seq = 6 WHERE coach_id = %s AND seq = 1000", [coach_param(coach)])
    report = verify_log(coach)
    assert report.first_bad_seq == 3


def test_c2_verify_reports_an_inserted_event(coach, triggers_dropped):
    append_many(coach, 6)
    for seq in range(7, 3, -1):
        sql(
            "UPDATE audit_auditevent SET seq = %s WHERE coach_id = %s AND seq = %s",
            [seq + 1, coach_param(coach), seq],
        )
    forged = AuditEvent.objects.filter(coach=coach, seq=3).first()
    sql(
        "INSERT INTO audit_auditevent (coach_id, seq, created_at, actor, action, target_type, target_id,"
        " clauses, details, leaf_hash, root_after, checkpoint) SELECT coach_id, 4, created_at, actor,"
        " 'forged', target_type, target_id, clauses, details, leaf_hash, root_after, checkpoint"
        " FROM audit_auditevent"
        " WHERE coach_id = %s AND seq = 3",
        [coach_param(coach)],
    )
    assert forged is not None
    report = verify_log(coach)
    assert report.first_bad_seq == 4


def test_c2_verify_notices_events_cut_from_the_end(coach, triggers_dropped):
    append_many(coach, 6)
    kept = chain_head(coach).checkpoint
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq > 4", [coach_param(coach)])
    report = verify_log(coach)
    assert not report.ok and "removed" in report.problems[0]
    # Even if the head row is rolled back too, the checkpoint the coach kept catches it.
    head = AuditHead.objects.get(coach=coach)
    from ethos.audit.services import sign_checkpoint

    last = AuditEvent.objects.filter(coach=coach).order_by("-seq").first()
    AuditHead.objects.filter(pk=head.pk).update(
        size=4, checkpoint=sign_checkpoint(coach.pk, 4, bytes(last.root_after))
    )
    assert verify_log(coach).ok  # the server alone cannot tell...
    report = verify_log(coach, kept_checkpoint=kept)
    assert not report.ok and "removed" in report.problems[0]  # ...the coach's checkpoint can


def test_c2_a_kept_checkpoint_proves_consistency(coach):
    append_many(coach, 5)
    kept = chain_head(coach).checkpoint
    append_many(coach, 7)
    assert verify_log(coach, kept_checkpoint=kept).ok


def test_audit_verify_command_exits_0_when_intact_and_1_when_not(coach, tmp_path, triggers_dropped):
    append_many(coach, 4)
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(chain_head(coach).checkpoint)
    out = io.StringIO()
    call_command("audit", "verify", "--coach", coach.email, "--checkpoint", str(kept), stdout=out)
    assert f"OK   {coach.email}" in out.getvalue()

    sql("UPDATE audit_auditevent SET action = 'forged' WHERE coach_id = %s AND seq = 2", [coach_param(coach)])
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out)
    assert exit_info.value.code == 1
    assert "first problem at event 2" in out.getvalue()


def test_audit_verify_command_refuses_a_bad_checkpoint_file(coach, tmp_path):
    from django.core.management import CommandError

    bad = tmp_path / "bad.txt"
    bad.write_text("not a checkpoint")
    with pytest.raises(CommandError, match="not a valid Ethos checkpoint"):
        call_command(
            "audit", "verify", "--coach", coach.email, "--checkpoint", str(bad), stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("audit", "verify", "--coach", coach.email, "--checkpoint", str(tmp_path / "missing"))


def test_sign_in_events_are_recorded_from_day_one(client):
    from django.urls import reverse

    from tests.conftest import PASSPHRASE

    coach = make_coach()
    client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": "wrong wrong wrong"})
    client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    client.post(reverse("accounts:lock"))
    client.post(reverse("accounts:unlock"), {"passphrase": PASSPHRASE})
    client.post(reverse("accounts:sign_out"))
    assert list(AuditEvent.objects.filter(coach=coach).order_by("seq").values_list("action", flat=True)) == [
        "auth.account_created",
        "auth.sign_in_failed",
        "auth.signed_in",
        "vault.locked",
        "vault.unlocked",
        "auth.signed_out",
    ]
    assert verify_log(coach).ok
