"""Backup and restore: one file with a practice (or the whole site), still encrypted.

File layout (UTF-8 text):

    ETHOS-BACKUP 2
    {manifest JSON}       canonical: sorted keys, no whitespace, ASCII
    — ethos-backup {base64(key ID || Ed25519 signature)}
    {row JSON}            one line per row, the payload
    ...

The manifest holds the format version, what the backup covers, counts per table, each coach's
latest signed audit checkpoint and the server's checkpoint verifier key, and the SHA-256 of the
payload bytes. The third line signs the exact bytes of the first two with the server's audit
signing key, in the C2SP signed-note signature syntax (key ID as signed notes compute it, for
the key name `ethos-backup`). So nobody without that key can edit a row, fix the counts and the
hash, and have the file restored. Rows are written field by field exactly as stored: encrypted
columns stay ciphertext (restored byte for byte), so the file alone reveals nothing about any
client. Version 1 files carry no signature and are refused.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import hashlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q

from ethos.audit import checkpoint as signed_notes
from ethos.audit import journal as checkpoint_journal
from ethos.audit.keys import KEY_NAME, open_checkpoint, public_key, signing_key
from ethos.audit.models import AuditEvent, AuditHead
from ethos.audit.selectors import verify_log
from ethos.audit.services import Witness, audit_nodes_backfill, checkpoint_witness
from ethos.progress import Report, quiet
from ethos.vault.fields import EncryptedField, Sealed

from .models import User

MAGIC = "ETHOS-BACKUP 2"
FORMAT_VERSION = 2
UNSIGNED_MAGIC = "ETHOS-BACKUP 1"
# The header is signed with the audit key under its own name: the key ID on the signature line
# says what the signature is for. The signed text starts with MAGIC, which no checkpoint origin
# (ethos/audit/<coach>) can, so a header signature never passes for a checkpoint or back.
SIGNATURE_KEY_NAME = "ethos-backup"
# Site-level tables: in a whole-site backup only, never in one coach's.
SITE_ONLY = {"accounts.invitation"}
# Short-lived bookkeeping that has no place in a copy of a practice: sign-in attempts by address,
# and the compliance report's kept counts (derived from the rows a backup does carry; restored,
# they could claim a version the restored database has not reached, so a restore recounts).
NOT_BACKED_UP = {"accounts.signinattempt", "standards.reportcounts"}


def backup_site_only(*labels: str) -> None:
    """Register models ("app_label.model") whose rows belong to the site, never to a coach's backup.

    Called from an app's ready(), so this module names no app above accounts: the association's
    complaints and cases are not the practice's to carry, even when a case is about the coach.
    """
    SITE_ONLY.update(label.lower() for label in labels)


def backup_never(*labels: str) -> None:
    """Register short-lived bookkeeping models that no backup carries (a rate limit's marks)."""
    NOT_BACKED_UP.update(label.lower() for label in labels)


NOT_A_BACKUP = "This is not an Ethos backup file (its first line is not '{magic}')."
DAMAGED = "This backup file is damaged or was changed: {detail}. Nothing was restored."
ALREADY_HERE = (
    "This database already holds {email} (or another account from this backup). Restore only into "
    "an empty database, or into one without these coaches. Nothing was restored."
)
OTHER_SIGNING_KEY = (
    "This backup and its audit log were signed by another server key ({theirs}); this server's key is "
    "{ours}. Copy that server's audit_signing_key into ETHOS_DATA_DIR (or set "
    "ETHOS_AUDIT_SIGNING_KEY) and restore again. Nothing was restored."
)
LOG_DOES_NOT_VERIFY = (
    "The audit log of {email} in this backup does not verify: {problem} Nothing was restored."
)
ROLLS_BACK = (
    "Restoring this backup would roll the audit log of {email} back behind this server's checkpoint "
    "journal: {problem} Nothing was restored. To go back to this backup on purpose, losing the events "
    "after it, move the journal ({path}) aside, keep it as the record of what was lost, and restore again."
)
UNSIGNED_VERSION_1 = (
    "This is a version 1 Ethos backup, written before backups were signed: nothing shows whether "
    "its rows were edited since, so Ethos no longer restores it. Make a new backup on the server "
    "that holds the practice. Nothing was restored."
)
SIGNATURE_INVALID = (
    "This backup's signature does not verify with this server's key: the file was changed after "
    "it was written (its rows, counts, checkpoints or payload hash). Nothing was restored."
)
PAYLOAD_ALTERED = DAMAGED.format(detail="the payload does not match its SHA-256 (truncated or altered)")
COUNTS_DIFFER = DAMAGED.format(detail="the row counts do not match the manifest")
CHECKPOINT_DOES_NOT_VERIFY = (
    "The signed checkpoint of the audit log of {email} in this backup {problem}. Nothing was restored."
)
CHECKPOINT_MISSING = "is missing, though the backup holds their log"
CHECKPOINT_UNSIGNED = "does not verify with this server's key for their log"
CHECKPOINT_OTHER_SIZE = "covers {signed} events, but the backup holds {found}"
CHECKPOINT_NOT_HEAD = "is not the head of their log stored in the backup"
CHECKPOINT_STRANGER = "is there, but the backup does not hold that account"
# Rows between two reports to `progress` (which itself writes at most once in a while).
REPORT_EVERY = 500
UNOWNED_MODEL = "Backup does not know who owns rows of {label}: give it a coach, user or data_key field."


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    counts: dict[str, int]
    sha256: str


# -- which rows belong to whom ----------------------------------------------------------


def _ethos_models() -> list[type[models.Model]]:
    # A model whose table does not exist holds no rows to keep (a model a test defines for
    # itself; a restore migrates the database first).
    tables = set(connection.introspection.table_names())
    found = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("ethos.")
        for model in config.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_BACKED_UP
        and model._meta.db_table in tables
    ]
    return _dependency_order(found)


