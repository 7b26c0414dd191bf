"""Moving PracticeClosure from clients to practice keeps every closure, with its id."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import make_coach

BEFORE = [("clients", "0002_intake_safety"), ("practice", "0003_age_of_majority_never_below_the_legal_age")]
AFTER = [
    ("clients", "0003_practice_closure_moved_to_practice"),
    ("practice", "0004_practice_closure_moves_here"),
]


@pytest.mark.usefixtures("flushable_db")
def test_p11_a_closed_practice_stays_closed_across_the_move():
    coach = make_coach()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    old = old_apps.get_model("clients", "PracticeClosure").objects.create(coach_id=coach.pk)

    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new_apps = executor.loader.project_state(AFTER).apps
        moved = new_apps.get_model("practice", "PracticeClosure").objects.get()
        assert (moved.id, moved.coach_id) == (old.id, coach.pk)
        # The sequence moved past the copied id: a new closure gets a fresh one.
        other = new_apps.get_model("practice", "PracticeClosure").objects.create(coach_id=make_coach().pk)
        assert other.id != old.id
        assert "clients_practiceclosure" not in connection.introspection.table_names()
    finally:
        # Back to the latest schema: the later tests on this worker's database need every table.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
