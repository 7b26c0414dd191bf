"""The server's checkpoint signing key (Ed25519).

Read from ETHOS_AUDIT_SIGNING_KEY (base64 of a 32-byte seed) or from the file
ETHOS_DATA_DIR/audit_signing_key, created once with mode 600. It lives outside the database on
purpose: someone who can only write to the database cannot sign a forged history.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ethos.secretfile import ed25519_signing_key

from . import checkpoint

# The name every checkpoint was signed under before each log's key took the log's own name, and
# the name backup manifests give the site key. Old events keep their signed checkpoints, so a
# verifier accepts it beside the log's origin.
KEY_NAME = "ethos-audit"


def origin_for(coach_id) -> str:
    return f"ethos/audit/{coach_id}"


def key_name_for(coach_id) -> str:
    """Return the key name a log's checkpoints are signed under: its origin (C2SP tlog-checkpoint)."""
    return origin_for(coach_id)


def open_checkpoint(note: str, coach_id) -> checkpoint.Checkpoint:
    """Verify a signed checkpoint of the coach's log, under the log's key name or the old one."""
    name = key_name_for(coach_id)
    if (
        isinstance(note, str)
        and f"\n{checkpoint.EM_DASH} {name} " not in note
        and f"\n{checkpoint.EM_DASH} {KEY_NAME} " in note
    ):
        # Signed before logs took their own name; the key ID hashes the name, so the old
        # signature is checked under the old name (and the same key).
        name = KEY_NAME
    return checkpoint.parse_and_verify(note, public_key(), name, origin=origin_for(coach_id))


@functools.cache
def signing_key() -> Ed25519PrivateKey:
    return ed25519_signing_key("ETHOS_AUDIT_SIGNING_KEY", "audit_signing_key")


@functools.cache
def public_key() -> Ed25519PublicKey:
    # Cached like the signing key it comes from: the verifier asks for it at every event.
    return signing_key().public_key()
