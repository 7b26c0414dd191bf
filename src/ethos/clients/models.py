"""A coach's clients and everything about them. Every word about a person is encrypted.

Plain columns are limited to what rules and lists need: ids, the owning coach, statuses,
timestamps and clause ids. Each client has their own data key (VaultModel.data_key), shared by
every row about them, so destroying it at the end of retention erases them for good.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.standards.facts import DECLINE_REASONS
from ethos.vault.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from ethos.vault.models import VaultModel


class Client(VaultModel):
    """A person the coach works with, or considered working with at intake."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"
        DECLINED = "declined", "Declined at intake"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    name = EncryptedTextField()
    preferred_name = EncryptedTextField(null=True)
    pronouns = EncryptedTextField(null=True)
    # {"email": ..., "phone": ..., "address": ...}; each change keeps the old one (ContactVersion).
    contact = EncryptedJSONField(blank=True)
    date_of_birth = EncryptedDateField()
    emergency_contact = EncryptedJSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["coach", "status"], name="client_coach_status"),
            # The client list's order: a page is read from the index, not sorted from every row.
            models.Index(fields=["coach", "-created_at", "-id"], name="client_coach_newest"),
        ]

    def __str__(self) -> str:
        return f"client {self.pk}"

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.name


class ClientNameToken(models.Model):
    """One keyed token of a prefix of a client's name: the blind index that name search reads.

    HMAC-SHA256 (16 bytes) of a folded name prefix under a key derived from the coach's account
    key (ethos.clients.search), plus random padding tokens; never a name in clear.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    token = models.BinaryField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["coach", "token", "client"], name="client_name_token")]

    def __str__(self) -> str:
        return f"name token of client {self.client_id}"


class ContactVersion(VaultModel):
    """The contact details a client had before a change: nothing is overwritten silently."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_versions")
    contact = EncryptedJSONField()
    replaced_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"contact version {self.pk}"


class Intake(VaultModel):
    """The screening conversation before coaching begins, and its outcome."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="intake")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # P3: a key of ethos.standards.facts.DECLINE_REASONS, which the P3 rule reads. No `choices`
    # here, so the list lives in one place and is not frozen into a migration.
    decline_reason = models.CharField(max_length=20, blank=True)
    # In the person's own words (P1).
    wants = EncryptedTextField(null=True)
    # [{"area": slug, "words": "..."}]: the concerns they bring, tagged with competence areas.
    concerns = EncryptedJSONField()
    # The screening answers, e.g. {"suicidal_thoughts": false, "intent_or_plan": false, ...}.
    screening = EncryptedJSONField()
    crisis_protocol_shown_at = models.DateTimeField(null=True, blank=True)
    # Where the person lives, when not in the coach's jurisdiction, and the age of majority the
    # intake applied (S9): {"country": "US", "region": "Mississippi", "age_of_majority": 21}.
    residence = EncryptedJSONField(null=True)
    # HMAC-SHA256 (hex) of the normalised "name|date of birth", keyed from the coach's account
    # key (Vault.blind_index): finds an earlier intake of the same person, never in clear.
    identity_index = models.CharField(max_length=64, blank=True)
    # The same keyed hash of the name alone: an S9 decline is about the date of birth itself,
    # so a later intake under the same name with another date of birth must answer it too.
    name_index = models.CharField(max_length=64, blank=True)
    # An intake that follows an S1, S2 or S9 decline of the same person names it, with the
    # coach's explanation of why the answers are different now.
    reentry_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reentry_explanation = EncryptedTextField(null=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["coach", "identity_index"], name="intake_coach_identity"),
            models.Index(fields=["coach", "name_index"], name="intake_coach_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="declined") | ~models.Q(decline_reason=""),
                name="intake_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"intake {self.pk}"

    @property
    def decline_reason_label(self) -> str:
        return DECLINE_REASONS.get(self.decline_reason, self.decline_reason)


class SafetyCheck(VaultModel):
    """A safety check with a person who has thoughts of death without intent or plan (S2)."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="safety_checks")
    checked_on = models.DateField()
    # What the coach asked and what the person said; how they will keep safe, and who they can call.
    summary = EncryptedTextField()
    safety_plan = EncryptedTextField()
    follow_up_on = models.DateField()
    # The follow-up itself: the S2 item stays open until it is recorded.
    followed_up_on = models.DateField(null=True, blank=True)
    follow_up_note = EncryptedTextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(follow_up_on__gte=models.F("checked_on")),
                name="safety_check_follow_up_after_check",
            ),
            models.CheckConstraint(
                condition=models.Q(followed_up_on__isnull=True)
                | models.Q(followed_up_on__gte=models.F("checked_on")),
                name="safety_check_followed_up_after_check",
            ),
        ]

    def __str__(self) -> str:
        return f"safety check {self.pk}"


