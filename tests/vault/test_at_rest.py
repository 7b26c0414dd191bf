"""C2: what a stolen disk, a database dump or the logs hold is ciphertext only."""

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from ethos.vault.context import unlocked
from ethos.vault.services import data_key_create
from tests.conftest import open_vault

from .conftest import make_jotting

pytestmark = pytest.mark.usefixtures("flushable_db")

CANARY = "Canary-Heron-5521"
CONTROL = "Plain-Control-8810"


def database_bytes() -> bytes:
    """Everything the database holds on disk (SQLite) or in a dump (PostgreSQL)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()  # let SQLite finish writing; the WAL file may still hold the data
        path = Path(settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    env = {**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""}
    return subprocess.run(
        [
            "pg_dump",
            "--host",
            settings_dict["HOST"] or "localhost",
            "--port",
            str(settings_dict["PORT"] or 5432),
            "--username",
            settings_dict["USER"],
            "--no-password",
            settings_dict["NAME"],
        ],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def test_c2_a_canary_is_nowhere_in_the_database(coach, jotting_table):
    with unlocked(open_vault(coach)):
        key = data_key_create(coach=coach, purpose="client")
        make_jotting(data_key=key, words=CANARY, facts={"said": CANARY}, label=CONTROL)
    raw = database_bytes()
    # The plain column shows the test would see plaintext if there were any.
    assert CONTROL.encode() in raw
    assert CANARY.encode() not in raw
    assert CANARY.encode("utf-16-le") not in raw
