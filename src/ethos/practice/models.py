"""The practice profile, its competence areas and credentials: plain models, nothing about clients."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ethos.vault.fields import EncryptedBytesField, EncryptedTextField
from ethos.vault.models import VaultModel

from .areas import area_label
from .currencies import DEFAULT_CURRENCY
from .jurisdictions import (
    AGE_OF_MAJORITY_MAX,
    AGE_OF_MAJORITY_MIN,
    COUNTRY_NAMES,
    DEFAULT_AGE_OF_MAJORITY,
)


class PracticeProfile(models.Model):
    """One per coach, created lazily with defaults by `selectors.profile_for`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_profile"
    )
    # An ISO 3166-1 alpha-2 code, checked against jurisdictions.COUNTRIES by the form and the
    # service (profile_update): the list lives in code, not in a migration.
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    age_of_majority = models.PositiveSmallIntegerField(default=DEFAULT_AGE_OF_MAJORITY)
    crisis_line = models.CharField(max_length=200, blank=True)
    emergency_number = models.CharField(max_length=40, blank=True)
    # How the practice presents itself on letters to clients (the coach's own business details).
    practice_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    website = models.URLField(max_length=200, blank=True)
    # The ISO 4217 code fees are charged in (currencies.CURRENCIES: the list lives in code).
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    # P13: the hours of continuing education the coach sets themselves for each calendar year.
    education_target_hours = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("12"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(age_of_majority__gte=AGE_OF_MAJORITY_MIN)
                & Q(age_of_majority__lte=AGE_OF_MAJORITY_MAX),
                name="practice_profile_age_of_majority_range",
            ),
            models.CheckConstraint(
                condition=Q(education_target_hours__gt=0), name="practice_profile_education_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"practice profile of {self.coach_id}"

    @property
    def jurisdiction(self) -> str:
        """Return the jurisdiction as the coach reads it ("Canada, British Columbia")."""
        country = COUNTRY_NAMES.get(self.country, "")
        return ", ".join(part for part in (country, self.region) if part)


class CompetenceArea(models.Model):
    """An area the coach is trained for: a maintained slug they ticked, or one of their own."""

    profile = models.ForeignKey(PracticeProfile, on_delete=models.CASCADE, related_name="areas")
    slug = models.SlugField(max_length=60)
    # The coach's own wording for an area that is not on the maintained list.
    custom_label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "slug"], name="practice_area_once_per_profile"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.custom_label or area_label(self.slug)

    @property
    def is_custom(self) -> bool:
        return bool(self.custom_label)


class CredentialQuerySet(models.QuerySet):
    def for_coach(self, coach):
        return self.filter(coach=coach)


class Credential(models.Model):
    """Training beyond certification (S10); once verified, its areas widen the competence profile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    awarded_on = models.DateField()
    verified_on = models.DateField(null=True, blank=True)
    # Slugs of the competence areas this training adds (maintained or the coach's own).
    areas = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(verified_on__gte=models.F("awarded_on")),
                name="practice_credential_verified_after_award",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.issuer})"

    @property
    def is_verified(self) -> bool:
        return self.verified_on is not None


class PracticeClosure(models.Model):
    """The coach closed their practice, after every active client was handled (P11).

    Written by the closure workflow in clients (`endings.practice_close`), which sees every
    client's coaching; kept here because it is a fact about the whole practice.
    """

    coach = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"practice of {self.coach_id} closed"


# -- Supervision (S6) ---------------------------------------------------------------------------


class Supervisor(models.Model):
    """Someone the coach takes their practice to: who they are and how their qualification was checked."""

    class Verified(models.TextChoices):
        REGISTER = "register", "I looked them up on a professional register"
        CERTIFICATE = "certificate", "I saw their certificate or licence"
        ASSOCIATION = "association", "The association lists them as a supervisor"
        REFERENCE = "reference", "I checked with the body that trained them"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=150)
    qualification = models.CharField(max_length=200)
    verified_how = models.CharField(max_length=12, choices=Verified.choices)
    verified_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SupervisionEntry(VaultModel):
    """One supervision: when, with whom, for how long, the de-identified concerns, outcome and actions.

    The words are encrypted under the practice's own data key: they name no client, and they
    still say things about the coach's work that only the coach should read.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(Supervisor, on_delete=models.PROTECT, related_name="entries")
    held_on = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    concerns = EncryptedTextField()
    outcome = EncryptedTextField()
    actions = EncryptedTextField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["coach", "held_on"], name="supervision_coach_held")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="supervision_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"supervision entry {self.pk}"


class SupervisionLink(models.Model):
    """An open item (a scope concern, a boundary incident) the coach took to a supervision (S6).

    Only the item's id and clause: the item itself names no one, and neither does this.
    """

    entry = models.ForeignKey(SupervisionEntry, on_delete=models.CASCADE, related_name="links")
    item = models.ForeignKey("standards.OpenItem", on_delete=models.CASCADE, related_name="+")
    clause = models.CharField(max_length=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "item"], name="supervision_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clause} item {self.item_id} in {self.entry_id}"


# -- Continuing education (P13) -----------------------------------------------------------------


class EducationActivity(VaultModel):
    """A course, reading, conference or training the coach did to keep current (P13)."""

    class Topic(models.TextChoices):
        TRAUMA = "trauma", "Trauma and its effects"
        RECOVERY = "recovery", "Trauma recovery"
        INTERVENTION = "intervention", "Methods and intervention"
        ETHICS = "ethics", "Ethics and practice"
        RESEARCH = "research", "Research"
        OTHER = "other", "Something else"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    done_on = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    topic = models.CharField(max_length=12, choices=Topic.choices)
    # The certificate or notes, sealed with the practice's key; the name and type say what it is.
    evidence = EncryptedBytesField(null=True)
    evidence_name = EncryptedTextField(null=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["coach", "done_on"], name="education_coach_done")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="education_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_type)
