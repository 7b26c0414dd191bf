"""The checkpoint journal: an append-only file of signed checkpoints, outside the database.

``ETHOS_DATA_DIR/audit-journal`` (mode 600) holds one line per witnessed checkpoint::

    ethos-journal/1 <UTC time> <coach id> <tree size> <reason> <base64 of the signed checkpoint>

The checkpoint is the C2SP signed note exactly as the log signed it (origin, size, root hash and
signature), so the journal holds no client data and nothing the database does not already show.
Someone who can rewrite the database but not this file cannot take back what it saw: a log
smaller than, or not extending, a checkpoint in the journal fails `ethos audit verify` and stops
a restore. Plain file handling; `services.checkpoint_witness` decides when to write.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import os
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings

JOURNAL_NAME = "audit-journal"
FORMAT = "ethos-journal/1"


class Witness(StrEnum):
    """Why a checkpoint was written to the journal."""

    ACTIVITY = "activity"
    SIGN_OUT = "sign-out"
    BACKUP = "backup"
    REPORT = "report"
    RESTORE = "restore"


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal line: a signed checkpoint of one coach's log, as the journal saw it."""

    line: int
    written_at: str
    coach_id: str
    size: int
    reason: str
    note: str

    def root_text(self) -> str:
        """Return the base64 root hash line of the (not yet verified) checkpoint."""
        lines = self.note.split("\n")
        return lines[2] if len(lines) > 2 else ""


@dataclass
class Journal:
    """Every readable line of the journal, by coach id, and the numbers of lines that were not."""

    path: Path
    exists: bool = False
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    unreadable: list[int] = field(default_factory=list)

    def for_coach(self, coach_id) -> list[Entry]:
        return self.entries.get(str(coach_id), [])


def journal_path() -> Path:
    return Path(settings.ETHOS_DATA_DIR) / JOURNAL_NAME


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def append(*, coach_id, size: int, reason: Witness, note: str) -> None:
    """Append one checkpoint line, readable by the owner only, and force it to disk."""
    encoded = base64.b64encode(note.encode()).decode("ascii")
    line = f"{FORMAT} {_now()} {coach_id} {size} {Witness(reason)} {encoded}\n".encode()
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        # The umask can only take bits away, and an older file may have other bits: set them.
        os.fchmod(fd, 0o600)
        end = os.fstat(fd).st_size
        # A crash can leave a last line without its newline; start ours on a line of its own.
        if end and os.pread(fd, 1, end - 1) != b"\n":
            line = b"\n" + line
        # O_APPEND puts each write at the end, so lines from several processes never interleave.
        while line:
            line = line[os.write(fd, line) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        # Make the new file's name as durable as its content.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _entry(number: int, text: str) -> Entry | None:
    parts = text.split(" ")
    if len(parts) != 6 or parts[0] != FORMAT or not (parts[3].isdigit() and len(parts[3]) <= 20):
        return None
    try:
        note = base64.b64decode(parts[5], validate=True).decode()
    except (binascii.Error, ValueError):
        return None
    return Entry(
        line=number, written_at=parts[1], coach_id=parts[2], size=int(parts[3]), reason=parts[4], note=note
    )


def read(path: Path | None = None) -> Journal:
    """Read the whole journal. Lines are parsed, not verified: the verifier checks what it uses."""
    journal = Journal(path=Path(path) if path is not None else journal_path())
    entries: dict[str, list[Entry]] = defaultdict(list)
    try:
        handle = journal.path.open("rb")
    except FileNotFoundError:
        return journal
    with handle:
        journal.exists = True
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode("ascii").rstrip("\n")
            except UnicodeDecodeError:
                text = ""
            if not text:
                if raw.strip():
                    journal.unreadable.append(number)
                continue
            entry = _entry(number, text)
            if entry is None:
                journal.unreadable.append(number)
            else:
                entries[entry.coach_id].append(entry)
    journal.entries = dict(entries)
    return journal
