"""Vault cryptography: key derivation, key wrapping, field encryption and recovery keys.

Plain functions, no Django: the Django layer calls them and stores what they return.

Blob formats (bytes):

    field ciphertext  0x01 || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes)
    wrapped key       0x01 || nonce (12 bytes) || AES-256-GCM of the 32-byte key || tag (16)

The associated data given to AES-GCM is ``purpose || version byte || caller aad``, where
purpose is the constant b"ethos/vault/field\\x00" or b"ethos/vault/wrap\\x00". So a wrapped
key can never be decrypted as a field value (or the reverse), and the version byte is
authenticated, so a blob cannot be relabelled with another version.

Nonces are 96 random bits. With one data key per coach, the 2**32-messages-per-key limit
for random GCM nonces is far away (billions of field writes), but do not share one key
across coaches.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "FORMAT_VERSION",
    "KEY_LEN",
    "SALT_LEN",
    "DecryptionError",
    "FieldCipher",
    "KdfParams",
    "KdfParamsError",
    "RecoveryKeyFormatError",
    "VaultError",
    "aad_part",
    "decrypt",
    "derive_kek",
    "encrypt",
    "field_aad",
    "format_recovery_key",
    "new_key",
    "new_recovery_key",
    "new_salt",
    "parse_recovery_key",
    "unwrap_key",
    "wrap_key",
]

FORMAT_VERSION = 0x01
KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
SALT_LEN = 16

_PURPOSE_FIELD = b"ethos/vault/field\x00"
_PURPOSE_WRAP = b"ethos/vault/wrap\x00"

DECRYPTION_FAILED = "The data could not be decrypted: wrong key, wrong record, or it has been altered."
DECRYPTION_TOO_SHORT = "The encrypted data is too short to be valid."
DECRYPTION_UNKNOWN_VERSION = "The encrypted data has an unknown format version."
UNWRAPPED_KEY_BAD_LENGTH = "The unwrapped key does not have the expected length."

RECOVERY_KEY_WRONG_LENGTH = (
    "A recovery key has {expected} letters and digits (14 groups of 4); this one has {found}. "
    "Check for a missing or an extra group."
)
RECOVERY_KEY_BAD_CHARACTER = (
    "Character {position} of the recovery key is not used in recovery keys "
    "(they contain only digits and the letters A to Z without U)."
)
RECOVERY_KEY_BAD_CHECKSUM = (
    "This recovery key contains a typo: its last group does not match the others. "
    "Compare each group with your printed copy."
)


class VaultError(Exception):
    """Base class for every error raised by the vault."""


class DecryptionError(VaultError):
    """Raised when a blob cannot be authenticated and decrypted."""


class RecoveryKeyFormatError(VaultError):
    """Raised when a typed recovery key is malformed or contains a typo."""


class KdfParamsError(VaultError, ValueError):
    """Raised for key-derivation parameters that are invalid or out of range."""


# --------------------------------------------------------------------------- key derivation

# Sanity caps: stored parameters come from the database, and a tampered row must not be able
# to make an unlock allocate terabytes or spin for hours.
_MAX_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB
_MAX_ITERATIONS = 64
_MAX_LANES = 64

_PRODUCTION_MEMORY_KIB = 64 * 1024
_PRODUCTION_ITERATIONS = 3
_PRODUCTION_LANES = 4


@dataclass(frozen=True, kw_only=True, slots=True)
class KdfParams:
    """Argon2id parameters, stored next to each passphrase-wrapped key with its salt."""

    algorithm: str = "argon2id"
    memory_kib: int
    iterations: int
    lanes: int

    def __post_init__(self) -> None:
        if self.algorithm != "argon2id":
            raise KdfParamsError(f"Unsupported key derivation algorithm {self.algorithm!r}.")
        for name in ("memory_kib", "iterations", "lanes"):
            value = getattr(self, name)
            # bool is an int subclass; True must not sneak in as "1 iteration".
            if type(value) is not int:
                raise KdfParamsError(f"KDF parameter {name} must be an integer.")
        if not 1 <= self.lanes <= _MAX_LANES:
            raise KdfParamsError(f"KDF lanes must be between 1 and {_MAX_LANES}.")
        if not 1 <= self.iterations <= _MAX_ITERATIONS:
            raise KdfParamsError(f"KDF iterations must be between 1 and {_MAX_ITERATIONS}.")
        # Argon2 itself needs at least 8 KiB per lane.
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise KdfParamsError(f"KDF memory must be between {8 * self.lanes} and {_MAX_MEMORY_KIB} KiB.")

    @classmethod
    def default(cls) -> KdfParams:
        """Return the production floor: 64 MiB, 3 iterations, 4 lanes."""
        return cls(
            memory_kib=_PRODUCTION_MEMORY_KIB,
            iterations=_PRODUCTION_ITERATIONS,
            lanes=_PRODUCTION_LANES,
        )

    @classmethod
    def insecure_for_tests(cls) -> KdfParams:
        """Return cheap parameters for tests only (1 MiB, 1 iteration, 1 lane)."""
        return cls(memory_kib=1024, iterations=1, lanes=1)

    def meets_production_floor(self) -> bool:
        """Tell whether these parameters are at least as costly as ``default()``."""
        # Lanes only spread the defender's work over cores; fewer lanes do not make the
        # attacker's job easier, so memory and iterations are what the floor is about.
        return self.memory_kib >= _PRODUCTION_MEMORY_KIB and self.iterations >= _PRODUCTION_ITERATIONS

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        """Build parameters from ``to_dict()`` output, rejecting missing or unknown keys."""
        expected = {"algorithm", "memory_kib", "iterations", "lanes"}
        if not isinstance(data, dict) or set(data) != expected:
            raise KdfParamsError(f"KDF parameters must be a dict with keys {sorted(expected)}.")
        return cls(**data)

    def to_json(self) -> str:
        """Return a compact, canonical JSON string."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> KdfParams:
        """Parse ``to_json()`` output."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise KdfParamsError("KDF parameters are not valid JSON.") from exc
        return cls.from_dict(data)


def new_salt() -> bytes:
    """Return a fresh random 16-byte salt for ``derive_kek``."""
    return secrets.token_bytes(SALT_LEN)


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key-encryption key from a passphrase with Argon2id."""
    if not isinstance(passphrase, str) or not passphrase:
        raise ValueError("The passphrase must be a non-empty string.")
    if not isinstance(salt, bytes) or len(salt) < SALT_LEN:
        raise ValueError(f"The salt must be at least {SALT_LEN} bytes.")
    if not isinstance(params, KdfParams):
        raise TypeError("params must be a KdfParams.")
    # The same passphrase typed on another device may arrive in another Unicode form
    # (composed vs decomposed accents); NFKC makes them derive the same key
    # (NIST SP 800-63B 5.1.1.2).
    secret = unicodedata.normalize("NFKC", passphrase).encode("utf-8")
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.lanes,
        hash_len=KEY_LEN,
        type=Type.ID,
        version=ARGON2_VERSION,
    )


