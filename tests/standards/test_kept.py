"""Kept report counts: reused while their tables are unchanged, never stale, never another coach's.

The compliance report keeps its heavy aggregates per coach (standards/kept.py), and database
triggers bump the coach's version on every write to the tables those aggregates read. These tests
compare the report built from kept counts with one whose every count is computed now, after
real service operations and after writes the services never make (queryset.update, bulk_create,
a queryset delete), and check that every kept function reads only the tables it declared.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ethos.clients.models import Goal
from ethos.coaching import notes, services
from ethos.coaching.models import CloseCheck, Session
from ethos.money import services as money
from ethos.standards import selectors
from ethos.standards.evidence import report_scope
from ethos.standards.kept import kept_functions, kept_tables
from ethos.standards.models import ReportCounts
from ethos.vault.context import unlocked
from tests.coaching.conftest import REFLECTED, active_client, schedule, start
from tests.conftest import open_vault

pytestmark = pytest.mark.django_db


def said(report) -> list[tuple]:
    """Everything the report says, except when it was generated."""
    return [(row.clause.id, row.status, row.evidence, row.open_items, row.open_since) for row in report.rows]


def kept_report(coach):
    return selectors.compliance_report(coach=coach)


def live_report(coach):
    """The report with every count computed now: built without the kept counts' store."""
    with report_scope():
        return selectors._report(coach=coach, now=timezone.now())


def counts_of(coach) -> ReportCounts | None:
    return ReportCounts.objects.filter(coach_id=coach.pk).first()


def assert_kept_report_is_true(coach) -> None:
    kept = kept_report(coach)  # reads kept counts where still valid, computes and stores the rest
    assert said(kept) == said(live_report(coach))
    again = kept_report(coach)  # now every kept count comes from the store
    assert said(again) == said(kept)
    row = counts_of(coach)
    assert row is not None and row.counts_version == row.version


def aggregate_queries(coach) -> list[str]:
    """The queries of kept functions that a report runs (none while every count is kept)."""
    with CaptureQueriesContext(connection) as captured:
        for kept in kept_functions():
            kept.function(coach)
    kept_sql = {q["sql"] for q in captured.captured_queries}
    with CaptureQueriesContext(connection) as captured:
        kept_report(coach)
    return [q["sql"] for q in captured.captured_queries if q["sql"] in kept_sql]


def tables_named(sql: str) -> set[str]:
    names = set(re.findall(r'"?\b(\w+)\b"?', sql))
    return names & set(connection.introspection.table_names())


def move_back(session: Session, days: float) -> None:
    back = datetime.timedelta(days=days)
    session.starts_at -= back
    session.ends_at -= back
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        closed_at=session.closed_at - back if session.closed_at else None,
    )
    session.refresh_from_db()


