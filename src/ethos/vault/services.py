"""Vault actions: create keys, unlock, re-wrap, recover, open and close the session half."""

from __future__ import annotations

import base64
import binascii
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from . import boxes, crypto
from .context import Vault, current_vault, data_key_aad
from .models import AccountKey, DataKey

WRONG_PASSPHRASE = "That passphrase does not unlock your records."
WRONG_RECOVERY_KEY = (
    "That recovery key does not open this account. Check it against your printed recovery kit."
)
RECOVERY_CONFIRM_MISMATCH = (
    "Those groups do not match your recovery key. Look at the kit again and retype them."
)

# The session keeps the account key only wrapped under a key whose one copy is this cookie.
# "KEY" in the name makes Django's error reports redact it.
SESSION_HALF = "ethos_vault_wrapped"
SESSION_RECOVERY = "ethos_vault_recovery_wrapped"
# Kept aside between the two sign-in steps; never opens the vault by itself.
SESSION_PENDING = "ethos_vault_pending_wrapped"


def cookie_name() -> str:
    # __Host- needs Secure, which plain-HTTP local mode cannot send.
    return "__Host-ethos_vault_KEY" if settings.PRODUCTION else "ethos_vault_KEY"


def kdf_params() -> crypto.KdfParams:
    if settings.ETHOS_INSECURE_FAST_KDF:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("The insecure test key derivation cannot be used in production.")
        return crypto.KdfParams.insecure_for_tests()
    return crypto.KdfParams.default()


# Passphrase derivations take turns. Each is one Argon2id run of 64 MiB in four lanes (about 0.19 s
# of CPU spread over two cores). Run side by side, a rush of sign-ins shares the cores, so each
# ends about when the last does, and every waiting thread holds its own 64 MiB all along. Taken in
# turn (ETHOS_PASSPHRASE_CHECKS at once, one per core by default; the semaphore wakes waiters in
# order), the first people are in first: 20 at once on two cores, all done in 1.8 s either way,
# were half done after 0.95 s instead of 1.8 s. A turn covers the derivation alone, never a
# database statement, so a thread inside a transaction may wait for one without holding up the
# thread that has it.
_turns: dict[int, threading.BoundedSemaphore] = {}
_turns_lock = threading.Lock()


@contextlib.contextmanager
def derivation_turn() -> Iterator[None]:
    """Wait for a turn to run one passphrase derivation (see above)."""
    slots = settings.ETHOS_PASSPHRASE_CHECKS
    with _turns_lock:
        turn = _turns.get(slots)
        if turn is None:
            turn = _turns[slots] = threading.BoundedSemaphore(slots)
    with turn:
        yield


def derive_kek(passphrase: str, salt: bytes, params: crypto.KdfParams) -> bytes:
    """`crypto.derive_kek`, in turn with the process's other passphrase derivations."""
    with derivation_turn():
        return crypto.derive_kek(passphrase, salt, params)


def _account_aad(coach_id, by: str) -> bytes:
    return f"ethos/account-key|coach={coach_id}|by={by}".encode()


def _session_aad(coach_id, what: str) -> bytes:
    return f"ethos/session|coach={coach_id}|{what}".encode()


@dataclass(frozen=True)
class NewKeys:
    vault: Vault
    recovery_key: bytes


def keys_create(*, coach, passphrase: str) -> NewKeys:
    """Give a new coach an account key, wrapped by the passphrase and by a new recovery key."""
    account_key = crypto.new_key()
    recovery_key = crypto.new_recovery_key()
    salt = crypto.new_salt()
    params = kdf_params()
    kek = derive_kek(passphrase, salt, params)
    AccountKey.objects.create(
        coach=coach,
        passphrase_salt=salt,
        passphrase_kdf=params.to_dict(),
        wrapped_by_passphrase=crypto.wrap_key(kek, account_key, aad=_account_aad(coach.pk, "passphrase")),
        wrapped_by_recovery=crypto.wrap_key(
            recovery_key, account_key, aad=_account_aad(coach.pk, "recovery")
        ),
    )
    vault = Vault(coach_id=coach.pk, account_key=account_key)
    return NewKeys(vault=vault, recovery_key=recovery_key)


