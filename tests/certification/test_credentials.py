"""Verifiable certificates and status lists: issued, verified, flipped, and checked by `jose`."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from ethos.certification import credentials, keys
from ethos.certification.credentials import (
    INVALID_EXPIRED,
    INVALID_KEY,
    INVALID_SIGNATURE,
    INVALID_TYPE,
    credential_verify,
)
from ethos.certification.models import StatusEntry, StatusList
from ethos.certification.services import credential_issue
from tests.certification.conftest import register, set_status

pytestmark = pytest.mark.django_db

NODE_DIR = Path(__file__).parent / "node"


def _parts(token: str) -> tuple[dict, dict]:
    head, body, _ = token.split(".")
    pad = lambda text: text + "=" * (-len(text) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body)))


def _resign(payload: dict, header: dict, key=None) -> str:
    key = key or keys.jwk(private=True)
    return jws.serialize_compact(header, json.dumps(payload).encode(), key, algorithms=["Ed25519"])


@pytest.fixture
def issued(staff_member, coach):
    certification = register(staff_member, coach=coach, number="TRC-000777", public_name="Ada Coach")
    return credential_issue(staff=staff_member, certification=certification)


def test_e1_a_certificate_is_a_vc_2_jwt_naming_only_the_public_name_and_number(issued):
    header, payload = _parts(issued.token)
    assert header == {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": keys.key_id()}
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert payload["type"] == ["VerifiableCredential", "CoachCertificationCredential"]
    assert payload["credentialSubject"] == {"name": "Ada Coach", "certificateNumber": "TRC-000777"}
    entries = payload["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert all(e["type"] == "BitstringStatusListEntry" for e in entries)
    assert all(0 <= int(e["statusListIndex"]) < StatusList.SIZE_BITS for e in entries)
    assert StatusList.SIZE_BITS >= 131_072
    assert credential_verify(issued.token).ok


def test_e1_status_indexes_are_random_and_unique_per_list(staff_member):
    for number in range(20):
        register(staff_member, number=f"TRC-1{number:05d}")
    for status_list in StatusList.objects.all():
        indexes = list(StatusEntry.objects.filter(status_list=status_list).values_list("index", flat=True))
        assert len(indexes) == len(set(indexes)) == 20
        assert indexes != sorted(indexes) or max(indexes) > 1000


def test_e1_set_status_flips_the_right_bits(staff_member, issued):
    certification = issued.certification

    def bits():
        return {
            e.status_list.purpose: credentials.bit_at(bytes(e.status_list.bits), e.index)
            for e in StatusEntry.objects.filter(certification=certification).select_related("status_list")
        }

    assert bits() == {"revocation": False, "suspension": False}
    set_status(staff_member, certification, "suspended")
    assert bits() == {"revocation": False, "suspension": True}
    set_status(staff_member, certification, "active")
    assert bits() == {"revocation": False, "suspension": False}
    set_status(staff_member, certification, "revoked")
    assert bits()["revocation"] is True
    with pytest.raises(ValidationError, match="cannot be reinstated"):
        set_status(staff_member, certification, "active")
    assert bits()["revocation"] is True


def test_e1_only_an_active_certification_is_issued(staff_member):
    certification = register(staff_member)
    set_status(staff_member, certification, "suspended")
    with pytest.raises(ValidationError, match="Only an active"):
        credential_issue(staff=staff_member, certification=certification)
    assert not certification.credentials.exists()


def test_the_status_list_is_served_signed_with_a_short_cache_lifetime(issued):
    response = Browser().get(reverse("certification_public:status_list", args=["revocation"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    assert response["Cache-Control"] == f"public, max-age={credentials.STATUS_LIST_MAX_AGE}"
    assert credentials.STATUS_LIST_MAX_AGE <= 300
    header, payload = _parts(response.content.decode())
    assert header["typ"] == "vc+jwt" and payload["type"][1] == "BitstringStatusListCredential"
    subject = payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert len(credentials.decode_list(subject["encodedList"])) * 8 == StatusList.SIZE_BITS
    assert Browser().get(reverse("certification_public:status_list", args=["other"])).status_code == 404


def test_our_verifier_rejects_a_tampered_signature_a_wrong_typ_an_expired_credential_and_an_unknown_key(
    issued,
):
    header, payload = _parts(issued.token)
    head, body, signature = issued.token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert credential_verify(f"{head}.{body}.{flipped}").problem == INVALID_SIGNATURE
    tampered_body = dict(payload, credentialSubject={"name": "Mallory", "certificateNumber": "TRC-000777"})
    forged = _resign(tampered_body, header).split(".")[1]
    assert credential_verify(f"{head}.{forged}.{signature}").problem == INVALID_SIGNATURE
    assert credential_verify(_resign(payload, header | {"typ": "JWT"})).problem == INVALID_TYPE
    later = timezone.now() + datetime.timedelta(days=800)
    assert credential_verify(issued.token, now=later).problem.startswith(INVALID_EXPIRED.split("{")[0])
    stranger = OKPKey.import_key(Ed25519PrivateKey.generate(), {"kid": "someone-else"})
    assert (
        credential_verify(_resign(payload, header | {"kid": "someone-else"}, stranger)).problem == INVALID_KEY
    )
    posing = _resign(payload, header, OKPKey.import_key(Ed25519PrivateKey.generate()))
    assert credential_verify(posing).problem == INVALID_SIGNATURE


# -- public verification ---------------------------------------------------------------------


def _answer(browser, **query) -> dict:
    return browser.get(reverse("certification_public:verify_json"), query).json()


def test_e1_the_verification_endpoint_answers_by_number_and_by_credential(staff_member, issued):
    browser = Browser()
    answer = _answer(browser, number="trc-000777")
    assert answer["standing"] == "valid" and answer["public_name"] == "Ada Coach"
    assert set(answer) == {
        "standing", "answer", "problem", "certificate_number", "public_name", "issued_on", "renews_on",
        "published",
    }  # fmt: skip
    assert _answer(browser, credential=issued.token)["standing"] == "valid"
    assert _answer(browser, number="TRC-999999")["standing"] == "unknown"
    head, body, signature = issued.token.split(".")
    bad = _answer(browser, credential=f"{head}.{body}.{signature[:-4]}AAAA")
    assert bad["standing"] == "invalid" and bad["public_name"] is None


def test_e1_a_flipped_bit_shows_through_the_endpoint_at_once(staff_member, issued):
    browser = Browser()
    set_status(staff_member, issued.certification, "suspended")
    assert _answer(browser, credential=issued.token)["standing"] == "suspended"
    set_status(staff_member, issued.certification, "revoked")
    assert _answer(browser, credential=issued.token)["standing"] == "revoked"
    assert _answer(browser, number="TRC-000777")["standing"] == "revoked"


def test_e1_a_lapsed_certification_says_lapsed(staff_member):
    today = timezone.localdate()
    register(
        staff_member,
        number="TRC-000888",
        issued_on=today - datetime.timedelta(days=800),
        renews_on=today - datetime.timedelta(days=1),
    )
    assert _answer(Browser(), number="TRC-000888")["standing"] == "lapsed"


def test_the_verification_page_shows_the_answer_and_no_more(staff_member, coach, issued):
    page = Browser().post(reverse("certification_public:verify"), {"q": "TRC-000777"}).content.decode()
    assert "Certified and in good standing." in page and "Ada Coach" in page
    assert coach.email not in page


def test_the_verification_endpoint_is_rate_limited(db, monkeypatch):
    from ethos.certification import selectors

    monkeypatch.setattr(selectors, "VERIFY_PER_MINUTE", 2)
    browser = Browser()
    assert [
        browser.get(reverse("certification_public:verify_json"), {"number": "X"}).status_code
        for _ in range(3)
    ] == [200, 200, 429]


def test_the_coach_downloads_their_own_certificate(issued, coach_client):
    page = coach_client.get(reverse("certification_coach:mine"))
    assert page.status_code == 200 and "TRC-000777" in page.content.decode()
    download = coach_client.get(reverse("certification_coach:mine"), {"download": "1"})
    assert download.content.decode() == issued.token


# -- an implementation nobody here wrote -------------------------------------------------------


def _node_ready() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "jose").exists():
        offline = subprocess.run(["npm", "ci", "--offline"], cwd=NODE_DIR, capture_output=True, timeout=120)
        if offline.returncode != 0:
            subprocess.run(["npm", "ci"], cwd=NODE_DIR, check=True, capture_output=True, timeout=300)


def _jose(credential: str, *, now: datetime.datetime | None = None, jwks: dict | None = None) -> dict:
    _node_ready()
    lists = {purpose: credentials.status_list_credential(purpose) for purpose in StatusList.Purpose.values}
    given = {
        "jwks": jwks or keys.jwks(),
        "credential": credential,
        "statusLists": lists,
        "now": int((now or timezone.now()).timestamp()),
    }
    done = subprocess.run(
        ["node", "verify.mjs"],
        cwd=NODE_DIR,
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_jose_verifies_the_certificate_and_status_lists_and_an_independent_decoder_reads_the_bits(
    staff_member, issued
):
    result = _jose(issued.token)
    assert result["credential"]["ok"], result
    assert result["credential"]["payload"]["credentialSubject"]["certificateNumber"] == "TRC-000777"
    assert all(result["lists"][p]["ok"] for p in ("revocation", "suspension"))
    assert result["bits"] == {
        "revocation": {"bit": 0, "length": StatusList.SIZE_BITS},
        "suspension": {"bit": 0, "length": StatusList.SIZE_BITS},
    }
    set_status(staff_member, issued.certification, "revoked")
    assert _jose(issued.token)["bits"]["revocation"]["bit"] == 1


def test_jose_rejects_a_tampered_signature_a_wrong_typ_an_expired_credential_and_an_unknown_key(issued):
    header, payload = _parts(issued.token)
    head, body, signature = issued.token.split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"
    wrong_typ = _resign(payload, header | {"typ": "JWT"})
    stranger = OKPKey.import_key(Ed25519PrivateKey.generate(), {"kid": "someone-else"})
    unknown_key = _resign(payload, header | {"kid": "someone-else"}, stranger)
    later = timezone.now() + datetime.timedelta(days=800)
    assert _jose(tampered)["credential"] == {"ok": False, "error": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}
    assert _jose(wrong_typ)["credential"] == {"ok": False, "error": "ERR_JWT_CLAIM_VALIDATION_FAILED"}
    assert _jose(issued.token, now=later)["credential"]["error"] == "ERR_JWT_EXPIRED"
    assert _jose(unknown_key)["credential"] == {"ok": False, "error": "ERR_JWKS_NO_MATCHING_KEY"}
    for bad in (tampered, wrong_typ, unknown_key):
        assert not credential_verify(bad).ok
    assert not credential_verify(issued.token, now=later).ok


def test_an_independent_gzip_reader_decodes_our_encoded_list():
    bits = bytearray(StatusList.SIZE_BITS // 8)
    bits[0] = 0b1000_0000  # index 0 is the leftmost bit
    encoded = credentials.encode_list(bytes(bits))
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(bits) and credentials.bit_at(raw, 0) and not credentials.bit_at(raw, 1)
