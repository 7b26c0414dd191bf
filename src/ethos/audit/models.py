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


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(APPEND_ONLY)

    def for_coach(self, coach):
        return self.filter(coach=coach)


class AuditEvent(models.Model):
    """One thing that happened in a coach's practice. Never changed, never removed."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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
        indexes = [models.Index(fields=["coach", "action"], name="audit_coach_action")]

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
        sealed = bytes(self.sealed) if self.sealed is not None else None
        record = {
            "v": 1,
            "coach": str(self.coach_id),
            "seq": self.seq,
            "time": self.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "clauses": self.clauses,
            "details": self.details,
            "sealed": base64.b64encode(sealed).decode() if sealed is not None else None,
        }
        return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

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
