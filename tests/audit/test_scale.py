"""C2 at practice scale: stored subtree hashes for logarithmic proofs, and a fast, exact verifier.

The attacks are played as someone with the database owner's rights and no signing key would:
drop the guard triggers, then edit rows with SQL.
"""

import base64
import datetime
import importlib
import io
import json
import math

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ethos.audit import checkpoint, merkle, selectors
from ethos.audit.actions import Action
from ethos.audit.keys import key_name_for, origin_for
from ethos.audit.models import (
    CANONICAL_FIELDS,
    AppendOnlyError,
    AuditEvent,
    AuditHead,
    AuditNode,
    canonical_bytes,
)
from ethos.audit.selectors import (
    consistency_proof_for,
    consistency_with,
    inclusion_proof_for,
    verify_log,
)
from ethos.audit.services import audit_append, audit_nodes_backfill

# The most queries the sign-in check may make, whatever the size of the log.
CONSISTENCY_MAX_QUERIES = 3


def make_leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(b"scale %d" % i) for i in range(n)]


def every_node(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete, aligned subtree root of level NODE_MIN_LEVEL or more, the slow way."""
    nodes = {}
    level = merkle.NODE_MIN_LEVEL
    while 1 << level <= len(leaves):
        width = 1 << level
        for index in range(len(leaves) // width):
            nodes[level, index] = merkle.root(leaves[index * width : (index + 1) * width])
        level += 1
    return nodes


SIZES = sorted({*range(1, 70), 127, 128, 129, 255, 256, 257, 300, 511, 512, 513, 1000, 1024, 1025})


# -- the tree, without a database --------------------------------------------------------


def test_it_returns_each_subtree_an_append_completes():
    leaves = make_leaves(1100)
    assert {(n.level, n.index): n.hash for n in merkle.subtree_nodes(leaves)} == every_node(leaves)
    # Every level when asked, and each node's leaves are the ones it covers.
    compact, seen = merkle.CompactRange(), []
    for leaf in leaves[:64]:
        seen += compact.append(leaf, min_level=1)
    assert len(seen) == 32 + 16 + 8 + 4 + 2 + 1  # every complete subtree of 2 leaves or more
    assert all(merkle.root(leaves[n.index << n.level : (n.index + 1) << n.level]) == n.hash for n in seen)


def test_it_stores_about_one_node_per_eight_leaves():
    assert len(list(merkle.subtree_nodes(make_leaves(1 << 14)))) == (1 << 14) // 16 * 2 - 1


@pytest.mark.parametrize("new_size", SIZES)
def test_a_consistency_proof_from_stored_nodes_equals_the_one_from_every_leaf(new_size):
    leaves = make_leaves(new_size)
    nodes = every_node(leaves)
    log_n = max(1, math.ceil(math.log2(new_size)))
    olds = (
        range(new_size + 1)
        if new_size <= 129
        else sorted({*range(0, new_size + 1, 37), 1, 64, 65, 127, 128, 129, new_size - 1, new_size})
    )
    for old_size in olds:

        def build(get, cache, old_size=old_size):
            return merkle.consistency_proof(old_size, new_size, get, cache=cache)

        reads = merkle.proof_reads(build)
        # Logarithmic: at most two nodes per level, and leaves only below NODE_MIN_LEVEL.
        assert len(reads.nodes) <= 2 * log_n
        assert len(reads.leaves) <= 3 * (1 << merkle.NODE_MIN_LEVEL)
        cache = {slot: nodes[slot] for slot in reads.nodes}
        only = {i: leaves[i] for i in reads.leaves}
        assert build(only.__getitem__, cache) == merkle.consistency_proof(
            old_size, new_size, leaves.__getitem__
        )


@pytest.mark.parametrize("size", [1, 2, 15, 16, 17, 100, 128, 300, 1025])
def test_an_inclusion_proof_from_stored_nodes_equals_the_one_from_every_leaf(size):
    leaves = make_leaves(size)
    nodes = every_node(leaves)
    for index in range(size) if size <= 300 else range(0, size, 41):

        def build(get, cache, index=index):
            return merkle.inclusion_proof(index, size, get, cache=cache)

        reads = merkle.proof_reads(build)
        cache = {slot: nodes[slot] for slot in reads.nodes}
        only = {i: leaves[i] for i in reads.leaves}
        assert build(only.__getitem__, cache) == merkle.inclusion_proof(index, size, leaves.__getitem__)


# -- in the database ---------------------------------------------------------------------


def append_many(coach, count: int) -> None:
    for number in range(count):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="thing", target_id=str(number))


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def coach_param(coach):
    return coach.pk.hex if connection.vendor == "sqlite" else coach.pk


def stored_leaves(coach) -> list[bytes]:
    return [bytes(h) for h in AuditEvent.objects.filter(coach=coach).values_list("leaf_hash", flat=True)]


def stored_nodes(coach) -> dict[tuple[int, int], bytes]:
    return {
        (lv, i): bytes(h)
        for lv, i, h in AuditNode.objects.filter(coach=coach).values_list("level", "index", "hash")
    }


def checkpoint_at(coach, seq: int) -> str:
    return AuditEvent.objects.get(coach=coach, seq=seq).checkpoint


@pytest.fixture
def small_chunks(monkeypatch):
    """Verify one signature per 4 events, so that short logs hold many batches."""
    monkeypatch.setattr(selectors, "VERIFY_CHUNK", 4)


@pytest.mark.django_db
def test_c2_each_append_stores_the_subtrees_it_completes(coach):
    append_many(coach, 99)  # 100 events with the account's creation
    assert stored_nodes(coach) == every_node(stored_leaves(coach))
    assert len(stored_nodes(coach)) == 6 + 3 + 1  # levels 4, 5 and 6 over 100 events


@pytest.mark.django_db
def test_c2_proofs_from_stored_hashes_equal_proofs_from_every_leaf(coach):
    append_many(coach, 299)
    leaves = stored_leaves(coach)
    for new_size in (1, 15, 16, 17, 64, 100, 255, 256, 300):
        for old_size in sorted({*range(0, new_size + 1, 13), 1, 2, 16, 32, 64, 128, 256, new_size}):
            if old_size <= new_size:
                expected = merkle.consistency_proof(old_size, new_size, leaves.__getitem__)
                assert consistency_proof_for(coach, old_size, new_size) == expected
    for seq in (1, 2, 16, 17, 100, 255, 256, 257, 300):
        expected = merkle.inclusion_proof(seq - 1, 300, leaves.__getitem__)
        assert inclusion_proof_for(coach, seq, 300) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 300])
def test_c2_the_sign_in_check_reads_a_bounded_number_of_rows_whatever_the_log_size(coach, size):
    append_many(coach, size - 1)
    kept = checkpoint_at(coach, size // 2 + 1)
    with CaptureQueriesContext(connection) as queries:
        assert consistency_with(coach, kept).ok
    assert len(queries) <= CONSISTENCY_MAX_QUERIES


@pytest.mark.django_db
def test_c2_the_sign_in_check_makes_the_same_queries_at_100_and_300_events(coach):
    append_many(coach, 99)
    kept = checkpoint_at(coach, 37)
    with CaptureQueriesContext(connection) as small:
        assert consistency_with(coach, kept).ok
    append_many(coach, 200)
    kept = checkpoint_at(coach, 137)
    with CaptureQueriesContext(connection) as large:
        assert consistency_with(coach, kept).ok
    assert len(small) == len(large) == CONSISTENCY_MAX_QUERIES


@pytest.mark.django_db
def test_c2_every_kept_checkpoint_is_proved_at_sign_in(coach):
    append_many(coach, 69)
    for seq in range(1, 71):
        assert consistency_with(coach, checkpoint_at(coach, seq)).ok


@pytest.mark.django_db
def test_c2_the_sign_in_check_works_without_stored_nodes(coach, triggers_dropped):
    """A log restored from a backup older than the nodes has none: proofs read the leaves then."""
    append_many(coach, 99)
    sql("DELETE FROM audit_auditnode WHERE coach_id = %s", [coach_param(coach)])
    for seq in (1, 16, 33, 50, 64, 99):
        assert consistency_with(coach, checkpoint_at(coach, seq)).ok
    assert verify_log(coach).ok  # derived data; missing is not tampering


@pytest.mark.django_db
def test_c2_a_changed_stored_node_fails_the_sign_in_check_and_verify_names_it(coach, triggers_dropped):
    append_many(coach, 99)
    sql(
        'UPDATE audit_auditnode SET hash = %s WHERE coach_id = %s AND level = 4 AND "index" = 1',
        [b"\x00" * 32, coach_param(coach)],
    )
    # The proof from size 10 to 100 needs the subtree of events 17..32.
    assert not consistency_with(coach, checkpoint_at(coach, 10)).ok
    assert consistency_with(coach, checkpoint_at(coach, 40)).ok  # this one does not
    report = verify_log(coach)
    assert not report.ok and report.first_bad_seq == 17
    assert report.problems == [selectors.NODE_CHANGED.format(first=17, last=32)]


@pytest.mark.django_db
def test_c2_the_sign_in_check_reports_missing_events_under_a_signed_head(coach, triggers_dropped):
    append_many(coach, 40)
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq > 38", [coach_param(coach)])
    report = consistency_with(coach, checkpoint_at(coach, 5))
    assert not report.ok and report.first_bad_seq == 39
    assert "41 events, but 38 are stored" in report.problems[0]


# -- verify: fast, and still exact about the first tampered event ------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [1, 3, 4, 2000])
def test_c2_verify_names_the_first_changed_event_whatever_the_batch(
    coach, triggers_dropped, monkeypatch, chunk
):
    monkeypatch.setattr(selectors, "VERIFY_CHUNK", chunk)
    append_many(coach, 19)
    sql(
        "UPDATE audit_auditevent SET target_id = 'edited' WHERE coach_id = %s AND seq = 6",
        [coach_param(coach)],
    )
    report = verify_log(coach)
    assert report.first_bad_seq == 6
    assert report.problems == [selectors.EVENT_CHANGED.format(seq=6)]


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["root_after", "leaf_hash"])
def test_c2_verify_names_an_event_whose_stored_hashes_were_changed(
    coach, triggers_dropped, small_chunks, column
):
    append_many(coach, 19)
    sql(
        f"UPDATE audit_auditevent SET {column} = %s WHERE coach_id = %s AND seq = 7",  # noqa: S608
        [b"\x01" * 32, coach_param(coach)],
    )
    report = verify_log(coach)
    assert report.first_bad_seq == 7
    assert report.problems == [selectors.EVENT_HASHES_CHANGED.format(seq=7)]


def damaged(note: str) -> str:
    """Flip one bit of the signature: the text still says the right size and root."""
    text, _, line = note.rstrip("\n").rpartition("\n")
    dash, name, sig = line.split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    return f"{text}\n{dash} {name} {base64.b64encode(bytes(raw)).decode()}\n"


def set_checkpoint(coach, seq: int, note: str) -> None:
    sql(
        "UPDATE audit_auditevent SET checkpoint = %s WHERE coach_id = %s AND seq = %s",
        [note, coach_param(coach), seq],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seq", [4, 8, 10])
def test_c2_verify_names_a_damaged_signature_that_vouches_for_others(
    coach, triggers_dropped, small_chunks, seq
):
    """The last checkpoint of a batch (4, 8) and the last of the log (10) are always verified."""
    append_many(coach, 9)
    set_checkpoint(coach, seq, damaged(checkpoint_at(coach, seq)))
    report = verify_log(coach)
    assert report.first_bad_seq == seq
    assert report.problems == [selectors.EVENT_SIGNATURE.format(seq=seq)]


@pytest.mark.django_db
def test_c2_a_damaged_signature_inside_a_batch_is_found_with_every_signature(
    coach, triggers_dropped, small_chunks
):
    append_many(coach, 9)
    set_checkpoint(coach, 6, damaged(checkpoint_at(coach, 6)))
    # Its text states the right tree, and checkpoint 8, verified, vouches for events 1..8: the
    # damaged line proves nothing false, so the batched check does not look at it...
    assert verify_log(coach).ok
    # ...and the check of every signature finds it.
    report = verify_log(coach, every_signature=True)
    assert report.first_bad_seq == 6 and report.problems == [selectors.EVENT_SIGNATURE.format(seq=6)]
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--coach", coach.email, "--every-signature", stdout=out)
    assert f"FAIL {coach.email}: first problem at event 6" in out.getvalue()


def forge_from(coach, seq: int, *, through: int) -> None:
    """Edit event `seq`, and make everything to `through` match it, but the signatures (no key)."""
    sql(
        "UPDATE audit_auditevent SET target_id = 'edited' WHERE coach_id = %s AND seq = %s",
        [coach_param(coach), seq],
    )
    events = list(AuditEvent.objects.filter(coach=coach).order_by("seq"))
    leaves = [merkle.leaf_hash(e.canonical_bytes()) for e in events]
    sql(
        "UPDATE audit_auditevent SET leaf_hash = %s WHERE coach_id = %s AND seq = %s",
        [leaves[seq - 1], coach_param(coach), seq],
    )
    forger = Ed25519PrivateKey.generate()
    for size in range(seq, through + 1):
        body = checkpoint.Checkpoint(origin_for(coach.pk), size, merkle.root(leaves[:size]))
        note = checkpoint.sign(body, forger, key_name_for(coach.pk))
        set_checkpoint(coach, size, note)
        sql(
            "UPDATE audit_auditevent SET root_after = %s WHERE coach_id = %s AND seq = %s",
            [body.root, coach_param(coach), size],
        )
        if size == len(events):
            AuditHead.objects.filter(coach=coach).update(checkpoint=note)


@pytest.mark.django_db
@pytest.mark.parametrize("through", [5, 7, 8, 10])
def test_c2_verify_names_an_edited_event_behind_forged_checkpoints(
    coach, triggers_dropped, small_chunks, through
):
    append_many(coach, 9)
    forge_from(coach, 5, through=through)
    report = verify_log(coach)
    assert report.first_bad_seq == 5
    assert report.problems == [selectors.EVENT_SIGNATURE.format(seq=5)]


@pytest.mark.django_db
def test_c2_a_changed_event_is_named_even_when_the_nodes_were_changed_to_match(coach, triggers_dropped):
    append_many(coach, 49)
    sql(
        "UPDATE audit_auditevent SET action = 'forged' WHERE coach_id = %s AND seq = 20", [coach_param(coach)]
    )
    # Recompute the nodes over the edited events, as a careful forger would.
    events = list(AuditEvent.objects.filter(coach=coach).order_by("seq"))
    for node in merkle.subtree_nodes(merkle.leaf_hash(e.canonical_bytes()) for e in events):
        sql(
            'UPDATE audit_auditnode SET hash = %s WHERE coach_id = %s AND level = %s AND "index" = %s',
            [node.hash, coach_param(coach), node.level, node.index],
        )
    report = verify_log(coach)
    assert report.first_bad_seq == 20
    assert report.problems == [selectors.EVENT_CHANGED.format(seq=20)]


@pytest.mark.django_db
def test_c2_a_history_cut_and_grown_again_keeps_its_old_nodes_for_verify_to_find(coach, triggers_dropped):
    append_many(coach, 39)
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq > 20", [coach_param(coach)])
    leaves = stored_leaves(coach)
    compact = merkle.CompactRange.from_leaf_hashes(leaves)
    AuditHead.objects.filter(coach=coach).update(
        size=20, compact=compact.to_dict(), checkpoint=checkpoint_at(coach, 20)
    )
    report = verify_log(coach)  # nodes of the cut events are still stored
    assert report.first_bad_seq == 21
    assert report.problems == [selectors.NODES_PAST_END.format(last=32, found=20)]
    append_many(coach, 20)  # the coach works on: appends are not refused
    report = verify_log(coach)
    assert report.problems == [selectors.NODE_CHANGED.format(first=17, last=32)]


@pytest.mark.django_db
def test_c2_verify_reads_no_model_per_event(coach, monkeypatch):
    append_many(coach, 30)

    def refuse(*args, **kwargs):
        raise AssertionError("verify_log built an AuditEvent")

    monkeypatch.setattr(AuditEvent, "from_db", classmethod(refuse))
    with CaptureQueriesContext(connection) as queries:
        assert verify_log(coach).ok
    assert len(queries) <= 4  # nodes, events (one chunk), head


# -- the data behind it --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_canonical_bytes_are_the_same_from_a_model_and_from_its_fields(coach, vault):
    event = audit_append(
        coach=coach,
        action=Action.CLIENT_VIEWED,
        target_type="client",
        target_id="42",
        clauses=["C2", "P3"],
        details={"zeta": [1, "é"], "alpha": {"b": None, "a": 2.5}},
        sealed_details={"name": "Canary"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    fields = AuditEvent.objects.filter(pk=event.pk).values_list(*CANONICAL_FIELDS).get()
    assert stored.canonical_bytes() == event.canonical_bytes() == canonical_bytes(*fields)
    # Byte for byte what every leaf written so far commits to (the encoding before the refactor).
    record = {
        "v": 1,
        "coach": str(coach.pk),
        "seq": stored.seq,
        "time": stored.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor": "coach",
        "action": "client.viewed",
        "target_type": "client",
        "target_id": "42",
        "clauses": "C2,P3",
        "details": {"zeta": [1, "é"], "alpha": {"b": None, "a": 2.5}},
        "sealed": base64.b64encode(bytes(stored.sealed)).decode(),
    }
    encoded = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical_bytes(*fields) == encoded
    assert merkle.leaf_hash(encoded) == bytes(stored.leaf_hash)


@pytest.mark.django_db
def test_the_backfill_stores_the_nodes_a_log_written_before_them_lacks(coach, other_coach, triggers_dropped):
    append_many(coach, 99)
    append_many(other_coach, 20)
    expected = stored_nodes(coach)
    sql("DELETE FROM audit_auditnode")
    migration = importlib.import_module("ethos.audit.migrations.0003_audit_nodes")
    migration.backfill(global_apps, None)
    assert stored_nodes(coach) == expected == every_node(stored_leaves(coach))
    assert len(stored_nodes(other_coach)) == 1
    assert audit_nodes_backfill(coach_id=coach.pk) == 0  # nothing missing: nothing written


@pytest.mark.django_db
def test_the_backfill_stops_at_a_hole_in_the_log(coach, triggers_dropped):
    append_many(coach, 49)
    sql("DELETE FROM audit_auditnode")
    sql("DELETE FROM audit_auditevent WHERE coach_id = %s AND seq = 40", [coach_param(coach)])
    assert audit_nodes_backfill(coach_id=coach.pk) == 2 + 1  # events 1..39: two of 16, one of 32
    assert set(stored_nodes(coach)) == {(4, 0), (4, 1), (5, 0)}


@pytest.mark.django_db
def test_c2_stored_nodes_are_append_only(coach):
    append_many(coach, 20)
    node = AuditNode.objects.filter(coach=coach).first()
    with pytest.raises(AppendOnlyError):
        node.save()
    with pytest.raises(AppendOnlyError):
        node.delete()
    with pytest.raises(AppendOnlyError):
        AuditNode.objects.filter(coach=coach).update(hash=b"x")
    with pytest.raises(AppendOnlyError):
        AuditNode.objects.filter(coach=coach).delete()
    for statement in ("UPDATE audit_auditnode SET level = 9", "DELETE FROM audit_auditnode"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement)
    assert AuditNode.objects.filter(coach=coach).count() == 1
