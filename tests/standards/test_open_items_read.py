"""Open items read by prepared SQL (built once per process) are the ORM's, for each coach and subject."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ethos.standards import selectors
from ethos.standards.engine import Subject
from ethos.standards.models import OpenItem
from ethos.standards.selectors import open_items_for

pytestmark = pytest.mark.django_db


def item(coach, *, subject_type="client", subject_id="c-1", clause="S2", minutes=0, **extra) -> OpenItem:
    return OpenItem.objects.create(
        coach=coach,
        clause=clause,
        point="intake.submit",
        subject_type=subject_type,
        subject_id=subject_id,
        message="Refer to a crisis service.",
        resolution="Record the referral.",
        record_types="crisis_referral",
        opened_at=timezone.now() - datetime.timedelta(minutes=minutes),
        **extra,
    )


def _fields(items: list[OpenItem]) -> list[tuple]:
    return [tuple(getattr(i, f.attname) for f in OpenItem._meta.concrete_fields) for i in items]


def test_it_reads_what_the_orm_reads_oldest_first_and_never_another_coachs(coach, other_coach):
    newer = item(coach, minutes=5)
    older = item(coach, clause="S9", subject_id="c-1", minutes=50, follow_up=True)
    other_subject = item(coach, subject_id="c-2", minutes=20)
    item(coach, subject_type="note", subject_id="c-1", minutes=30)
    item(
        coach,
        clause="S1",
        minutes=40,
        resolved_at=timezone.now(),
        resolved_record_type="referral",
        resolved_record_id="r-1",
    )
    item(other_coach, minutes=60)
    item(other_coach, subject_id="c-2", minutes=60)

    about = open_items_for(coach, subject=Subject(type="client", id="c-1"))
    assert about == [older, newer]
    assert _fields(about) == _fields(list(selectors._open_items_about.build(coach, "client", "c-1")))
    assert about[0].follow_up is True and about[0].opened_at == older.opened_at
    assert about[0].resolved_at is None

    everything = open_items_for(coach)
    assert [i.subject_id for i in everything][:2] == ["c-1", "c-1"]  # opened 50 and 30 minutes ago
    assert other_subject in everything and len(everything) == 4
    assert _fields(everything) == _fields(list(selectors._open_items.build(coach)))

    assert open_items_for(coach, subject=Subject(type="client", id="c-9")) == []
    assert [i.subject_id for i in open_items_for(other_coach)] == ["c-1", "c-2"]
    assert open_items_for(other_coach, subject=Subject(type="client", id="c-2")) != []


def test_it_reads_a_subjects_items_in_one_query(coach):
    person = Subject(type="client", id="c-1")
    item(coach)
    open_items_for(coach, subject=person)
    with CaptureQueriesContext(connection) as ran:
        assert len(open_items_for(coach, subject=person)) == 1
    assert len(ran.captured_queries) == 1
