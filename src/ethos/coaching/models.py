"""Coaching sessions: the appointment, the checks at its start and close, and what they left open.

Plain columns are what the agenda, the calendar feed and the rules need: times, statuses, who
cancelled and the yes/no answers of the checks. Every word about the client (the place or link,
reasons, what was done) is encrypted under the client's data key.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.vault.fields import EncryptedJSONField, EncryptedTextField
from ethos.vault.models import VaultModel


class SessionQuerySet(models.QuerySet):
    def for_coach(self, coach) -> SessionQuerySet:
        return self.filter(coach=coach)

    def live(self) -> SessionQuerySet:
        """Sessions that hold a place in the coach's diary: not cancelled."""
        return self.exclude(status=Session.Status.CANCELLED)


class Session(VaultModel):
    """One appointment with a client, from scheduling to close (or cancellation)."""

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone call"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        STARTED = "started", "Under way"
        CLOSED = "closed", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class CancelledBy(models.TextChoices):
        COACH = "coach", "I cancelled it"
        CLIENT = "client", "The client cancelled it"

    class NoFee(models.TextChoices):
        # P2: the client's time and money are respected whenever the cause was not theirs.
        COACH_CANCELLED = "coach_cancelled", "Cancelled by the coach (P2)"
        COACH_UNFIT = "coach_unfit", "The coach was not fit to practise (P14)"
        CLIENT_UNDER_INFLUENCE = "under_influence", "Moved because the client seemed under the influence (S3)"
        COACHING_ENDED = "coaching_ended", "Coaching was ended or paused"
        COACH_LATE = "coach_late", "Started late by the coach (P2)"
        CUT_SHORT = "cut_short", "Cut short by the coach (P2)"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="coaching_sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    # Kept with starts_at so that overlaps and the calendar read one indexed range, not arithmetic.
    ends_at = models.DateTimeField()
    modality = models.CharField(max_length=10, choices=Modality.choices)
    place = EncryptedTextField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_by = models.CharField(max_length=6, choices=CancelledBy.choices, blank=True)
    cancel_reason = EncryptedTextField(null=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_fee = models.BooleanField(default=False)
    no_fee_reason = models.CharField(max_length=16, choices=NoFee.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rescheduled_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Started and its note not signed yet (C2): set at start, cleared by signing, so the coach's day
    # finds the notes still owed through a small partial index, not by reading every session.
    note_owed = models.BooleanField(default=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["coach", "starts_at"], name="session_coach_starts"),
            models.Index(fields=["client", "starts_at"], name="session_client_starts"),
            models.Index(
                fields=["coach", "starts_at"], condition=models.Q(note_owed=True), name="session_note_owed"
            ),
            # The few sessions without a fee, for the report's check of their ledger lines (P2).
            models.Index(fields=["coach"], condition=models.Q(no_fee=True), name="session_no_fee"),
            # The compliance report's counts of sessions by how they went (P2, P14, S3), from the index.
            models.Index(
                fields=(
                    "coach",
                    "status",
                    "cancelled_by",
                    "no_fee",
                    "no_fee_reason",
                    "started_at",
                    "closed_at",
                ),
                name="session_counts",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gt=0), name="session_has_length"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancelled_by=""),
                name="session_cancel_says_who",
            ),
            models.CheckConstraint(
                condition=models.Q(no_fee=False) | ~models.Q(no_fee_reason=""),
                name="session_no_fee_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk}"

    @property
    def reference(self) -> str:
        """A short reference that names no one: for the calendar feed and for talking about it."""
        return self.pk.hex[:8].upper()

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.starts_at)


class Reminder(models.Model):
    """The one reminder email a coach was sent about a session: its row is what makes it once."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="reminder")
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"reminder for session {self.session_id}"


class StartCheck(VaultModel):
    """The checks before a session starts: the coach's fitness (P14), how the client presents (S3)."""

    class Presentation(models.TextChoices):
        STEADY = "steady", "Present and able to take part"
        DISTRESSED = "distressed", "Distressed, but able to take part"
        UNDER_INFLUENCE = "influence", "Seems affected by alcohol or drugs"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="start_checks")
    coach_fit = models.BooleanField()
    presentation = models.CharField(max_length=10, choices=Presentation.choices)
    # Whether the session started after this check (False: P14 or S3 stopped it).
    started = models.BooleanField()
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"start check {self.pk}"


