"""Safeguarding records: report tasks and mandatory reports (C3), consents, court orders and every
disclosure with its accounting (C1).

Plain columns are what the rules, the banner and the report need: ids, dates, deadlines, the basis
of a disclosure and how a consent was given. Everything about the client and the people around
them (who is at risk, what was disclosed, recipients, purposes, uploaded copies, the bundle that
left) is encrypted under the client's data key. Disclosures, reports and their annotations are
append-only: they are never changed or deleted.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.coaching.models import AppendOnlyVaultModel
from ethos.vault.fields import EncryptedBytesField, EncryptedJSONField, EncryptedTextField
from ethos.vault.models import VaultModel

# The kinds of record a disclosure, a consent or a court order names. Concern: what was said about
# someone at risk, which only a mandatory report or an emergency call passes on.
RECORD_KINDS = {
    "identity": "Name, date of birth and contact details",
    "attendance": "Dates of sessions held",
    "goals": "Goals, in the client's words",
    "notes": "Session notes and their addenda",
    "concern": "The safeguarding concern: who is at risk and what was disclosed",
}


class AtRisk(models.TextChoices):
    """The people whose abuse a coach always reports (C3)."""

    CHILD = "child", "A child"
    DISABLED = "disabled", "A disabled person"
    ELDER = "elder", "An older person"


class ReportTaskQuerySet(models.QuerySet):
    def for_coach(self, coach) -> ReportTaskQuerySet:
        return self.filter(coach=coach)

    def open(self) -> ReportTaskQuerySet:
        return self.filter(closed_at__isnull=True)


class ReportTask(VaultModel):
    """A mandatory report owed (C3): open until a report record closes it, never dismissed."""

    class Origin(models.TextChoices):
        COACH = "coach", "You recorded that a disclosure of abuse was made"
        CHECKER = "checker", "A note's words were flagged, and you judged them a disclosure"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    # The note whose words were flagged, when the task came from the checker (or was linked to one).
    note = models.ForeignKey("coaching.SessionNote", on_delete=models.PROTECT, null=True, related_name="+")
    origin = models.CharField(max_length=8)
    # One of AtRisk's values, and who they are and what was disclosed, in the coach's words.
    at_risk = EncryptedTextField()
    details = EncryptedTextField()
    learned_at = models.DateTimeField()
    deadline = models.DateTimeField()
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReportTaskQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["coach", "closed_at", "deadline"], name="reporttask_coach_open")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("learned_at")), name="reporttask_deadline_after"
            ),
        ]

    def __str__(self) -> str:
        return f"report task {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def overdue(self, now: datetime.datetime | None = None) -> bool:
        """Say whether the deadline has passed with no report recorded (or the report came late)."""
        return (self.closed_at or now or timezone.now()) > self.deadline

    @property
    def at_risk_label(self) -> str:
        return dict(AtRisk.choices).get(self.at_risk, self.at_risk)


class Consent(VaultModel):
    """The client's written consent to share named records with one recipient, for a time (C1)."""

    class HowGiven(models.TextChoices):
        DOCUMENT = "document", "A signed document, uploaded"
        TYPED = "typed", "A typed name and date (an interim step until the client signs)"
        PORTAL = "portal", "Signed by the client in their portal (typed name, date and the exact text)"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    recipient = EncryptedTextField()
    purpose = EncryptedTextField()
    # Keys of RECORD_KINDS: the only kinds of record this consent lets go to the recipient.
    record_kinds = EncryptedJSONField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    how_given = models.CharField(max_length=8)
    signed_name = EncryptedTextField(null=True)
    signed_on = models.DateField()
    document = EncryptedBytesField(null=True)
    document_name = EncryptedTextField(null=True)
    document_type = models.CharField(max_length=40, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_note = EncryptedTextField(null=True)

    class Meta:
        indexes = [models.Index(fields=["client", "recorded_at"], name="consent_client_recorded")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="consent_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(how_given="document") | models.Q(document__isnull=False),
                name="consent_document_uploaded",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def in_force(self, day: datetime.date) -> bool:
        """Say whether the consent covers anything on `day`: not revoked, and within its dates."""
        return not self.is_revoked and self.valid_from <= day <= self.valid_until

    @property
    def record_labels(self) -> list[str]:
        return [RECORD_KINDS.get(kind, kind) for kind in self.record_kinds]

    @property
    def how_given_label(self) -> str:
        return dict(self.HowGiven.choices).get(self.how_given, self.how_given)


class CourtOrder(VaultModel):
    """A subpoena or court order for a client's records; a basis only for what it names (C1)."""

    class Kind(models.TextChoices):
        SUBPOENA = "subpoena", "Subpoena"
        ORDER = "order", "Court order"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    court = EncryptedTextField()
    case_reference = EncryptedTextField()
    issued_on = models.DateField()
    # Who the order says the records go to, which kinds (RECORD_KINDS), and what it asks, as written.
    recipient = EncryptedTextField()
    record_kinds = EncryptedJSONField()
    asks_for = EncryptedTextField()
    may_tell_client = models.BooleanField(default=True)
    document = EncryptedBytesField()
    document_name = EncryptedTextField()
    document_type = models.CharField(max_length=40, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client", "recorded_at"], name="courtorder_client_recorded")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def kind_label(self) -> str:
        return dict(self.Kind.choices).get(self.kind, self.kind)


class Disclosure(AppendOnlyVaultModel):
    """Client information that left the coach, with its basis: one line of the accounting (C1)."""

    class Basis(models.TextChoices):
        CONSENT = "consent", "The client's written consent"
        SUBPOENA = "subpoena", "A subpoena or court order"
        MANDATORY_REPORT = "mandatory_report", "A mandatory report of abuse (C3)"
        EMERGENCY = "emergency", "An emergency: someone's life was at risk"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    basis = models.CharField(max_length=20)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, related_name="+")
    order = models.ForeignKey(CourtOrder, on_delete=models.PROTECT, null=True, related_name="+")
    task = models.ForeignKey(ReportTask, on_delete=models.PROTECT, null=True, related_name="+")
    recipient = EncryptedTextField()
    record_kinds = EncryptedJSONField()
    purpose = EncryptedTextField()
    # What was passed on beyond the named records (what was said on the phone), in the coach's words.
    what = EncryptedTextField()
    disclosed_at = models.DateTimeField(default=timezone.now)
    # The activity log's size and root after this disclosure's event: printed on every page.
    checkpoint = models.CharField(max_length=120)
    bundle = EncryptedBytesField()

    class Meta:
        indexes = [
            models.Index(fields=["client", "disclosed_at"], name="disclosure_client_when"),
            models.Index(fields=["coach", "disclosed_at"], name="disclosure_coach_when"),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk}"

    @property
    def basis_label(self) -> str:
        return dict(self.Basis.choices).get(self.basis, self.basis)

    @property
    def record_labels(self) -> list[str]:
        return [RECORD_KINDS.get(kind, kind) for kind in self.record_kinds]


class DisclosureAnnotation(AppendOnlyVaultModel):
    """A dated note added to a disclosure: the only way the accounting changes."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="annotations")
    text = EncryptedTextField()
    written_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"annotation {self.pk}"


class EmergencyReview(AppendOnlyVaultModel):
    """The review of an emergency disclosure afterwards: what happened and whether it was the least needed."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosure = models.OneToOneField(Disclosure, on_delete=models.PROTECT, related_name="review")
    what_happened = EncryptedTextField()
    client_told = EncryptedTextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"review of {self.disclosure_id}"


class MandatoryReport(AppendOnlyVaultModel):
    """The report made to the protective agency: the only record that closes a report task (C3)."""

    class How(models.TextChoices):
        PHONE = "phone", "By phone"
        ONLINE = "online", "Through the agency's online form"
        IN_PERSON = "in_person", "In person"
        EMAIL = "email", "By email"
        LETTER = "letter", "By letter"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField(ReportTask, on_delete=models.PROTECT, related_name="report")
    disclosure = models.OneToOneField(Disclosure, on_delete=models.PROTECT, related_name="+")
    agency = EncryptedTextField()
    how = models.CharField(max_length=10)
    reported_at = models.DateTimeField()
    reference = EncryptedTextField()
    told_client = EncryptedTextField()
    # Whether it was made by the task's deadline: counted by the compliance report.
    on_time = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"mandatory report {self.pk}"

    @property
    def how_label(self) -> str:
        return dict(self.How.choices).get(self.how, self.how)


class FlagDismissal(AppendOnlyVaultModel):
    """The coach's reason why words the checker flagged under C3 are not a disclosure at all."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey("coaching.SessionNote", on_delete=models.PROTECT, related_name="+")
    # The open item it resolved (standards.OpenItem; kept by id, as standards keeps subjects).
    item_id = models.UUIDField()
    reason = EncryptedTextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"flag dismissal {self.pk}"