# --------------------------------------------------------------------------- AES-256-GCM


def new_key() -> bytes:
    """Return a fresh random 32-byte data key."""
    return secrets.token_bytes(KEY_LEN)


def _check_key(key: bytes, what: str) -> None:
    # A key of the wrong length is a programming error, not a failed decryption.
    if not isinstance(key, bytes) or len(key) != KEY_LEN:
        raise ValueError(f"The {what} must be exactly {KEY_LEN} bytes.")


def _check_aad(aad: bytes) -> None:
    # Empty associated data would bind the ciphertext to nothing; always name the thing.
    if not isinstance(aad, bytes) or not aad:
        raise ValueError("aad must be non-empty bytes naming what is protected.")


_HEADER = bytes([FORMAT_VERSION])
_FIELD_HEAD = _PURPOSE_FIELD + _HEADER
_MIN_SEALED = 1 + NONCE_LEN + TAG_LEN
_BODY_AT = 1 + NONCE_LEN


def _seal(purpose: bytes, key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = secrets.token_bytes(NONCE_LEN)
    sealed = cipher.encrypt(nonce, plaintext, purpose + _HEADER + aad)
    return _HEADER + nonce + sealed


def _open(purpose: bytes, key: bytes | AESGCM, blob: bytes, aad: bytes) -> bytes:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise TypeError("The encrypted data must be bytes.")
    if len(blob) < _MIN_SEALED:
        raise DecryptionError(DECRYPTION_TOO_SHORT)
    if blob[0] != FORMAT_VERSION:
        raise DecryptionError(DECRYPTION_UNKNOWN_VERSION)
    # Views, not copies: a note-sized value is read without copying it twice.
    view = memoryview(blob)
    nonce, sealed = view[1 : 1 + NONCE_LEN], view[1 + NONCE_LEN :]
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return cipher.decrypt(nonce, sealed, purpose + _HEADER + aad)
    except InvalidTag:
        raise DecryptionError(DECRYPTION_FAILED) from None


def encrypt(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt a field value; ``aad`` binds it to its place (see ``field_aad``)."""
    _check_key(key, "data key")
    _check_aad(aad)
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("The plaintext must be bytes.")
    return _seal(_PURPOSE_FIELD, key, bytes(plaintext), aad)


def decrypt(key: bytes, blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt a field value, raising ``DecryptionError`` unless it is authentic."""
    _check_key(key, "data key")
    _check_aad(aad)
    return _open(_PURPOSE_FIELD, key, blob, aad)


class FieldCipher:
    """One data key, ready to encrypt and decrypt many field values (the key schedule is made once).

    Same format and checks as `encrypt` and `decrypt`; for reading a list of rows under one key.
    """

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes) -> None:
        _check_key(key, "data key")
        self._cipher = AESGCM(key)

    def __repr__(self) -> str:  # never show the key
        return "<FieldCipher>"

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes:
        _check_aad(aad)
        if not isinstance(plaintext, bytes | bytearray | memoryview):
            raise TypeError("The plaintext must be bytes.")
        return _seal(_PURPOSE_FIELD, self._cipher, bytes(plaintext), aad)

    def decrypt(self, blob: bytes, *, aad: bytes) -> bytes:
        # The common case, a well-formed value read from the database, checked inline: reading a
        # client's records opens thousands of these, and the checks cost as much as AES-GCM itself.
        # Anything else takes `_open`, which gives the same errors as `decrypt`.
        if (
            type(blob) is bytes
            and type(aad) is bytes
            and aad
            and len(blob) >= _MIN_SEALED
            and blob[0] == FORMAT_VERSION
        ):
            # (Sliced as bytes: cryptography reads two bytes slices quicker than two memoryviews,
            # the 2 KB copy included.)
            try:
                return self._cipher.decrypt(blob[1:_BODY_AT], blob[_BODY_AT:], _FIELD_HEAD + aad)
            except InvalidTag:
                raise DecryptionError(DECRYPTION_FAILED) from None
        _check_aad(aad)
        return _open(_PURPOSE_FIELD, self._cipher, blob, aad)


def wrap_key(kek: bytes, key: bytes, *, aad: bytes) -> bytes:
    """Wrap a 32-byte key under a key-encryption key (61 bytes out)."""
    _check_key(kek, "key-encryption key")
    _check_key(key, "key to wrap")
    _check_aad(aad)
    return _seal(_PURPOSE_WRAP, kek, key, aad)


def unwrap_key(kek: bytes, wrapped: bytes, *, aad: bytes) -> bytes:
    """Unwrap a key, raising ``DecryptionError`` on a wrong KEK, aad or altered blob."""
    _check_key(kek, "key-encryption key")
    _check_aad(aad)
    key = _open(_PURPOSE_WRAP, kek, wrapped, aad)
    if len(key) != KEY_LEN:
        raise DecryptionError(UNWRAPPED_KEY_BAD_LENGTH)
    return key


# --------------------------------------------------------------------------- field aad

FIELD_AAD_VERSION = 0x01
_FIELD_AAD_TAG = b"ethos/field-aad\x00"


FIELD_AAD_PREFIX = _FIELD_AAD_TAG + bytes([FIELD_AAD_VERSION])


_UUID_PART_LENGTH = (36).to_bytes(4, "big")


def aad_part(name: str, value: str | int | uuid.UUID) -> bytes:
    """Encode one part of a field's associated data (see `field_aad`); for callers that cache parts."""
    if type(value) is uuid.UUID:
        # Row and key ids, encoded for every record read: the canonical form, always 36 ASCII
        # characters, built as `str(UUID)` builds it but without its two extra calls.
        hex_ = "%032x" % value.int  # noqa: UP031 - half the time of a format spec, read per record
        return _UUID_PART_LENGTH + f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}".encode()
    if isinstance(value, bool) or not isinstance(value, str | int | uuid.UUID):
        raise TypeError(f"{name} must be a str, int or UUID.")
    # UUIDs become their canonical lowercase hyphenated form and ints their decimal form,
    # so the Django layer may pass either the object or its str() and get the same bytes.
    text = str(value)
    if not text:
        raise ValueError(f"{name} must not be empty.")
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def field_aad(
    *,
    coach_id: str | uuid.UUID,
    model: str,
    field: str,
    row_id: str | int | uuid.UUID,
    key_id: str | int | uuid.UUID,
) -> bytes:
    """Build the canonical associated data binding a field ciphertext to its place.

    Encoding: b"ethos/field-aad\\x00" || version byte (0x01) || five parts, each
    ``4-byte big-endian length || UTF-8 text``, in the order coach, model, field, row id,
    key id. Length prefixes make it unambiguous whatever characters the parts contain.
    """
    parts = (
        ("coach_id", coach_id),
        ("model", model),
        ("field", field),
        ("row_id", row_id),
        ("key_id", key_id),
    )
    return (
        _FIELD_AAD_TAG + bytes([FIELD_AAD_VERSION]) + b"".join(aad_part(name, value) for name, value in parts)
    )


