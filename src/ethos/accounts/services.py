"""Account actions: each one is the only way its change is made."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import Witness, audit_append, checkpoint_witness
from ethos.vault import crypto
from ethos.vault import services as vault_services
from ethos.vault.context import Vault, unlocked

from .backup import BackupResult, backup_write
from .models import Invitation, RecoveryCode, SignInAttempt, User

SIGN_IN_FAILED = "That email and passphrase do not match an account. Please check both and try again."
ACCOUNT_LOCKED = (
    "This account is locked for {minutes} minutes after too many unsuccessful sign-ins. "
    "Please try again after {until}."
)
CODE_FAILED = (
    "That code did not work. Use the 6-digit code from your authenticator app, or one of your recovery codes."
)
ADDRESS_THROTTLED = (
    "There have been too many unsuccessful sign-ins from your network in the last {minutes} minutes. "
    "Please wait a few minutes and try again."
)
NOT_YOUR_PASSPHRASE = "That is not your passphrase."
FIRST_RUN_CLOSED = "Ethos already has its first coach. Please sign in instead."
EMAIL_TAKEN = "An account with that email address already exists."
INVITATION_UNUSABLE = "This invitation link has expired or has already been used. Ask for a new one."

RECOVERY_CODE_COUNT = 10

# Failed sign-ins one network address may make within ETHOS_LOCKOUT_MINUTES, whichever emails
# they name: a few accounts' lockouts' worth, so an office sharing one address is not held back
# by a colleague's typos, while one address spraying guesses over many emails is.
ADDRESS_FAILURE_LIMIT = 20

T = TypeVar("T")


class Reauth(StrEnum):
    """Why a signed-in person is asked for their passphrase again; audited with a wrong answer.

    A new prompt (a disclosure, an export, a deletion) adds its purpose here and calls
    `reauthenticate`, usually through `forms.ConfirmPassphraseForm`.
    """

    BACKUP = "backup"
    TWO_STEP_OFF = "two_step_off"
    PASSPHRASE_CHANGE = "passphrase_change"
    UNLOCK = "unlock"
    DISCLOSURE = "disclosure"


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


# -- the lockout: every guess at a person's secrets, wherever it is typed ----------------------


def _guess_take(user: User) -> int | None:
    """Count one guess at the user's secrets before it is checked; None while the account is locked.

    Counting and the lock check are one conditional UPDATE, so however many requests arrive at
    once, no more than ETHOS_LOCKOUT_FAILURES guesses are checked per lock: the request that
    takes the last guess sets the lock there and then, and only its own success lifts it.
    Return the guess's number in the current run of failures.
    """
    limit = settings.ETHOS_LOCKOUT_FAILURES
    now = timezone.now()
    # The lock has run out (or, defensively, a count was left at the limit without one).
    fresh = Q(locked_until__lte=now) | Q(locked_until__isnull=True, failed_sign_ins__gte=limit)
    counting = Q(locked_until__isnull=True, failed_sign_ins__lt=limit)
    lock_ends = now + timedelta(minutes=settings.ETHOS_LOCKOUT_MINUTES)
    with transaction.atomic():
        taken = User.objects.filter(fresh | counting, pk=user.pk).update(
            failed_sign_ins=Case(When(fresh, then=Value(1)), default=F("failed_sign_ins") + 1),
            locked_until=Case(
                When(counting & Q(failed_sign_ins__gte=limit - 1), then=Value(lock_ends)),
                default=Value(None),
                output_field=DateTimeField(),
            ),
        )
        # Inside the transaction that changed the row, so this is our own number.
        user.refresh_from_db(fields=["failed_sign_ins", "locked_until"])
    return user.failed_sign_ins if taken else None


def _guess_right(user: User, *, taken: int, complete: bool = True) -> None:
    """A guess was right: start the count again, or give the guess back when a step remains.

    `complete=False` is the passphrase step of a two-step sign-in: the count goes on into the
    code step, so knowing the passphrase does not buy unlimited guesses at the code.
    """
    if complete:
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
        user.failed_sign_ins, user.locked_until = 0, None
        return
    changes: dict = {"failed_sign_ins": Greatest(F("failed_sign_ins") - 1, Value(0))}
    if taken >= settings.ETHOS_LOCKOUT_FAILURES:
        changes["locked_until"] = None  # the lock this guess set when it took the last turn
    User.objects.filter(pk=user.pk).update(**changes)


def _guess_wrong(user: User, *, message: str, action: Action, actor: str, details: dict) -> str:
    """A guess was wrong: audit it; return `message`, or the lock's message if the account is now locked."""
    user.refresh_from_db(fields=["failed_sign_ins", "locked_until"])
    locked = user.is_locked()
    audit_append(coach=user, action=action, actor=actor, details={**details, "locked": locked})
    return _lock_message(user) if locked else message


