"""Who signs in to Ethos: coaches (and, later, association staff), their second factors and
invitations."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from ethos import web

from . import hashers


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def coaches(self) -> models.QuerySet[User]:
        return self.filter(role=User.Role.COACH)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a coach owns a practice and its encrypted records."""

    class Role(models.TextChoices):
        # The values are the roles of ethos.web, which gives every URL to one of them.
        COACH = web.COACH, "Coach"
        CLIENT = web.CLIENT, "Client"
        ASSOCIATION_STAFF = web.STAFF, "Association staff"

    # Client-side UUIDs: the id exists before the row does, so encryption can bind to it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True, max_length=254)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.COACH)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    failed_sign_ins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    # AES-256-GCM under a key derived from SECRET_KEY, which lives outside the database
    # (services.totp_seal): a copy of the database or a backup alone does not give the secret.
    totp_secret_sealed = models.BinaryField(null=True, blank=True, editable=False)
    totp_enabled = models.BooleanField(default=False)
    # The last TOTP time step accepted: a code can be used once, never replayed.
    totp_last_step = models.BigIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def is_locked(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now

    def set_vault_password(self) -> None:
        """Make the coach's account key, wrapped by their passphrase, the one check of that passphrase.

        No hash of the passphrase is kept beside the wrapped key: one Argon2id run both checks it
        and opens the vault (see docs/security.md, "One derivation at sign-in").
        """
        self.password = hashers.vault_encoded(self.pk)
        self._password = None

    def has_vault_password(self) -> bool:
        return hashers.is_vault_encoded(self.password)

    def check_password(self, raw_password: str | None) -> bool:
        if self.has_vault_password():
            # Checked here, not by Django: it would re-hash the passphrase with the first hasher
            # after a right answer, storing a second verifier beside the wrapped key.
            return hashers.vault_check(self, raw_password)
        return super().check_password(raw_password)

    async def acheck_password(self, raw_password: str | None) -> bool:
        if self.has_vault_password():
            return await sync_to_async(hashers.vault_check)(self, raw_password)
        return await super().acheck_password(raw_password)


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class Invitation(models.Model):
    """A one-time link for a new coach on a shared server; only the token's hash is stored."""

    email = models.EmailField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.email}"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.expires_at > now


class SignInAttempt(models.Model):
    """A sign-in from one network address that failed or is being checked: the per-address throttle.

    Kept only for the throttle's window. `user` is the account the email named, if any, so the
    rows of an attempt on a coach go with that coach's backup; unknown emails are not stored.
    """

    # An IPv4 address, or the /64 network of an IPv6 one (services._address_key).
    address = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="sign_in_attempt_address")]

    def __str__(self) -> str:
        return f"sign-in attempt from {self.address}"