class CloseCheck(VaultModel):
    """How the client is leaving (P6) and the trauma-informed reflection on the session (S4)."""

    class Leaving(models.TextChoices):
        SETTLED = "settled", "Settled"
        SOMEWHAT = "somewhat", "Somewhat activated, and safe to leave"
        UNSAFE = "unsafe", "Significantly activated and not safe to leave"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="close_checks")
    leaving = models.CharField(max_length=10, choices=Leaving.choices)
    # S4: was the client offered safety, choice and collaboration in this session?
    safety_offered = models.BooleanField()
    choice_offered = models.BooleanField()
    collaboration_offered = models.BooleanField()
    reflection = EncryptedTextField(null=True)
    closed = models.BooleanField()
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The compliance report's P6 and S4 counts, read from the index alone.
            models.Index(
                fields=(
                    "coach",
                    "closed",
                    "leaving",
                    "safety_offered",
                    "choice_offered",
                    "collaboration_offered",
                ),
                name="close_check_counts",
            ),
            # The few checks that kept a session open, counted apart from the closing ones.
            models.Index(
                fields=["coach", "session"], condition=models.Q(closed=False), name="close_check_held_open"
            ),
        ]

    def __str__(self) -> str:
        return f"close check {self.pk}"


class SafetyPlan(VaultModel):
    """What the coach did with a client who was not safe to leave, and how it ended (P6)."""

    class Outcome(models.TextChoices):
        SAFE = "safe", "The client is now safe to leave"
        EMERGENCY = "emergency", "Emergency help took over"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="safety_plans")
    # The grounding and safety-planning steps gone through, by key (GROUNDING_STEPS in services).
    steps = models.JSONField(default=list)
    what_was_done = EncryptedTextField()
    risk_to_life = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"safety plan {self.pk}"


class FollowUp(VaultModel):
    """Something to take up with the client at a later session; open until it is talked through (S3)."""

    class Kind(models.TextChoices):
        UNDER_INFLUENCE = "influence", "Substance use before a session (S3)"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="coaching_follow_ups")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The session that could not go ahead, and the later one where it was talked through.
    raised_in = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="follow_ups_raised")
    text = EncryptedTextField()
    resolved_in = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups_resolved"
    )
    resolution = EncryptedTextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "resolved_at"], name="follow_up_client_open")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True) | models.Q(resolved_in__isnull=False),
                name="follow_up_resolved_in_a_session",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CalendarFeed(models.Model):
    """A coach's private calendar feed: only the SHA-256 of its token is kept."""

    coach = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The last document served and the digest of the rows it was made from: calendar apps poll
    # the feed all day, and the document only changes when a session in its window does. It
    # holds only what the feed itself serves (references and times), nothing about a client.
    body = models.BinaryField(default=b"", editable=False)
    body_digest = models.CharField(max_length=64, blank=True, editable=False)

    def __str__(self) -> str:
        return f"calendar feed of {self.coach_id}"


# -- Session notes (C2, S4) -------------------------------------------------------------------

NOTE_APPEND_ONLY = "Note versions and addenda are kept as written: they cannot be changed or deleted."


