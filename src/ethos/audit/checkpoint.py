"""Signed checkpoints of the audit log's Merkle tree, in the C2SP tlog-checkpoint format.

A checkpoint (https://c2sp.org/tlog-checkpoint) is a C2SP signed note
(https://c2sp.org/signed-note) whose text is::

    <origin>
    <tree size in decimal, no leading zeros>
    <base64 of the 32-byte RFC 9162 root hash>
    [extension lines]

followed by a blank line and signature lines ``— <key name> <base64(key ID || signature)>``
(U+2014 EM DASH, space). For Ed25519 the key ID is the first 4 bytes of
SHA-256(key name || 0x0A || 0x01 || 32-byte public key) and the signature covers the note
text including its final newline. Plain functions, no Django.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "key_id",
    "parse_and_verify",
    "parse_verifier_key",
    "sign",
    "sign_note",
    "verifier_key_string",
    "verify_note",
]

EM_DASH = "\u2014"
ED25519_TYPE = 0x01
HASH_LEN = 32
KEY_ID_LEN = 4
ED25519_SIG_LEN = 64
# The signed-note spec asks verifiers to accept at least 16 signatures (post-quantum ones
# can be ~5 kB each); these caps keep a hostile note from costing much to parse.
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
_MAX_TREE_SIZE = (1 << 64) - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")

NOTE_NOT_UTF8 = "The note is not valid UTF-8 text."
NOTE_TOO_LARGE = "The note is larger than {limit} bytes."
NOTE_CONTROL_CHARACTER = "The note contains a control character other than newline (Windows line endings?)."
NOTE_NO_BLANK_LINE = "The note has no blank line separating its text from its signatures."
NOTE_NO_SIGNATURES = "The note has no signature lines after its blank line."
NOTE_NO_FINAL_NEWLINE = "The note's last signature line does not end with a newline."
NOTE_TOO_MANY_SIGNATURES = "The note has more than {limit} signatures."
NOTE_BAD_SIGNATURE_LINE = (
    "Signature line {number} is malformed: expected '\u2014 <key name> <base64 signature>'."
)
NOTE_NOT_SIGNED_BY_KEY = "The note carries no signature by the key {key_name!r}."
NOTE_SIGNATURE_INVALID = "The signature by the key {key_name!r} does not verify."
CHECKPOINT_TOO_FEW_LINES = "A checkpoint needs an origin, a tree size and a root hash line."
CHECKPOINT_EMPTY_LINE = "A checkpoint's lines must not be empty."
CHECKPOINT_BAD_SIZE = "The checkpoint's tree size is not a decimal number without leading zeros."
CHECKPOINT_BAD_ROOT = "The checkpoint's root hash is not the base64 of 32 bytes."
CHECKPOINT_WRONG_ORIGIN = "The checkpoint is for the log {found!r}, not {expected!r}."
BAD_KEY_NAME = "A key name must be non-empty and contain no spaces, '+' or control characters."
BAD_VERIFIER_KEY = "The verifier key is not '<name>+<8 hex digits>+<base64 Ed25519 key>'."


class CheckpointError(ValueError):
    """Raised for a malformed checkpoint or note, or one whose signature does not verify."""


# A control code other than the newline, and DEL; in a key name, any whitespace (str.isspace's, which
# is what \s means in a pattern of text) and "+" as well. Searched for by pattern rather than a
# generator over each character: the log signs a checkpoint at every append (every client page).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_NOT_IN_KEY_NAME = re.compile("[\\s+\x00-\x1f\x7f]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _encodable(text: str) -> bool:
    """Return whether the text is valid UTF-8 once encoded (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_key_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and _NOT_IN_KEY_NAME.search(name) is None


def _b64decode(text: str) -> bytes | None:
    """Decode standard padded base64, accepting only its canonical encoding."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """Return the 4-byte signed-note key ID of an Ed25519 key."""
    if not _valid_key_name(key_name):
        raise CheckpointError(BAD_KEY_NAME)
    material = key_name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key.public_bytes_raw()
    return hashlib.sha256(material).digest()[:KEY_ID_LEN]


@functools.lru_cache(maxsize=64)
def _signer_id(private_key: Ed25519PrivateKey, key_name: str) -> bytes:
    # The same key signs every checkpoint of a log under its one name: its ID is worked out once.
    return key_id(key_name, private_key.public_key())


def verifier_key_string(key_name: str, public_key: Ed25519PublicKey) -> str:
    """Return the signed-note verifier key: ``<name>+<hex key ID>+<base64(0x01 || key)>``."""
    return "+".join(
        (
            key_name,
            key_id(key_name, public_key).hex(),
            _b64(bytes([ED25519_TYPE]) + public_key.public_bytes_raw()),
        )
    )


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """Parse a verifier key string into its key name and Ed25519 public key."""
    # Names and key IDs hold no "+", but base64 may: split at the first two only.
    parts = vkey.split("+", 2) if isinstance(vkey, str) else []
    if len(parts) != 3 or not _valid_key_name(parts[0]):
        raise CheckpointError(BAD_VERIFIER_KEY)
    name, hex_id, encoded = parts
    raw = _b64decode(encoded)
    if raw is None or len(raw) != 33 or raw[0] != ED25519_TYPE:
        raise CheckpointError(BAD_VERIFIER_KEY)
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    # The ID is redundant; a mismatch means the string was mangled or mixed up.
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or key_id(name, public_key).hex() != hex_id:
        raise CheckpointError(BAD_VERIFIER_KEY)
    return name, public_key


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its RFC 9162 root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (
            not isinstance(self.origin, str)
            or not self.origin
            or _has_control(self.origin)
            or not _encodable(self.origin)
        ):
            raise CheckpointError("The origin must be a non-empty line of text.")
        if "\n" in self.origin:
            raise CheckpointError("The origin must be a single line.")
        if type(self.size) is not int or not 0 <= self.size <= _MAX_TREE_SIZE:
            raise CheckpointError("The tree size must be an integer from 0 to 2**64 - 1.")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_LEN:
            raise CheckpointError(f"The root hash must be {HASH_LEN} bytes.")
        if not isinstance(self.extensions, tuple) or not all(
            isinstance(line, str)
            and line
            and "\n" not in line
            and not _has_control(line)
            and _encodable(line)
            for line in self.extensions
        ):
            raise CheckpointError("Extension lines must be non-empty single lines of text.")

    def body(self) -> str:
        """Return the note text: origin, size, base64 root, extensions, each ending in \\n."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def sign_note(text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """Sign a note text with Ed25519 and return the signed note."""
    if not _valid_key_name(key_name):
        raise CheckpointError(BAD_KEY_NAME)
    if not isinstance(text, str) or not text.endswith("\n") or _has_control(text) or not _encodable(text):
        raise CheckpointError("The note text must be UTF-8, end with a newline and hold no control codes.")
    message = text.encode("utf-8")
    signature = private_key.sign(message)
    kid = _signer_id(private_key, key_name)
    return f"{text}\n{EM_DASH} {key_name} {_b64(kid + signature)}\n"


def sign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """Sign a checkpoint and return the full signed note text."""
    return sign_note(checkpoint.body(), private_key, key_name)


def verify_note(note_text: str | bytes, public_key: Ed25519PublicKey, key_name: str) -> str:
    """Verify a signed note against one known key and return its text."""
    if not _valid_key_name(key_name):
        raise CheckpointError(BAD_KEY_NAME)
    if isinstance(note_text, bytes):
        try:
            note_text = note_text.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError(NOTE_NOT_UTF8) from None
    try:
        size = len(note_text.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates
        raise CheckpointError(NOTE_NOT_UTF8) from None
    if size > MAX_NOTE_BYTES:
        raise CheckpointError(NOTE_TOO_LARGE.format(limit=MAX_NOTE_BYTES))
    if _has_control(note_text):
        raise CheckpointError(NOTE_CONTROL_CHARACTER)

    # The text ends at the last blank line: it may itself contain blank lines.
    split = note_text.rfind("\n\n")
    if split < 0:
        raise CheckpointError(NOTE_NO_BLANK_LINE)
    text, block = note_text[: split + 1], note_text[split + 2 :]
    if not block:
        raise CheckpointError(NOTE_NO_SIGNATURES)
    if not block.endswith("\n"):
        raise CheckpointError(NOTE_NO_FINAL_NEWLINE)
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(NOTE_TOO_MANY_SIGNATURES.format(limit=MAX_SIGNATURES))

    expected_id = key_id(key_name, public_key)
    message = text.encode("utf-8")
    verified = False
    for number, line in enumerate(lines, start=1):
        # Every line must be well formed, even from keys we do not know (as Go's note.Open).
        prefix, _, rest = line.partition(" ")
        fields = rest.split(" ")
        raw = _b64decode(fields[1]) if len(fields) == 2 else None
        if prefix != EM_DASH or raw is None or len(raw) <= KEY_ID_LEN or not _valid_key_name(fields[0]):
            raise CheckpointError(NOTE_BAD_SIGNATURE_LINE.format(number=number))
        # Signatures from other keys (witnesses, a rotated log key) are ignored; only a
        # matching name *and* key ID makes a signature ours to check.
        if fields[0] != key_name or raw[:KEY_ID_LEN] != expected_id:
            continue
        signature = raw[KEY_ID_LEN:]
        try:
            if len(signature) != ED25519_SIG_LEN:
                raise InvalidSignature
            public_key.verify(signature, message)
        except InvalidSignature:
            # A bad signature from the key we trust means the note was tampered with.
            raise CheckpointError(NOTE_SIGNATURE_INVALID.format(key_name=key_name)) from None
        verified = True
    if not verified:
        raise CheckpointError(NOTE_NOT_SIGNED_BY_KEY.format(key_name=key_name))
    return text


def _parse_body(text: str) -> Checkpoint:
    lines = text[:-1].split("\n")  # verify_note guarantees the final newline
    if len(lines) < 3:
        raise CheckpointError(CHECKPOINT_TOO_FEW_LINES)
    if not all(lines):
        raise CheckpointError(CHECKPOINT_EMPTY_LINE)
    origin, size_text, root_text, *extensions = lines
    # Length first: int() of a huge digit string is slow (and refused past 4300 digits).
    if (
        len(size_text) > len(str(_MAX_TREE_SIZE))
        or not _DECIMAL.fullmatch(size_text)
        or int(size_text) > _MAX_TREE_SIZE
    ):
        raise CheckpointError(CHECKPOINT_BAD_SIZE)
    root = _b64decode(root_text)
    if root is None or len(root) != HASH_LEN:
        raise CheckpointError(CHECKPOINT_BAD_ROOT)
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def parse_and_verify(
    note_text: str | bytes,
    public_key: Ed25519PublicKey,
    key_name: str,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint note and return the checkpoint it carries.

    Pass ``origin`` to also require the checkpoint to be for that log.
    """
    checkpoint = _parse_body(verify_note(note_text, public_key, key_name))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(CHECKPOINT_WRONG_ORIGIN.format(found=checkpoint.origin, expected=origin))
    return checkpoint
