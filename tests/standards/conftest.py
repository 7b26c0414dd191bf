"""Shared helpers for the standards tests: a test-only action that asks the engine first."""

from __future__ import annotations

import pytest

from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.services import action, enforce


def rename_for_test(*, coach, point: Point, facts: Facts, new_name: str, subject: Subject | None = None):
    """A workflow in miniature: in one action, enforce first, then write."""
    subject = subject or Subject(type="practice", id=str(coach.pk))
    with action():
        verdict = enforce(coach=coach, point=point, facts=facts, subject=subject)
        coach.name = new_name
        coach.save(update_fields=["name"])
    return verdict


def enforce_and_keep(*, coach, point: Point, facts: Facts, subject: Subject):
    """Ask the engine in an action of its own and keep the finding, whether or not it stops."""
    try:
        with action():
            return enforce(coach=coach, point=point, facts=facts, subject=subject)
    except ActionStopped as stopped:
        return stopped.verdict


@pytest.fixture
def test_action():
    return rename_for_test
