import pytest
from django.db import connection

from ethos.audit import triggers


@pytest.fixture
def triggers_dropped(db):
    """Tamper as someone with the database owner's rights would: drop the guard first."""
    triggers.remove(connection)
    yield
    triggers.install(connection)


@pytest.fixture(autouse=True)
def journal(tmp_path, monkeypatch, settings):
    """This test's own checkpoint journal, written at every commit (no 60-second window)."""
    from ethos.audit import journal as checkpoint_journal
    from ethos.audit import services

    path = tmp_path / "audit-journal"
    monkeypatch.setattr(checkpoint_journal, "journal_path", lambda: path)
    monkeypatch.setattr(services, "_witnessed", {})
    settings.ETHOS_JOURNAL_SECONDS = 0
    return path
