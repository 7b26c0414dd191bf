"""Pages cost the same whatever the size of the practice: each read happens once per page (issue 12).

The speed itself is measured by `make bench` (bench/bench_pages.py) as ratios to a trivial page;
these tests pin down the structure that keeps it: shared reads, one chain-head read, no count of
the whole log, and a report file reused only while it is still true.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos import memo, web
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.services import audit_append
from ethos.audit.views import PAGE_SIZE
from ethos.clients import goals
from ethos.standards.models import ReportCopy, ReportCounts
from ethos.standards.selectors import compliance_report
from tests.clients.conftest import client_confirms, intake

pytestmark = pytest.mark.django_db


def _queries_on(captured, table: str) -> int:
    return sum(1 for query in captured if re.search(rf'FROM "?{table}"?\b', query["sql"]))


# -- ethos.memo -----------------------------------------------------------------------------


def test_a_once_function_runs_once_per_scope_and_every_time_outside_one():
    calls = []

    @memo.once
    def counted(value):
        calls.append(value)
        return value * 2

    assert counted(2) == 4 and counted(2) == 4
    assert calls == [2, 2]
    with memo.scope():
        assert counted(3) == 6 and counted(3) == 6 and counted(4) == 8
        with memo.scope():  # a nested scope shares the outer one's answers
            assert counted(3) == 6
    assert calls == [2, 2, 3, 4]
    counted(3)
    assert calls == [2, 2, 3, 4, 3]


def test_a_once_function_keys_records_by_their_row(coach, other_coach):
    seen = []

    @memo.once
    def who(user):
        seen.append(user.pk)
        return user.pk

    with memo.scope():
        who(coach)
        who(type(coach).objects.get(pk=coach.pk))  # another instance of the same row
        who(other_coach)
    assert seen == [coach.pk, other_coach.pk]


# -- the compliance report ---------------------------------------------------------------------


def _afresh(coach) -> CaptureQueriesContext:
    """The queries of a report whose kept counts are all computed again (standards/kept.py)."""
    ReportCounts.objects.filter(coach_id=coach.pk).delete()
    with CaptureQueriesContext(connection) as captured:
        compliance_report(coach=coach)
    return captured


def test_the_report_reads_the_intakes_and_the_chain_head_once(coach, vault):
    intake(coach, name="Robin Ash")
    intake(coach, name="Young Person", age=12)
    # The report's counts are prepared once per process, the first time any report is built:
    # build one before counting, so the count is the same whichever test runs first.
    compliance_report(coach=coach)
    captured = _afresh(coach)
    # One grouped count of intakes by outcome and reason, one of re-entries: S1, S2, S9 and P3 share them.
    assert _queries_on(captured, "clients_intake") == 2
    assert _queries_on(captured, "audit_audithead") == 1
    # With nothing written since, the next report reads the kept counts and no intake at all.
    with CaptureQueriesContext(connection) as kept:
        report = compliance_report(coach=coach)
    assert _queries_on(kept, "clients_intake") == 0
    rows = {row.clause.id: row for row in report.rows}
    assert any("2 intakes checked for age, 1 declined as under age." in e.text for e in rows["S9"].evidence)
    assert any("2 intakes screened for addiction" in e.text for e in rows["S1"].evidence)


def test_the_report_costs_the_same_queries_at_one_and_at_twenty_intakes(coach, vault):
    intake(coach, name="Robin Ash")
    compliance_report(coach=coach)  # prepared once per process: see the test above
    one = _afresh(coach)
    with CaptureQueriesContext(connection) as one_kept:
        compliance_report(coach=coach)
    for number in range(19):
        intake(coach, name=f"Client {number}")
    twenty = _afresh(coach)
    with CaptureQueriesContext(connection) as twenty_kept:
        compliance_report(coach=coach)
    assert len(one) == len(twenty)
    assert len(one_kept) == len(twenty_kept) < len(one)


def _export(browser, export_format="pdf"):
    response = browser.get(reverse("standards:compliance_export", args=[export_format]))
    assert response.status_code == 200
    return response


def test_a_second_download_with_nothing_new_reuses_the_file_and_still_logs_the_export(coach, coach_client):
    first = _export(coach_client)
    second = _export(coach_client)
    assert first.content == second.content
    assert first["Content-Disposition"] == second["Content-Disposition"]
    exported = AuditEvent.objects.filter(coach=coach, action=Action.STANDARDS_REPORT_EXPORTED)
    assert exported.count() == 2
    copy = ReportCopy.objects.get(coach=coach, export_format="pdf")
    # The kept file rests on the checkpoint that includes its own (first) export.
    assert copy.head_size == exported.order_by("seq").first().seq


def test_a_log_that_only_grew_keeps_the_file_but_a_changed_fact_builds_a_new_one(coach, coach_client, vault):
    first = _export(coach_client, "json")
    # Viewing pages and signing in grow the log but change no fact the report states.
    audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    audit_append(coach=coach, action=Action.AUTH_SIGNED_IN)
    assert _export(coach_client, "json").content == first.content
    intake(coach, name="Robin Ash")  # one more intake checked: S1, S2, S9 and P3 say so
    second = _export(coach_client, "json")
    assert first.content != second.content
    assert b"1 intake checked for age" in second.content
    size = AuditEvent.objects.filter(coach=coach).count()
    assert b'"size": %d' % size in second.content
    # The new file replaced the kept one (one copy per format), and is what the next download returns.
    assert bytes(ReportCopy.objects.get(coach=coach, export_format="json").content) == second.content
    assert _export(coach_client, "json").content == second.content


def test_a_new_build_replaces_every_kept_field_of_that_coachs_copy_in_that_format_only(
    coach, other_coach, coach_client, other_client
):
    from ethos.standards import services

    for browser in (coach_client, other_client):
        _export(browser, "json")
        _export(browser)
    table = ReportCopy._meta
    columns = [table.get_field(name).column for name in ReportCopy.KEPT]
    statement = services._COPY_REPLACE.split()
    assert statement[:3] == ["UPDATE", table.db_table, "SET"]
    assert [word for word in statement[3:] if word in columns] == columns
    when = timezone.now().replace(microsecond=123456) - datetime.timedelta(hours=3)
    kept = {"fingerprint": "f" * 64, "head_size": 7, "built_at": when, "content": b"%PDF-<script>'; --"}

    assert services._copy_replace(coach, "pdf", kept) == 1

    copy = ReportCopy.objects.get(coach=coach, export_format="pdf")
    assert (copy.fingerprint, copy.head_size, copy.built_at, bytes(copy.content)) == tuple(kept.values())
    untouched = ReportCopy.objects.exclude(pk=copy.pk).values_list("fingerprint", flat=True)
    assert len(untouched) == 3 and "f" * 64 not in untouched


def test_a_file_from_an_earlier_day_is_built_again(coach, coach_client):
    first = _export(coach_client, "json")
    yesterday = timezone.now() - datetime.timedelta(days=1)
    ReportCopy.objects.filter(coach=coach).update(built_at=yesterday)
    second = _export(coach_client, "json")
    assert first.content != second.content
    assert ReportCopy.objects.get(coach=coach).built_at > yesterday


def test_one_coachs_kept_file_is_never_anothers(coach, coach_client, other_coach, other_client):
    _export(coach_client)
    theirs = _export(other_client)
    assert coach.name.encode() not in theirs.content
    assert ReportCopy.objects.filter(coach=other_coach).count() == 1


# -- the client page ---------------------------------------------------------------------------


def test_the_client_page_reads_goals_endings_and_safety_checks_once(coach, coach_client, vault):
    robin = intake(coach, name="Robin Ash").client
    for words in ("Sleep through the night", "Call my sister on Sundays"):
        goal = goals.goal_create(coach=coach, client=robin, words=words)
        client_confirms(coach, goal)
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=timezone.localdate(), score=4)
    # A prepared query runs once more the first time this process builds its SQL (ethos.prepared):
    # what is counted is every view after that one, whichever test first shows a client page.
    coach_client.get(reverse("clients:detail", args=[robin.pk]))
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Sleep through the night" in page and "Goal confirmed by the client" in page
    assert _queries_on(captured, "clients_goal") == 1
    assert _queries_on(captured, "clients_goalprogress") == 1
    assert _queries_on(captured, "clients_ending") == 1
    assert _queries_on(captured, "clients_safetycheck") == 1


# -- the Activity page -------------------------------------------------------------------------


def _activity(browser, **params):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(reverse("audit:activity"), params)
    assert response.status_code == 200
    return response, captured


@pytest.mark.parametrize("params", [{}, {"action": "client.viewed"}, {"action": "group:clients"}])
def test_the_activity_page_never_counts_or_scans_the_whole_log(coach, coach_client, params):
    for _ in range(60):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    response, captured = _activity(coach_client, **params)
    event_reads = [q["sql"] for q in captured if 'FROM "audit_auditevent"' in q["sql"]]
    assert len(event_reads) == 1
    assert "COUNT(" not in event_reads[0] and "DISTINCT" not in event_reads[0]
    assert f"LIMIT {PAGE_SIZE + 1}" in event_reads[0]
    assert _queries_on(captured, "audit_audithead") == 1
    assert len(response.context["page"]) == PAGE_SIZE and response.context["page"].has_next


def test_the_activity_page_costs_the_same_queries_at_ten_and_at_two_hundred_events(coach, coach_client):
    for _ in range(10):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    _activity(coach_client)  # the first page after sign-in also settles the session
    _, few = _activity(coach_client)
    for _ in range(190):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    _, many = _activity(coach_client)
    assert len(few) == len(many)


def test_the_activity_pages_number_themselves_from_the_chain_head(coach, coach_client):
    for _ in range(120):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    size = AuditEvent.objects.filter(coach=coach).count()
    pages = -(-size // PAGE_SIZE)
    response, _ = _activity(coach_client, page="2")
    assert f"Page 2 of {pages}" in response.content.decode()
    last, _ = _activity(coach_client, page="999")
    assert f"Page {pages} of {pages}" in last.content.decode()
    assert [e.seq for e in last.context["page"]] == list(range(size - (pages - 1) * PAGE_SIZE, 0, -1))
    filtered, _ = _activity(coach_client, action="client.viewed", page="2")
    body = filtered.content.decode()
    assert "Page 2" in body and "Page 2 of" not in body and "Older" in body and "Newer" in body


@pytest.mark.parametrize("junk", ["0", "-3", "abc", "9" * 30, "<script>"])
def test_a_junk_page_number_shows_a_page(coach, coach_client, junk):
    audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    response, _ = _activity(coach_client, page=junk)
    assert len(response.context["page"]) >= 1


def test_a_filtered_page_past_the_end_shows_the_first(coach, coach_client):
    audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    response, _ = _activity(coach_client, action="client.viewed", page="40")
    assert response.context["page"].number == 1 and len(response.context["page"]) == 1


def test_days_filter_on_the_coachs_local_days(coach, coach_client, settings):
    audit_append(coach=coach, action=Action.CLIENT_VIEWED)
    today = timezone.localdate()
    response, _ = _activity(coach_client, since=today.isoformat(), until=today.isoformat())
    assert len(response.context["page"]) >= 1
    response, _ = _activity(coach_client, until=(today - datetime.timedelta(days=1)).isoformat())
    assert len(response.context["page"]) == 0


# -- closing the practice --------------------------------------------------------------------------


def test_the_closure_page_shows_one_page_of_clients_in_the_same_queries(coach, coach_client, vault):
    intake(coach, name="Robin Ash")
    coach_client.get(reverse("clients:closure"))
    with CaptureQueriesContext(connection) as one:
        page = coach_client.get(reverse("clients:closure")).content.decode()
    assert "1 client still to handle" in page
    for number in range(29):
        intake(coach, name=f"Client {number}")
    with CaptureQueriesContext(connection) as thirty:
        page = coach_client.get(reverse("clients:closure")).content.decode()
    assert len(one) == len(thirty)
    assert "30 clients still to handle, 1 to 25 shown" in page
    assert page.count("End coaching<span") == 25
    second = coach_client.get(reverse("clients:closure"), {"page": "2"}).content.decode()
    assert second.count("End coaching<span") == 5 and "Page 2 of 2" in second
    assert coach_client.get(reverse("clients:closure"), {"page": "junk"}).status_code == 200


def test_the_activity_filter_renders_the_chosen_action_and_keeps_no_junk():
    from ethos.audit import forms as activity_forms

    chosen = activity_forms.ActivityFilterForm({"action": "client.viewed"})
    html = str(chosen["action"])
    assert '<option value="client.viewed" selected>' in html
    again = str(activity_forms.ActivityFilterForm({"action": "client.viewed"})["action"])
    assert again == html
    plain = str(activity_forms.ActivityFilterForm()["action"])
    assert " selected>" not in plain.replace('<option value="" selected>', "")
    junk = str(activity_forms.ActivityFilterForm({"action": "<script>alert(1)</script>"})["action"])
    before = len(web._RENDERED)
    other = str(activity_forms.ActivityFilterForm({"action": "goal.progress"})["action"])
    # Junk selects nothing and is printed nowhere: every junk value shares one kept rendering.
    assert "<script>" not in junk and other == junk and " selected>" not in junk
    assert len(web._RENDERED) == before


def test_the_activity_filter_is_rendered_from_its_templates_once_through_the_form(monkeypatch):
    from django import forms as django_forms

    from ethos.audit import forms as activity_forms

    str(
        activity_forms.ActivityFilterForm({"action": "goal.progress_recorded"})["action"]
    )  # as the page renders it
    rendered = []
    original = django_forms.Select.render
    monkeypatch.setattr(
        django_forms.Select, "render", lambda *args, **kwargs: rendered.append(1) or original(*args, **kwargs)
    )
    html = str(activity_forms.ActivityFilterForm({"action": "goal.progress_recorded"})["action"])
    assert '<option value="goal.progress_recorded" selected>' in html
    assert rendered == []
