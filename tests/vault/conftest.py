import pytest
from django.db import connection

from .jotting import Jotting


@pytest.fixture(scope="session")
def jotting_table(django_db_setup, django_db_blocker):
    """Create the test-only table once per test database."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Jotting)
    yield Jotting


@pytest.fixture
def data_key(coach, vault, jotting_table):
    from ethos.vault.services import data_key_create

    return data_key_create(coach=coach, purpose="client")


def make_jotting(*, data_key, words="a note", **extra):
    jotting = Jotting(data_key=data_key, words=words, **extra)
    jotting.save()
    return jotting
