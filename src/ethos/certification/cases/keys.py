"""The association's X25519 key pair for complaints: sealed on the public form, opened by staff.

The private key lives outside the database, like the audit signing key: read from
ETHOS_ASSOCIATION_BOX_KEY (base64 of 32 bytes) or from ETHOS_DATA_DIR/association_box_key,
created once with mode 600. A database dump or a backup therefore holds only sealed boxes. Only
the staff pages open them (docs/security.md, "Complaints to the association").
"""

from __future__ import annotations

import functools
import hashlib

from ethos.secretfile import key_bytes
from ethos.vault import boxes

KEY_FILE = "association_box_key"
KEY_ENV = "ETHOS_ASSOCIATION_BOX_KEY"


@functools.cache
def _private() -> bytes:
    return key_bytes(KEY_ENV, KEY_FILE, make=boxes.new_private_key)


def public_key() -> bytes:
    return boxes.public_of(_private())


def key_id() -> str:
    """A short name for the key pair a box was sealed to, so a replaced key is recognised."""
    return hashlib.sha256(public_key()).hexdigest()[:16]


def seal(plaintext: bytes, *, aad: bytes) -> tuple[bytes, str]:
    """Seal `plaintext` to the association; return the box and the id of the key it needs."""
    return boxes.seal(public_key(), plaintext, aad=aad), key_id()


def open_sealed(box: bytes, *, aad: bytes) -> bytes:
    """Open a box sealed to the association (staff pages and the services they call only)."""
    return boxes.open_box(_private(), box, aad=aad)