def _guarded(
    user: User,
    check: Callable[[], T | None],
    *,
    wrong: str,
    action: Action,
    actor: str,
    details: dict,
    complete: bool = True,
) -> T:
    """Run `check` as one guess within the lockout; raise ValidationError when refused or wrong.

    `complete=False` when a second step follows (see `_guess_right`).
    """
    taken = _guess_take(user)
    if taken is None:
        raise ValidationError(_lock_message(user), code="locked")
    result = check()
    if result is None:
        raise ValidationError(
            _guess_wrong(user, message=wrong, action=action, actor=actor, details=details), code="wrong"
        )
    _guess_right(user, taken=taken, complete=complete)
    return result


def reauthenticate(*, user: User, passphrase: str, purpose: Reauth) -> Vault | None:
    """Ask a signed-in person's passphrase again, within the sign-in lockout.

    Every prompt behind a session uses this (finding 4 of issue 10): a wrong answer counts toward
    the same lockout as sign-in and is audited with its purpose, never what was typed; while the
    account is locked even the right passphrase is refused. Raise ValidationError with the message
    to show; return the coach's vault, opened by the passphrase (None for a person without one).
    """
    details = {"purpose": str(purpose)}
    # A portal client's passphrase wraps their key too (ethos.portal): it is checked the same way.
    if user.role == User.Role.COACH or user.has_vault_password():
        # For a coach the proof that matters is that the passphrase unwraps their key: the one
        # Argon2id run both checks it and opens the vault.
        return _guarded(
            user,
            lambda: vault_services.unlock_with_passphrase(coach=user, passphrase=passphrase),
            wrong=vault_services.WRONG_PASSPHRASE,
            action=Action.AUTH_REAUTH_FAILED,
            actor=user.role,
            details=details,
        )
    _guarded(
        user,
        lambda: True if user.check_password(passphrase) else None,
        wrong=NOT_YOUR_PASSPHRASE,
        action=Action.AUTH_REAUTH_FAILED,
        actor=user.role,
        details=details,
    )
    return None


# -- signing in ---------------------------------------------------------------------------------
#
# Every passphrase check is one Argon2id run: a coach's unwraps their account key (the AES-GCM tag
# is the check, and the vault is open when it passes); anyone else's is their hash, made at the
# vault's cost (hashers.VaultCostArgon2PasswordHasher); an unknown email or a locked account runs
# the same derivation for nothing (`_dummy_check`).


@dataclass(frozen=True)
class _Right:
    """A passphrase that checked out, with the vault it opened (None for a person without one)."""

    vault: Vault | None


def _passphrase_check(user: User, passphrase: str) -> _Right | None:
    """Check a sign-in passphrase with one Argon2id run; None if it is wrong."""
    # Coaches have a vault, and so do portal clients (their own key pair, never a coach's records);
    # association staff hold no key at all.
    if user.role in (User.Role.COACH, User.Role.CLIENT) and vault_services.has_keys(coach=user):
        vault = vault_services.unlock_with_passphrase(coach=user, passphrase=passphrase)
        if vault is None:
            return None
        if not user.has_vault_password():
            # A coach from before one derivation still has a Django hash beside the wrapped key:
            # drop it (no Argon2 run), so a copy of the database holds one verifier, not two.
            # Done here, before `login`, because the new field also changes the session hash.
            user.set_vault_password()
            user.save(update_fields=["password"])
        return _Right(vault=vault)
    return _Right(vault=None) if user.check_password(passphrase) else None


def _dummy_check(passphrase: str) -> None:
    """Run the Argon2id derivation a real check runs, for nothing, so it takes as long."""
    vault_services.unlock_dummy(passphrase=passphrase)