def _dependency_order(found: list[type[models.Model]]) -> list[type[models.Model]]:
    """Order models so that every foreign key points at a model restored before it."""
    remaining, ordered = list(found), []
    while remaining:
        for model in remaining:
            targets = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not model
            }
            if not any(target in remaining for target in targets):
                ordered.append(model)
                remaining.remove(model)
                break
        else:  # a cycle: keep the rest in app order
            ordered.extend(remaining)
            break
    return ordered


# People whose accounts belong with a coach's practice besides the coach (a portal's clients, whose
# keys, log and account rows must travel with it): each function returns a Q on User. Registered
# from an app's ready() with `backup_companions`, so this module imports no app above accounts.
_companions: list[Callable[[User], Q]] = []


def backup_companions(function: Callable[[User], Q]) -> Callable[[User], Q]:
    """Register `function(coach) -> Q` naming other accounts a coach's backup carries."""
    if function not in _companions:
        _companions.append(function)
    return function


def _people(coach: User) -> list:
    """The ids of the accounts in a coach's backup: the coach and their registered companions."""
    wanted = Q(pk=coach.pk)
    for function in _companions:
        wanted |= function(coach)
    return list(User.objects.filter(wanted).order_by("pk").values_list("pk", flat=True))


def _owned_rows(model: type[models.Model], coach: User | None) -> models.QuerySet:
    label = model._meta.label_lower
    queryset = model._default_manager.all()
    if coach is None:
        return queryset
    people = _people(coach)
    if model is User:
        return queryset.filter(pk__in=people)
    if label in SITE_ONLY:
        return queryset.none()
    path = _owner_path(model)
    if path is None:
        raise BackupError(UNOWNED_MODEL.format(label=model._meta.label))
    return queryset.filter(**{f"{path}__in": people})


