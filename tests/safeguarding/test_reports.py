"""C3: a report task closes only with a report record, turns overdue at its deadline, is never dismissed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.coaching import notes
from ethos.practice import jurisdictions
from ethos.safeguarding import reports
from ethos.safeguarding.models import Disclosure, FlagDismissal, MandatoryReport, ReportTask
from ethos.safeguarding.selectors import reports_due
from ethos.standards.models import OpenItem
from ethos.standards.record_types import RecordType
from ethos.standards.services import OpenItemInvalid, open_item_resolve

from .conftest import C3_SENTENCE, note_with, open_task, record_report

pytestmark = pytest.mark.django_db


def _note_item(coach, note):
    return OpenItem.objects.get(coach=coach, clause="C3", subject_type="sessionnote", subject_id=str(note.pk))


def test_c3_a_note_flag_opens_an_item_that_starts_the_report_prefilled(coach, coach_client, robin):
    note = note_with(coach, robin)
    item = _note_item(coach, note)
    assert item.is_open and set(item.record_type_list) == {
        RecordType.MANDATORY_REPORT,
        RecordType.FLAG_DISMISSAL,
    }
    page = coach_client.get(reverse("standards:open_item", args=[item.pk])).content.decode()
    start = f"{reverse('safeguarding:task_new')}?client={robin.pk}&amp;note={note.pk}"
    assert start in page
    assert reverse("safeguarding:dismiss", args=[item.pk]) in page
    form = coach_client.get(
        f"{reverse('safeguarding:task_new')}?client={robin.pk}&note={note.pk}"
    ).content.decode()
    assert "A disclosure of abuse was made" in form and "Robin Ash" in form


def test_c3_a_report_task_cannot_be_closed_without_a_report_record(coach, robin):
    task = open_task(coach, robin)
    item = OpenItem.objects.get(coach=coach, subject_type="reporttask", subject_id=str(task.pk))
    assert item.record_type_list == [RecordType.MANDATORY_REPORT]
    # No other record closes it: not a dismissal, not a referral, not a scope review.
    for record_type in (RecordType.FLAG_DISMISSAL, RecordType.REFERRAL, RecordType.SCOPE_REVIEW):
        with pytest.raises(OpenItemInvalid):
            open_item_resolve(coach=coach, item=item, record_type=record_type, record_id="x")
    # A report record missing its parts closes nothing either.
    with pytest.raises(ValidationError) as refused:
        reports.mandatory_report_record(
            coach=coach,
            passphrase="correct horse battery staple",
            task=task,
            agency="",
            how="pigeon",
            reported_at=timezone.now(),
            reference="",
            told_client="",
        )
    assert set(refused.value.message_dict) == {"agency", "how", "reference", "told_client"}
    task.refresh_from_db()
    assert task.is_open and reports_due(coach).count == 1


def test_c3_the_report_record_closes_the_task_and_the_notes_items_and_is_a_disclosure(coach, robin):
    note = note_with(coach, robin)
    task = open_task(coach, robin, note=note)
    report = record_report(coach, task)
    task.refresh_from_db()
    assert not task.is_open and report.on_time
    assert not OpenItem.objects.filter(coach=coach, clause="C3", resolved_at__isnull=True).exists()
    assert _note_item(coach, note).resolved_record_type == RecordType.MANDATORY_REPORT
    disclosure = Disclosure.objects.get(pk=report.disclosure_id)
    assert (
        disclosure.basis == Disclosure.Basis.MANDATORY_REPORT
        and disclosure.recipient == "Children's Services"
    )
    assert reports_due(coach) is None
    # The note can now be signed: its C3 item has its record.
    notes.note_sign(coach=coach, note=note, version=note.version)
    with pytest.raises(ValidationError):
        record_report(coach, task)  # recorded once
    assert MandatoryReport.objects.count() == 1


def test_c3_a_report_needs_the_passphrase(coach, robin):
    task = open_task(coach, robin)
    with pytest.raises(ValidationError) as wrong:
        record_report(coach, task, passphrase="not my passphrase")
    assert "passphrase" in wrong.value.message_dict
    assert not MandatoryReport.objects.exists() and not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(coach=coach, action=Action.AUTH_REAUTH_FAILED).count() == 1


def test_c3_a_task_turns_overdue_at_its_deadline(coach, robin):
    task = open_task(coach, robin, hours_ago=0)
    assert task.deadline - task.learned_at == datetime.timedelta(hours=24)
    assert not task.overdue(task.deadline) and task.overdue(task.deadline + datetime.timedelta(seconds=1))
    late = open_task(coach, robin, hours_ago=25)
    due = reports_due(coach)
    assert due.count == 2 and due.overdue == 1 and due.first_pk == late.pk
    report = record_report(coach, late)
    assert not report.on_time


def test_c3_a_jurisdiction_or_setting_only_shortens_the_deadline(coach, robin, settings, monkeypatch):
    assert jurisdictions.report_deadline_hours("GB", default=24) == 24
    monkeypatch.setitem(jurisdictions.REPORT_DEADLINE_HOURS, "GB", 12)
    monkeypatch.setitem(jurisdictions.REPORT_DEADLINE_HOURS, ("US", "CA"), 36)
    assert jurisdictions.report_deadline_hours("GB", default=24) == 12
    assert jurisdictions.report_deadline_hours("US", "California", default=24) == 24
    from ethos.practice import services as practice

    practice.profile_update(
        coach=coach, country="GB", region="", age_of_majority=18, crisis_line="", emergency_number="999"
    )
    assert open_task(coach, robin, hours_ago=0).deadline - timezone.now() < datetime.timedelta(hours=12)
    settings.ETHOS_REPORT_DEADLINE_HOURS = 6
    task = open_task(coach, robin, hours_ago=0)
    assert task.deadline - task.learned_at == datetime.timedelta(hours=6)


def test_c3_a_checker_flag_the_coach_judges_not_a_disclosure_is_dismissed_with_a_reason(coach, robin):
    note = note_with(coach, robin)  # the words were about a film the client watched
    item = _note_item(coach, note)
    with pytest.raises(ValidationError):
        reports.flag_dismiss(coach=coach, item=item, note=note, reason="  ")
    reports.flag_dismiss(coach=coach, item=item, note=note, reason="She was describing a film she watched.")
    item.refresh_from_db()
    assert item.resolved_record_type == RecordType.FLAG_DISMISSAL
    assert AuditEvent.objects.filter(coach=coach, action=Action.SAFEGUARDING_FLAG_DISMISSED).count() == 1
    assert FlagDismissal.objects.get().reason == "She was describing a film she watched."


def test_c3_a_checker_dismissal_never_closes_a_disclosure(coach, robin):
    note = note_with(coach, robin)
    item = _note_item(coach, note)
    task = open_task(coach, robin, note=note)
    # The coach judged the words a disclosure: the flag can no longer be dismissed ...
    with pytest.raises(ValidationError, match="never dismissed"):
        reports.flag_dismiss(coach=coach, item=item, note=note, reason="On second thoughts, nothing.")
    # ... and the task's own item takes no dismissal at all.
    task_item = OpenItem.objects.get(subject_type="reporttask", subject_id=str(task.pk))
    with pytest.raises(OpenItemInvalid):
        open_item_resolve(coach=coach, item=task_item, record_type=RecordType.FLAG_DISMISSAL, record_id="x")
    task.refresh_from_db()
    assert task.is_open and not FlagDismissal.objects.exists()
    assert OpenItem.objects.filter(coach=coach, clause="C3", resolved_at__isnull=True).count() == 2


def test_c3_bad_input_gives_a_clear_message_and_opens_nothing(coach, robin):
    with pytest.raises(ValidationError) as refused:
        reports.report_task_open(
            coach=coach,
            client=robin,
            at_risk="neighbour",
            details=" ",
            learned_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert set(refused.value.message_dict) == {"at_risk", "details", "learned_at"}
    assert not ReportTask.objects.exists() and not OpenItem.objects.filter(clause="C3").exists()


def test_c3_the_banner_shows_on_every_page_and_turns_red_past_the_deadline(coach, coach_client, robin):
    assert "mandatory report is owed" not in coach_client.get(reverse("coaching:list")).content.decode()
    task = open_task(coach, robin)
    for url in (
        reverse("home"),
        reverse("clients:list"),
        reverse("practice:profile"),
        reverse("audit:activity"),
    ):
        page = coach_client.get(url).content.decode()
        assert "A mandatory report is owed" in page and "banner--warning reports-due" in page, url
        assert reverse("safeguarding:task", args=[task.pk]) in page
    open_task(coach, robin, hours_ago=30)
    page = coach_client.get(reverse("clients:list")).content.decode()
    assert (
        "2 mandatory reports are owed, 1 past the deadline" in page and "banner--danger reports-due" in page
    )


def test_c3_the_compliance_report_counts_reports_by_timeliness_without_names(coach, coach_client, robin):
    record_report(coach, open_task(coach, robin))
    record_report(coach, open_task(coach, robin, hours_ago=30))
    open_task(coach, robin, hours_ago=30)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "2 mandatory reports made: 1 by the deadline, 1 late." in page
    assert "1 report still owed, 1 past the deadline." in page
    assert "Robin Ash" not in page and "Children" not in page
    assert (
        "2 disclosures through the disclosure gate: 0 with written consent, 0 under a subpoena or court "
        "order, 2 as mandatory reports, 0 in emergencies." in page
    )


def test_c3_pages_of_the_report_take_the_coach_from_task_to_closed(coach, coach_client, robin):
    response = coach_client.post(
        f"{reverse('safeguarding:task_new')}?client={robin.pk}",
        {
            "at_risk": "child",
            "details": "Her sister is hit.",
            "learned_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    task = ReportTask.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "safeguarding:task", args=[task.pk]
    )
    page = coach_client.get(response["Location"]).content.decode()
    assert "Due in" in page and "Record the report" in page
    bad = coach_client.post(response["Location"], {"agency": "", "how": "phone", "passphrase": "x"})
    assert bad.status_code == 200 and "There are" in bad.content.decode()
    done = coach_client.post(
        response["Location"],
        {
            "agency": "Children's Services",
            "how": "phone",
            "reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reference": "CS-1",
            "told_client": "I told her.",
            "passphrase": "correct horse battery staple",
        },
    )
    assert done.status_code == 302
    page = coach_client.get(done["Location"]).content.decode()
    assert "This task is closed" in page and "CS-1" in page
    accounting = coach_client.get(reverse("safeguarding:accounting", args=[robin.pk])).content.decode()
    assert "Children&#x27;s Services" in accounting and "A mandatory report of abuse (C3)" in accounting


def test_c3_the_dismissal_page_refuses_a_flag_already_judged_a_disclosure(coach, coach_client, robin):
    note = note_with(coach, robin)
    item = _note_item(coach, note)
    open_task(coach, robin, note=note)
    response = coach_client.post(reverse("safeguarding:dismiss", args=[item.pk]), {"reason": "Not one."})
    assert response.status_code == 200 and "never dismissed" in response.content.decode()
    item.refresh_from_db()
    assert item.is_open


def test_it_names_the_sentence_the_issue_gives(coach, robin):
    note = note_with(coach, robin, C3_SENTENCE)
    assert any(f.clause == "C3" for f in notes.find(note.sections))
