"""The audit log: append-only events per coach, chained into an RFC 9162 Merkle tree."""

from __future__ import annotations

import base64
import datetime
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

APPEND_ONLY = "The audit log is append-only: events cannot be changed or deleted."


class AppendOnlyError(Exception):
    pass


def canonical_bytes(
    coach_id,
    seq: int,
    created_at: datetime.datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    clauses: str,
    details,
    sealed: bytes | memoryview | None,
) -> bytes:
    """Return the exact bytes an event's Merkle leaf commits to: every stored field but the proofs.

    The one definition for `AuditEvent.canonical_bytes` and for the verifier, which reads the
    fields as tuples (`CANONICAL_FIELDS`, in this order) rather than building a model per event.
    """
    record = {
        "v": 1,
        "coach": str(coach_id),
        "seq": seq,
        "time": created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "clauses": clauses,
        "details": details,
        "sealed": base64.b64encode(sealed).decode() if sealed is not None else None,
    }
    return _CANONICAL_JSON.encode(record).encode()


# What json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on
# every call, built once: `ethos audit verify` encodes every event.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# The fields canonical_bytes takes, in its order, as `values_list` reads them.
CANONICAL_FIELDS = (
    "coach_id",
    "seq",
    "created_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "clauses",
    "details",
    "sealed",
)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(APPEND_ONLY)

    def for_coach(self, coach):
        return self.filter(coach=coach)


class AuditEvent(models.Model):
    """One thing that happened in a coach's practice. Never changed, never removed."""

    # No index of its own: the unique (coach, seq) and the (coach, action, seq) index both lead with the
    # coach, and a third index to write cost every append (every page that reads a client) a page more.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=20, default="coach")
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    clauses = models.CharField(max_length=100, blank=True)
    # Plain details hold no client identity (ids, clause ids, counts). Anything about a client
    # goes in `sealed`, encrypted with the coach's account key.
    details = models.JSONField(default=dict, blank=True)
    sealed = models.BinaryField(null=True, blank=True)
    leaf_hash = models.BinaryField()
    # The tree root after this event and the server's signed checkpoint of it: the verifier
    # can name the first event where the history stops matching what was signed.
    root_after = models.BinaryField()
    checkpoint = models.TextField()

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["coach", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "seq"], name="audit_event_seq_unique"),
        ]
        # The Activity page filtered by action reads one page newest first: (coach, action, seq)
        # serves it from the index without sorting every matching event.
        indexes = [models.Index(fields=["coach", "action", "seq"], name="audit_coach_action_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)

    def canonical_bytes(self) -> bytes:
        """The exact bytes the Merkle leaf commits to: every stored field but the proof columns."""
        return canonical_bytes(*(getattr(self, name) for name in CANONICAL_FIELDS))

    @property
    def clause_list(self) -> list[str]:
        return [c for c in self.clauses.split(",") if c]


class AuditHead(models.Model):
    """The current size, compact range and signed checkpoint of one coach's log."""

    coach = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    size = models.PositiveBigIntegerField(default=0)
    compact = models.JSONField(default=dict)
    checkpoint = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"audit head of {self.coach_id} at {self.size}"


class AuditNodeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(APPEND_ONLY)


class AuditNode(models.Model):
    """The root hash of one complete subtree of a coach's log: 2**level events from index * 2**level.

    Derived from the events and written once, by the append that completes the subtree (levels
    from merkle.NODE_MIN_LEVEL up, about one row per eight events), so that a proof reads
    O(log n) rows instead of every leaf hash. Never changed, never removed. Nothing trusts them:
    a proof built from a wrong node fails against the signed roots, and `verify_log` recomputes
    every node from the events and reports one that differs.
    """

    # No index of its own: the unique (coach, level, index) index starts with the coach.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField()

    objects = AuditNodeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "level", "index"], name="audit_node_unique"),
        ]

    def __str__(self) -> str:
        first = self.index << self.level
        return f"events {first + 1}..{first + (1 << self.level)} of {self.coach_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)