class NoteAppendOnlyError(Exception):
    """A kept note version or addendum was about to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise NoteAppendOnlyError(NOTE_APPEND_ONLY)

    def delete(self):
        raise NoteAppendOnlyError(NOTE_APPEND_ONLY)


class AppendOnlyVaultModel(VaultModel):
    """A row written once and never changed or removed (like the audit log)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise NoteAppendOnlyError(NOTE_APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NoteAppendOnlyError(NOTE_APPEND_ONLY)


class SessionNote(VaultModel):
    """The note of one started session: its current draft or signed text, in encrypted sections.

    `version` counts the saves: a save names the version it started from and is refused when
    another save came first (two tabs). Every saved text is kept as a NoteVersion.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="coaching_notes")
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="note")
    # {section key: text}, the keys of NOTE_SECTIONS in coaching.notes.
    sections = EncryptedJSONField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    saved_at = models.DateTimeField(default=timezone.now)
    # First written more than a day after the session ended (C2: accurate records say so).
    late = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Signed more than 48 hours after the session ended (C2), decided by `note_sign` and corrected by
    # the session's close, so the compliance report counts late signatures from an index instead of
    # date arithmetic on every note (SQLite does that arithmetic in Python, row by row).
    signed_late = models.BooleanField(default=False)
    # The clauses the checker raised at the last enforced save, to enforce again only on a change.
    flagged = models.CharField(max_length=60, blank=True)

    class Meta:
        indexes = [
            # The compliance report's counts of notes (C2), read from the index alone.
            models.Index(fields=["coach", "signed_at", "late", "signed_late"], name="note_counts"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="note_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"note {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteVersion(AppendOnlyVaultModel):
    """One saved text of a note, exactly as it was saved: never changed, never removed."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    sections = EncryptedJSONField()
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="note_version_once"),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of note {self.note_id}"


class Addendum(AppendOnlyVaultModel):
    """A dated addition to a signed note, with the reason for it; the signed text stays as it was."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    reason = EncryptedTextField()
    text = EncryptedTextField()
    written_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"addendum {self.pk}"


class NotApplicable(AppendOnlyVaultModel):
    """The coach's reason why a checker finding does not apply; it never closes C3 or S2."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="not_applicable")
    clause = models.CharField(max_length=4)
    sentence = EncryptedTextField()
    reason = EncryptedTextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.clause} not applicable on {self.note_id}"


class ScopeReview(AppendOnlyVaultModel):
    """A scope review after risk showed in a note (S1, S2): can coaching safely go on?"""

    class Outcome(models.TextChoices):
        CONTINUE = "continue", "Coaching can safely go on"
        REFER = "refer", "The client needs another service: I am referring them"
        PAUSE = "pause", "Coaching pauses while the client is cared for elsewhere"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="scope_reviews")
    clause = models.CharField(max_length=4)
    considered = EncryptedTextField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.clause} scope review of {self.note_id}"


class BoundaryReview(AppendOnlyVaultModel):
    """A boundary review after a note touched on contact, a relationship or money (P7, P8, P9)."""

    class Outcome(models.TextChoices):
        RESTATED = "restated", "I restated the boundary with the client"
        DECLINED = "declined", "I declined it, or gave back what was given"
        ENDING = "ending", "Coaching ends, with a referral to another coach I have vetted"
        NOT_BETWEEN_US = "not_between_us", "On review, it is not about the client and me"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Opened by a note's finding, or by a logged contact that was not about coaching (P7).
    note = models.ForeignKey(
        SessionNote, on_delete=models.PROTECT, related_name="boundary_reviews", null=True
    )
    contact = models.ForeignKey(
        "coaching.ContactLog", on_delete=models.PROTECT, related_name="boundary_reviews", null=True
    )
    clause = models.CharField(max_length=4)
    what_happened = EncryptedTextField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(note__isnull=True) ^ models.Q(contact__isnull=True),
                name="boundary_review_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clause} boundary review of {self.note_id or self.contact_id}"


class NoteSearchToken(models.Model):
    """One keyed token of a word of a note's current text: the blind index that note search reads.

    HMAC-SHA256 (16 bytes) of a folded word under a key derived from the coach's account key
    (ethos.coaching.note_search), plus random padding tokens; never a word in clear.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="+")
    token = models.BinaryField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["coach", "token", "note"], name="note_search_token")]

    def __str__(self) -> str:
        return f"search token of note {self.note_id}"


from .boundary_models import (  # noqa: E402  (boundaries live beside the sessions they bound)
    BoundaryAgreement,
    ContactLog,
    RelationshipDeclaration,
)

__all__ = ["BoundaryAgreement", "ContactLog", "RelationshipDeclaration"]