def _address_key(address: str | None) -> str | None:
    """The unit the address throttle counts: an IPv4 address, or the /64 network of an IPv6 one.

    One IPv6 host or household is usually given a whole /64, so single addresses would not hold it.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if ip.version == 6 else ip)


def _address_attempt(address: str, user: User | None) -> SignInAttempt | None:
    """Record a sign-in attempt from `address` before it is checked; None if the address must wait.

    Counted and written in one transaction: on SQLite, whose IMMEDIATE transactions run one at a
    time, a burst from one address cannot all pass the count at once (on PostgreSQL a request or
    two in flight together may each pass). The per-account lockout stays exact either way.
    """
    since = timezone.now() - timedelta(minutes=settings.ETHOS_LOCKOUT_MINUTES)
    with transaction.atomic():
        SignInAttempt.objects.filter(at__lt=since).delete()  # nothing is kept past the window
        if SignInAttempt.objects.filter(address=address, at__gte=since).count() >= ADDRESS_FAILURE_LIMIT:
            return None
        return SignInAttempt.objects.create(address=address, user=user)


def sign_in_check(*, email: str, passphrase: str, address: str | None) -> SignInResult:
    """Check an email and passphrase from a network address, within its throttle and the lockout.

    An unknown email, a wrong passphrase, a locked account and a right passphrase each cost one
    Argon2id run, so the time taken does not tell them apart; the first two also share one message.
    A coach's right passphrase has opened their vault by then: the same run checked it.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    key = _address_key(address)
    attempt = None
    if key is not None:
        attempt = _address_attempt(key, user)
        if attempt is None:
            return SignInResult(
                user=None, error=ADDRESS_THROTTLED.format(minutes=settings.ETHOS_LOCKOUT_MINUTES)
            )
    if user is None:
        _dummy_check(passphrase)
        return SignInResult(user=None, error=SIGN_IN_FAILED)
    taken = _guess_take(user)
    if taken is None:
        # Refused before its hash is checked; the dummy keeps the time the same.
        _dummy_check(passphrase)
        return SignInResult(user=None, error=_lock_message(user))
    right = _passphrase_check(user, passphrase)
    if right is None:
        error = _guess_wrong(
            user, message=SIGN_IN_FAILED, action=Action.AUTH_SIGN_IN_FAILED, actor="unknown", details={}
        )
        return SignInResult(user=None, error=error)
    _guess_right(user, taken=taken, complete=not user.totp_enabled)
    if attempt is not None:
        attempt.delete()  # a sign-in that worked does not count against its address
    return SignInResult(user=user, needs_second_factor=user.totp_enabled, vault=right.vault)


def signed_in(*, user: User, method: str) -> None:
    """Record a completed sign-in (after every factor)."""
    audit_append(coach=user, action=Action.AUTH_SIGNED_IN, details={"method": method})


def signed_out(*, user: User) -> None:
    audit_append(coach=user, action=Action.AUTH_SIGNED_OUT)
    checkpoint_witness(coach=user, reason=Witness.SIGN_OUT)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _second_factor_matches(user: User, code: str) -> bool:
    cleaned = _normalise_code(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        secret = totp_open(user_id=user.pk, sealed=user.totp_secret_sealed)
        if secret is None:  # sealed under a SECRET_KEY this server no longer has
            return False
        totp = pyotp.TOTP(secret)
        now = timezone.now()
        for offset in (0, -1, 1):  # one step of clock drift either way
            at = now + timedelta(seconds=30 * offset)
            step = totp.timecode(at)
            if step <= user.totp_last_step or not secrets.compare_digest(totp.at(at), cleaned):
                continue
            # The conditional update makes a replay race lose: only one request wins the step.
            if User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step):
                return True
    elif cleaned:
        unused = RecoveryCode.objects.filter(user=user, code_hash=_hash_code(cleaned), used_at__isnull=True)
        return bool(unused.update(used_at=timezone.now()))
    return False