def keys_create_without_recovery(*, owner, passphrase: str) -> Vault:
    """Give a portal client an account key wrapped by their passphrase only, replacing any old one.

    A client has no recovery kit: their way back is a new link from their coach, who shares again
    what the client should see (the server never holds a usable copy of a client's key). The
    recovery column is filled with the key wrapped under a random key that is forgotten at once.
    """
    account_key = crypto.new_key()
    salt = crypto.new_salt()
    params = kdf_params()
    kek = derive_kek(passphrase, salt, params)
    AccountKey.objects.filter(coach_id=owner.pk).delete()
    AccountKey.objects.create(
        coach=owner,
        passphrase_salt=salt,
        passphrase_kdf=params.to_dict(),
        wrapped_by_passphrase=crypto.wrap_key(kek, account_key, aad=_account_aad(owner.pk, "passphrase")),
        wrapped_by_recovery=crypto.wrap_key(
            crypto.new_key(), account_key, aad=_account_aad(owner.pk, "recovery")
        ),
    )
    vault = Vault(coach_id=owner.pk, account_key=account_key)
    boxes.box_key_replace(vault)
    return vault


def has_keys(*, coach) -> bool:
    return AccountKey.objects.filter(coach_id=coach.pk).exists()


def unlock_with_passphrase(*, coach, passphrase: str) -> Vault | None:
    """Return the coach's vault, or None if the passphrase does not unwrap the account key.

    This is also the check of the passphrase, at sign-in and whenever it is asked again: one
    Argon2id run, and AES-GCM's tag fails for a wrong passphrase (with probability 1 - 2**-128).
    """
    record = AccountKey.objects.filter(coach_id=coach.pk).first()
    if record is None:
        return None
    params = crypto.KdfParams.from_dict(record.passphrase_kdf)
    kek = derive_kek(passphrase, bytes(record.passphrase_salt), params)
    try:
        key = crypto.unwrap_key(
            kek, bytes(record.wrapped_by_passphrase), aad=_account_aad(coach.pk, "passphrase")
        )
    except crypto.DecryptionError:
        return None
    return Vault(coach_id=coach.pk, account_key=key)


# A key wrapped under a random key that is then forgotten: `unlock_dummy` fails on it as a wrong guess does.
_NO_KEY_AAD = _account_aad("none", "passphrase")
_NO_KEY = crypto.wrap_key(crypto.new_key(), crypto.new_key(), aad=_NO_KEY_AAD)


def unlock_dummy(*, passphrase: str) -> None:
    """Do the work of an unlock that fails, for an unknown email or a locked account.

    The same Argon2id run as a real check, at today's parameters with a fresh salt, then a tag
    that fails: the time taken does not tell an account that is not there from a wrong passphrase.
    """
    kek = derive_kek(passphrase or " ", crypto.new_salt(), kdf_params())
    with contextlib.suppress(crypto.DecryptionError):
        crypto.unwrap_key(kek, _NO_KEY, aad=_NO_KEY_AAD)


def unlock_with_recovery_key(*, coach, recovery_key: bytes) -> Vault | None:
    record = AccountKey.objects.filter(coach=coach).first()
    if record is None:
        return None
    try:
        key = crypto.unwrap_key(
            recovery_key, bytes(record.wrapped_by_recovery), aad=_account_aad(coach.pk, "recovery")
        )
    except crypto.DecryptionError:
        return None
    return Vault(coach_id=coach.pk, account_key=key)


def passphrase_rewrap(*, vault: Vault, new_passphrase: str) -> None:
    """Wrap the account key under a new passphrase; no record needs re-encrypting."""
    salt = crypto.new_salt()
    params = kdf_params()
    kek = derive_kek(new_passphrase, salt, params)
    AccountKey.objects.filter(coach_id=vault.coach_id).update(
        passphrase_salt=salt,
        passphrase_kdf=params.to_dict(),
        wrapped_by_passphrase=crypto.wrap_key(
            kek, vault.account_key, aad=_account_aad(vault.coach_id, "passphrase")
        ),
        rewrapped_at=timezone.now(),
    )


def data_key_create(*, coach, purpose: str) -> DataKey:
    """Make a new random data key for one client (or other scope), wrapped by the account key."""
    vault = current_vault()
    if vault.coach_id != coach.pk:
        raise PermissionError("Data keys are made only in the owning coach's own vault.")
    row = DataKey(coach=coach, purpose=purpose)
    row.wrapped = crypto.wrap_key(vault.account_key, crypto.new_key(), aad=data_key_aad(coach.pk, row.pk))
    row.save(force_insert=True)
    return row


def data_key_destroy(*, data_key: DataKey) -> None:
    """Crypto-shred: forget the wrapped key so the fields it encrypted can never be read."""
    with transaction.atomic():
        DataKey.objects.filter(pk=data_key.pk).update(wrapped=None, destroyed_at=timezone.now())
    data_key.wrapped = None
    data_key.destroyed_at = timezone.now()
    current_vault().forget(data_key.pk)


