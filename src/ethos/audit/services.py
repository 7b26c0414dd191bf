"""Write to the audit log (one call, inside the caller's transaction) and to its checkpoint journal."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery
from django.utils import timezone

from ethos.prepared import prepared
from ethos.vault import crypto
from ethos.vault.context import current_vault

from . import checkpoint, journal, merkle
from .actions import Action, as_action
from .journal import Witness
from .keys import key_name_for, open_checkpoint, origin_for, signing_key
from .models import AuditEvent, AuditHead, AuditNode

logger = logging.getLogger(__name__)

JOURNAL_NOT_WRITTEN = (
    "The checkpoint journal {path} could not be written ({error}): the log of {coach} is not witnessed."
)
HEAD_NOT_SIGNED = (
    "The signed head of {coach}'s log does not verify ({error}); it was not written to the journal."
)


def sealed_details_aad(coach_id, seq: int) -> bytes:
    return f"ethos/audit-details|coach={coach_id}|seq={seq}".encode()


def sign_checkpoint(coach_id, size: int, root: bytes) -> str:
    """Sign a tree head of the coach's log under the log's own key name."""
    note = checkpoint.Checkpoint(origin_for(coach_id), size, root)
    return checkpoint.sign(note, signing_key(), key_name_for(coach_id))


def audit_append(
    *,
    coach,
    action: Action,
    target_type: str = "",
    target_id: str = "",
    clauses: Sequence[str] = (),
    details: dict | None = None,
    sealed_details: dict | None = None,
    actor: str = "coach",
) -> AuditEvent:
    """Append one event to the coach's log and advance the signed tree head.

    `details` must say nothing about a client; put that in `sealed_details`, which is encrypted
    with the coach's account key (and so needs the vault unlocked).
    """
    action = as_action(action)
    # No savepoint: an append is part of the caller's change, and fails or succeeds with it.
    with transaction.atomic(savepoint=False):
        # Appends for one coach are serialised on the head row (PostgreSQL locks it; SQLite's
        # IMMEDIATE transactions already take the write lock at BEGIN).
        head = _head_for_update(coach)
        event = AuditEvent(
            coach=coach,
            seq=head.size + 1,
            created_at=timezone.now(),
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            clauses=",".join(clauses),
            details=details or {},
        )
        if sealed_details is not None:
            vault = current_vault()
            event.sealed = crypto.encrypt(
                vault.account_key,
                json.dumps(sealed_details, ensure_ascii=False).encode(),
                aad=sealed_details_aad(coach.pk, event.seq),
            )
        event.leaf_hash = merkle.leaf_hash(event.canonical_bytes())
        compact = merkle.CompactRange.from_dict(head.compact) if head.compact else merkle.CompactRange()
        # The complete subtrees this event finishes (none for 15 events in 16): stored so that a
        # proof reads O(log n) rows. The compact range holds them already; no read is needed.
        completed = compact.append(event.leaf_hash)
        event.root_after = compact.root()
        signed = sign_checkpoint(coach.pk, event.seq, event.root_after)
        event.checkpoint = signed
        _signed_here[str(coach.pk)] = signed
        _event_insert(event)
        if completed:
            _nodes_insert(coach.pk, completed)
        _head_advance(coach, size=event.seq, compact=compact.to_dict(), checkpoint=signed)
        # Witnessed once the caller's whole change is committed (and never if it rolls back).
        transaction.on_commit(functools.partial(_witness, coach.pk, Witness.ACTIVITY, always=False))
    return event


def audit_nodes_backfill(*, coach_id, events=AuditEvent, nodes=AuditNode, chunk_size: int = 5000) -> int:
    """Store every complete subtree hash of a coach's log that is missing; return how many.

    For logs written before the nodes were stored (migration 0003 passes its historical models)
    and for logs restored from older backups. Reads the stored leaf hashes in order, in chunks,
    without a model per event, and stops at a gap in the sequence: a log with a hole has no
    honest subtree past it, and `verify_log` reports the hole.
    """
    leaves = (
        events._default_manager.filter(coach_id=coach_id)
        .order_by("seq")
        .values_list("seq", "leaf_hash")
        .iterator(chunk_size=chunk_size)
    )

    def in_order():
        for position, (seq, leaf) in enumerate(leaves, 1):
            leaf = bytes(leaf)
            if seq != position or len(leaf) != merkle.HASH_LEN:
                return
            yield leaf

    stored = nodes._default_manager.filter(coach_id=coach_id)
    before = stored.count()
    batch = []
    for node in merkle.subtree_nodes(in_order()):
        batch.append(nodes(coach_id=coach_id, level=node.level, index=node.index, hash=node.hash))
        if len(batch) == chunk_size:
            # Nodes already stored stay as they are (never replaced): verify_log checks them.
            nodes._default_manager.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        nodes._default_manager.bulk_create(batch, ignore_conflicts=True)
    return stored.count() - before


def checkpoint_witness(*, coach, reason: Witness) -> None:
    """Write the coach's signed tree head to the checkpoint journal once the transaction commits."""
    transaction.on_commit(functools.partial(_witness, coach.pk, Witness(reason), always=True))


@prepared
def _signed_head(coach_id):
    """The committed head's size and signed checkpoint, as rows (none for a log not begun)."""
    return AuditHead.objects.filter(coach_id=coach_id).values_list("size", "checkpoint")


