"""Account actions: each one is the only way its change is made."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.vault import services as vault_services
from ethos.vault.context import Vault, unlocked

from .backup import BackupResult, backup_write
from .models import Invitation, RecoveryCode, User

SIGN_IN_FAILED = "That email and passphrase do not match an account. Please check both and try again."
ACCOUNT_LOCKED = (
    "This account is locked for {minutes} minutes after too many unsuccessful sign-ins. "
    "Please try again after {until}."
)
CODE_FAILED = (
    "That code did not work. Use the 6-digit code from your authenticator app, or one of your recovery codes."
)
FIRST_RUN_CLOSED = "Ethos already has its first coach. Please sign in instead."
EMAIL_TAKEN = "An account with that email address already exists."
INVITATION_UNUSABLE = "This invitation link has expired or has already been used. Ask for a new one."

RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    needs_second_factor: bool = False
    vault: Vault | None = None


@dataclass(frozen=True)
class NewCoach:
    user: User
    vault: Vault
    recovery_key: bytes


def _lock_message(user: User) -> str:
    until = timezone.localtime(user.locked_until)
    return ACCOUNT_LOCKED.format(minutes=settings.ETHOS_LOCKOUT_MINUTES, until=until.strftime("%H:%M"))


def record_failed_sign_in(user: User, *, message: str = SIGN_IN_FAILED) -> str:
    """Count a failure; the Nth in a row locks the account. Return the message to show."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
        user.refresh_from_db(fields=["failed_sign_ins", "locked_until"])
        locked = user.failed_sign_ins >= settings.ETHOS_LOCKOUT_FAILURES
        audit_append(
            coach=user, action=Action.AUTH_SIGN_IN_FAILED, actor="unknown", details={"locked": locked}
        )
        if locked:
            user.locked_until = timezone.now() + timedelta(minutes=settings.ETHOS_LOCKOUT_MINUTES)
            user.failed_sign_ins = 0
            user.save(update_fields=["locked_until", "failed_sign_ins"])
            return _lock_message(user)
    return message


def sign_in_check(*, email: str, passphrase: str) -> SignInResult:
    """Check an email and passphrase, honouring the lockout."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        # Hash anyway so a missing account takes as long as a wrong passphrase.
        make_password(passphrase)
        return SignInResult(user=None, error=SIGN_IN_FAILED)
    if user.is_locked():
        return SignInResult(user=None, error=_lock_message(user))
    if not user.check_password(passphrase):
        return SignInResult(user=None, error=record_failed_sign_in(user))
    if user.failed_sign_ins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
    # Only a coach has a vault: clients and association staff hold no key to any record.
    vault = None
    if user.role == User.Role.COACH:
        vault = vault_services.unlock_with_passphrase(coach=user, passphrase=passphrase)
    return SignInResult(user=user, needs_second_factor=user.totp_enabled, vault=vault)


def signed_in(*, user: User, method: str) -> None:
    """Record a completed sign-in (after every factor)."""
    audit_append(coach=user, action=Action.AUTH_SIGNED_IN, details={"method": method})


def signed_out(*, user: User) -> None:
    audit_append(coach=user, action=Action.AUTH_SIGNED_OUT)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def second_factor_check(*, user: User, code: str) -> str | None:
    """Accept a fresh TOTP code or an unused recovery code. Return an error message or None."""
    if user.is_locked():
        return _lock_message(user)
    cleaned = _normalise_code(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        totp = pyotp.TOTP(user.totp_secret)
        now = timezone.now()
        for offset in (0, -1, 1):  # one step of clock drift either way
            at = now + timedelta(seconds=30 * offset)
            step = totp.timecode(at)
            if step > user.totp_last_step and secrets.compare_digest(totp.at(at), cleaned):
                # The conditional update makes a replay race lose: only one request wins the step.
                won = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                    totp_last_step=step, failed_sign_ins=0
                )
                if won:
                    return None
    elif cleaned:
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_hash_code(cleaned), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            return None
    return record_failed_sign_in(user, message=CODE_FAILED)


def _validate_passphrase(passphrase: str, user: User, *, field: str = "passphrase") -> None:
    try:
        password_validation.validate_password(passphrase, user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def coach_create(*, email: str, name: str, passphrase: str) -> NewCoach:
    """Create a coach account with its vault keys, after validating the passphrase."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    user = User(email=email, name=name.strip(), role=User.Role.COACH)
    _validate_passphrase(passphrase, user)
    user.set_password(passphrase)
    user.full_clean()
    with transaction.atomic():
        user.save()
        keys = vault_services.keys_create(coach=user, passphrase=passphrase)
        audit_append(coach=user, action=Action.AUTH_ACCOUNT_CREATED)
    return NewCoach(user=user, vault=keys.vault, recovery_key=keys.recovery_key)


