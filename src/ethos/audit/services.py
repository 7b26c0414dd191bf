"""Write to the audit log: one call, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connections, router, transaction
from django.utils import timezone

from ethos.vault import crypto
from ethos.vault.context import current_vault

from . import checkpoint, merkle
from .actions import Action, as_action
from .keys import KEY_NAME, origin_for, signing_key
from .models import AuditEvent, AuditHead


def sealed_details_aad(coach_id, seq: int) -> bytes:
    return f"ethos/audit-details|coach={coach_id}|seq={seq}".encode()


def sign_checkpoint(coach_id, size: int, root: bytes) -> str:
    return checkpoint.sign(checkpoint.Checkpoint(origin_for(coach_id), size, root), signing_key(), KEY_NAME)


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
        compact.append(event.leaf_hash)
        event.root_after = compact.root()
        signed = sign_checkpoint(coach.pk, event.seq, event.root_after)
        event.checkpoint = signed
        event.save()
        _head_advance(coach, size=event.seq, compact=compact.to_dict(), checkpoint=signed)
    return event


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
