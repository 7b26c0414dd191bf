"""Encrypted model fields: plaintext in Python, AES-256-GCM ciphertext in the database.

Each value is encrypted with the data key its row names (`data_key` foreign key) and bound, by
the associated data, to the coach, model, field, row id and key id: a ciphertext copied to
another row, column, client or coach fails to decrypt instead of showing someone else's words.

Rows load lazily: the database value stays sealed until the attribute is read, so list pages
that show nothing encrypted never decrypt, and a locked vault can still load rows by id.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.core import checks
from django.core.exceptions import FieldError
from django.db import models
from django.utils.functional import cached_property

from . import crypto
from .context import FieldKey, current_vault

QUERY_REFUSED = (
    "{field} is encrypted: the database cannot search, compare, sort or index it. "
    "Filter on a plain column (id, status, dates) and compare decrypted values in Python."
)


class Sealed:
    """A ciphertext as loaded from the database, not yet decrypted."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def __repr__(self) -> str:
        return f"<Sealed {len(self.blob)} bytes>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.blob == self.blob

    __hash__ = None  # type: ignore[assignment]


def _field_key(instance: models.Model) -> FieldKey:
    vault = current_vault()
    data_key_id = instance.__dict__.get("data_key_id") or instance.data_key_id  # loads it if deferred
    if type(data_key_id) is uuid.UUID:
        found = vault.field_keys.get(data_key_id.int)
        if found is not None:
            return found
    # A DataKey loaded with select_related saves a query; otherwise the vault fetches it by id
    # once per request, so reading many rows under one key costs one query, not one per row.
    return vault.field_key(data_key_id, row=instance._state.fields_cache.get("data_key"))


def _aad(key: FieldKey, field: EncryptedField, row_id) -> bytes:
    """The same bytes as `crypto.field_aad`, from the key's and the field's cached parts.

    The row id is encoded afresh each time (under a microsecond): keeping it on the record would
    grow the record's attribute dictionary, which costs more than encoding it again.
    """
    return key.head + field.aad_static + crypto.aad_part("row_id", row_id) + key.key_part


def aad_for(instance: models.Model, field: EncryptedField, key: FieldKey | None = None) -> bytes:
    """The associated data of one value of a record."""
    return _aad(key or _field_key(instance), field, instance.__dict__.get(field.pk_attname))


class _SealedAttribute:
    """Decrypt on first read; keep the plaintext on the instance afterwards."""

    __slots__ = ("attname", "field")

    def __init__(self, field: EncryptedField) -> None:
        self.field = field
        self.attname = field.attname

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        state = instance.__dict__
        value = state.get(self.attname)
        if type(value) is Sealed:
            value = state[self.attname] = self.field.open(instance, value)
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.attname] = value


