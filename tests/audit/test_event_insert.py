"""An event's INSERT, made once per database, stores the row `AuditEvent.save()` would store."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import signals

from ethos.audit import services
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import verify_log
from ethos.audit.services import audit_append

pytestmark = pytest.mark.django_db
AT = datetime.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=datetime.UTC)


def event(coach) -> AuditEvent:
    return AuditEvent(
        coach=coach,
        seq=9_000,
        created_at=AT,
        actor="coach",
        action=Action.CLIENT_VIEWED,
        target_type="client",
        target_id="c-1",
        clauses="C2,S2",
        details={"kept": ["a", "ü"], "n": 2},
        sealed=b"\x00sealed\xff",
        leaf_hash=b"\x01" * 32,
        root_after=b"\x02" * 32,
        checkpoint="origin\n9000\nroot\n",
    )


def insert_and_read(coach, write) -> tuple[list, dict, AuditEvent]:
    """Write an event in a block that is rolled back; return its statement, stored row and event."""
    ran = []

    def capture(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            # PostgreSQL's adapters (Jsonb, Binary) compare as objects: compare what they carry.
            ran.append((sql, [getattr(p, "obj", p) for p in params]))
        return execute(sql, params, many, context)

    written = event(coach)
    with transaction.atomic():
        with connection.execute_wrapper(capture):
            write(written)
        row = AuditEvent.objects.filter(pk=written.pk).values().get()
        transaction.set_rollback(True)
    return ran, row, written


def test_c2_the_prepared_insert_is_the_orms_statement_and_row(coach):
    orm_ran, orm_row, orm_event = insert_and_read(coach, lambda e: e.save())
    ran, row, written = insert_and_read(coach, services._event_insert)
    assert ran == orm_ran and len(ran) == 1
    assert {k: v for k, v in row.items() if k != "id"} == {k: v for k, v in orm_row.items() if k != "id"}
    assert row["details"] == {"kept": ["a", "ü"], "n": 2} and bytes(row["sealed"]) == b"\x00sealed\xff"
    assert written.pk == row["id"] and not written._state.adding and written._state.db == "default"
    assert orm_event.pk == orm_row["id"]


def test_c2_appends_through_the_prepared_insert_verify(coach, vault):
    for number in range(3):
        appended = audit_append(
            coach=coach,
            action=Action.CLIENT_VIEWED,
            target_type="client",
            target_id=str(number),
            clauses=["C2"],
            sealed_details={"why": "a read"},
        )
        assert AuditEvent.objects.get(pk=appended.pk).seq == appended.seq
    assert verify_log(coach).ok


def test_c2_a_listener_to_the_save_still_hears_it(coach):
    heard = []

    def listen(sender, instance, created, **kwargs):
        heard.append((instance.seq, created))

    signals.post_save.connect(listen, sender=AuditEvent)
    try:
        appended = audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id="1")
    finally:
        signals.post_save.disconnect(listen, sender=AuditEvent)
    assert heard == [(appended.seq, True)]
