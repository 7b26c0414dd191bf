"""The client's own pages: their account, what the coach shared with them, what they sent back.

Nothing here is readable by the server. What the coach shares is sealed to the client's X25519
public key at the moment of sharing (`Share.box`); what the client writes is sealed to the coach's
(`Reply.box`), so it stays closed even while the coach is signed out (ethos.vault.boxes). Plain
columns are ids, kinds, versions and times, which the pages and the rules need.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ethos.vault.fields import EncryptedJSONField
from ethos.vault.models import VaultModel


class ClientAccount(models.Model):
    """A client's sign-in to their coach's portal: one person, one coach."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="portal_account"
    )
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The coach's client record: set at the invitation of a current client, or when the coach
    # records the intake the client wrote in their own words.
    client = models.ForeignKey("clients.Client", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # When the client last set a new passphrase through a new link from the coach: everything
    # shared before then was sealed to the old key and must be shared again.
    keys_reset_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"portal account {self.user_id}"


class Invitation(models.Model):
    """A one-time link to the portal, valid ETHOS_INVITATION_HOURS; only the token's hash is stored."""

    class Purpose(models.TextChoices):
        JOIN = "join", "Join the portal"
        RESET = "reset", "Set a new passphrase"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A value of Purpose; no `choices` on the column, so the list is not frozen into a migration.
    purpose = models.CharField(max_length=5)
    # The address the link went to: the client's sign-in name once they join (as every account's is).
    email = models.EmailField(max_length=254)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, null=True, related_name="+")
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(purpose="reset") | models.Q(account__isnull=False),
                name="portal_invitation_reset_names_account",
            ),
        ]

    def __str__(self) -> str:
        return f"portal invitation {self.pk}"

    def is_usable(self, *, now=None) -> bool:
        return self.used_at is None and self.expires_at > (now or timezone.now())


class Share(models.Model):
    """One version of something the coach shared with a client, sealed to the client's key."""

    class Kind(models.TextChoices):
        GOAL = "goal", "A goal to confirm"
        CONSENT = "consent", "A consent to sign"
        BOUNDARY = "boundary", "A boundary agreement to sign"
        MESSAGE = "message", "A message"
        APPOINTMENTS = "appointments", "Your next sessions"
        ACCOUNTING = "accounting", "Who your records were shared with"
        LETTER = "letter", "A letter from your coach"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="shares")
    kind = models.CharField(max_length=12)  # a value of Kind
    # The goal or consent draft it shows; each sharing of it is a new version.
    subject_id = models.UUIDField()
    version = models.PositiveIntegerField()
    box = models.BinaryField()
    box_key_id = models.UUIDField()
    # A message is also sealed to its writer, so the coach can read back what they sent.
    copy = models.BinaryField(null=True)
    copy_key_id = models.UUIDField(null=True)
    shared_at = models.DateTimeField(default=timezone.now)
    # Confirmed or signed by the client; or replaced by a newer version, or by a new client key.
    answered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "subject_id", "version"], name="portal_share_version"
            ),
        ]
        indexes = [models.Index(fields=["account", "withdrawn_at"], name="portal_share_current")]

    def __str__(self) -> str:
        return f"share {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.withdrawn_at is None

    @property
    def kind_label(self) -> str:
        return dict(self.Kind.choices).get(self.kind, self.kind)


class Reply(models.Model):
    """What a client wrote for their coach, sealed to the coach's key: intake answers, a goal's
    confirmed words, a signature."""

    class Kind(models.TextChoices):
        INTAKE = "intake", "Intake answers"
        GOAL = "goal", "A goal confirmed"
        SIGNATURE = "signature", "A signature"
        MESSAGE = "message", "A message"
        ENDING = "ending", "A wish to end coaching"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=10)  # a value of Kind
    share = models.ForeignKey(Share, on_delete=models.CASCADE, null=True, related_name="+")
    box = models.BinaryField()
    box_key_id = models.UUIDField()
    # A message is also sealed to its writer, so the client can read back what they sent.
    copy = models.BinaryField(null=True)
    copy_key_id = models.UUIDField(null=True)
    sent_at = models.DateTimeField(default=timezone.now)
    # When the coach acted on it: recorded the intake or consent, or took the goal's new words.
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["coach", "handled_at"], name="portal_reply_coach_open")]

    def __str__(self) -> str:
        return f"reply {self.pk}"

    @property
    def kind_label(self) -> str:
        return dict(self.Kind.choices).get(self.kind, self.kind)


class ConsentDraft(VaultModel):
    """A consent the coach asks the client to sign; it becomes a Consent only once signed (C1)."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    # {"recipient": ..., "purpose": ..., "record_kinds": [...]}
    terms = EncryptedJSONField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    consent = models.OneToOneField(
        "safeguarding.Consent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"consent draft {self.pk}"


class BoundaryDraft(VaultModel):
    """A boundary agreement (P7) the coach asks the client to sign; recorded only once signed."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    # {"contact_between": ..., "out_of_bounds": ...}
    terms = EncryptedJSONField()
    created_at = models.DateTimeField(default=timezone.now)
    agreement = models.OneToOneField(
        "coaching.BoundaryAgreement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"boundary draft {self.pk}"


class Upload(models.Model):
    """A file a client sent their coach, sealed to the coach's key at upload; the server cannot read it.

    The file's name travels in `label` (sealed to the coach, and a copy to the client so their
    page can say what they sent); its bytes in `box`, sealed to the coach only. Its type (checked
    from its content) and size are plain columns, like a share's kind.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="uploads")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    box = models.BinaryField()
    label = models.BinaryField()
    box_key_id = models.UUIDField()
    label_copy = models.BinaryField(null=True)
    copy_key_id = models.UUIDField(null=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "sent_at"], name="portal_upload_account")]

    def __str__(self) -> str:
        return f"upload {self.pk}"