def _owner_path(model: type[models.Model], depth: int = 0) -> str | None:
    """The lookup from a row to its coach: directly, through its data key, or through a parent row."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    for direct in ("coach", "user"):
        if direct in fields and fields[direct].related_model is User:
            return direct
    if "data_key" in fields:
        return "data_key__coach"
    if depth < 3:
        for field in fields.values():
            if field.is_relation and field.related_model is not model and field.related_model is not None:
                parent = _owner_path(field.related_model, depth + 1)
                if parent is not None:
                    return f"{field.name}__{parent}"
    return None


# -- one row to JSON and back -----------------------------------------------------------


def _encode(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, EncryptedField):
        return base64.b64encode(value.blob if isinstance(value, Sealed) else bytes(value)).decode()
    if isinstance(field, models.BinaryField):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        # A Decimal as text keeps every digit (hours, fees); the field reads it back exactly.
        return str(value)
    return value


def _decode(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, EncryptedField):
        return Sealed(base64.b64decode(value))
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    if isinstance(field, models.JSONField):
        return value
    target = field.target_field if field.is_relation else field
    return target.to_python(value)


def _rows(model: type[models.Model], coach: User | None) -> Iterator[dict]:
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    for values in _owned_rows(model, coach).order_by("pk").values_list(*names).iterator(chunk_size=500):
        yield {
            "model": model._meta.label_lower,
            "fields": {f.attname: _encode(f, v) for f, v in zip(fields, values, strict=True)},
        }


# -- the signed header ------------------------------------------------------------------


def _manifest_line(manifest: dict) -> bytes:
    """Serialise the manifest canonically: sorted keys, no whitespace, ASCII only."""
    return (json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n").encode()


def _signature_line(header: bytes, private_key: Ed25519PrivateKey) -> bytes:
    """Sign the header's exact bytes (magic and manifest lines) and return the signature line."""
    key_id = signed_notes.key_id(SIGNATURE_KEY_NAME, private_key.public_key())
    signature = base64.b64encode(key_id + private_key.sign(header)).decode()
    return f"{signed_notes.EM_DASH} {SIGNATURE_KEY_NAME} {signature}\n".encode()


def _signature_verifies(header: bytes, line: bytes) -> bool:
    """Check the signature line against this server's key over the header's exact bytes."""
    # The bytes read are the bytes checked: nothing is re-serialised, so no canonical form
    # has to match between writer and reader.
    key = public_key()
    prefix = f"{signed_notes.EM_DASH} {SIGNATURE_KEY_NAME} ".encode()
    if not line.startswith(prefix) or not line.endswith(b"\n"):
        return False
    try:
        raw = base64.b64decode(line[len(prefix) : -1], validate=True)
    except (binascii.Error, ValueError):
        return False
    key_id, signature = raw[: signed_notes.KEY_ID_LEN], raw[signed_notes.KEY_ID_LEN :]
    if key_id != signed_notes.key_id(SIGNATURE_KEY_NAME, key):
        return False  # another key, or another kind of signature: never ours
    if len(signature) != signed_notes.ED25519_SIG_LEN:
        return False
    try:
        key.verify(signature, header)
    except InvalidSignature:
        return False
    return True


# -- writing ----------------------------------------------------------------------------


def _coaches(coach: User | None) -> list[User]:
    if coach is None:
        return list(User.objects.order_by("pk"))
    return list(User.objects.filter(pk__in=_people(coach)).order_by("pk"))


