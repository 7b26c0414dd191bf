"""Backup and restore: one file with a practice (or the whole site), still encrypted.

File layout (UTF-8 text):

    ETHOS-BACKUP 1
    {manifest JSON}
    {row JSON}            one line per row, the payload
    ...

The manifest holds the format version, what the backup covers, counts per table, each coach's
latest signed audit checkpoint and the server's checkpoint verifier key, and the SHA-256 of the
payload bytes. Rows are written field by field exactly as stored: encrypted columns stay
ciphertext (restored byte for byte), so the file alone reveals nothing about any client.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models, transaction

from ethos.audit import checkpoint as signed_notes
from ethos.audit.keys import KEY_NAME, public_key
from ethos.audit.models import AuditHead
from ethos.audit.selectors import verify_log
from ethos.vault.fields import EncryptedField, Sealed

from .models import User

MAGIC = "ETHOS-BACKUP 1"
FORMAT_VERSION = 1
# Site-level tables: in a whole-site backup only, never in one coach's.
SITE_ONLY = {"accounts.invitation"}

NOT_A_BACKUP = "This is not an Ethos backup file (its first line is not '{magic}')."
DAMAGED = "This backup file is damaged or was changed: {detail}. Nothing was restored."
ALREADY_HERE = (
    "This database already holds {email} (or another account from this backup). Restore only into "
    "an empty database, or into one without these coaches. Nothing was restored."
)
OTHER_SIGNING_KEY = (
    "This backup's audit log was signed by another server key ({theirs}); this server's key is "
    "{ours}. Copy that server's audit_signing_key into ETHOS_DATA_DIR (or set "
    "ETHOS_AUDIT_SIGNING_KEY) and restore again. Nothing was restored."
)
LOG_DOES_NOT_VERIFY = (
    "The audit log of {email} in this backup does not verify: {problem} Nothing was restored."
)
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
    found = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("ethos.")
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
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


def _owned_rows(model: type[models.Model], coach: User | None) -> models.QuerySet:
    label = model._meta.label_lower
    queryset = model._default_manager.all()
    if coach is None:
        return queryset
    if model is User:
        return queryset.filter(pk=coach.pk)
    if label in SITE_ONLY:
        return queryset.none()
    path = _owner_path(model)
    if path is None:
        raise BackupError(UNOWNED_MODEL.format(label=model._meta.label))
    return queryset.filter(**{path: coach})


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
    if isinstance(value, uuid.UUID):
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


# -- writing ----------------------------------------------------------------------------


def _coaches(coach: User | None) -> list[User]:
    return [coach] if coach is not None else list(User.objects.order_by("pk"))


def backup_write(*, out: Path, coach: User | None = None) -> BackupResult:
    """Write a backup of one coach's practice (or, with no coach, of the whole site)."""
    out = Path(out)
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    payload_path = out.with_name(f".{out.name}.payload-{uuid.uuid4().hex}")
    final_tmp = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex}")
    try:
        # One consistent snapshot of the database for the whole file.
        with transaction.atomic(), payload_path.open("wb") as payload:
            for model in _ethos_models():
                for row in _rows(model, coach):
                    line = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()
                    digest.update(line)
                    payload.write(line)
                    counts[row["model"]] = counts.get(row["model"], 0) + 1
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
        with final_tmp.open("wb") as handle, payload_path.open("rb") as payload:
            handle.write((MAGIC + "\n").encode())
            handle.write((json.dumps(manifest, sort_keys=True) + "\n").encode())
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
            lines = handle.readlines()
    except OSError as error:
        raise BackupError(f"Cannot open the backup file: {error.strerror}.") from None
    if first.rstrip(b"\n").decode("utf-8", "replace") != MAGIC:
        raise BackupError(NOT_A_BACKUP.format(magic=MAGIC))
    try:
        manifest = json.loads(manifest_line)
    except ValueError:
        raise BackupError(DAMAGED.format(detail="the manifest is unreadable")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(DAMAGED.format(detail="the manifest has an unknown format"))
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    if digest.hexdigest() != manifest.get("payload_sha256"):
        raise BackupError(
            DAMAGED.format(detail="the payload does not match its SHA-256 (truncated or altered)")
        )
    return manifest, lines


def _objects(lines: Iterable[bytes]) -> dict[str, list[models.Model]]:
    by_label: dict[str, list[models.Model]] = {}
    for line in lines:
        row = json.loads(line)
        model = apps.get_model(row["model"])
        fields = {f.attname: f for f in model._meta.concrete_fields}
        values = {name: _decode(fields[name], value) for name, value in row["fields"].items()}
        by_label.setdefault(row["model"], []).append(model(**values))
    return by_label


def restore_read(*, path: Path) -> dict[str, int]:
    """Restore a backup into this database. Refuse, changing nothing, if anything is off."""
    manifest, lines = _read(path)
    ours = signed_notes.verifier_key_string(KEY_NAME, public_key())
    if manifest.get("verifier_key") != ours:
        raise BackupError(OTHER_SIGNING_KEY.format(theirs=manifest.get("verifier_key"), ours=ours))
    try:
        objects = _objects(lines)
    except (ValueError, KeyError, LookupError, TypeError) as error:
        raise BackupError(DAMAGED.format(detail=f"a row cannot be read ({error})")) from None
    counts = {label: len(rows) for label, rows in objects.items()}
    if counts != manifest.get("counts"):
        raise BackupError(DAMAGED.format(detail="the row counts do not match the manifest"))
    users = objects.get(User._meta.label_lower, [])
    with transaction.atomic():
        clash = User.objects.filter(
            models.Q(pk__in=[u.pk for u in users]) | models.Q(email__in=[u.email for u in users])
        ).first()
        if clash is not None:
            raise BackupError(ALREADY_HERE.format(email=clash.email))
        for model in _ethos_models():
            rows = objects.get(model._meta.label_lower)
            if rows:
                model._default_manager.bulk_create(rows, batch_size=500)
        for user in users:
            report = verify_log(user, kept_checkpoint=manifest["checkpoints"].get(str(user.pk)) or None)
            if not report.ok:
                raise BackupError(LOG_DOES_NOT_VERIFY.format(email=user.email, problem=report.problems[0]))
    return counts
