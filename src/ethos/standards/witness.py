"""Where a compliance report's checkpoint is witnessed, without standards knowing who witnesses it.

The association (`ethos.certification`) sits above every practice app, so nothing below it may
import it. It registers its witness here from its `ready()`; `report_submit` (services) sends
it the coach's signed audit checkpoint and a consistency proof from the size the witness last
saw, and keeps the cosigned checkpoint it answers with. With no witness registered, a practice-
only install says that no association receives reports.

The exchange follows the shape of C2SP tlog-witness (https://c2sp.org/tlog-witness): the
practice asks what size the witness holds, then sends that old size, the RFC 9162 consistency
proof from it and the new checkpoint. Nothing in it names a client.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class WitnessRefused(Exception):
    """The witness would not cosign the checkpoint; the message says why, for the coach."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cosigned:
    """The witness's answer: the checkpoint note with the witness's cosignature line added."""

    note: str
    size: int
    witness_name: str
    witnessed_at: datetime.datetime


class Witness(Protocol):
    name: str

    def known_size(self, coach) -> int:
        """Return the size of the coach's log the witness last cosigned (0 when none)."""

    def add_checkpoint(self, *, coach, old_size: int, proof: Sequence[bytes], checkpoint: str) -> Cosigned:
        """Check and cosign `checkpoint`, or raise WitnessRefused."""


_witnesses: list[Witness] = []


def witness_provider(witness: Witness) -> Witness:
    """Register the association's witness; returns it unchanged."""
    if witness not in _witnesses:
        _witnesses.append(witness)
    return witness


def association_witness() -> Witness | None:
    """Return the registered witness, or None on a practice-only install."""
    return _witnesses[0] if _witnesses else None