def _create_private(path: Path) -> BinaryIO:
    """Create a new file that only its owner can read, whatever the process umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def backup_write(*, out: Path, coach: User | None = None, progress: Report = quiet) -> BackupResult:
    """Write a backup of one coach's practice (or, with no coach, of the whole site)."""
    out = Path(out)
    done = 0
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    payload_path = out.with_name(f".{out.name}.payload-{uuid.uuid4().hex}")
    final_tmp = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex}")
    try:
        # One consistent snapshot of the database for the whole file.
        with transaction.atomic(), _create_private(payload_path) as payload:
            found = _ethos_models()
            # Counted in the same snapshot as the rows, so the last report says "N of N".
            total = sum(_owned_rows(model, coach).count() for model in found)
            progress("Writing the backup", 0, total, "rows")
            for model in found:
                for row in _rows(model, coach):
                    line = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()
                    digest.update(line)
                    payload.write(line)
                    counts[row["model"]] = counts.get(row["model"], 0) + 1
                    done += 1
                    if done % REPORT_EVERY == 0:
                        progress("Writing the backup", done, total, "rows")
            progress("Writing the backup", done, total, "rows")
            heads = {
                str(head.coach_id): head.checkpoint
                for head in AuditHead.objects.filter(coach__in=_coaches(coach))
            }
        manifest = {
            "format": FORMAT_VERSION,
            "scope": "coach" if coach is not None else "site",
            "coach": str(coach.pk) if coach is not None else None,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "counts": counts,
            "checkpoints": heads,
            "verifier_key": signed_notes.verifier_key_string(KEY_NAME, public_key()),
            "payload_sha256": digest.hexdigest(),
        }
        with _create_private(final_tmp) as handle, payload_path.open("rb") as payload:
            header = (MAGIC + "\n").encode() + _manifest_line(manifest)
            handle.write(header + _signature_line(header, signing_key()))
            while chunk := payload.read(1 << 20):
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        # Only a complete file ever carries the final name.
        os.replace(final_tmp, out)
    finally:
        payload_path.unlink(missing_ok=True)
        final_tmp.unlink(missing_ok=True)
    return BackupResult(path=out, counts=counts, sha256=manifest["payload_sha256"])


# -- reading ----------------------------------------------------------------------------