# --------------------------------------------------------------------------- recovery key
#
# A recovery key is 32 random bytes printed as Crockford base32: 52 data characters
# (256 bits plus 4 zero padding bits) and 4 check characters, in 14 groups of 4.
#
# The check: consecutive character pairs are read as 26 symbols of GF(2^10) (10 bits each),
# d_0 .. d_25. The check characters hold two symbols, S1 = sum(d_i) and
# S2 = sum(alpha^i * d_i), with alpha a primitive element. An error confined to any two
# of the 28 symbols cannot leave both sums unchanged (it would need e1 = e2 and
# alpha^j = alpha^k), so every single-character substitution and every swap of two
# neighbouring characters is caught, including in the check group itself.

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_VALUES = {char: value for value, char in enumerate(_CROCKFORD)} | {
    "I": 1,
    "L": 1,
    "O": 0,
}
# Word processors turn "-" into typographic dashes; accept them as separators too.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212_")

RECOVERY_KEY_LEN = 32
_DATA_CHARS = 52
_CHECK_CHARS = 4
_TOTAL_CHARS = _DATA_CHARS + _CHECK_CHARS
_GROUP = 4
_PAD_BITS = _DATA_CHARS * 5 - RECOVERY_KEY_LEN * 8

_GF_BITS = 10
_GF_POLY = 0b10000001001  # x^10 + x^3 + 1, a primitive trinomial


