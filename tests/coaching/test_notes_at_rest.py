"""C2: a sentence from a note is nowhere at rest: not in the database file, its WAL, a dump or a backup.

The canary sentence also trips the checker (S7), so the finding's path (open items, audit details,
not-applicable reasons) is covered too.
"""

from __future__ import annotations

import pytest

from ethos.accounts import backup
from ethos.coaching import notes
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
        notes.note_save(coach=coach, session=session, sections=sections, version=0)
        assert notes.note_of(session) is not None
        # The sentence trips the checker, so its finding's path is covered as well.
        assert any(CANARY_WORD in finding.sentence for finding in notes.find(sections))
    raw = database_bytes()
    # The coach's email is a plain column: the test would see plaintext if there were any.
    assert coach.email.encode() in raw
    for form in (CANARY_WORD.encode(), CANARY_WORD.encode("utf-16-le"), CANARY_WORD.lower().encode()):
        assert form not in raw
    out = tmp_path / "practice.ethos-backup"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    assert coach.email.encode() in data and CANARY_WORD.encode() not in data