def first_coach_create(*, email: str, name: str, passphrase: str) -> NewCoach:
    """Create the first coach of a new installation; refused once any account exists."""
    with transaction.atomic():
        if User.objects.exists():
            raise ValidationError(FIRST_RUN_CLOSED)
        return coach_create(email=email, name=name, passphrase=passphrase)


def passphrase_change(*, user: User, vault: Vault | None, new_passphrase: str) -> None:
    """Set a new passphrase; for a coach, re-wrap the account key under it (nothing is re-encrypted).

    Django's session hash then ends the person's other sessions. Clients and association staff
    hold no vault, so theirs is the sign-in passphrase alone.
    """
    if user.role == User.Role.COACH and vault is None:
        raise ValueError("A coach's passphrase change needs the open vault, to re-wrap their key.")
    _validate_passphrase(new_passphrase, user, field="new_passphrase")
    with transaction.atomic():
        user.set_password(new_passphrase)
        user.save(update_fields=["password"])
        if vault is not None:
            vault_services.passphrase_rewrap(vault=vault, new_passphrase=new_passphrase)
        audit_append(coach=user, action=Action.AUTH_PASSPHRASE_CHANGED)


def recover_with_key(*, email: str, recovery_text: str, new_passphrase: str) -> tuple[User, Vault]:
    """Sign in with the recovery key and set a new passphrase. Raise ValidationError if wrong."""
    from ethos.vault import crypto

    try:
        recovery_key = crypto.parse_recovery_key(recovery_text)
    except crypto.RecoveryKeyFormatError as error:
        raise ValidationError({"recovery_key": str(error)}) from None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise ValidationError(vault_services.WRONG_RECOVERY_KEY)
    if user.is_locked():
        raise ValidationError(_lock_message(user))
    vault = vault_services.unlock_with_recovery_key(coach=user, recovery_key=recovery_key)
    if vault is None:
        raise ValidationError(record_failed_sign_in(user, message=vault_services.WRONG_RECOVERY_KEY))
    _validate_passphrase(new_passphrase, user, field="new_passphrase")
    with transaction.atomic(), unlocked(vault):
        user.set_password(new_passphrase)
        user.failed_sign_ins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_sign_ins", "locked_until"])
        vault_services.passphrase_rewrap(vault=vault, new_passphrase=new_passphrase)
        audit_append(coach=user, action=Action.AUTH_RECOVERY_KEY_USED)
    return user, vault


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_enable(*, user: User, secret: str, code: str) -> list[str] | None:
    """Turn on two-factor sign-in once a code from the new secret checks out.

    Return the new recovery codes (shown once), or None if the code was wrong.
    """
    totp = pyotp.TOTP(secret)
    if not totp.verify(_normalise_code(code), valid_window=1):
        return None
    with transaction.atomic():
        user.totp_secret = secret
        user.totp_enabled = True
        user.totp_last_step = totp.timecode(timezone.now())
        user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
        audit_append(coach=user, action=Action.AUTH_TWO_STEP_ENABLED)
        return recovery_codes_regenerate(user=user)


