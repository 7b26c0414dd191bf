"""deploy/stack_tools.py drops a stack's throw-away database even while autovacuum works in it."""

from __future__ import annotations

import psycopg
import pytest
from deploy import stack_tools

FORCE = 'DROP DATABASE IF EXISTS "ethos_stack_1" WITH (FORCE)'
PLAIN = 'DROP DATABASE IF EXISTS "ethos_stack_1"'


class Admin:
    """An admin connection that answers each statement from a script: an error, or nothing."""

    def __init__(self, answers):
        self.answers, self.ran = list(answers), []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, statement: str) -> None:
        self.ran.append(statement)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer


@pytest.fixture
def admin(monkeypatch):
    def connect(*answers):
        connection = Admin(answers)
        monkeypatch.setattr(stack_tools, "_admin", lambda url: connection)
        monkeypatch.setattr(stack_tools.time, "sleep", lambda seconds: None)
        return connection

    return connect


# What PostgreSQL 15 says when FORCE meets an autovacuum worker, as CI saw after the fault test.
REFUSED = psycopg.errors.InsufficientPrivilege(
    "must be a member of the role whose process is being terminated or member of pg_signal_backend"
)
IN_USE = psycopg.errors.ObjectInUse('database "ethos_stack_1" is being accessed by other users')


def test_it_drops_with_force_when_it_may(admin):
    connection = admin(None)

    stack_tools.dropdb("postgres://ethos_ci@localhost/postgres", "ethos_stack_1")

    assert connection.ran == [FORCE]


def test_a_refused_force_falls_back_to_a_plain_drop_that_waits_for_stragglers(admin):
    connection = admin(REFUSED, IN_USE, None)

    stack_tools.dropdb("postgres://ethos_ci@localhost/postgres", "ethos_stack_1")

    assert connection.ran == [FORCE, PLAIN, PLAIN]


def test_a_database_still_in_use_ends_with_one_clear_line_and_no_traceback(admin, capsys):
    connection = admin(REFUSED, *[IN_USE] * 3)

    with pytest.raises(SystemExit) as stopped:
        stack_tools.dropdb("postgres://ethos_ci@localhost/postgres", "ethos_stack_1", attempts=3)

    assert stopped.value.code == 1 and connection.ran == [FORCE, PLAIN, PLAIN, PLAIN]
    assert capsys.readouterr().err == (
        'stack_tools: could not drop the database ethos_stack_1: database "ethos_stack_1" is being accessed '
        "by other users\n"
    )
