"""The compliance report: every clause once, honest statuses, and exports with no client identity."""

from __future__ import annotations

import json
import re
import zlib

import pytest
from django.urls import reverse

from ethos.audit.models import AuditEvent
from ethos.standards.catalog import CLAUSE_IDS
from ethos.standards.engine import Subject
from ethos.standards.evidence import Evidence, evidence_provider, unregister
from ethos.standards.facts import Facts, LanguageFlag
from ethos.standards.points import Point
from ethos.standards.selectors import Status, compliance_report, open_items_for
from ethos.standards.services import open_item_resolve
from tests.standards.conftest import enforce_and_keep

pytestmark = pytest.mark.django_db

CANARY_NAME = "Zebedee Quillfeather"
CANARY_EMAIL = "zebedee.quillfeather@canary.test"
CANARY_BIRTH = "1987-06-05"
CANARIES = (CANARY_NAME, CANARY_EMAIL, CANARY_BIRTH)


def rows(coach):
    return {row.clause.id: row for row in compliance_report(coach=coach).rows}


def test_it_lists_every_clause_exactly_once_in_catalog_order(coach):
    assert [row.clause.id for row in compliance_report(coach=coach).rows] == list(CLAUSE_IDS)


def test_it_says_not_yet_tracked_for_clauses_without_evidence(coach):
    from ethos.standards.evidence import providers_for

    # A clause is tracked once an app registers evidence for it (C2 by the vault, S9 by intake...).
    statuses = {row.clause.id: row.status for row in compliance_report(coach=coach).rows}
    tracked = {clause for clause in statuses if providers_for(clause)}
    assert "C2" in tracked
    assert all(statuses[clause] is not Status.UNTRACKED for clause in tracked)
    assert {statuses[clause] for clause in set(statuses) - tracked} == {Status.UNTRACKED}


def test_s9_evidence_counts_intakes_checked_and_stopped(coach):
    for age in (30, 45, 15):
        enforce_and_keep(
            coach=coach,
            point=Point.INTAKE_SUBMIT,
            facts=Facts(client_age=age),
            subject=Subject("intake", "i"),
        )
    row = rows(coach)["S9"]
    # The minor turned away still needs a referral: the item stays open until one is made.
    assert row.status is Status.OPEN and row.open_items == 1
    assert row.evidence[0].text.startswith("Intakes checked: 3 (stopped: 1")


def test_it_shows_open_items_until_the_record_resolves_them(coach):
    enforce_and_keep(
        coach=coach,
        point=Point.GOAL_ACTIVATE,
        facts=Facts(goal_client_confirmed=False),
        subject=Subject("goal", "g"),
    )
    row = rows(coach)["P5"]
    assert (row.status, row.open_items) == (Status.OPEN, 1)
    [item] = open_items_for(coach)
    open_item_resolve(coach=coach, item=item, record_type="goal_confirmation", record_id="c")
    row = rows(coach)["P5"]
    assert (row.status, row.open_items) == (Status.GOOD, 0)
    assert "Open items resolved by their record: 1" in [e.text for e in row.evidence]
    assert item.clause == "P5"


def test_it_marks_a_recent_warning_as_needing_attention(coach):
    enforce_and_keep(
        coach=coach,
        point=Point.NOTE_SIGN,
        facts=Facts(language_findings=(LanguageFlag("S8"),)),
        subject=Subject("note", "n"),
    )
    assert rows(coach)["S8"].status is Status.ATTENTION
    assert rows(coach)["S7"].status is Status.GOOD


def test_it_counts_a_clause_with_an_evidence_provider_as_tracked(coach):
    def ce_log(coach):
        return [Evidence("4 of 20 hours logged this year", attention=True)]

    evidence_provider("P13")(ce_log)
    try:
        row = rows(coach)["P13"]
    finally:
        unregister("P13", ce_log)
    assert row.status is Status.ATTENTION
    assert [e.text for e in row.evidence] == ["4 of 20 hours logged this year"]
    assert rows(coach)["P13"].status is Status.UNTRACKED


def _pdf_text(raw: bytes) -> str:
    parts = [raw.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            parts.append(stream.decode("latin-1"))
    return "\n".join(parts)


def test_it_exports_json_and_pdf_with_no_client_identity(coach, coach_client):
    subject = Subject(type="intake", id=CANARY_EMAIL)
    facts = Facts(
        client_age=16,
        concern_areas=frozenset({CANARY_NAME}),
        language_findings=(LanguageFlag("S7", CANARY_BIRTH), LanguageFlag("C3", CANARY_NAME)),
        decline_reason=CANARY_NAME,
    )
    for point in (Point.INTAKE_SUBMIT, Point.NOTE_SAVE, Point.INTAKE_DECLINE):
        enforce_and_keep(coach=coach, point=point, facts=facts, subject=subject)

    exported = coach_client.get(reverse("standards:compliance_export", args=["json"]))
    assert exported["Content-Type"] == "application/json"
    assert "attachment" in exported["Content-Disposition"]
    text = exported.content.decode()
    data = json.loads(text)
    assert [c["id"] for c in data["clauses"]] == list(CLAUSE_IDS)
    assert data["generated_at"]
    pdf = coach_client.get(reverse("standards:compliance_export", args=["pdf"])).content
    assert pdf.startswith(b"%PDF")
    pdf_text = _pdf_text(pdf)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    for canary in CANARIES:
        assert canary not in text and canary not in pdf_text and canary not in page
    assert "S9" in pdf_text and "Audit chain head" in pdf_text


def test_it_carries_the_audit_chain_head_including_its_own_export(coach, coach_client):
    enforce_and_keep(
        coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=12), subject=Subject("intake", "i")
    )
    data = json.loads(coach_client.get(reverse("standards:compliance_export", args=["json"])).content)
    size = AuditEvent.objects.filter(coach=coach).count()
    last = AuditEvent.objects.filter(coach=coach).order_by("-seq").first()
    assert data["audit_chain"]["size"] == size and last.action == "standards.report_exported"
    assert len(data["audit_chain"]["root_hex"]) == 64
    assert data["audit_chain"]["checkpoint"].splitlines()[1] == str(size)
    assert AuditEvent.objects.filter(coach=coach, action="standards.report_exported").count() == 1
