"""The association witnesses each practice's audit log: stored, proven consistent, cosigned."""

from __future__ import annotations

import base64
import hashlib
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent, AuditHead
from ethos.audit.services import audit_append, sign_checkpoint
from ethos.certification import keys
from ethos.certification.log import association_account
from ethos.certification.models import WitnessedCheckpoint
from ethos.certification.witness import (
    ASSOCIATION_WITNESS,
    REWRITTEN,
    ROLLED_BACK,
    verifier_key,
)
from ethos.standards import services as standards_services
from ethos.standards import witness as registry
from ethos.standards.models import WitnessCosignature
from ethos.standards.services import NO_CHECKPOINT, report_submit
from ethos.standards.witness import WitnessRefused
from tests.clients.conftest import intake
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db

EM_DASH = "\u2014"


def grow(coach, events: int = 3) -> None:
    for _ in range(events):
        audit_append(coach=coach, action=Action.AUTH_SIGNED_IN)


def submit(browser):
    return browser.post(reverse("standards:compliance_submit"), follow=True)


def spec_check(note: str, public_key: Ed25519PublicKey, name: str) -> tuple[int, str]:
    """Check a cosignature from the C2SP tlog-cosignature text alone; return (time, body).

    The body is the note's text up to the blank line; the cosignature line is
    "— <name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)", the key ID is
    SHA-256(name || "\\n" || 0x04 || public key)[:4], and the signed message is
    "cosignature/v1\\n" "time <decimal>\\n" followed by the body.
    """
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    expected_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public_key.public_bytes_raw()).digest()[:4]
    for line in signatures.splitlines():
        dash, line_name, encoded = line.split(" ")
        raw = base64.b64decode(encoded, validate=True)
        if dash != EM_DASH or line_name != name or raw[:4] != expected_id:
            continue
        assert len(raw) == 4 + 8 + 64
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        message = b"cosignature/v1\n" + f"time {timestamp}\n".encode() + body.encode()
        public_key.verify(raw[12:], message)  # raises InvalidSignature
        return timestamp, body
    raise AssertionError("no cosignature by the association's key")


def test_a_first_submission_is_stored_cosigned_and_shown(coach, coach_client):
    grow(coach)
    head = AuditHead.objects.get(coach=coach)
    response = submit(coach_client)
    assert response.status_code == 200
    stored = WitnessedCheckpoint.objects.get(coach=coach)
    assert (stored.size, stored.checkpoint) == (head.size, head.checkpoint)
    kept = WitnessCosignature.objects.get(coach=coach)
    assert kept.size == head.size and kept.note.startswith(head.checkpoint)
    body = response.content.decode()
    assert "Witnessed by the association at" in body and f": {head.size} events." in body
    timestamp, signed_body = spec_check(kept.note, keys.public_key(), keys.WITNESS_NAME)
    assert abs(timestamp - int(kept.witnessed_at.timestamp())) <= 1
    assert head.checkpoint.startswith(signed_body)
    # The association's log records it, and the coach's log says it was witnessed.
    assert AuditEvent.objects.filter(coach=association_account(), action=Action.CHECKPOINT_WITNESSED).exists()
    assert AuditEvent.objects.filter(coach=coach, action=Action.REPORT_WITNESSED).exists()
    download = coach_client.get(reverse("standards:compliance_cosigned"))
    assert download.status_code == 200 and download.content.decode() == kept.note


def test_the_vkey_names_the_cosigner_key_with_type_0x04():
    name, hex_id, encoded = verifier_key().split("+", 2)
    raw = base64.b64decode(encoded)
    assert name == keys.WITNESS_NAME and raw[0] == 0x04 and raw[1:] == keys.public_key().public_bytes_raw()
    assert hex_id == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()


def test_a_tampered_cosignature_does_not_verify(coach, coach_client):
    grow(coach)
    submit(coach_client)
    note = WitnessCosignature.objects.get(coach=coach).note
    origin, size, rest = note.split("\n", 2)
    with pytest.raises(Exception):  # noqa: B017 (InvalidSignature)
        spec_check(f"{origin}\n{int(size) + 1}\n{rest}", keys.public_key(), keys.WITNESS_NAME)


def test_a_second_submission_after_more_events_with_a_valid_proof_is_accepted(coach, coach_client):
    grow(coach, 5)
    submit(coach_client)
    grow(coach, 7)
    head = AuditHead.objects.get(coach=coach)
    response = submit(coach_client)
    assert "did not cosign" not in response.content.decode()
    sizes = list(WitnessedCheckpoint.objects.filter(coach=coach).values_list("size", flat=True))
    assert sizes[0] == head.size and len(sizes) == 2
    assert WitnessCosignature.objects.filter(coach=coach).count() == 2


def test_a_rolled_back_log_is_refused_with_both_sizes_named(coach, coach_client):
    grow(coach, 4)
    early = AuditEvent.objects.get(coach=coach, seq=3).checkpoint  # the log as it was at 3 events
    submit(coach_client)
    known = WitnessedCheckpoint.objects.get(coach=coach).size
    # The practice side offers an older signed head, as a log restored from an old copy would.
    with pytest.raises(WitnessRefused) as refused:
        ASSOCIATION_WITNESS.add_checkpoint(coach=coach, old_size=known, proof=[], checkpoint=early)
    assert refused.value.message == ROLLED_BACK.format(old=known, new=3)
    assert (
        f"The association last saw this log at {known} events; this report's log has 3"
        in refused.value.message
    )
    assert WitnessedCheckpoint.objects.filter(coach=coach).count() == 1
    refusal = AuditEvent.objects.get(coach=association_account(), action=Action.CHECKPOINT_REFUSED)
    assert refusal.details == {"reason": "rolled-back", "known_size": known, "size": 3}