def second_factor_check(*, user: User, code: str) -> str | None:
    """Accept a fresh TOTP code or an unused recovery code, within the lockout; return an error or None."""
    try:
        _guarded(
            user,
            lambda: True if _second_factor_matches(user, code) else None,
            wrong=CODE_FAILED,
            action=Action.AUTH_SIGN_IN_FAILED,
            actor="unknown",
            details={},
        )
    except ValidationError as error:
        return error.messages[0]
    return None


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
    user.set_vault_password()  # the key wrap made below is the passphrase's one check
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

    The new wrap is a coach's new passphrase check; their password field changes with it, so
    Django's session hash still ends the person's other sessions. Clients and association staff
    hold no vault, so theirs is the sign-in passphrase alone, hashed.
    """
    if (user.role == User.Role.COACH or user.has_vault_password()) and vault is None:
        raise ValueError("A passphrase that wraps a key can change only with the open vault, to re-wrap it.")
    _validate_passphrase(new_passphrase, user, field="new_passphrase")
    with transaction.atomic():
        if vault is not None:
            user.set_vault_password()
        else:
            user.set_password(new_passphrase)
        user.save(update_fields=["password"])
        if vault is not None:
            vault_services.passphrase_rewrap(vault=vault, new_passphrase=new_passphrase)
        audit_append(coach=user, action=Action.AUTH_PASSPHRASE_CHANGED)


SECOND_FACTOR_NEEDED = (
    "Two-step sign-in is on for this account. Enter the code from your authenticator app, "
    "or one of your recovery codes."
)


def recovery_key_check(*, email: str, recovery_text: str, new_passphrase: str) -> tuple[User, Vault]:
    """Check a recovery key and the new passphrase, changing nothing. Raise ValidationError if wrong.

    The key is one guess within the lockout. When two-step sign-in is on, a right key gives its
    guess back but leaves the count running into the code step, as the passphrase step of a
    sign-in does: the key alone buys no free guesses at the code.
    """
    try:
        recovery_key = crypto.parse_recovery_key(recovery_text)
    except crypto.RecoveryKeyFormatError as error:
        raise ValidationError({"recovery_key": str(error)}) from None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise ValidationError(vault_services.WRONG_RECOVERY_KEY)
    vault = _guarded(
        user,
        lambda: vault_services.unlock_with_recovery_key(coach=user, recovery_key=recovery_key),
        wrong=vault_services.WRONG_RECOVERY_KEY,
        action=Action.AUTH_SIGN_IN_FAILED,
        actor="unknown",
        details={},
        complete=not user.totp_enabled,
    )
    _validate_passphrase(new_passphrase, user, field="new_passphrase")
    return user, vault


def recover_complete(*, user: User, vault: Vault, new_passphrase: str, code: str | None = None) -> None:
    """Set the new passphrase with a vault opened by the recovery key, once every factor passed.

    With two-step sign-in on, `code` (an app code or a recovery code) is checked first, within the
    shared lockout; nothing changes unless it passes.
    """
    if user.totp_enabled:
        error = second_factor_check(user=user, code=code) if code else SECOND_FACTOR_NEEDED
        if error:
            raise ValidationError({"code": error})
    _validate_passphrase(new_passphrase, user, field="new_passphrase")
    with transaction.atomic(), unlocked(vault):
        user.set_vault_password()  # the new wrap below is the new passphrase's one check
        user.failed_sign_ins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_sign_ins", "locked_until"])
        vault_services.passphrase_rewrap(vault=vault, new_passphrase=new_passphrase)
        audit_append(coach=user, action=Action.AUTH_RECOVERY_KEY_USED)


def recover_with_key(
    *, email: str, recovery_text: str, new_passphrase: str, code: str | None = None
) -> tuple[User, Vault]:
    """Sign in with the recovery key (and the second factor, if on) and set a new passphrase."""
    user, vault = recovery_key_check(email=email, recovery_text=recovery_text, new_passphrase=new_passphrase)
    recover_complete(user=user, vault=vault, new_passphrase=new_passphrase, code=code)
    return user, vault


def totp_new_secret() -> str:
    return pyotp.random_base32()


# Account secrets that are not client records (TOTP secrets, new recovery codes on their way to
# the page) are sealed under a key derived from SECRET_KEY, which lives in the environment or
# ETHOS_DATA_DIR/secret_key, never in the database: a copy of the database, a session row or a
# backup holds only ciphertext (finding 11 of issue 10). The associated data binds each to its
# account; `purpose` keeps one kind of sealed secret from opening as another.
TOTP_SECRET = "totp-secret"
RECOVERY_CODES = "recovery-codes"


def _sealing_key(purpose: str, secret_key: str) -> bytes:
    info = f"ethos/accounts/{purpose}/v1".encode()
    return HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_LEN, salt=None, info=info).derive(
        secret_key.encode()
    )


def _sealing_aad(purpose: str, user_id) -> bytes:
    return f"ethos/accounts/{purpose}|user={uuid.UUID(str(user_id))}".encode()


def _seal(purpose: str, *, user_id, plaintext: str) -> bytes:
    key = _sealing_key(purpose, settings.SECRET_KEY)
    return crypto.encrypt(key, plaintext.encode(), aad=_sealing_aad(purpose, user_id))


def _open(purpose: str, *, user_id, sealed: bytes, secret_key: str) -> str:
    key = _sealing_key(purpose, secret_key)
    return crypto.decrypt(key, bytes(sealed), aad=_sealing_aad(purpose, user_id)).decode()


def totp_seal(*, user_id, secret: str) -> bytes:
    """Encrypt a TOTP secret for one account (AES-256-GCM under a key derived from SECRET_KEY)."""
    return _seal(TOTP_SECRET, user_id=user_id, plaintext=secret)


def totp_open(*, user_id, sealed: bytes | memoryview | None) -> str | None:
    """Return an account's TOTP secret; None if neither SECRET_KEY nor a SECRET_KEY_FALLBACKS key opens it."""
    if not sealed:
        return None
    for secret_key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        try:
            return _open(TOTP_SECRET, user_id=user_id, sealed=sealed, secret_key=secret_key)
        except crypto.DecryptionError:
            continue
    return None


