"""Shared helpers for the standards tests: a test-only action that asks the engine first."""

from __future__ import annotations

import pytest
from django.db import transaction

from ethos.standards.engine import Subject
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.services import enforce


def rename_for_test(*, coach, point: Point, facts: Facts, new_name: str, subject: Subject | None = None):
    """A workflow in miniature: enforce, write only if allowed, commit, then raise if stopped."""
    subject = subject or Subject(type="practice", id=str(coach.pk))
    with transaction.atomic():
        verdict = enforce(coach=coach, point=point, facts=facts, subject=subject)
        if verdict.allowed:
            coach.name = new_name
            coach.save(update_fields=["name"])
    verdict.raise_if_stopped()
    return verdict


@pytest.fixture
def test_action():
    return rename_for_test