def test_a_rolled_back_log_is_refused_through_the_compliance_page(coach, coach_client):
    grow(coach, 3)
    submit(coach_client)
    # The association saw this log at 120 events; the practice's log is now far smaller.
    WitnessedCheckpoint.objects.filter(coach=coach).update(size=120)
    size = AuditHead.objects.get(coach=coach).size
    response = submit(coach_client)
    assert response.status_code == 200
    assert (
        f"The association last saw this log at 120 events; this report&#x27;s log has {size}:"
        in response.content.decode()
    )
    assert WitnessedCheckpoint.objects.filter(coach=coach).count() == 1
    assert WitnessCosignature.objects.filter(coach=coach).count() == 1


def test_a_rewritten_log_of_the_same_size_is_refused(coach, coach_client):
    grow(coach, 4)
    submit(coach_client)
    stored = WitnessedCheckpoint.objects.get(coach=coach)
    # A log rebuilt with other events: the same size, signed, but another root.
    forged = sign_checkpoint(coach.pk, stored.size, os.urandom(32))
    with pytest.raises(WitnessRefused) as refused:
        ASSOCIATION_WITNESS.add_checkpoint(coach=coach, old_size=stored.size, proof=[], checkpoint=forged)
    assert refused.value.message == REWRITTEN.format(old=stored.size, new=stored.size)
    assert WitnessedCheckpoint.objects.filter(coach=coach).count() == 1


def test_a_rebuilt_larger_log_fails_its_proof_and_is_refused(coach, coach_client):
    grow(coach, 4)
    submit(coach_client)
    WitnessedCheckpoint.objects.filter(coach=coach).update(root=os.urandom(32))
    known = WitnessedCheckpoint.objects.get(coach=coach).size
    grow(coach, 2)
    response = submit(coach_client)
    size = AuditHead.objects.get(coach=coach).size
    assert f"The association last saw this log at {known} events; this report&#x27;s log has {size}, but" in (
        response.content.decode()
    )
    assert WitnessedCheckpoint.objects.filter(coach=coach).count() == 1


def test_the_submission_carries_no_client_identity(coach, coach_client, vault, monkeypatch):
    intake(coach, name="Canary Zebrafinch")
    sent = []
    original = ASSOCIATION_WITNESS.add_checkpoint

    def spy(**kwargs):
        sent.append(repr({key: value for key, value in kwargs.items() if key != "coach"}))
        return original(**kwargs)

    monkeypatch.setattr(ASSOCIATION_WITNESS, "add_checkpoint", spy)
    submit(coach_client)
    assert sent and all("Canary" not in text and "Zebrafinch" not in text for text in sent)
    stored = WitnessedCheckpoint.objects.get(coach=coach)
    assert "Canary" not in stored.checkpoint + stored.cosignature
    association_events = AuditEvent.objects.filter(coach=association_account())
    assert all("Canary" not in repr(event.details) for event in association_events)


@pytest.mark.parametrize("role", [User.Role.CLIENT, User.Role.ASSOCIATION_STAFF])
def test_only_a_coach_may_submit_or_download(role):
    person = User.objects.create_user(f"{role}-w@example.org", PASSPHRASE, name="Someone", role=role)
    browser = Client()
    browser.force_login(person)
    assert browser.post(reverse("standards:compliance_submit")).status_code == 404
    assert browser.get(reverse("standards:compliance_cosigned")).status_code == 404
    assert not WitnessedCheckpoint.objects.exists()


def test_another_coach_sees_none_of_the_first_coachs_witness_records(coach, coach_client, other_client):
    grow(coach)
    submit(coach_client)
    page = other_client.get(reverse("standards:compliance")).content.decode()
    assert "The association has not witnessed your log yet." in page
    assert other_client.get(reverse("standards:compliance_cosigned")).status_code == 404


def test_a_bad_checkpoint_is_a_clear_refusal_not_an_error(coach, coach_client):
    grow(coach)
    AuditHead.objects.filter(coach=coach).update(checkpoint="not a signed note\n")
    response = submit(coach_client)
    assert response.status_code == 200
    assert "is not a signed checkpoint of this practice&#x27;s log" in response.content.decode()
    assert not WitnessedCheckpoint.objects.exists()
    assert AuditEvent.objects.filter(coach=association_account(), action=Action.CHECKPOINT_REFUSED).exists()


def test_another_logs_checkpoint_is_refused(coach, other_coach):
    grow(other_coach)
    theirs = AuditHead.objects.get(coach=other_coach).checkpoint
    with pytest.raises(WitnessRefused, match="not a signed checkpoint of this practice"):
        ASSOCIATION_WITNESS.add_checkpoint(coach=coach, old_size=0, proof=[], checkpoint=theirs)


def test_a_log_with_no_checkpoint_is_told_so(coach, monkeypatch):
    monkeypatch.setattr(
        standards_services, "chain_head", lambda coach: type("Head", (), {"checkpoint": "", "size": 0})()
    )
    with pytest.raises(WitnessRefused, match=NO_CHECKPOINT):
        report_submit(coach=coach)


def test_without_an_association_nothing_is_sent(coach, monkeypatch):
    monkeypatch.setattr(registry, "_witnesses", [])
    grow(coach)
    with pytest.raises(WitnessRefused, match="No association receives"):
        report_submit(coach=coach)


def test_the_compliance_page_reads_the_cosignature_in_one_query(coach, coach_client):
    grow(coach)
    submit(coach_client)
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("standards:compliance"))
    assert page.status_code == 200
    assert sum("standards_witnesscosignature" in query["sql"] for query in captured.captured_queries) == 1
