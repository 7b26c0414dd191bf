"""Sealed boxes: encrypt to a person's X25519 public key so that only their vault opens it.

What one party writes for the other (a client's intake answers for the coach, a goal the coach
shares with a client) is sealed at the moment of writing to the reader's public key, with an
ephemeral X25519 key, HKDF-SHA256 and AES-256-GCM. The server holds only the public key and the
private key wrapped by the reader's account key, so it cannot open a box while the reader is
signed out (docs/security.md, "The client portal").

Box format (bytes):

    0x01 || ephemeral public key (32) || nonce (12) || AES-256-GCM ciphertext || tag (16)

The AES key is HKDF-SHA256 of the X25519 shared secret, salted with the ephemeral and the
recipient's public keys, with info naming this format. The associated data is the constant
purpose b"ethos/vault/box\\x00", the version byte and the caller's aad (which names the box's
place: the kind of record, its row, the recipient), so a box moved to another row does not open.
"""

from __future__ import annotations

import secrets
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import crypto
from .context import Vault
from .models import BoxKey

BOX_VERSION = 0x01
PUBLIC_LEN = 32
_PURPOSE = b"ethos/vault/box\x00"
_HKDF_INFO = b"ethos/vault/box/v1"
_RAW = serialization.Encoding.Raw
BOX_TOO_SHORT = "The sealed box is too short to be valid."
BOX_UNKNOWN_VERSION = "The sealed box has an unknown format version."
NO_BOX_KEY = "This person has no key to seal to yet."


def new_private_key() -> bytes:
    """Return a fresh X25519 private key, as 32 raw bytes."""
    key = X25519PrivateKey.generate()
    return key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_of(private_raw: bytes) -> bytes:
    return (
        X25519PrivateKey.from_private_bytes(private_raw)
        .public_key()
        .public_bytes(_RAW, serialization.PublicFormat.Raw)
    )


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=crypto.KEY_LEN,
        salt=ephemeral_public + recipient_public,
        info=_HKDF_INFO,
    ).derive(shared)


def _aad(aad: bytes) -> bytes:
    if not isinstance(aad, bytes) or not aad:
        raise ValueError("aad must be non-empty bytes naming what is sealed.")
    return _PURPOSE + bytes([BOX_VERSION]) + aad


def seal(recipient_public: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """Seal `plaintext` so that only the holder of the matching private key can open it."""
    recipient_public = bytes(recipient_public)
    if len(recipient_public) != PUBLIC_LEN:
        raise ValueError(f"An X25519 public key is {PUBLIC_LEN} bytes.")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _box_key(shared, ephemeral_public, recipient_public)
    nonce = secrets.token_bytes(crypto.NONCE_LEN)
    sealed = AESGCM(key).encrypt(nonce, bytes(plaintext), _aad(aad))
    return bytes([BOX_VERSION]) + ephemeral_public + nonce + sealed


def open_box(private_raw: bytes, box: bytes, *, aad: bytes) -> bytes:
    """Open a sealed box with the recipient's private key; raise DecryptionError unless authentic."""
    box = bytes(box)
    if len(box) < 1 + PUBLIC_LEN + crypto.NONCE_LEN + crypto.TAG_LEN:
        raise crypto.DecryptionError(BOX_TOO_SHORT)
    if box[0] != BOX_VERSION:
        raise crypto.DecryptionError(BOX_UNKNOWN_VERSION)
    ephemeral_public = box[1 : 1 + PUBLIC_LEN]
    nonce = box[1 + PUBLIC_LEN : 1 + PUBLIC_LEN + crypto.NONCE_LEN]
    sealed = box[1 + PUBLIC_LEN + crypto.NONCE_LEN :]
    private = X25519PrivateKey.from_private_bytes(private_raw)
    recipient_public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _box_key(shared, ephemeral_public, recipient_public)
        return AESGCM(key).decrypt(nonce, sealed, _aad(aad))
    except (InvalidTag, ValueError):
        raise crypto.DecryptionError(crypto.DECRYPTION_FAILED) from None


# -- the key pair of a person with a vault ---------------------------------------------------


def _private_aad(owner_id, key_id) -> bytes:
    return f"ethos/box-private|owner={owner_id}|key={key_id}".encode()


def box_key_ensure(vault: Vault) -> BoxKey:
    """Return the vault owner's key pair, making one (wrapped by the account key) if they have none.

    Safe to call at every unlock: existing coaches get their pair the next time they unlock, and a
    second call (or two at once) finds the row rather than replacing it.
    """
    found = BoxKey.objects.filter(user_id=vault.coach_id).first()
    if found is not None:
        return found
    private = new_private_key()
    key_id = uuid.uuid4()
    row = BoxKey(
        user_id=vault.coach_id,
        key_id=key_id,
        public_key=public_of(private),
        wrapped_private=crypto.wrap_key(vault.account_key, private, aad=_private_aad(vault.coach_id, key_id)),
    )
    # A concurrent unlock may have made one first: keep theirs.
    BoxKey.objects.bulk_create([row], ignore_conflicts=True)
    return BoxKey.objects.get(user_id=vault.coach_id)


def box_key_replace(vault: Vault) -> BoxKey:
    """Give the vault's owner a new key pair; boxes sealed to the old one can no longer be opened."""
    BoxKey.objects.filter(user_id=vault.coach_id).delete()
    return box_key_ensure(vault)


def public_key_of(owner_id) -> tuple[bytes, uuid.UUID]:
    """Return a person's public key and its id; raise LookupError if they have no pair yet."""
    row = BoxKey.objects.filter(user_id=owner_id).only("public_key", "key_id").first()
    if row is None:
        raise LookupError(NO_BOX_KEY)
    return bytes(row.public_key), row.key_id


def private_key(vault: Vault) -> tuple[bytes, uuid.UUID]:
    """Unwrap the vault owner's private key (for this request only) and return it with its id."""
    row = BoxKey.objects.filter(user_id=vault.coach_id).first()
    if row is None:
        raise LookupError(NO_BOX_KEY)
    raw = crypto.unwrap_key(
        vault.account_key, bytes(row.wrapped_private), aad=_private_aad(vault.coach_id, row.key_id)
    )
    return raw, row.key_id