def _gf_mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        b >>= 1
        a <<= 1
        if a >> _GF_BITS:
            a ^= _GF_POLY
    return result


def _gf_weights(count: int) -> tuple[int, ...]:
    weights, w = [], 1
    for _ in range(count):
        weights.append(w)
        w = _gf_mul(w, 2)
    return tuple(weights)


_WEIGHTS = _gf_weights(_DATA_CHARS // 2)


def _check_values(data_values: list[int]) -> list[int]:
    s1 = s2 = 0
    for i in range(0, len(data_values), 2):
        symbol = data_values[i] << 5 | data_values[i + 1]
        s1 ^= symbol
        s2 ^= _gf_mul(_WEIGHTS[i // 2], symbol)
    return [s1 >> 5, s1 & 31, s2 >> 5, s2 & 31]


def new_recovery_key() -> bytes:
    """Return a fresh random 32-byte recovery key."""
    return secrets.token_bytes(RECOVERY_KEY_LEN)


def format_recovery_key(key: bytes) -> str:
    """Format a recovery key as 14 dash-separated groups of 4 Crockford base32 characters."""
    if not isinstance(key, bytes) or len(key) != RECOVERY_KEY_LEN:
        raise ValueError(f"A recovery key is exactly {RECOVERY_KEY_LEN} bytes.")
    number = int.from_bytes(key, "big") << _PAD_BITS
    data = [(number >> (5 * (_DATA_CHARS - 1 - i))) & 31 for i in range(_DATA_CHARS)]
    text = "".join(_CROCKFORD[v] for v in data + _check_values(data))
    return "-".join(text[i : i + _GROUP] for i in range(0, _TOTAL_CHARS, _GROUP))


def parse_recovery_key(text: str) -> bytes:
    """Parse a typed recovery key, tolerating case, spaces, dashes and I/L/O for 1/1/0."""
    if not isinstance(text, str):
        raise TypeError("The recovery key must be a string.")
    chars = [c for c in text.upper() if not c.isspace() and c not in _SEPARATORS]
    values = []
    for position, char in enumerate(chars, start=1):
        value = _CROCKFORD_VALUES.get(char)
        if value is None:
            # Name the position, not the character: the message may end up in a log.
            raise RecoveryKeyFormatError(RECOVERY_KEY_BAD_CHARACTER.format(position=position))
        values.append(value)
    if len(values) != _TOTAL_CHARS:
        raise RecoveryKeyFormatError(
            RECOVERY_KEY_WRONG_LENGTH.format(expected=_TOTAL_CHARS, found=len(values))
        )
    data, check = values[:_DATA_CHARS], values[_DATA_CHARS:]
    if _check_values(data) != check:
        raise RecoveryKeyFormatError(RECOVERY_KEY_BAD_CHECKSUM)
    number = 0
    for value in data:
        number = number << 5 | value
    # Formatted keys always have zero padding; anything else is not a key we printed.
    if number & ((1 << _PAD_BITS) - 1):
        raise RecoveryKeyFormatError(RECOVERY_KEY_BAD_CHECKSUM)
    return (number >> _PAD_BITS).to_bytes(RECOVERY_KEY_LEN, "big")
