"""The compliance report: every clause once, honest statuses, and exports with no client identity."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ethos.audit.models import AuditEvent
from ethos.practice import services as practice
from ethos.practice.evidence import S6_NO_LOG
from ethos.standards.catalog import CLAUSE_IDS, CODE_SAYS_LABEL, PRACTICE_RULE_LABEL, catalog
from ethos.standards.engine import Subject
from ethos.standards.evidence import Basis, Evidence, evidence_provider, providers_for, unregister
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

    evidence_provider("P4")(ce_log)
    try:
        row = rows(coach)["P4"]
    finally:
        unregister("P4", ce_log)
    assert row.status is Status.ATTENTION
    assert [e.text for e in row.evidence] == ["4 of 20 hours logged this year"]
    assert rows(coach)["P4"].status is Status.UNTRACKED


def _pdf_text(raw: bytes) -> str:
    """Return the text a reader sees in the PDF, lines joined by spaces (the font is embedded)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    return " ".join(text.split())


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


# -- Statuses claim only what the records show ---------------------------------------------


def with_provider(clause: str, *lines: Evidence):
    """Run the report with a provider for `clause` that returns `lines`."""

    def provider(coach):
        return list(lines)

    evidence_provider(clause)(provider)
    return provider


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ((Evidence("12 hours logged this year"),), Status.GOOD),
        ((Evidence("Target set by you", basis=Basis.DECLARED),), Status.DECLARED),
        ((Evidence("No log yet", basis=Basis.NONE),), Status.UNSHOWN),
        (
            (Evidence("No log yet", basis=Basis.NONE), Evidence("Target", basis=Basis.DECLARED)),
            Status.DECLARED,
        ),
        ((Evidence("Target", basis=Basis.DECLARED), Evidence("3 hours logged")), Status.GOOD),
        ((), Status.UNSHOWN),
    ],
)
def test_it_shows_good_standing_only_when_a_record_shows_it(coach, lines, status):
    provider = with_provider("P4", *lines)
    try:
        assert rows(coach)["P4"].status is status
    finally:
        unregister("P4", provider)


def test_s6_is_not_in_good_standing_without_a_supervision_log(coach):
    # A concern beyond competence, covered by a supervision plan: the check ran and noted it.
    enforce_and_keep(
        coach=coach,
        point=Point.CLIENT_ACTIVATE,
        facts=Facts(concern_areas=frozenset({"eating"}), supervised_areas=frozenset({"eating"})),
        subject=Subject("client", "c"),
    )
    row = rows(coach)["S6"]
    assert row.evidence[0].text.startswith("Client activations checked: 1")
    assert row.status is Status.UNSHOWN and row.status is not Status.GOOD
    assert [(e.text, e.basis) for e in row.evidence[1:]] == [(S6_NO_LOG, Basis.NONE)]


def test_s6_is_not_in_good_standing_for_a_new_coach_either(coach):
    assert rows(coach)["S6"].status is Status.UNSHOWN


def test_s10_is_not_in_good_standing_without_credentials(coach):
    row = rows(coach)["S10"]
    assert row.status is Status.UNSHOWN
    assert [e.basis for e in row.evidence] == [Basis.NONE]


def test_s10_credentials_the_coach_typed_in_are_self_declared_even_when_marked_verified(coach):
    practice.credential_add(
        coach=coach,
        issuer="Institute of Loss Studies",
        title="Certificate in grief support",
        awarded_on=datetime.date(2021, 3, 1),
        verified_on=datetime.date(2021, 4, 1),
        areas=["grief-and-loss"],
    )
    row = rows(coach)["S10"]
    assert row.status is Status.DECLARED and row.status.label == "Self-declared only"
    assert [e.display for e in row.evidence] == [
        "1 credential beyond certification, 1 verified (self-declared: Ethos has not checked it)"
    ]


def test_s5_competence_areas_are_self_declared(coach):
    practice.competence_update(coach=coach, areas=["grief-and-loss"])
    row = rows(coach)["S5"]
    assert row.status is Status.DECLARED
    assert row.evidence[-1].basis is Basis.DECLARED


def test_it_says_not_yet_tracked_for_a_clause_with_no_provider_and_no_checks(coach):
    untracked = {clause.id for clause in catalog() if not providers_for(clause.id)}
    assert {"E1", "P4"} <= untracked  # S4 is tracked by the close-of-session reflection (coaching)
    for clause in untracked:
        row = rows(coach)[clause]
        assert (row.status, row.status.label, row.evidence) == (
            Status.UNTRACKED,
            "Not yet tracked by Ethos",
            (),
        )


# -- The report keeps Ethos's own rules apart from what the code says ----------------------


def test_p12_the_json_report_labels_our_refund_rule_apart_from_the_code(coach_client):
    data = json.loads(coach_client.get(reverse("standards:compliance_export", args=["json"])).content)
    clauses = {c["id"]: c for c in data["clauses"]}
    p12 = clauses["P12"]
    assert p12["code_says"] == catalog()["P12"].text and "refund" not in p12["code_says"]
    assert "refunded pro rata" in p12["ethos_practice_rule"]
    assert clauses["S9"]["ethos_practice_rule"] == catalog()["S9"].practice_rule
    assert clauses["P10"]["ethos_practice_rule"] == catalog()["P10"].practice_rule
    assert clauses["P4"]["ethos_practice_rule"] is None
    assert all(c["status_note"] for c in data["clauses"])


def test_it_marks_self_declared_evidence_in_the_json_report(coach_client, coach):
    practice.competence_update(coach=coach, areas=["grief-and-loss"])
    data = json.loads(coach_client.get(reverse("standards:compliance_export", args=["json"])).content)
    s5 = next(c for c in data["clauses"] if c["id"] == "S5")
    assert s5["status"] == "Self-declared only"
    assert "1 competence area on your profile (self-declared: Ethos has not checked it)" in s5["evidence"]
    s6 = next(c for c in data["clauses"] if c["id"] == "S6")
    assert s6["status"] == "No record shows it yet"
    assert f"{S6_NO_LOG} (no record shows this yet)" in s6["evidence"]


def test_p12_the_pdf_report_labels_our_refund_rule_apart_from_the_code(coach_client):
    text = _pdf_text(coach_client.get(reverse("standards:compliance_export", args=["pdf"])).content)
    p12 = catalog()["P12"]
    assert " ".join(f"{CODE_SAYS_LABEL}: {p12.text}".split()) in text
    assert " ".join(f"{PRACTICE_RULE_LABEL}: {p12.practice_rule}".split()) in text
    assert "Not yet tracked by Ethos" in text


def test_s1_a_count_of_nothing_is_not_good_standing_until_an_intake_is_checked(coach, vault):
    from tests.clients.conftest import intake

    assert rows(coach)["S1"].status is Status.UNSHOWN
    intake(coach)
    assert rows(coach)["S1"].status is Status.GOOD


def test_a_zero_count_line_shows_nothing_but_a_positive_one_does():
    assert not Evidence("0 intakes checked", count=0).shows_something
    assert Evidence("2 intakes checked", count=2).shows_something
    assert Evidence("Records are encrypted").shows_something
    assert not Evidence("3 areas", basis=Basis.DECLARED, count=3).shows_something
