"""The association witnesses each practice's audit log and cosigns its checkpoints.

A practice sends its signed checkpoint with a compliance report (`standards.witness`). The
association checks the practice's signature on it, and from the second report on an RFC 9162
consistency proof from the size it last saw: a log that was cut back or rewritten since is
refused, with both sizes named, and the refusal goes to the association's own log. An accepted
checkpoint is stored and cosigned.

The cosignature is a C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature, Ed25519):

- it is a signed-note signature line ``— <name> base64(key ID || timestamped_signature)``;
- the key ID is ``SHA-256(<name> || "\\n" || 0x04 || 32-byte Ed25519 public key)[:4]``;
- ``timestamped_signature`` is ``u64 timestamp`` (POSIX seconds, big-endian, at most 2^63 - 1)
  followed by the 64-byte Ed25519 signature;
- the signed message is ``cosignature/v1\\n``, then ``time <timestamp>\\n`` (ASCII decimal, no
  leading zeros), then the whole checkpoint body including its final newline and any extension
  lines, but no signature lines.

Its meaning, per the spec: as of that time, the largest consistent tree the association has seen
for the log named by the origin line has that root hash. The spec asks a cosigner's key to serve
one cosigner only; the association's key also signs its certificates (JWTs), which can never
start with the ``cosignature/v1`` line, so the two kinds of signature cannot be confused.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from ethos.audit import checkpoint as notes
from ethos.audit import merkle
from ethos.audit.actions import Action
from ethos.audit.keys import open_checkpoint, origin_for
from ethos.standards.witness import Cosigned, WitnessRefused

from . import keys
from .log import association_append
from .models import WitnessedCheckpoint

COSIGNATURE_V1_TYPE = 0x04
HEADER = "cosignature/v1"
_MAX_TIMESTAMP = (1 << 63) - 1

CHECKPOINT_UNREADABLE = (
    "The report's checkpoint is not a signed checkpoint of this practice's log ({error}). Nothing was stored."
)
ROLLED_BACK = (
    "The association last saw this log at {old} events; this report's log has {new}: the log was "
    "cut back or restored from an older copy since the last report. The association did not cosign it."
)
REWRITTEN = (
    "The association last saw this log at {old} events; this report's log has {new}, but it does "
    "not contain the log the association saw (the consistency proof fails): events were changed or "
    "replaced since the last report. The association did not cosign it."
)
OLD_SIZE_STALE = (
    "The association last saw this log at {old} events, not {given}: ask again for the size it "
    "holds and send a proof from there."
)


def cosignature_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """Return the 4-byte key ID of an Ed25519 cosigner (tlog-cosignature: type byte 0x04)."""
    material = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1_TYPE]) + public_key.public_bytes_raw()
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str = keys.WITNESS_NAME, public_key: Ed25519PublicKey | None = None) -> str:
    """Return the cosigner's signed-note vkey: ``<name>+<hex key ID>+base64(0x04 || key)``."""
    public_key = public_key or keys.public_key()
    raw = bytes([COSIGNATURE_V1_TYPE]) + public_key.public_bytes_raw()
    hex_id = cosignature_key_id(name, public_key).hex()
    return f"{name}+{hex_id}+{base64.b64encode(raw).decode('ascii')}"


def cosigned_message(body: str, timestamp: int) -> bytes:
    """Return the bytes a cosignature/v1 signs over a checkpoint body (ending in a newline)."""
    return f"{HEADER}\ntime {timestamp}\n{body}".encode()


def cosign(body: str, *, timestamp: int, private_key: Ed25519PrivateKey, name: str) -> str:
    """Return the cosignature line (ending in a newline) on a checkpoint body."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise ValueError("A cosignature's timestamp must be from 0 to 2**63 - 1.")
    signature = private_key.sign(cosigned_message(body, timestamp))
    raw = cosignature_key_id(name, private_key.public_key()) + struct.pack(">Q", timestamp) + signature
    return f"{notes.EM_DASH} {name} {base64.b64encode(raw).decode('ascii')}\n"


class AssociationWitness:
    """The association's witness, registered with `standards.witness` from `ready()`."""

    name = keys.WITNESS_NAME

    def known_size(self, coach) -> int:
        latest = _latest(origin_for(coach.pk))
        return latest.size if latest else 0

    def add_checkpoint(self, *, coach, old_size: int, proof: Sequence[bytes], checkpoint: str) -> Cosigned:
        refusal = None
        with transaction.atomic():
            try:
                return _accept(coach=coach, old_size=old_size, proof=proof, note=checkpoint)
            except WitnessRefused as refused:
                refusal = refused
                association_append(
                    staff=None,
                    action=Action.CHECKPOINT_REFUSED,
                    target_type="log",
                    target_id=origin_for(coach.pk),
                    details={"reason": refused.reason, "known_size": refused.known, "size": refused.size},
                )
        # Raised once the refusal's event is committed: the association keeps its record of it.
        raise refusal


ASSOCIATION_WITNESS = AssociationWitness()


class _Refused(WitnessRefused):
    def __init__(self, message: str, *, reason: str, known: int, size: int | None) -> None:
        super().__init__(message)
        self.reason, self.known, self.size = reason, known, size


def _latest(origin: str) -> WitnessedCheckpoint | None:
    return WitnessedCheckpoint.objects.filter(origin=origin).order_by("-size", "-id").first()


def _accept(*, coach, old_size: int, proof: Sequence[bytes], note: str) -> Cosigned:
    origin = origin_for(coach.pk)
    # Serialise reports of one log: two at once must not both extend the same old checkpoint.
    list(WitnessedCheckpoint.objects.select_for_update().filter(origin=origin).values_list("pk"))
    latest = _latest(origin)
    known = latest.size if latest else 0
    try:
        new = open_checkpoint(note, coach.pk)
    except notes.CheckpointError as error:
        raise _Refused(
            CHECKPOINT_UNREADABLE.format(error=error), reason="unreadable", known=known, size=None
        ) from None
    if latest is not None:
        if new.size < known:
            raise _Refused(
                ROLLED_BACK.format(old=known, new=new.size), reason="rolled-back", known=known, size=new.size
            )
        if old_size != known:
            raise _Refused(
                OLD_SIZE_STALE.format(old=known, given=old_size), reason="stale", known=known, size=new.size
            )
        if not merkle.verify_consistency(known, new.size, bytes(latest.root), new.root, list(proof)):
            raise _Refused(
                REWRITTEN.format(old=known, new=new.size), reason="rewritten", known=known, size=new.size
            )
    now = timezone.now()
    body = new.body()
    line = cosign(
        body, timestamp=int(now.timestamp()), private_key=keys.signing_key(), name=keys.WITNESS_NAME
    )
    WitnessedCheckpoint.objects.create(
        origin=origin,
        coach=coach,
        size=new.size,
        root=new.root,
        checkpoint=note,
        cosignature=line,
        received_at=now,
    )
    association_append(
        staff=None,
        action=Action.CHECKPOINT_WITNESSED,
        target_type="log",
        target_id=origin,
        details={"size": new.size, "known_size": known},
    )
    # The note as the practice sent it, with the cosignature line after its own signatures.
    return Cosigned(note=note + line, size=new.size, witness_name=keys.WITNESS_NAME, witnessed_at=now)