def totp_disable(*, user: User) -> None:
    with transaction.atomic():
        user.totp_secret = ""
        user.totp_enabled = False
        user.save(update_fields=["totp_secret", "totp_enabled"])
        RecoveryCode.objects.filter(user=user).delete()
        audit_append(coach=user, action=Action.AUTH_TWO_STEP_DISABLED)


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones in a readable form."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash_code(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def invitation_create(*, email: str) -> tuple[Invitation, str]:
    """Make a one-time invitation; return it with the secret token for the link."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        token_hash=_hash_code(token),
        expires_at=timezone.now() + timedelta(hours=settings.ETHOS_INVITATION_HOURS),
    )
    invitation.full_clean()
    invitation.save()
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """Return the usable invitation for a token, or None."""
    invitation = Invitation.objects.filter(token_hash=_hash_code(token)).first()
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def invitation_accept(*, token: str, name: str, passphrase: str) -> NewCoach:
    """Create the invited coach; the invitation is spent in the same transaction."""
    with transaction.atomic():
        invitation = invitation_for_token(token)
        if invitation is None:
            raise ValidationError(INVITATION_UNUSABLE)
        spent = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if not spent:
            raise ValidationError(INVITATION_UNUSABLE)
        return coach_create(email=invitation.email, name=name, passphrase=passphrase)


# -- the vault's keys: every change is audited in its own transaction --------------------------


def vault_unlock(request: HttpRequest, *, coach: User, passphrase: str) -> Vault:
    """Open the coach's vault for this browser; raise ValidationError when it cannot open."""
    if coach.is_locked():
        raise ValidationError(_lock_message(coach))
    vault = vault_services.unlock_with_passphrase(coach=coach, passphrase=passphrase)
    if vault is None:
        raise ValidationError(record_failed_sign_in(coach, message=vault_services.WRONG_PASSPHRASE))
    with transaction.atomic():
        vault_services.session_open(request, vault)
        audit_append(coach=coach, action=Action.VAULT_UNLOCKED)
    return vault


def vault_lock(request: HttpRequest, *, coach: User) -> None:
    """Lock the coach's records in this browser."""
    with transaction.atomic():
        vault_services.session_close(request)
        audit_append(coach=coach, action=Action.VAULT_LOCKED)


def recovery_kit_confirm(
    request: HttpRequest, *, coach: User, recovery_key: bytes, typed: dict[int, str]
) -> bool:
    """Mark the printed kit confirmed when the typed groups match; forget the key in this browser."""
    with transaction.atomic():
        if not vault_services.recovery_confirm(coach=coach, recovery_key=recovery_key, typed=typed):
            return False
        audit_append(coach=coach, action=Action.VAULT_RECOVERY_KIT_CONFIRMED)
    request.session.pop(vault_services.SESSION_RECOVERY, None)
    return True


def recovery_key_replace(request: HttpRequest, *, coach: User, vault: Vault) -> bytes:
    """Replace the recovery key (the old one stops working); keep the new one to show once."""
    with transaction.atomic():
        recovery_key = vault_services.recovery_key_replace(request, vault)
        audit_append(coach=coach, action=Action.VAULT_RECOVERY_KEY_REPLACED)
    return recovery_key


def backup_for_download(*, coach: User, passphrase: str, out: Path) -> BackupResult:
    """Write the coach's practice, still encrypted, to `out` once the passphrase checks out."""
    if vault_services.unlock_with_passphrase(coach=coach, passphrase=passphrase) is None:
        raise ValidationError({"passphrase": vault_services.WRONG_PASSPHRASE})
    result = backup_write(out=out, coach=coach)
    audit_append(coach=coach, action=Action.VAULT_BACKUP_DOWNLOADED, details={"sha256": result.sha256})
    return result