# The checkpoint this process last signed for each coach: a head that is still this very note
# was signed here, and goes into the journal without verifying the signature again.
_signed_here: dict[str, str] = {}
# What this process last wrote to the journal for each coach: (time.monotonic(), size).
_witnessed: dict[str, tuple[float, int]] = {}
_witness_lock = threading.Lock()


def _witness(coach_id, reason: Witness, *, always: bool) -> None:
    key = str(coach_id)
    with _witness_lock:
        last = _witnessed.get(key)
        # Activity is witnessed at most once per ETHOS_JOURNAL_SECONDS (a line per append would
        # grow the file with every click); sign-out, backups and reports always are.
        if not always and last is not None and time.monotonic() - last[0] < settings.ETHOS_JOURNAL_SECONDS:
            return
        rows = _signed_head(coach_id)
        if not rows or not rows[0][1]:
            return
        size, note = rows[0]
        if not always and last is not None and last[1] == size:
            return
        if note != _signed_here.get(key):
            try:
                size = open_checkpoint(note, coach_id).size
            except checkpoint.CheckpointError as error:
                # Only checkpoints the log really signed go in, so a bad line means an edited journal.
                logger.error(HEAD_NOT_SIGNED.format(coach=key, error=error))
                return
        try:
            journal.append(coach_id=key, size=size, reason=reason, note=note)
        except OSError as error:
            # The coach's change is committed already; say loudly that it went unwitnessed.
            logger.error(JOURNAL_NOT_WRITTEN.format(path=journal.journal_path(), error=error, coach=key))
            return
        _witnessed[key] = (time.monotonic(), size)


# The two statements around every append are written in SQL: they run for every event, and the
# ORM's query building cost more than the database work (see bench/bench_audit.py).


_HEAD = "SELECT size, compact FROM audit_audithead WHERE coach_id = %s"
_HEAD_LOCKED = _HEAD + " FOR UPDATE"


def _head_for_update(coach) -> AuditHead:
    connection = connections[router.db_for_write(AuditHead)]
    coach_id = AuditHead._meta.pk.get_db_prep_value(coach.pk, connection)
    query = _HEAD_LOCKED if connection.features.has_select_for_update else _HEAD
    with connection.cursor() as cursor:
        cursor.execute(query, [coach_id])
        row = cursor.fetchone()
    if row is None:
        return AuditHead.objects.create(coach=coach)
    compact = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    return AuditHead(coach_id=coach.pk, size=row[0], compact=compact)


# The event's INSERT, as the ORM writes it for `AuditEvent.save()`, made once per database: the
# same columns, the same placeholders and each value prepared by its own field, so the row is the
# one the ORM would store (tests/audit/test_event_insert.py compares the two statements).
_insert_sql: dict[tuple, tuple[str, tuple, tuple]] = {}


def _event_insert(event: AuditEvent) -> None:
    """Insert a new event as `event.save()` would, without building the INSERT again each time."""
    alias = router.db_for_write(AuditEvent, instance=event)
    connection = connections[alias]
    if signals.pre_save.has_listeners(AuditEvent) or signals.post_save.has_listeners(AuditEvent):
        event.save(using=alias)  # someone listens to the save: let the ORM send its signals
        return
    meta = AuditEvent._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    key = (connection.vendor, alias)
    if key not in _insert_sql:
        query = InsertQuery(AuditEvent)
        query.insert_values(fields, [event])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = meta.db_returning_fields
        [(sql, _)] = compiler.as_sql()
        _insert_sql[key] = (sql, tuple(compiler.returning_params), tuple(compiler.returning_fields))
    sql, returning_params, returning_fields = _insert_sql[key]
    params = [f.get_db_prep_save(f.pre_save(event, True), connection=connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning_fields and connection.features.can_return_columns_from_insert:
            returned = connection.ops.fetch_returned_insert_columns(cursor, returning_params)
        else:
            returned = (connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)
    for value, field in zip(returned, returning_fields or (meta.pk,), strict=True):
        setattr(event, field.attname, value)
    event._state.adding = False
    event._state.db = alias


def _nodes_insert(coach_id, completed: Sequence[merkle.Node]) -> None:
    connection = connections[router.db_for_write(AuditNode)]
    coach = AuditNode._meta.get_field("coach").get_db_prep_value(coach_id, connection)
    index = connection.ops.quote_name("index")
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(completed))
    params = []
    for node in completed:
        params += [coach, node.level, node.index, node.hash]
    with connection.cursor() as cursor:
        # A node is never replaced. One already there was left by a history that has since been
        # cut and re-grown under the server (an attack only the journal or a kept checkpoint
        # sees): keep it, so the sign-in check and `verify_log` report it, and let the coach work.
        cursor.execute(
            f"INSERT INTO audit_auditnode (coach_id, level, {index}, hash) VALUES {rows} "  # noqa: S608  # nosec B608
            "ON CONFLICT DO NOTHING",
            params,
        )


def _head_advance(coach, *, size: int, compact: dict, checkpoint: str) -> None:
    connection = connections[router.db_for_write(AuditHead)]
    compact_field = AuditHead._meta.get_field("compact")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_audithead SET size = %s, compact = %s, checkpoint = %s WHERE coach_id = %s",
            [
                size,
                compact_field.get_db_prep_save(compact, connection),
                checkpoint,
                AuditHead._meta.pk.get_db_prep_value(coach.pk, connection),
            ],
        )
