"""Verifiable certificates: W3C VC 2.0 secured with JOSE, and Bitstring Status Lists v1.0.

A certificate is a compact JWS (`typ` `vc+jwt`, `cty` `vc`, the media types of VC-JOSE-COSE;
`alg` `Ed25519`, the fully specified name RFC 9864 gives EdDSA over Ed25519; `kid` the
association key's name). Its payload is the credential itself, plus `iat`, `nbf` and `exp` so
that any JWT library refuses it outside its dates. It names the coach by public name and
certificate number only, and carries two `BitstringStatusListEntry` entries (revocation and
suspension), each a random index into a list of 131,072 bits. The status list credential is
served signed at a stable address; its `encodedList` is multibase base64url ("u") of the GZIP
of the bitstring, the first index being the leftmost bit.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError

from . import keys
from .models import Certification, IssuedCredential, StatusEntry, StatusList

TYP = "vc+jwt"
CTY = "vc"
ALG = "Ed25519"
CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATUS_LIST_LIFETIME = datetime.timedelta(days=1)
# How long a verifier may cache the status list: a flipped bit shows within this time.
STATUS_LIST_MAX_AGE = 300
MAX_TOKEN_LENGTH = 20_000

Purpose = StatusList.Purpose


def base_url() -> str:
    return (settings.ETHOS_BASE_URL or "http://localhost").rstrip("/")


def issuer_id() -> str:
    return base_url() + "/association/"


def status_list_url(purpose: str) -> str:
    return base_url() + reverse("certification_public:status_list", args=[purpose])


# -- the bitstrings -----------------------------------------------------------------------


def _status_list(purpose: str, *, for_update: bool = False) -> StatusList:
    lists = StatusList.objects.select_for_update() if for_update else StatusList.objects
    found = lists.filter(purpose=purpose).first()
    if found is None:
        found, _ = StatusList.objects.get_or_create(
            purpose=purpose, defaults={"bits": bytes(StatusList.SIZE_BITS // 8)}
        )
        if for_update:
            found = StatusList.objects.select_for_update().get(pk=found.pk)
    return found


def bit_at(bits: bytes, index: int) -> bool:
    """Read bit `index`: index 0 is the leftmost bit of the first byte (Bitstring Status List)."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _with_bit(bits: bytes, index: int, value: bool) -> bytes:
    changed = bytearray(bits)
    if value:
        changed[index // 8] |= 0x80 >> (index % 8)
    else:
        changed[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(changed)


def encode_list(bits: bytes) -> str:
    """Return the `encodedList`: multibase base64url, no padding ("u"), of the GZIP of the bits."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url.")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def status_entries_assign(certification: Certification) -> list[StatusEntry]:
    """Give a certification a random, unused index in each status list (once)."""
    entries = []
    for purpose in Purpose.values:
        status_list = _status_list(purpose)
        entry = StatusEntry.objects.filter(certification=certification, status_list=status_list).first()
        while entry is None:
            index = secrets.randbelow(StatusList.SIZE_BITS)
            if not StatusEntry.objects.filter(status_list=status_list, index=index).exists():
                entry = StatusEntry.objects.create(
                    certification=certification, status_list=status_list, index=index
                )
        entries.append(entry)
    return entries


def status_bit_set(certification: Certification, purpose: str, value: bool) -> None:
    """Set or clear the certification's bit in one list (call inside the service's transaction)."""
    status_entries_assign(certification)
    status_list = _status_list(purpose, for_update=True)
    index = StatusEntry.objects.get(certification=certification, status_list=status_list).index
    status_list.bits = _with_bit(bytes(status_list.bits), index, value)
    status_list.updated_at = timezone.now()
    status_list.save(update_fields=["bits", "updated_at"])


# -- signing ------------------------------------------------------------------------------


def _sign(payload: dict) -> str:
    header = {"alg": ALG, "typ": TYP, "cty": CTY, "kid": keys.key_id()}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, keys.jwk(private=True), algorithms=[ALG])


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_payload(certification: Certification, *, now: datetime.datetime) -> dict:
    """Return the credential for a certification: public name and number, dates, two status entries."""
    valid_from = _moment(certification.issued_on)
    valid_until = _moment(certification.renews_on)
    status = [
        {
            "id": f"{status_list_url(entry.status_list.purpose)}#{entry.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": entry.status_list.purpose,
            "statusListIndex": str(entry.index),
            "statusListCredential": status_list_url(entry.status_list.purpose),
        }
        for entry in StatusEntry.objects.filter(certification=certification).select_related("status_list")
    ]
    return {
        "@context": [CONTEXT],
        "id": f"{base_url()}/association/certificates/{certification.number}",
        "type": ["VerifiableCredential", "CoachCertificationCredential"],
        "issuer": issuer_id(),
        "validFrom": _iso(valid_from),
        "validUntil": _iso(valid_until),
        "credentialSubject": {"name": certification.public_name, "certificateNumber": certification.number},
        "credentialStatus": sorted(status, key=lambda entry: entry["statusPurpose"]),
        "iat": int(now.timestamp()),
        "nbf": int(valid_from.timestamp()),
        "exp": int(valid_until.timestamp()),
    }


def credential_sign(certification: Certification, *, now: datetime.datetime) -> IssuedCredential:
    """Sign a certificate and keep it (the service `credential_issue` logs it)."""
    status_entries_assign(certification)
    payload = credential_payload(certification, now=now)
    return IssuedCredential.objects.create(
        certification=certification,
        token=_sign(payload),
        issued_at=now,
        valid_until=_moment(certification.renews_on),
    )


def status_list_credential(purpose: str, *, now: datetime.datetime | None = None) -> str:
    """Return the signed BitstringStatusListCredential of one purpose, as it stands now."""
    now = now or timezone.now()
    status_list = _status_list(purpose)
    url = status_list_url(purpose)
    payload = {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": _iso(now),
        "validUntil": _iso(now + STATUS_LIST_LIFETIME),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(bytes(status_list.bits)),
        },
        "iat": int(now.timestamp()),
        "exp": int((now + STATUS_LIST_LIFETIME).timestamp()),
    }
    return _sign(payload)


# -- verifying ----------------------------------------------------------------------------

INVALID_FORMAT = "This is not a certificate Ethos can read."
INVALID_SIGNATURE = "The signature does not match: the certificate was changed or not issued by us."
INVALID_TYPE = "The certificate is not marked as a verifiable credential (typ vc+jwt)."
INVALID_KEY = "The certificate names a key the association does not use."
INVALID_EXPIRED = "The certificate expired on {day}."
INVALID_NOT_YET = "The certificate is not valid before {day}."


@dataclass(frozen=True)
class CredentialCheck:
    """What a pasted certificate says, once its signature, type, key and dates are checked."""

    ok: bool
    problem: str = ""
    payload: dict = field(default_factory=dict)
    statuses: dict[str, bool] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return str(self.payload.get("credentialSubject", {}).get("certificateNumber", ""))


def credential_verify(token: str, *, now: datetime.datetime | None = None) -> CredentialCheck:
    """Verify a compact JWS certificate with our own key; read its status bits from our lists."""
    now = now or timezone.now()
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return CredentialCheck(ok=False, problem=INVALID_FORMAT)
    head = token.split(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return CredentialCheck(ok=False, problem=INVALID_FORMAT)
    if not isinstance(header, dict):
        return CredentialCheck(ok=False, problem=INVALID_FORMAT)
    if header.get("kid") != keys.key_id():
        return CredentialCheck(ok=False, problem=INVALID_KEY)
    if header.get("typ") != TYP:
        return CredentialCheck(ok=False, problem=INVALID_TYPE)
    try:
        verified = jws.deserialize_compact(token, keys.jwk(), algorithms=[ALG])
        payload = json.loads(verified.payload)
    except (JoseError, ValueError):
        return CredentialCheck(ok=False, problem=INVALID_SIGNATURE)
    if not isinstance(payload, dict):
        return CredentialCheck(ok=False, problem=INVALID_FORMAT)
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if not isinstance(exp, int) or now.timestamp() >= exp:
        day = datetime.datetime.fromtimestamp(exp if isinstance(exp, int) else 0, datetime.UTC).date()
        return CredentialCheck(ok=False, problem=INVALID_EXPIRED.format(day=day), payload=payload)
    if isinstance(nbf, int) and now.timestamp() < nbf:
        day = datetime.datetime.fromtimestamp(nbf, datetime.UTC).date()
        return CredentialCheck(ok=False, problem=INVALID_NOT_YET.format(day=day), payload=payload)
    return CredentialCheck(ok=True, payload=payload, statuses=_statuses(payload))


def _statuses(payload: dict) -> dict[str, bool]:
    """Read each status entry's bit from our own list (never from an address the credential names)."""
    found = {}
    entries = payload.get("credentialStatus") or []
    for entry in entries if isinstance(entries, list) else []:
        purpose = entry.get("statusPurpose") if isinstance(entry, dict) else None
        if purpose not in Purpose.values or entry.get("statusListCredential") != status_list_url(purpose):
            continue
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            continue
        if 0 <= index < StatusList.SIZE_BITS:
            found[purpose] = bit_at(bytes(_status_list(purpose).bits), index)
    return found
