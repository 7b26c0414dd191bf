"""Wrapped keys. Nothing here is readable without the coach's passphrase or recovery key."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import VaultQuerySet


class AccountKey(models.Model):
    """The coach's random account key, stored only wrapped: by passphrase and by recovery key."""

    coach = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account_key"
    )
    # Names this key in every ciphertext's associated data, so a future rotation can tell
    # old ciphertexts from new ones.
    key_id = models.UUIDField(default=uuid.uuid4, editable=False)
    passphrase_salt = models.BinaryField()
    passphrase_kdf = models.JSONField()
    wrapped_by_passphrase = models.BinaryField()
    wrapped_by_recovery = models.BinaryField()
    recovery_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rewrapped_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"account key of {self.coach_id}"


class DataKey(models.Model):
    """A random key for one client's records (or one other scope), wrapped by the account key.

    Destroying it (crypto-shredding) makes every field it encrypted unreadable for good.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=40)
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wrapped__isnull=True) | models.Q(destroyed_at__isnull=True),
                name="datakey_destroyed_has_no_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} key {self.id}"


class VaultModel(models.Model):
    """Base for every model that holds client data: a client-side UUID and the row's data key."""

    # The id exists before the insert, so the ciphertext can be bound to its row.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")

    objects = VaultQuerySet.as_manager()

    class Meta:
        abstract = True


class BoxKey(models.Model):
    """A person's X25519 key pair: others seal to the public key; only its owner's vault opens it.

    The public key is stored in clear (it is meant to be used by others); the private key is stored
    only wrapped by the owner's account key (ethos.vault.boxes), so it opens only while the owner is
    signed in. Coaches get one lazily at their next unlock; portal clients get one with their account.
    """

    # The owner (named `user` so that backups find whose row it is).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="box_key"
    )
    key_id = models.UUIDField(default=uuid.uuid4, editable=False)
    public_key = models.BinaryField(max_length=32)
    wrapped_private = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"box key of {self.user_id}"
