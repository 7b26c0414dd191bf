"""C2: a sentence from a note is nowhere at rest: not in the database file, its WAL, a dump, a backup
or the note search's index.

The canary sentence also trips the checker (S7), so the finding's path (open items, audit details,
not-applicable reasons) is covered too.
"""

from __future__ import annotations

import hashlib

import pytest

from ethos.accounts import backup
from ethos.coaching import note_search, notes
from ethos.coaching.models import NoteSearchToken
from ethos.vault.context import unlocked
from tests.conftest import open_vault
from tests.vault.test_at_rest import database_bytes

from .conftest import active_client, schedule, start

pytestmark = pytest.mark.usefixtures("flushable_db")

CANARY = "Quillfeather-Marrow seems depressed and meets criteria for something"
CANARY_WORD = "Quillfeather-Marrow"


def test_c2_a_note_sentence_is_nowhere_at_rest(coach, tmp_path):
    with unlocked(open_vault(coach)):
        client = active_client(coach, name="Robin Ash")
        session = start(coach, schedule(coach, client))
        sections = {"focus": CANARY, "worked_on": CANARY_WORD}
        saved = notes.note_save(coach=coach, session=session, sections=sections, version=0).note
        assert notes.note_of(session) is not None
        # The note is indexed for search: its words are there as keyed tokens only.
        word_tokens = note_search.NoteSearchKey.for_coach(coach).tokens(["quillfeather", "marrow"])
        # The sentence trips the checker, so its finding's path is covered as well.
        assert any(CANARY_WORD in finding.sentence for finding in notes.find(sections))
    raw = database_bytes()
    # The coach's email is a plain column: the test would see plaintext if there were any.
    assert coach.email.encode() in raw
    for form in (
        CANARY_WORD.encode(),
        CANARY_WORD.encode("utf-16-le"),
        CANARY_WORD.lower().encode(),
        b"quillfeather",
    ):
        assert form not in raw
    tokens = [bytes(t) for t in NoteSearchToken.objects.filter(note=saved).values_list("token", flat=True)]
    assert set(word_tokens) <= set(tokens)
    blob = b"|".join(tokens)
    for word in ("quillfeather", "marrow", "depressed", "criteria"):
        for form in (word.encode(), word.upper().encode(), word.encode("utf-16-le"), word[:6].encode()):
            assert form not in blob
        assert hashlib.sha256(word.encode()).digest()[:16] not in blob  # nor an unkeyed hash
    out = tmp_path / "practice.ethos-backup"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    assert coach.email.encode() in data and CANARY_WORD.encode() not in data
