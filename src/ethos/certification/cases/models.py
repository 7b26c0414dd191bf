"""Complaints to the association and the ethics cases they open (E1).

A complaint arrives from the public form sealed to the association's key: who complains, how to
reach them, which coach they name and what they say happened. Only the date of the events and
the clauses the complainant picked stay readable, because screening needs them. Nothing here
points at a client record of any practice: staff have no vault key.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.certification.models import Certification


class Outcome(models.TextChoices):
    """What a panel may decide, mildest first (the order the vote count relies on)."""

    DISMISSED = "dismissed", "Dismissed"
    EDUCATION = "education", "Education or conditions"
    REPRIMAND = "reprimand", "Reprimand"
    SUSPENSION = "suspension", "Suspension"
    REVOCATION = "revocation", "Revocation"


SEVERITY = list(Outcome)
SANCTIONS = (Outcome.EDUCATION, Outcome.REPRIMAND, Outcome.SUSPENSION, Outcome.REVOCATION)


class Complaint(models.Model):
    """One complaint from the public form, sealed to the association until staff open it."""

    class State(models.TextChoices):
        RECEIVED = "received", "Waiting for screening"
        CLOSED = "closed", "Closed: outside what the association can look into"
        OPENED = "opened", "Ethics case opened"

    class ClosedBecause(models.TextChoices):
        NOT_CERTIFIED = "not_certified", "The person named is not a coach in our registry"
        TOO_LATE = "too_late", "The events are older than the time limit for complaints"
        NOT_THE_CODE = "not_the_code", "What happened is not covered by the Code of Ethics"
        OTHER = "other", "Another reason (explained in the message)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    events_on = models.DateField()
    clauses = models.JSONField(default=list, blank=True)
    # JSON of the complainant's name, contact details, the coach as they named them and their
    # account, sealed to the association's X25519 key (keys.py).
    sealed = models.BinaryField()
    key_id = models.CharField(max_length=16)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    closed_because = models.CharField(max_length=14, choices=ClosedBecause.choices, blank=True)
    closed_message = models.TextField(blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"complaint {self.number}"

    def aad(self) -> bytes:
        return f"ethos/cases/complaint|{self.pk}".encode()


class EthicsCase(models.Model):
    """A complaint within the association's remit, taken through due process to a final outcome."""

    class Stage(models.TextChoices):
        INTAKE = "intake", "Intake"
        PRELIMINARY_REVIEW = "preliminary_review", "Preliminary review"
        INVESTIGATION = "investigation", "Investigation"
        HEARING = "hearing", "Hearing"
        DECISION = "decision", "Decision"
        APPEAL = "appeal", "Appeal"
        CLOSED = "closed", "Closed"

    class Party(models.TextChoices):
        COACH = "coach", "The coach"
        COMPLAINANT = "complainant", "The complainant"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="case")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="ethics_cases")
    number = models.CharField(max_length=20, unique=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.INTAKE)
    stage_deadline = models.DateField(null=True, blank=True)
    clauses = models.JSONField(default=list)
    # The allegations as staff put them to the coach (no contact details of the complainant).
    summary = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    response_due = models.DateField()
    # The coach's written response, sealed to the association like the complaint.
    response_sealed = models.BinaryField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    appeal_by = models.CharField(max_length=12, choices=Party.choices, blank=True)
    appeal_grounds = models.TextField(blank=True)
    appeal_lodged_on = models.DateField(null=True, blank=True)
    appeal_outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    final_outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    final_on = models.DateField(null=True, blank=True)
    interim_suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stage_deadline", "number"]
        indexes = [models.Index(fields=["certification", "stage"], name="case_certification_stage")]

    def __str__(self) -> str:
        return f"ethics case {self.number} ({self.stage})"

    def response_aad(self) -> bytes:
        return f"ethos/cases/response|{self.pk}".encode()

    def overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.stage != self.Stage.CLOSED
            and self.stage_deadline is not None
            and self.stage_deadline < today
        )

    @property
    def is_final(self) -> bool:
        return self.stage == self.Stage.CLOSED and bool(self.final_outcome)


class PanelSeat(models.Model):
    """A member of staff on a case's hearing or appeal panel, with their recorded vote."""

    class Panel(models.TextChoices):
        HEARING = "hearing", "Hearing panel"
        APPEAL = "appeal", "Appeal panel"

    case = models.ForeignKey(EthicsCase, on_delete=models.PROTECT, related_name="seats")
    panel = models.CharField(max_length=8, choices=Panel.choices)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "panel", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "panel", "member"], name="panel_seat_once"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} seat on {self.case_id}"


class ConflictDeclaration(models.Model):
    """A member of staff's declared link to a party of a case: they may not sit on its panels."""

    case = models.ForeignKey(EthicsCase, on_delete=models.PROTECT, related_name="conflicts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=12, choices=EthicsCase.Party.choices)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member", "party"], name="conflict_once"),
        ]

    def __str__(self) -> str:
        return f"conflict on {self.case_id}"


class SubmissionMark(models.Model):
    """A public complaint sent from one network address: the form's rate limit, kept one hour."""

    address = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="cases_submission_address")]

    def __str__(self) -> str:
        return f"complaint sent from {self.address}"