class EncryptedField(models.BinaryField):
    """Base class: subclasses say how a Python value becomes bytes and back."""

    python_types: tuple[type, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("editable", True)
        # An encrypted value that may be missing may also be left empty in a form.
        if kwargs.get("null"):
            kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    # -- conversion --------------------------------------------------------------------

    def to_bytes(self, value: Any) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_bytes(self, raw: bytes) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @cached_property
    def pk_attname(self) -> str:
        return self.model._meta.pk.attname

    @cached_property
    def aad_static(self) -> bytes:
        """The parts of the associated data that are the same for every row: model and field."""
        return crypto.aad_part("model", self.model._meta.label_lower) + crypto.aad_part("field", self.name)

    def seal(self, instance: models.Model, value: Any) -> bytes:
        if not isinstance(value, self.python_types):
            raise TypeError(f"{self.name} takes {self.python_types[0].__name__}, not {type(value).__name__}.")
        key = _field_key(instance)
        return key.cipher.encrypt(self.to_bytes(value), aad=aad_for(instance, self, key))

    def open(self, instance: models.Model, sealed: Sealed) -> Any:
        key = _field_key(instance)
        return self.from_bytes(key.cipher.decrypt(sealed.blob, aad=aad_for(instance, self, key)))

    def open_row(self, sealed: Sealed, *, pk, data_key_id) -> Any:
        """Open a value read as a plain row (`values_list`), as reading it off its record would.

        The same key (the coach's own only, fetched once per request), the same associated data
        (this field, that row id, that key): a page that needs one value of many rows does not
        build a record for each to open it.
        """
        key = current_vault().field_key(data_key_id)
        return self.from_bytes(key.cipher.decrypt(sealed.blob, aad=_aad(key, self, pk)))

    # -- Django plumbing ---------------------------------------------------------------

    def contribute_to_class(self, cls, name, *args, **kwargs) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _SealedAttribute(self))

    def from_db_value(self, value, expression, connection):
        # SQLite gives bytes, PostgreSQL a memoryview (copied, so the value outlives the row).
        if type(value) is bytes:
            return Sealed(value)
        return None if value is None else Sealed(bytes(value))

    def to_python(self, value):
        return value

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        return self.seal(model_instance, value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, Sealed):
            value = value.blob
        return super().get_db_prep_value(value, connection, prepared)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(QUERY_REFUSED.format(field=self.name))

    def get_transform(self, lookup_name):
        raise FieldError(QUERY_REFUSED.format(field=self.name))

    def formfield(self, **kwargs):
        # Never rendered by a ModelForm or the admin: forms name their own plain fields.
        return None

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        meta = self.model._meta
        if self.unique or self.db_index or self.primary_key:
            errors.append(checks.Error(QUERY_REFUSED.format(field=self.name), obj=self, id="vault.E001"))
        ordering = {str(item).lstrip("-") for item in meta.ordering or ()}
        indexed = {name.lstrip("-") for index in meta.indexes for name in index.fields}
        constrained = {
            name for constraint in meta.constraints for name in getattr(constraint, "fields", ()) or ()
        }
        if self.name in ordering | indexed | constrained:
            errors.append(checks.Error(QUERY_REFUSED.format(field=self.name), obj=self, id="vault.E002"))
        if not any(f.name == "data_key" and f.is_relation for f in meta.get_fields()):
            errors.append(
                checks.Error(
                    f"{meta.label} has encrypted fields but no data_key: subclass ethos.vault.VaultModel.",
                    obj=self,
                    id="vault.E003",
                )
            )
        return errors


class EncryptedTextField(EncryptedField):
    python_types = (str,)

    def to_bytes(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, raw: bytes) -> str:
        return raw.decode("utf-8")


class EncryptedBytesField(EncryptedField):
    """A file or any other bytes (evidence, a signed consent, a disclosure bundle), sealed like the rest."""

    python_types = (bytes,)

    def to_bytes(self, value: bytes) -> bytes:
        return bytes(value)

    def from_bytes(self, raw: bytes) -> bytes:
        return raw


class EncryptedJSONField(EncryptedField):
    python_types = (dict, list, str, int, float, bool)

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()

    def from_bytes(self, raw: bytes) -> Any:
        return json.loads(raw)


class EncryptedDateField(EncryptedField):
    python_types = (datetime.date,)

    def seal(self, instance, value):
        if isinstance(value, datetime.datetime):
            raise TypeError(f"{self.name} takes a date, not a datetime.")
        return super().seal(instance, value)

    def to_bytes(self, value: datetime.date) -> bytes:
        return value.isoformat().encode()

    def from_bytes(self, raw: bytes) -> datetime.date:
        return datetime.date.fromisoformat(raw.decode())


class VaultQuerySet(models.QuerySet):
    def order_by(self, *field_names):
        encrypted = {f.name for f in self.model._meta.concrete_fields if isinstance(f, EncryptedField)}
        for name in field_names:
            if isinstance(name, str) and name.lstrip("-?") in encrypted:
                raise FieldError(QUERY_REFUSED.format(field=name.lstrip("-")))
        return super().order_by(*field_names)
