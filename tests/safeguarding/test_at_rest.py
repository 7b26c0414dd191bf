"""C1, C2, C3: who is at risk and what left the practice are nowhere in clear: not in the database
file, its WAL, a dump or a backup."""

from __future__ import annotations

import pytest

from ethos.accounts import backup
from ethos.safeguarding import services
from ethos.safeguarding.models import Disclosure
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client
from tests.conftest import open_vault
from tests.vault.test_at_rest import database_bytes

from .conftest import ask, consent, disclose, open_task, record_report

pytestmark = pytest.mark.usefixtures("flushable_db")

AT_RISK = "Quillbeck-Tamsin"
RECIPIENT = "Marrowvale Clinic"
WHAT = "Ravelstone overdose"


def _absent(raw: bytes, word: str) -> None:
    for form in (word.encode(), word.encode("utf-16-le"), word.lower().encode()):
        assert form not in raw, word


def test_c3_c1_at_risk_details_and_disclosure_contents_are_nowhere_at_rest(coach, tmp_path):
    with unlocked(open_vault(coach)):
        client = active_client(coach, name="Robin Ash")
        task = open_task(coach, client, details=f"{AT_RISK}, her sister, aged 7, is hit every night.")
        record_report(coach, task, agency=f"{RECIPIENT} Children's Services")
        given = consent(coach, client, recipient=RECIPIENT, kinds=("identity", "attendance"))
        disclose(coach, ask(client, basis="consent", consent=given, recipient=RECIPIENT, kinds=("identity",)))
        services.emergency_disclose(
            coach=coach,
            passphrase="correct horse battery staple",
            client=client,
            recipient="Ambulance",
            what=WHAT,
            record_kinds=("identity",),
        )
        assert Disclosure.objects.count() == 3
    raw = database_bytes()
    assert coach.email.encode() in raw  # a plain column: the test would see plaintext if there were any
    for word in (AT_RISK, RECIPIENT, WHAT, "Robin Ash"):
        _absent(raw, word)
    out = tmp_path / "practice.ethos-backup"
    backup.backup_write(out=out, coach=coach)
    data = out.read_bytes()
    assert coach.email.encode() in data
    for word in (AT_RISK, RECIPIENT, WHAT):
        _absent(data, word)