class Referral(VaultModel):
    """A referral of a client (or a declined person) to a vetted resource (P10)."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey("referrals.Resource", on_delete=models.PROTECT, related_name="+")
    # Why, in plain words; and for which concern, if one (S5).
    reason = EncryptedTextField()
    concern_area = EncryptedTextField(null=True)
    made_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"referral {self.pk}"


class SupervisionPlan(VaultModel):
    """A plan to take a concern beyond the coach's competence to supervision (S5, S6).

    A first, small record: the practice-standards work builds the full supervision log.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="supervision_plans")
    concern_area = EncryptedTextField()
    supervisor = EncryptedTextField()
    plan = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"supervision plan {self.pk}"


class Goal(VaultModel):
    """A goal in the client's own words (P1); active only once the client confirms it (P5)."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Awaiting the client's confirmation"
        ACTIVE = "active", "Active"
        REACHED = "reached", "Reached"
        SET_ASIDE = "set_aside", "Set aside by the client"

    class Confirmation(models.TextChoices):
        IN_SESSION = "in_session", "In a session"
        PORTAL = "portal", "Through the client portal"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="goals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWAITING)
    words = EncryptedTextField()
    client_authored = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_how = models.CharField(max_length=12, choices=Confirmation.choices, blank=True)
    # Who confirmed, in words: kept for goals confirmed before only the portal could confirm (P5).
    confirmed_by = EncryptedTextField(null=True)

    class Meta:
        # The client page reads a client's goals (and through them their progress) by client and
        # coach: with only one index on each column, SQLite walked every goal of the coach for
        # them, a cost that grew with the practice.
        indexes = [models.Index(fields=["client", "coach", "created_at"], name="goal_client_coach_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="awaiting") | models.Q(confirmed_at__isnull=False),
                name="goal_active_only_when_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class GoalProgress(VaultModel):
    """Where the client says they are with a goal, on a 0-10 scale, on a day."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    recorded_on = models.DateField()
    # {"score": 0..10}: how far along the client feels, in their own judgement.
    rating = EncryptedJSONField()
    note = EncryptedTextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"progress {self.pk}"


class Ending(VaultModel):
    """Coaching paused or ended: by the coach with explanation and referral (P11), or by the client."""

    class Kind(models.TextChoices):
        END = "end", "End coaching"
        PAUSE = "pause", "Pause coaching"

    class InitiatedBy(models.TextChoices):
        COACH = "coach", "I am ending or pausing it"
        CLIENT = "client", "The client is ending it"

    class Channel(models.TextChoices):
        IN_SESSION = "in_session", "In a session"
        PHONE = "phone", "By phone"
        LETTER = "letter", "By letter or email"

    class ReferralOffer(models.TextChoices):
        REFERRED = "referred", "Referred to another coaching provider"
        DECLINED = "declined", "Offered a referral, which the client declined"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="endings")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    initiated_by = models.CharField(max_length=6, choices=InitiatedBy.choices)
    explanation = EncryptedTextField(null=True)
    explained_on = EncryptedDateField(null=True)
    explained_how = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    client_reason = EncryptedTextField(null=True)
    # P11: a vetted coaching referral made, or offered and declined by the client; for a
    # declined offer, the providers that were offered.
    referral_offer = models.CharField(max_length=10, choices=ReferralOffer.choices, blank=True)
    offered_resources = models.ManyToManyField("referrals.Resource", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"ending {self.pk}"