def _read(path: Path) -> tuple[dict, list[bytes]]:
    try:
        with Path(path).open("rb") as handle:
            first = handle.readline()
            manifest_line = handle.readline()
            signature_line = handle.readline()
            lines = handle.readlines()
    except OSError as error:
        raise BackupError(f"Cannot open the backup file: {error.strerror}.") from None
    magic = first.rstrip(b"\n").decode("utf-8", "replace")
    if magic == UNSIGNED_MAGIC:
        raise BackupError(UNSIGNED_VERSION_1)
    if magic != MAGIC:
        raise BackupError(NOT_A_BACKUP.format(magic=MAGIC))
    try:
        manifest = json.loads(manifest_line)
    except ValueError:
        raise BackupError(DAMAGED.format(detail="the manifest is unreadable")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(DAMAGED.format(detail="the manifest has an unknown format"))
    # The manifest is read before its signature is checked only to name the key it claims: a
    # backup from another server gets the message that says how to restore it.
    ours = signed_notes.verifier_key_string(KEY_NAME, public_key())
    if manifest.get("verifier_key") != ours:
        raise BackupError(OTHER_SIGNING_KEY.format(theirs=manifest.get("verifier_key"), ours=ours))
    if not _signature_verifies(first + manifest_line, signature_line):
        raise BackupError(SIGNATURE_INVALID)
    # From here on the manifest is the server's own word: the payload must match its hash.
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    if digest.hexdigest() != manifest.get("payload_sha256"):
        raise BackupError(PAYLOAD_ALTERED)
    return manifest, lines


def _objects(lines: list[bytes], progress: Report = quiet) -> dict[str, list[models.Model]]:
    by_label: dict[str, list[models.Model]] = {}
    progress("Reading the backup", 0, len(lines), "rows")
    for number, line in enumerate(lines, 1):
        if number % REPORT_EVERY == 0:
            progress("Reading the backup", number, len(lines), "rows")
        row = json.loads(line)
        model = apps.get_model(row["model"])
        fields = {f.attname: f for f in model._meta.concrete_fields}
        values = {name: _decode(fields[name], value) for name, value in row["fields"].items()}
        by_label.setdefault(row["model"], []).append(model(**values))
    return by_label


def _check_checkpoints(manifest: dict, objects: dict[str, list[models.Model]]) -> None:
    """Refuse unless each coach's checkpoint in the manifest is the signed head of their rows."""
    checkpoints = manifest.get("checkpoints")
    if not isinstance(checkpoints, dict) or not all(isinstance(v, str) for v in checkpoints.values()):
        raise BackupError(DAMAGED.format(detail="the manifest's checkpoints are unreadable"))
    users = {str(user.pk): user for user in objects.get(User._meta.label_lower, [])}
    strangers = sorted(checkpoints.keys() - users.keys())
    if strangers:
        raise BackupError(CHECKPOINT_DOES_NOT_VERIFY.format(email=strangers[0], problem=CHECKPOINT_STRANGER))
    heads = {str(head.coach_id): head for head in objects.get(AuditHead._meta.label_lower, [])}
    events = Counter(str(event.coach_id) for event in objects.get(AuditEvent._meta.label_lower, []))
    for coach_id, user in users.items():
        text, head = checkpoints.get(coach_id, ""), heads.get(coach_id)
        if not text:
            if not events[coach_id] and (head is None or not head.checkpoint):
                continue  # an account with no log at all: nothing to tie to a tree head
            problem = CHECKPOINT_MISSING
        else:
            try:
                signed = open_checkpoint(text, user.pk)
            except signed_notes.CheckpointError:
                problem = CHECKPOINT_UNSIGNED
            else:
                if signed.size != events[coach_id]:
                    problem = CHECKPOINT_OTHER_SIZE.format(signed=signed.size, found=events[coach_id])
                elif head is None or head.checkpoint != text:
                    problem = CHECKPOINT_NOT_HEAD
                else:
                    continue
        raise BackupError(CHECKPOINT_DOES_NOT_VERIFY.format(email=user.email, problem=problem))


def _log_progress(progress: Report, email: str, total: int) -> Callable[[int], None] | None:
    """Report the check of one restored log; none for an account with no log of its own."""
    if not total:
        return None  # a portal client's account: their events are in their coach's log
    return lambda done: progress(f"Checking the restored log of {email}", done, total, "events")


def restore_read(*, path: Path, progress: Report = quiet) -> dict[str, int]:
    """Restore a backup into this database. Refuse, changing nothing, if anything is off."""
    manifest, lines = _read(path)
    try:
        objects = _objects(lines, progress)
    except (ValueError, KeyError, LookupError, TypeError) as error:
        raise BackupError(DAMAGED.format(detail=f"a row cannot be read ({error})")) from None
    counts = {label: len(rows) for label, rows in objects.items()}
    progress("Reading the backup", len(lines), len(lines), "rows")
    if counts != manifest.get("counts"):
        raise BackupError(COUNTS_DIFFER)
    _check_checkpoints(manifest, objects)
    users = objects.get(User._meta.label_lower, [])
    # What this server's journal saw, read before the rows go in.
    try:
        witnesses = checkpoint_journal.read()
    except OSError as error:
        raise BackupError(f"Cannot read the checkpoint journal: {error}. Nothing was restored.") from None
    with transaction.atomic():
        clash = User.objects.filter(
            models.Q(pk__in=[u.pk for u in users]) | models.Q(email__in=[u.email for u in users])
        ).first()
        if clash is not None:
            raise BackupError(ALREADY_HERE.format(email=clash.email))
        written, total = 0, sum(counts.values())
        progress("Restoring", 0, total, "rows")
        for model in _ethos_models():
            rows = objects.get(model._meta.label_lower)
            if rows:
                model._default_manager.bulk_create(rows, batch_size=500)
                written += len(rows)
                progress("Restoring", written, total, "rows")
        events = Counter(str(event.coach_id) for event in objects.get(AuditEvent._meta.label_lower, []))
        for user in users:
            report = verify_log(
                user,
                kept_checkpoint=manifest["checkpoints"].get(str(user.pk)) or None,
                witnessed=witnesses.for_coach(user.pk),
                progress=_log_progress(progress, user.email, events[str(user.pk)]),
            )
            if report.behind_witness:
                raise BackupError(
                    ROLLS_BACK.format(email=user.email, problem=report.problems[0], path=witnesses.path)
                )
            if not report.ok:
                raise BackupError(LOG_DOES_NOT_VERIFY.format(email=user.email, problem=report.problems[0]))
            # A backup made before the log stored its subtree hashes carries none: build them
            # from the verified events, so the check at sign-in stays logarithmic.
            audit_nodes_backfill(coach_id=user.pk)
            # The restored head is this server's new starting point.
            checkpoint_witness(coach=user, reason=Witness.RESTORE)
    return counts
