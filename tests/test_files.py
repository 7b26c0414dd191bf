"""Findings 10 and 12: data files are the owner's alone, and a restore works in a fresh data directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE

PRIVATE = 0o600
# What a shell or service manager commonly starts us with: files readable by everyone.
OPEN_UMASK = 0o022
PRACTICE = f"""
import json, os, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from ethos.accounts.services import coach_create
call_command("migrate", interactive=False, verbosity=0)
coach_create(email="files@example.org", name="Files Coach", passphrase={PASSPHRASE!r})
call_command("backup", out=sys.argv[1])
data = os.environ["ETHOS_DATA_DIR"]
# The connection is still open, so the -wal and -shm files are there to look at.
names = ["ethos.sqlite3", "ethos.sqlite3-wal", "ethos.sqlite3-shm", "secret_key", "audit_signing_key"]
modes = {{name: os.stat(os.path.join(data, name)).st_mode & 0o777 for name in names}}
modes["backup"] = os.stat(sys.argv[1]).st_mode & 0o777
print(json.dumps(modes))
"""

WHO_IS_HERE = "from ethos.accounts.models import User; print(User.objects.get().email)"


def ethos_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
    env.pop("SECRET_KEY", None)
    env.pop("ALLOWED_HOSTS", None)
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "ethos.settings",
        "ETHOS_DATA_DIR": str(data_dir),
        "ETHOS_INSECURE_FAST_KDF": "true",
    }


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        env=ethos_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        umask=OPEN_UMASK,
    )


@pytest.fixture(scope="module")
def practice(tmp_path_factory) -> tuple[Path, Path, dict]:
    """A data directory made under umask 022, with one coach and a backup of the site."""
    data_dir = tmp_path_factory.mktemp("practice") / "var"
    backup = data_dir.parent / "site.ethos-backup"
    result = run(["-c", PRACTICE, str(backup)], data_dir)
    assert result.returncode == 0, result.stderr
    return data_dir, backup, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def open_umask():
    previous = os.umask(OPEN_UMASK)
    yield
    os.umask(previous)


@pytest.fixture
def product_tables(monkeypatch):
    """Back up only models with a table: other test modules register test-only models in `vault`."""
    from django.db import connection

    from ethos.accounts import backup

    every = backup._ethos_models
    monkeypatch.setattr(
        backup,
        "_ethos_models",
        lambda: [m for m in every() if m._meta.db_table in connection.introspection.table_names()],
    )


def test_10_data_files_are_created_0600_whatever_the_umask(practice):
    data_dir, _, modes = practice
    assert {name: oct(mode) for name, mode in modes.items()} == {name: oct(PRIVATE) for name in modes}
    assert data_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.django_db
def test_10_backup_files_are_0600_under_an_open_umask(coach, tmp_path, open_umask, product_tables):
    from ethos.accounts.backup import backup_write

    result = backup_write(out=tmp_path / "practice.ethos-backup", coach=coach)
    assert oct(result.path.stat().st_mode & 0o777) == oct(PRIVATE)


@pytest.mark.django_db
def test_10_the_downloaded_backup_is_written_0600(
    coach, coach_client, monkeypatch, open_umask, product_tables
):
    from django.urls import reverse

    from ethos.accounts import services

    modes = []
    real = services.backup_write

    def watched(**kwargs):
        result = real(**kwargs)
        modes.append(result.path.stat().st_mode & 0o777)
        return result

    monkeypatch.setattr(services, "backup_write", watched)
    response = coach_client.post(reverse("accounts:backup"), {"passphrase": PASSPHRASE})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert modes == [PRIVATE]


def test_12_restore_into_a_fresh_data_directory_migrates_first(practice, tmp_path):
    source, backup, _ = practice
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    # As the README says: keep the audit signing key with the backup, and bring it along.
    shutil.copy(source / "audit_signing_key", fresh / "audit_signing_key")
    result = run(["-m", "ethos", "restore", str(backup)], fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "Restored" in result.stdout
    listed = run(["-m", "ethos", "shell", "-c", WHO_IS_HERE], fresh)
    assert listed.stdout.strip().splitlines()[-1] == "files@example.org", listed.stderr


def test_restore_without_the_signing_key_says_what_to_do_without_a_traceback(practice, tmp_path):
    _, backup, _ = practice
    result = run(["-m", "ethos", "restore", str(backup)], tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "audit_signing_key" in result.stderr


def test_12_backup_of_a_database_that_is_not_set_up_says_so_without_a_traceback(tmp_path):
    result = run(["-m", "ethos", "backup", "--out", str(tmp_path / "b.ethos-backup")], tmp_path / "nowhere")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "is not set up for this version of Ethos" in result.stderr
    assert not (tmp_path / "b.ethos-backup").exists()
