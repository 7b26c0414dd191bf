"""What each append (every view of a client) writes and signs, made cheaper without changing the log.

The events table keeps the indexes that serve its reads and guards, not a third one on the coach alone;
a checkpoint is signed as before, its text checked by patterns rather than a loop over characters.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from ethos.audit import checkpoint, services
from ethos.audit.actions import Action
from ethos.audit.keys import key_name_for, open_checkpoint, public_key, signing_key
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import verify_log

# The checks as they were written before they became patterns.


def old_has_control(text: str) -> bool:
    return any(ord(c) < 0x20 and c != "\n" for c in text) or "\x7f" in text


def old_valid_key_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and bool(name)
        and "+" not in name
        and not any(c.isspace() or ord(c) < 0x20 or c == "\x7f" for c in name)
    )


def old_sign_note(text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    # sign_note as it was: the key's ID worked out at every signature.
    signature = private_key.sign(text.encode("utf-8"))
    public = private_key.public_key().public_bytes_raw()
    kid = hashlib.sha256(
        key_name.encode("utf-8") + b"\n" + bytes([checkpoint.ED25519_TYPE]) + public
    ).digest()[:4]
    return f"{text}\n{checkpoint.EM_DASH} {key_name} {base64.b64encode(kid + signature).decode('ascii')}\n"


def test_c2_the_checks_by_pattern_answer_as_the_loops_did_for_every_character_of_the_bmp():
    # Every control code and every whitespace character is in the Basic Multilingual Plane; the
    # planes beyond it hold neither (and hypothesis draws from them below).
    for code in range(0x10000):
        character = chr(code)
        assert checkpoint._has_control(character) == old_has_control(character), hex(code)
        assert checkpoint._has_control(f"a{character}\n") == old_has_control(f"a{character}\n"), hex(code)
        name = f"log{character}name"
        assert checkpoint._valid_key_name(name) == old_valid_key_name(name), hex(code)


@given(st.text(max_size=40))
def test_c2_the_checks_by_pattern_answer_as_the_loops_did_for_any_text(text):
    assert checkpoint._has_control(text) == old_has_control(text)
    assert checkpoint._valid_key_name(text) == old_valid_key_name(text)


@pytest.mark.parametrize("value", [None, 7, b"bytes", "", "a b", "a+b", "a\tb", "a\u00a0b", "a\x7fb"])
def test_c2_a_bad_key_name_is_still_refused(value):
    assert checkpoint._valid_key_name(value) is False
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.sign_note("origin\n1\nroot\n", Ed25519PrivateKey.generate(), value)


@pytest.mark.parametrize("name", ["ethos-audit", "ethos/audit/5f567c2e-b7df-43ec-96de-15f891396cbe", "é-log"])
def test_c2_a_note_is_signed_as_before(name):
    key = Ed25519PrivateKey.generate()
    for size in (1, 2, 8245):
        note = checkpoint.Checkpoint(name, size, hashlib.sha256(str(size).encode()).digest())
        signed = checkpoint.sign(note, key, name)
        # Ed25519 signatures are deterministic: the same note and key give the same bytes.
        assert signed == old_sign_note(note.body(), key, name)
        assert checkpoint.parse_and_verify(signed, key.public_key(), name, origin=name) == note


def test_c2_two_keys_under_one_name_each_sign_with_their_own_id():
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = checkpoint.Checkpoint("log", 3, b"\x07" * 32).body()
    for key in (first, second, first):
        assert checkpoint.sign_note(note, key, "log") == old_sign_note(note, key, "log")


@pytest.mark.django_db
def test_c2_the_events_have_no_index_on_the_coach_alone_and_keep_their_guards(coach):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    columns = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert ["coach_id"] not in columns
    # What reads a coach's events by the coach still has an index that leads with it.
    assert ["coach_id", "seq"] in columns and ["coach_id", "action", "seq"] in columns
    services.audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id="c-1")
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


@pytest.mark.django_db
def test_c2_appends_still_verify_and_sign_under_the_logs_own_name(coach):
    for number in range(20):
        event = services.audit_append(
            coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id=f"c-{number}"
        )
        opened = open_checkpoint(event.checkpoint, coach.pk)
        assert (opened.size, opened.root) == (event.seq, bytes(event.root_after))
        assert event.checkpoint == old_sign_note(
            checkpoint.Checkpoint(opened.origin, opened.size, opened.root).body(),
            signing_key(),
            key_name_for(coach.pk),
        )
    assert verify_log(coach).ok
    assert public_key() == signing_key().public_key()