# -- the session half ------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def session_open(
    request: HttpRequest, vault: Vault, *, recovery_key: bytes | None = None, pending: bool = False
) -> None:
    """Keep the vault for later requests: wrapped in the session, its key in a cookie only.

    `pending=True` is for a sign-in that still owes its second step: the wrapped key is kept
    aside, and no request can open the vault until `session_promote` after that step.
    """
    # A coach from before sealed boxes gets a key pair now, so clients can seal what they write to them.
    boxes.box_key_ensure(vault)
    cookie_key = crypto.new_key()
    request.session.pop(SESSION_HALF if pending else SESSION_PENDING, None)
    request.session[SESSION_PENDING if pending else SESSION_HALF] = _b64(
        crypto.wrap_key(cookie_key, vault.account_key, aad=_session_aad(vault.coach_id, "account"))
    )
    if recovery_key is not None:
        # Kept until the coach confirms the printed kit, under the same cookie key.
        request.session[SESSION_RECOVERY] = _b64(
            crypto.wrap_key(cookie_key, recovery_key, aad=_session_aad(vault.coach_id, "recovery"))
        )
    request.vault_cookie = _b64(cookie_key)


def recovery_key_replace(request: HttpRequest, vault: Vault) -> bytes:
    """Wrap the account key under a fresh recovery key; keep it for this browser to show once."""
    recovery_key = crypto.new_recovery_key()
    AccountKey.objects.filter(coach_id=vault.coach_id).update(
        wrapped_by_recovery=crypto.wrap_key(
            recovery_key, vault.account_key, aad=_account_aad(vault.coach_id, "recovery")
        ),
        recovery_confirmed_at=None,
        rewrapped_at=timezone.now(),
    )
    session_open(request, vault, recovery_key=recovery_key)
    return recovery_key


def session_promote(request: HttpRequest) -> None:
    """Open the vault kept aside at the first sign-in step, now that the second step is done."""
    pending = request.session.pop(SESSION_PENDING, None)
    if pending is not None:
        request.session[SESSION_HALF] = pending


def session_close(request: HttpRequest) -> None:
    """Lock: destroy the server half and ask for the cookie to be deleted."""
    request.session.pop(SESSION_HALF, None)
    request.session.pop(SESSION_PENDING, None)
    request.session.pop(SESSION_RECOVERY, None)
    request.vault_cookie = ""


def _cookie_key(request: HttpRequest) -> bytes | None:
    raw = request.COOKIES.get(cookie_name())
    key = _unb64(raw) if raw else None
    return key if key is not None and len(key) == crypto.KEY_LEN else None


def _session_unwrap(request: HttpRequest, coach, *, name: str, what: str) -> bytes | None:
    """Unwrap what the session keeps under `name` with the cookie's key; None if either is off."""
    half = request.session.get(name)
    cookie_key = _cookie_key(request)
    wrapped = _unb64(half) if half else None
    if wrapped is None or cookie_key is None:
        return None
    try:
        return crypto.unwrap_key(cookie_key, wrapped, aad=_session_aad(coach.pk, what))
    except crypto.DecryptionError:
        return None


def session_vault(request: HttpRequest, coach) -> Vault | None:
    """Rebuild the vault from both halves, or None (locked) when either is missing or wrong."""
    key = _session_unwrap(request, coach, name=SESSION_HALF, what="account")
    return None if key is None else Vault(coach_id=coach.pk, account_key=key)


def session_recovery_key(request: HttpRequest, coach) -> bytes | None:
    """The not-yet-confirmed recovery key kept since sign-up, if this browser has it."""
    return _session_unwrap(request, coach, name=SESSION_RECOVERY, what="recovery")


def recovery_confirm_positions(recovery_key: bytes) -> tuple[int, int]:
    """The two groups (1-based) the coach types back: the second and the last but one."""
    groups = crypto.format_recovery_key(recovery_key).split("-")
    return 2, len(groups) - 1


def recovery_confirm(*, coach, recovery_key: bytes, typed: dict[int, str]) -> bool:
    groups = crypto.format_recovery_key(recovery_key).split("-")
    for position, text in typed.items():
        cleaned = "".join(text.split()).upper().replace("O", "0").replace("I", "1").replace("L", "1")
        if cleaned != groups[position - 1]:
            return False
    AccountKey.objects.filter(coach=coach).update(recovery_confirmed_at=timezone.now())
    return True
