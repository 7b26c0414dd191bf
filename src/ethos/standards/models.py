"""What the standards engine keeps: open items owed by the coach, and tallies of its checks.

Neither holds client identity: subjects are referred to by type and id, messages are the
rules' own constant sentences.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class OpenItemQuerySet(models.QuerySet):
    def for_coach(self, coach):
        return self.filter(coach=coach)

    def open(self):
        return self.filter(resolved_at__isnull=True)


class OpenItem(models.Model):
    """A requirement a finding named and no record has met yet."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    clause = models.CharField(max_length=4)
    point = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    message = models.TextField()
    resolution = models.TextField()
    # Comma-separated record type names (catalog [record_types]) that may resolve the item.
    record_types = models.CharField(max_length=200)
    follow_up = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_record_type = models.CharField(max_length=40, blank=True)
    resolved_record_id = models.CharField(max_length=64, blank=True)

    objects = OpenItemQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["coach", "resolved_at"], name="standards_item_coach_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["coach", "clause", "subject_type", "subject_id", "record_types"],
                condition=Q(resolved_at__isnull=True),
                name="standards_item_open_once",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | ~Q(resolved_record_type="") & ~Q(resolved_record_id=""),
                name="standards_item_resolved_by_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clause} open item on {self.subject_type}"

    @property
    def record_type_list(self) -> list[str]:
        return [name for name in self.record_types.split(",") if name]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Tally(models.Model):
    """How often one clause was checked at one point for one coach, and how it came out."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    clause = models.CharField(max_length=4)
    point = models.CharField(max_length=40)
    checked = models.PositiveIntegerField(default=0)
    blocked = models.PositiveIntegerField(default=0)
    required = models.PositiveIntegerField(default=0)
    warned = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(default=0)
    last_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "clause", "point"], name="standards_tally_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clause} at {self.point}: {self.checked} checked"


class ReportCopy(models.Model):
    """The coach's last exported compliance report file in one format, reused while still true.

    It holds what the export holds (counts, dates, the chain head; never a client's identity).
    It is reused only on the day it was built and while the report's facts are unchanged: its
    `fingerprint` is a hash of everything the report says except when it was generated and the
    chain head it rests on, so a download never says anything a new build would not.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    export_format = models.CharField(max_length=8)
    fingerprint = models.CharField(max_length=64)
    head_size = models.PositiveBigIntegerField()
    built_at = models.DateTimeField()
    content = models.BinaryField()

    # What a new build replaces, in the order services._copy_replace writes it.
    KEPT = ("fingerprint", "head_size", "built_at", "content")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "export_format"], name="standards_report_copy_once"),
        ]

    def __str__(self) -> str:
        return f"{self.export_format} report of {self.coach_id} at {self.head_size}"


class WitnessCosignature(models.Model):
    """The association's cosignature on a checkpoint of the coach's log, sent with a report.

    `note` is the coach's signed checkpoint with the witness's C2SP tlog-cosignature line added:
    anyone holding the association's public key can check it. It names no client.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    size = models.PositiveBigIntegerField()
    witness_name = models.CharField(max_length=200)
    note = models.TextField()
    witnessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-witnessed_at", "-id"]
        indexes = [models.Index(fields=["coach", "-witnessed_at"], name="standards_cosig_coach_at")]

    def __str__(self) -> str:
        return f"cosignature of {self.coach_id}'s log at {self.size}"


class ReportCounts(models.Model):
    """The counts a coach's compliance report last computed, and the data version they rest on.

    Database triggers (standards/kept.py) bump `version` on every insert, update or delete in the
    tables the kept counts read, so `counts` is reused only while `counts_version == version`.
    One row per coach holds both, so a write takes one lock per coach whatever it touches, and
    losing the row loses the counts with it (a counter that restarted could otherwise match old
    counts). `counts` is plaintext JSON: numbers of records by kind and clause ids, never a
    client's identity (docs/security.md). `coach_id` has no foreign key: the triggers write it
    while a coach's rows are being deleted, and the counts are derived data no backup carries.
    """

    coach_id = models.UUIDField(primary_key=True)
    version = models.PositiveBigIntegerField(default=0)
    counts = models.TextField(blank=True)
    counts_version = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"report counts of {self.coach_id} at version {self.version}"