def totp_enable(*, user: User, secret: str, code: str) -> list[str] | None:
    """Turn on two-factor sign-in once a code from the new secret checks out.

    Return the new recovery codes (shown once), or None if the code was wrong.
    """
    totp = pyotp.TOTP(secret)
    if not totp.verify(_normalise_code(code), valid_window=1):
        return None
    with transaction.atomic():
        user.totp_secret_sealed = totp_seal(user_id=user.pk, secret=secret)
        user.totp_enabled = True
        user.totp_last_step = totp.timecode(timezone.now())
        user.save(update_fields=["totp_secret_sealed", "totp_enabled", "totp_last_step"])
        audit_append(coach=user, action=Action.AUTH_TWO_STEP_ENABLED)
        return recovery_codes_regenerate(user=user)


def totp_disable(*, user: User) -> None:
    """Turn two-step sign-in off; the view has asked for the passphrase (ConfirmPassphraseForm)."""
    with transaction.atomic():
        user.totp_secret_sealed = None
        user.totp_enabled = False
        user.save(update_fields=["totp_secret_sealed", "totp_enabled"])
        RecoveryCode.objects.filter(user=user).delete()
        audit_append(coach=user, action=Action.AUTH_TWO_STEP_DISABLED)


# New recovery codes are kept for the page that shows them (and its downloads) only, sealed in the
# session like TOTP secrets, and only for RECOVERY_CODES_SHOWN_SECONDS.
RECOVERY_CODES_SHOWN_SECONDS = 600


def recovery_codes_seal(*, user_id, codes: list[str], now: int) -> bytes:
    """Seal new recovery codes, with the time they were made, for the page that shows them."""
    return _seal(RECOVERY_CODES, user_id=user_id, plaintext=f"{now}\n" + "\n".join(codes))


def recovery_codes_open(*, user_id, sealed: bytes, now: int) -> list[str] | None:
    """The sealed codes while they may still be shown; None once stale, or if they do not open."""
    try:
        opened = _open(RECOVERY_CODES, user_id=user_id, sealed=sealed, secret_key=settings.SECRET_KEY)
        made, *codes = opened.split("\n")
    except crypto.DecryptionError:
        return None
    if not 0 <= now - int(made) <= RECOVERY_CODES_SHOWN_SECONDS:
        return None
    return codes


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
    vault = reauthenticate(user=coach, passphrase=passphrase, purpose=Reauth.UNLOCK)
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
    try:
        reauthenticate(user=coach, passphrase=passphrase, purpose=Reauth.BACKUP)
    except ValidationError as error:
        raise ValidationError({"passphrase": error.messages}) from None
    result = backup_write(out=out, coach=coach)
    audit_append(coach=coach, action=Action.VAULT_BACKUP_DOWNLOADED, details={"sha256": result.sha256})
    checkpoint_witness(coach=coach, reason=Witness.BACKUP)
    return result