def test_it_keeps_the_counts_and_reuses_them_until_a_table_they_read_changes(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    assert_kept_report_is_true(coach)
    assert aggregate_queries(coach) == []  # nothing changed: no aggregate runs again

    schedule(coach, robin)
    assert counts_of(coach).counts_version != counts_of(coach).version  # the write bumped it
    assert aggregate_queries(coach) != []  # so the counts are computed again
    assert aggregate_queries(coach) == []  # and kept once more


def test_it_agrees_with_counting_now_after_each_real_operation(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    assert_kept_report_is_true(coach)

    # Held, noted, signed, with an addendum; each session moved into the past so the next can start.
    for days in (3, 2):
        session = start(coach, schedule(coach, robin))
        assert_kept_report_is_true(coach)
        services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
        assert_kept_report_is_true(coach)
        saved = notes.note_save(coach=coach, session=session, sections={"focus": "Her words."}, version=0)
        assert_kept_report_is_true(coach)
        note = notes.note_sign(coach=coach, note=saved.note, version=1)
        assert_kept_report_is_true(coach)
        move_back(session, days)
    notes.note_addendum_add(coach=coach, note=note, reason="correction", text="Also this.")
    assert_kept_report_is_true(coach)

    later = schedule(coach, robin, starts_at=timezone.now() + datetime.timedelta(days=5))
    services.session_cancel(coach=coach, session=later, cancelled_by="coach", reason="Unwell.")
    assert_kept_report_is_true(coach)
    money.charges_bring_up_to_date(coach=coach, client=robin)
    assert_kept_report_is_true(coach)


def test_it_sees_writes_no_service_makes_update_bulk_create_and_delete(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    session = start(coach, schedule(coach, robin))
    services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    assert_kept_report_is_true(coach)
    before = said(kept_report(coach))

    # queryset.update(): no save(), no signal.
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED, cancelled_by="coach")
    assert_kept_report_is_true(coach)
    assert said(kept_report(coach)) != before

    # bulk_create(): a check that did not close the session, with the client not safe to leave.
    extra = CloseCheck(
        data_key_id=CloseCheck.objects.get(session=session).data_key_id,
        coach=coach,
        session=session,
        leaving=CloseCheck.Leaving.UNSAFE,
        safety_offered=False,
        choice_offered=False,
        collaboration_offered=False,
        closed=False,
    )
    CloseCheck.objects.bulk_create([extra])
    assert_kept_report_is_true(coach)
    assert any("1 kept open until the client was safe" in line.text for line in p6(coach))

    # A queryset delete.
    CloseCheck.objects.filter(coach=coach, closed=False).delete()
    assert_kept_report_is_true(coach)
    assert any("0 kept open until the client was safe" in line.text for line in p6(coach))

    Goal.objects.filter(coach=coach).update(status=Goal.Status.AWAITING)
    assert_kept_report_is_true(coach)


def p6(coach):
    return {row.clause.id: row for row in kept_report(coach).rows}["P6"].evidence


def test_it_shows_the_kept_counts_while_the_version_stands_and_drops_them_once_it_moves(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    kept_report(coach)
    row = counts_of(coach)
    answers = json.loads(row.counts)
    answers["ethos.coaching.evidence._close_checks"]["sessions"] = 999
    ReportCounts.objects.filter(coach_id=coach.pk).update(counts=json.dumps(answers))
    # Proof that the report reads the store: the planted count shows.
    assert any(line.text.startswith("999 sessions closed") for line in p6(coach))

    # Any write to a table a kept count reads moves the version, and the planted count is gone.
    Session.objects.filter(client=robin).update(no_fee=False)  # touches no row: nothing to bump
    assert any(line.text.startswith("999 sessions closed") for line in p6(coach))
    schedule(coach, robin)
    assert not any(line.text.startswith("999") for line in p6(coach))


def test_it_ignores_counts_kept_by_other_code(coach, vault):
    kept_report(coach)
    row = counts_of(coach)
    answers = json.loads(row.counts)
    answers["_code"] = "older code"
    answers["ethos.coaching.evidence._close_checks"]["sessions"] = 999
    ReportCounts.objects.filter(coach_id=coach.pk).update(counts=json.dumps(answers))
    assert not any(line.text.startswith("999") for line in p6(coach))


def test_another_coachs_writes_neither_move_nor_reach_the_first_coachs_counts(coach, other_coach, vault):
    robin = active_client(coach, name="Robin Ash")
    start(coach, schedule(coach, robin))
    assert_kept_report_is_true(coach)
    mine = counts_of(coach)
    before = said(kept_report(coach))

    with unlocked(open_vault(other_coach)):
        theirs = active_client(other_coach, name="Sam Birch")
        session = start(other_coach, schedule(other_coach, theirs))
        services.session_close(coach=other_coach, session=session, leaving="settled", reflection=REFLECTED)
    Session.objects.filter(coach=other_coach).update(no_fee=True)

    assert counts_of(coach).version == mine.version
    assert aggregate_queries(coach) == []  # still kept
    assert said(kept_report(coach)) == before
    assert_kept_report_is_true(other_coach)
    assert said(kept_report(other_coach)) != before


def test_every_kept_function_reads_only_the_tables_it_declares(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    start(coach, schedule(coach, robin))
    assert kept_functions()
    for kept in kept_functions():
        with CaptureQueriesContext(connection) as captured:
            kept.function(coach)
        read = set().union(*(tables_named(q["sql"]) for q in captured.captured_queries))
        assert read, kept.name
        assert read <= set(kept.tables), f"{kept.name} reads {sorted(read - set(kept.tables))} undeclared"


def test_every_table_a_kept_function_reads_has_its_triggers(db):
    tables = kept_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
        triggers = {(table, name) for table, name in cursor.fetchall()}
    suffixes = ("_insert", "_update", "_delete") if connection.vendor == "sqlite" else ("", "_truncate")
    for table in tables:
        for suffix in suffixes:
            assert (table, f"standards_kept_{table}{suffix}") in triggers
