import pytest
from django.db import connection

from ethos.audit import triggers


@pytest.fixture
def triggers_dropped(db):
    """Tamper as someone with the database owner's rights would: drop the guard first."""
    triggers.remove(connection)
    yield
    triggers.install(connection)
