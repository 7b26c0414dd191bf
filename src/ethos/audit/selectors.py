"""Read the audit log: the chain head, events for the Activity page, proofs and verification."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ethos.vault import crypto
from ethos.vault.context import current_vault

from . import checkpoint, merkle
from .keys import KEY_NAME, origin_for, public_key
from .models import AuditEvent, AuditHead
from .services import sealed_details_aad


@dataclass(frozen=True)
class ChainHead:
    size: int
    root_hex: str
    checkpoint: str


def chain_head(coach) -> ChainHead:
    head = AuditHead.objects.filter(coach=coach).first()
    if head is None or head.size == 0:
        return ChainHead(size=0, root_hex=merkle.EMPTY_ROOT.hex(), checkpoint="")
    compact = merkle.CompactRange.from_dict(head.compact)
    return ChainHead(size=head.size, root_hex=compact.root().hex(), checkpoint=head.checkpoint)


def events_for(coach, *, action: str = "", since=None, until=None):
    events = AuditEvent.objects.filter(coach=coach).order_by("-seq")
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.defer("leaf_hash", "root_after", "checkpoint")


def sealed_details(event: AuditEvent) -> dict | None:
    """Decrypt an event's sealed details with the current vault."""
    if event.sealed is None:
        return None
    vault = current_vault()
    raw = crypto.decrypt(
        vault.account_key, bytes(event.sealed), aad=sealed_details_aad(event.coach_id, event.seq)
    )
    return json.loads(raw)


# -- verification ------------------------------------------------------------------------

EVENT_MISSING = "Event {seq} is missing: it was removed from the log."
EVENT_OUT_OF_PLACE = "Event {seq} is out of place: events were inserted or reordered here."
EVENT_CHANGED = "Event {seq} was changed after it was written (or events around it were reordered)."
EVENT_SIGNATURE = "Event {seq} does not carry a valid signed checkpoint: it was inserted or forged."
HEAD_MISMATCH = "The log's signed head says {expected} events, but {found} are stored: events were removed."
CHECKPOINT_AHEAD = (
    "The checkpoint you kept covers {expected} events, but the log has only {found}: events were removed."
)
CHECKPOINT_INCONSISTENT = (
    "The log is not consistent with the checkpoint you kept (size {size}): history was rewritten."
)


@dataclass
class Verification:
    coach_id: str
    size: int = 0
    root_hex: str = merkle.EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _fail(report: Verification, seq: int, message: str) -> Verification:
    report.first_bad_seq = seq
    report.problems.append(message)
    return report


def verify_log(coach, *, kept_checkpoint: str | None = None) -> Verification:
    """Recompute the coach's tree from the stored events and check every signed checkpoint."""
    report = Verification(coach_id=str(coach.pk))
    origin, key = origin_for(coach.pk), public_key()
    compact = merkle.CompactRange()
    leaves: list[bytes] = []
    roots: dict[int, bytes] = {}
    for position, event in enumerate(
        AuditEvent.objects.filter(coach=coach).order_by("seq", "id").iterator(), 1
    ):
        if event.seq > position:
            return _fail(report, position, EVENT_MISSING.format(seq=position))
        if event.seq < position:
            return _fail(report, position, EVENT_OUT_OF_PLACE.format(seq=position))
        leaf = merkle.leaf_hash(event.canonical_bytes())
        compact.append(leaf)
        leaves.append(leaf)
        try:
            signed = checkpoint.parse_and_verify(event.checkpoint, key, KEY_NAME, origin=origin)
        except checkpoint.CheckpointError:
            return _fail(report, position, EVENT_SIGNATURE.format(seq=position))
        if signed.size != position:
            return _fail(report, position, EVENT_SIGNATURE.format(seq=position))
        if signed.root != compact.root():
            return _fail(report, position, EVENT_CHANGED.format(seq=position))
        roots[position] = compact.root()
    report.size = compact.size
    report.root_hex = compact.root().hex()

    head = AuditHead.objects.filter(coach=coach).first()
    if head is not None and head.checkpoint:
        try:
            signed_head = checkpoint.parse_and_verify(head.checkpoint, key, KEY_NAME, origin=origin)
        except checkpoint.CheckpointError:
            signed_head = None
        if signed_head is None or signed_head.size != compact.size:
            expected = signed_head.size if signed_head else head.size
            return _fail(
                report, compact.size + 1, HEAD_MISMATCH.format(expected=expected, found=compact.size)
            )

    if kept_checkpoint:
        kept = checkpoint.parse_and_verify(kept_checkpoint, key, KEY_NAME, origin=origin)
        if kept.size > compact.size:
            return _fail(
                report, compact.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=compact.size)
            )
        proof = merkle.consistency_proof(kept.size, compact.size, leaves.__getitem__)
        if not merkle.verify_consistency(kept.size, compact.size, kept.root, compact.root(), proof):
            bad = next((s for s in range(1, kept.size + 1) if roots.get(s) is None), None)
            report.problems.append(CHECKPOINT_INCONSISTENT.format(size=kept.size))
            report.first_bad_seq = bad or kept.size
    return report


def consistency_with(coach, kept_checkpoint: str) -> Verification:
    """Prove that the current signed head extends a checkpoint the coach's browser kept.

    This is the quick check run at sign-in: it uses the stored leaf hashes and the signed head.
    `verify_log` (the `ethos audit verify` command) recomputes every leaf as well.
    """
    origin, key = origin_for(coach.pk), public_key()
    kept = checkpoint.parse_and_verify(kept_checkpoint, key, KEY_NAME, origin=origin)
    report = Verification(coach_id=str(coach.pk))
    head = AuditHead.objects.filter(coach=coach).first()
    if head is None or not head.checkpoint:
        return _fail(report, 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=0))
    current = checkpoint.parse_and_verify(head.checkpoint, key, KEY_NAME, origin=origin)
    report.size, report.root_hex = current.size, current.root.hex()
    if kept.size > current.size:
        return _fail(
            report, current.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=current.size)
        )
    leaves = [
        bytes(h)
        for h in AuditEvent.objects.filter(coach=coach, seq__lte=current.size)
        .order_by("seq")
        .values_list("leaf_hash", flat=True)
    ]
    if len(leaves) != current.size:
        return _fail(report, len(leaves) + 1, HEAD_MISMATCH.format(expected=current.size, found=len(leaves)))
    proof = merkle.consistency_proof(kept.size, current.size, leaves.__getitem__)
    if not merkle.verify_consistency(kept.size, current.size, kept.root, current.root, proof):
        return _fail(report, kept.size, CHECKPOINT_INCONSISTENT.format(size=kept.size))
    return report
