"""The unlocked vault of the current request (or command), held in a context variable.

The account key lives here, in memory, for the length of one request: the middleware (or the
`unlocked()` context manager in commands and tests) sets it and always clears it again.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import crypto

VAULT_LOCKED = "Your records are locked. Enter your passphrase to unlock them."
NOT_YOUR_RECORD = "This record belongs to another coach's practice."
KEY_DESTROYED = "This record's key was destroyed at the end of its retention; it can never be read again."


class VaultLocked(crypto.VaultError):
    """Raised when encrypted data is read or written without an unlocked vault."""


class KeyDestroyed(crypto.VaultError):
    """Raised when a record's data key has been destroyed (crypto-shredded)."""


@dataclass(frozen=True, slots=True)
class FieldKey:
    """A data key ready for fields: its cipher and the parts of the associated data it fixes."""

    cipher: crypto.FieldCipher
    # A field's associated data is head + model and field + row id + key_part (`crypto.field_aad`).
    head: bytes  # the format prefix and the coach's id
    key_part: bytes


class Vault:
    """One coach's unlocked account key and the data keys unwrapped with it so far."""

    def __init__(self, *, coach_id: uuid.UUID, account_key: bytes) -> None:
        self.coach_id = coach_id
        self._account_key = account_key
        self._data_keys: dict[uuid.UUID, bytes] = {}
        # The field keys made so far, by the data key id's integer (`UUID.int`): read-only outside
        # this class. The fields look here first, since opening a list of records asks for the same
        # key once per row, and a UUID key hashes and compares in Python (0.36 µs), an int in C.
        self.field_keys: dict[int, FieldKey] = {}
        self._coach_part = crypto.aad_part("coach_id", coach_id)

    def __repr__(self) -> str:  # never show the key
        return f"<Vault coach={self.coach_id}>"

    @property
    def account_key(self) -> bytes:
        return self._account_key

    def data_key(self, data_key) -> bytes:
        """Return the plaintext of a DataKey row, unwrapping it once per request."""
        if data_key.coach_id != self.coach_id:
            raise VaultLocked(NOT_YOUR_RECORD)
        cached = self._data_keys.get(data_key.pk)
        if cached is None:
            if data_key.wrapped is None:
                raise KeyDestroyed(KEY_DESTROYED)
            cached = crypto.unwrap_key(
                self._account_key, bytes(data_key.wrapped), aad=data_key_aad(data_key.coach_id, data_key.pk)
            )
            self._data_keys[data_key.pk] = cached
        return cached

    def field_key(self, data_key_id: uuid.UUID, *, row=None) -> FieldKey:
        """Return the cipher and associated-data parts for one data key, once per request.

        `row` is the DataKey when the caller already loaded it (select_related); otherwise it is
        fetched by id, among this coach's keys only, so another coach's record is refused here.
        """
        data_key_id = _key_id(data_key_id)
        found = self.field_keys.get(data_key_id.int)
        if found is None:
            if row is None:
                from .models import DataKey

                row = DataKey.objects.filter(pk=data_key_id, coach_id=self.coach_id).first()
                if row is None:
                    raise VaultLocked(NOT_YOUR_RECORD)
            found = FieldKey(
                cipher=crypto.FieldCipher(self.data_key(row)),
                head=crypto.FIELD_AAD_PREFIX + self._coach_part,
                key_part=crypto.aad_part("key_id", data_key_id),
            )
            self.field_keys[data_key_id.int] = found
        return found

    def blind_index(self, purpose: str, text: str) -> bytes:
        """Return HMAC-SHA256 of `text` under a key derived for `purpose` from the account key.

        Equal texts give equal bytes, so a plain column can find a match without holding the
        text; without the coach's account key the value cannot be recomputed or guessed.
        """
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=crypto.KEY_LEN,
            salt=None,
            info=f"ethos/blind-index|coach={self.coach_id}|purpose={purpose}".encode(),
        ).derive(self._account_key)
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    def forget(self, data_key_id: uuid.UUID) -> None:
        data_key_id = _key_id(data_key_id)
        self._data_keys.pop(data_key_id, None)
        self.field_keys.pop(data_key_id.int, None)


def _key_id(value) -> uuid.UUID:
    """A data key's id as a UUID, from the UUID or its text; anything else names no key of this coach."""
    if type(value) is uuid.UUID:
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise VaultLocked(NOT_YOUR_RECORD) from None


def data_key_aad(coach_id, data_key_id) -> bytes:
    return f"ethos/data-key|coach={coach_id}|key={data_key_id}".encode()


_current: contextvars.ContextVar[Vault | None] = contextvars.ContextVar("ethos_vault", default=None)


def current_vault() -> Vault:
    """Return the unlocked vault, or raise VaultLocked."""
    vault = _current.get()
    if vault is None:
        raise VaultLocked(VAULT_LOCKED)
    return vault


def vault_or_none() -> Vault | None:
    return _current.get()


@contextmanager
def unlocked(vault: Vault) -> Iterator[Vault]:
    """Make `vault` the current one inside the block, whatever happens in it."""
    token = _current.set(vault)
    try:
        yield vault
    finally:
        _current.reset(token)
