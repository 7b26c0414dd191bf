"""Continuing education (P13): activities with evidence, the yearly target, the warning near year end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ethos.audit.models import AuditEvent
from ethos.practice import education
from ethos.practice.models import EducationActivity
from ethos.standards.selectors import compliance_report

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAYLOAD = "<script>alert('x')</script> Robert'); DROP TABLE practice_educationactivity;--"


def log(coach, *, hours="3", done_on=None, **extra):
    return education.education_record(
        coach=coach,
        title=extra.pop("title", "Polyvagal theory in practice"),
        provider=extra.pop("provider", "Trauma Institute"),
        done_on=done_on or TODAY,
        hours=Decimal(hours),
        topic=extra.pop("topic", "trauma"),
        **extra,
    )


def p13(coach):
    return {row.clause.id: row for row in compliance_report(coach=coach).rows}["P13"]


def test_p13_the_report_shows_the_years_total_against_the_target(coach, vault):
    log(coach, hours="3.5")
    log(coach, hours="2")
    log(coach, hours="40", done_on=TODAY.replace(year=TODAY.year - 1))
    education.education_target_set(coach=coach, hours=Decimal("20"))
    text = p13(coach).evidence[0].text
    assert f"5.5 hours of continuing education in {TODAY.year} (2 activities)" in text
    assert "target of 20 hours" in text


def test_p13_the_default_target_is_twelve_hours(coach, vault):
    assert education.progress_for(coach).target == Decimal("12")


def test_p13_warns_near_year_end_when_behind_and_only_once_a_day(coach, vault):
    december = datetime.date(TODAY.year, 12, 1)
    log(coach, hours="2", done_on=datetime.date(TODAY.year, 1, 5))
    assert education.progress_for(coach, today=december).behind
    assert education.education_reminders(today=december) == 1
    assert education.education_reminders(today=december) == 1  # still behind, no second finding
    findings = AuditEvent.objects.filter(coach=coach, action="standards.finding", clauses__contains="P13")
    assert findings.count() == 1


def test_p13_no_warning_early_in_the_year_or_once_the_target_is_met(coach, vault):
    log(coach, hours="2", done_on=datetime.date(TODAY.year, 1, 5))
    assert not education.progress_for(coach, today=datetime.date(TODAY.year, 6, 1)).behind
    log(coach, hours="10", done_on=datetime.date(TODAY.year, 1, 6))
    assert not education.progress_for(coach, today=datetime.date(TODAY.year, 12, 1)).behind


def test_the_dashboard_shows_the_progress(coach, coach_client, vault):
    log(coach, hours="6")
    page = coach_client.get(reverse("home")).content.decode()
    assert "6 of 12 hours" in page


def test_the_evidence_file_is_encrypted_at_rest_and_downloads_for_its_coach_only(
    coach, coach_client, vault, other_client
):
    content = b"%PDF-1.4 certificate of attendance for the coach"
    response = coach_client.post(
        reverse("practice:education_add"),
        {
            "title": PAYLOAD,
            "provider": PAYLOAD,
            "done_on": TODAY.isoformat(),
            "hours": "2.5",
            "topic": "research",
            "evidence": SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    activity = EducationActivity.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT evidence FROM practice_educationactivity WHERE id = %s", [activity.pk.hex])
        assert b"certificate" not in bytes(cursor.fetchone()[0])
    url = reverse("practice:education_evidence", args=[activity.pk])
    download = coach_client.get(url)
    assert download.content == content and download["Content-Type"] == "application/pdf"
    assert other_client.get(url).status_code == 404
    listing = coach_client.get(reverse("practice:education")).content.decode()
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing


def test_an_evidence_file_of_another_kind_is_refused_and_nothing_is_written(coach, coach_client, vault):
    response = coach_client.post(
        reverse("practice:education_add"),
        {
            "title": "A course",
            "provider": "Someone",
            "done_on": TODAY.isoformat(),
            "hours": "1",
            "topic": "research",
            "evidence": SimpleUploadedFile("x.html", b"<html>", content_type="text/html"),
        },
    )
    assert response.status_code == 200 and education.EVIDENCE_TYPE in response.content.decode()
    assert not EducationActivity.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"hours": "0"}, education.HOURS_RANGE),
        ({"done_on": TODAY + datetime.timedelta(days=2)}, education.IN_FUTURE),
        ({"topic": "astrology"}, education.TOPIC_UNKNOWN),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(coach, vault, extra, message):
    with pytest.raises(ValidationError) as error:
        log(coach, **extra)
    assert message in str(error.value)
    assert not EducationActivity.objects.exists()


@pytest.mark.parametrize("hours", ["0", "abc", "' OR 1=1 --", "9999"])
def test_a_bad_target_on_the_page_changes_nothing(coach, coach_client, vault, hours):
    response = coach_client.post(reverse("practice:education_target"), {"hours": hours})
    assert response.status_code == 400
    assert education.progress_for(coach).target == Decimal("12")


def test_p13_the_prepared_progress_counts_only_this_years_activities(coach, vault):
    last_year = TODAY.replace(year=TODAY.year - 1, month=6, day=1)
    for hours, done_on in (("0.1", TODAY), ("0.2", TODAY), ("5", last_year)):
        log(coach, hours=hours, done_on=done_on)

    progress = education.progress_for(coach)

    assert (progress.hours, progress.activities, progress.target) == (Decimal("0.3"), 2, Decimal("12"))
    assert education.progress_for(coach, today=last_year).hours == Decimal("5")
