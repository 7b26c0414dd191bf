"""Boundaries with clients (P7, P8): the agreement, contact outside sessions, declared relationships.

Imported at the end of coaching.models, so Django finds these models with the rest of the app.
Plain columns are what rules and lists need (who started a contact, its channel, whether it was
about coaching, the kind of relationship); every word about the client is encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.standards.facts import INTIMATE_RELATIONSHIPS, Relationship
from ethos.vault.fields import EncryptedTextField
from ethos.vault.models import VaultModel

# How a signature is made today; a later issue may bring drawn or cryptographic signatures.
TYPED_NAME_INTERIM = "typed_name_interim"
# Signed by the client themselves in their portal: typed name, date, and the exact text (its hash kept).
PORTAL_SIGNED = "portal_typed_name"


class BoundaryAgreement(VaultModel):
    """How and when contact happens outside sessions, and what is out of bounds (P7); signed like a consent.

    A new agreement replaces the previous one; every signed version is kept.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="boundary_agreements")
    contact_between = EncryptedTextField()
    out_of_bounds = EncryptedTextField()
    # The client's name as they typed it to sign: an interim signature, labelled as such.
    signed_name = EncryptedTextField()
    signature_kind = models.CharField(max_length=20, default=TYPED_NAME_INTERIM)
    signed_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"], name="boundary_agreement_client")]

    def __str__(self) -> str:
        return f"boundary agreement {self.pk}"


class ContactLog(VaultModel):
    """One contact with a client outside a session (P7): who started it, how, and what it was about."""

    class StartedBy(models.TextChoices):
        CLIENT = "client", "The client"
        COACH = "coach", "I did"
        CHANCE = "chance", "Nobody: we met by chance"

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        MESSAGE = "message", "Text or chat message"
        EMAIL = "email", "Email"
        SOCIAL = "social", "Social media"
        IN_PERSON = "in_person", "In person"
        OTHER = "other", "Another way"

    class About(models.TextChoices):
        ARRANGEMENTS = "arrangements", "Arranging or moving a session"
        BETWEEN_SESSIONS = "between", "Coaching work agreed between sessions"
        PERSONAL = "personal", "Something personal, not coaching"
        SOCIAL = "social", "A social invitation or friendship"
        BUSINESS = "business", "Business, money or work"
        OTHER = "other", "Something else, not coaching"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="contacts_logged")
    happened_on = models.DateField()
    started_by = models.CharField(max_length=8, choices=StartedBy.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    about = models.CharField(max_length=12, choices=About.choices)
    summary = EncryptedTextField()
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client", "happened_on"], name="contact_log_client")]

    def __str__(self) -> str:
        return f"contact {self.pk}"

    @property
    def about_coaching(self) -> bool:
        return self.about in COACHING_CONTACT


COACHING_CONTACT = frozenset({ContactLog.About.ARRANGEMENTS, ContactLog.About.BETWEEN_SESSIONS})


class DeclarationQuerySet(models.QuerySet):
    def ending_coaching(self, client_id) -> str | None:
        """Return the kind of a declared romantic or sexual relationship or attraction, if any (P8)."""
        return (
            self.filter(client_id=client_id, kind__in=[kind.value for kind in INTIMATE_RELATIONSHIPS])
            .order_by("declared_at")
            .values_list("kind", flat=True)
            .first()
        )


class RelationshipDeclaration(VaultModel):
    """A relationship with a client other than coaching, declared by the coach (P7, P8).

    A romantic or sexual relationship, or attraction, ends coaching: from the declaration on no
    session starts, and the ending (with a vetted coaching referral) and a supervision are owed.
    """

    class Kind(models.TextChoices):
        ROMANTIC = Relationship.ROMANTIC.value, "A romantic relationship"
        SEXUAL = Relationship.SEXUAL.value, "A sexual relationship"
        ATTRACTION = Relationship.ATTRACTION.value, "Attraction between us"
        FRIENDSHIP = Relationship.FRIENDSHIP.value, "A friendship"
        BUSINESS = Relationship.BUSINESS.value, "A business relationship"
        FAMILY = Relationship.FAMILY.value, "A family tie"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="declarations")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    what = EncryptedTextField()
    declared_at = models.DateTimeField(default=timezone.now)

    objects = DeclarationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.kind} declaration {self.pk}"

    @property
    def ends_coaching(self) -> bool:
        return self.kind in INTIMATE_RELATIONSHIPS
