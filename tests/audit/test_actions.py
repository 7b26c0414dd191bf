"""Audit actions are named once, in the Action enum; a free string cannot reach the log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ethos.audit.actions import ACTION_NAME, Action, check_actions
from ethos.audit.models import AuditEvent
from ethos.audit.services import audit_append

SRC = Path(__file__).resolve().parents[2] / "src" / "ethos"


@pytest.mark.django_db
def test_it_refuses_an_action_that_is_not_in_the_enum(coach):
    before = AuditEvent.objects.filter(coach=coach).count()
    with pytest.raises(ValueError, match="not an audit action"):
        audit_append(coach=coach, action="client.whispered")
    assert AuditEvent.objects.filter(coach=coach).count() == before


def test_every_action_is_well_named_and_labelled():
    check_actions()
    assert all(ACTION_NAME.match(action.value) and action.label for action in Action)
    assert len({action.label for action in Action}) == len(Action)


def test_no_module_passes_an_action_as_a_free_string():
    literal = re.compile(r"""action=["'][a-z_]+\.[a-z_]+["']""")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if literal.search(line)
    ]
    assert offenders == []
