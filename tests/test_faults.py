"""Item 5 of issue 18: faults. A short `make faults` (deploy/faults) in CI.

kill -9 of gunicorn workers while coaches autosave and sign notes, a PostgreSQL restart under
load, and a full disk under SQLite: every note fully saved or not saved, no answer showing a
traceback, `ethos audit verify` passing after each. Marked `deploy` like the deploy test, so it
runs once, in the SQLite run of .ci/run where ETHOS_STACK_PG is set; it restarts the cluster
ETHOS_STACK_PG lives in, so it holds the lock the deploy test holds while its stack is up.
Needs root (pg_ctlcluster, mount): skipped without it, failed in CI (which runs as root).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .test_deploy import REPO, one_stack_at_a_time, require, stack_env

FAULTS = REPO / "deploy" / "faults"


@pytest.mark.deploy
def test_it_keeps_every_note_whole_through_kills_a_database_restart_and_a_full_disk(tmp_path):
    env = stack_env(tmp_path, lifetime=240)
    if os.geteuid() != 0:
        require("The faults need root (pg_ctlcluster restarts PostgreSQL, mount makes a small disk).")
    env.update(
        FAULTS_SECONDS="6",
        FAULTS_COACHES="2",
        FAULTS_NOTES="6",
        FAULTS_RESULTS=str(tmp_path / "results"),
    )
    with one_stack_at_a_time():
        result = subprocess.run(
            [str(FAULTS)], env=env, capture_output=True, text=True, timeout=400, check=False
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    stack = json.loads((tmp_path / "results" / "stack.json").read_text())
    disk = json.loads((tmp_path / "results" / "disk.json").read_text())
    assert stack["kill"]["kills"] >= 3, stack
    assert stack["kill"]["notes_checked"] == 12 and not stack["kill"]["problems"], stack
    assert stack["pg_restart"]["answers_after_restart"].get("ok"), stack
    assert disk["disk"]["versions_refused_while_full"] >= 1 and disk["disk"]["works_after_freeing"], disk
    for fault in (stack["kill"], stack["pg_restart"], disk["disk"]):
        assert fault["audit_verify"] and not fault["bad_answers"], fault
    # Torn down: no stack folder, no mounted disk left behind.
    assert not list(tmp_path.glob("ethos-stack.*")), output
    assert str(tmp_path) not in Path("/proc/mounts").read_text()
