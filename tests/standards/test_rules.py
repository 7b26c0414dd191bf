"""Each rule, pure: facts in, findings out. No database. Named after the clause it enforces."""

from __future__ import annotations

import datetime

import pytest

from ethos.standards import rules
from ethos.standards.catalog import Strength
from ethos.standards.engine import evaluate
from ethos.standards.facts import (
    AtRisk,
    DisclosureBasis,
    Facts,
    LanguageFlag,
    Relationship,
    Transaction,
    Vetting,
    age_on,
)
from ethos.standards.points import Point as P


def found(point: P, **facts) -> list[tuple[str, Strength, str]]:
    """Return (clause, strength, message) of every finding at a point."""
    return [(f.clause, f.strength, f.message) for f in evaluate(point, Facts(**facts)).findings]


def clauses(point: P, **facts) -> set[str]:
    return {clause for clause, _, _ in found(point, **facts)}


def test_it_finds_nothing_when_nothing_is_known():
    for point in P:
        assert evaluate(point, Facts()).clean


def test_s1_blocks_an_intake_at_physical_risk_and_requires_a_referral():
    for answer in ({"active_addiction": True}, {"self_harm": True}):
        assert found(P.INTAKE_SUBMIT, **answer) == [
            ("S1", Strength.BLOCK, rules.S1_AT_RISK),
            ("S1", Strength.REQUIRE, rules.S1_REFERRAL),
        ]
    assert "S1" not in clauses(P.INTAKE_SUBMIT, active_addiction=False, self_harm=False)


def test_s1_only_an_addiction_medical_or_self_harm_referral_answers_it():
    verdict = evaluate(P.INTAKE_SUBMIT, Facts(self_harm=True))
    assert verdict.requires[0].records == ("safety_referral",)  # not any referral at all


def test_s1_asks_for_a_scope_review_when_a_note_shows_safety_signals():
    assert found(P.NOTE_SAVE, language_findings=(LanguageFlag("S1", "self-harm"),)) == [
        ("S1", Strength.REQUIRE, rules.S1_NOTE)
    ]
    verdict = evaluate(P.NOTE_SAVE, Facts(language_findings=(LanguageFlag("S1", "self-harm"),)))
    assert verdict.requires[0].records == ("scope_review", "safety_referral")
    assert "S1" not in clauses(P.NOTE_SAVE, language_findings=(LanguageFlag("S7"),))


def test_s2_blocks_an_intake_with_suicide_risk_and_requires_a_referral():
    verdict = evaluate(P.INTAKE_SUBMIT, Facts(suicide_risk=True))
    assert [(f.clause, f.strength) for f in verdict.findings] == [
        ("S2", Strength.BLOCK),
        ("S2", Strength.REQUIRE),
    ]
    assert verdict.requires[0].records == ("crisis_referral",)  # a legal service never answers it
    assert "S2" not in clauses(P.INTAKE_SUBMIT, suicide_risk=False)


def test_s2_opens_a_review_when_risk_appears_with_a_current_client():
    assert found(P.SESSION_CLOSE, suicide_risk=True) == [("S2", Strength.REQUIRE, rules.S2_ACTIVE)]
    assert found(P.NOTE_SAVE, language_findings=(LanguageFlag("S2"),)) == [
        ("S2", Strength.REQUIRE, rules.S2_ACTIVE)
    ]
    assert found(P.SESSION_CLOSE, suicide_risk=False) == []
    verdict = evaluate(P.SESSION_CLOSE, Facts(suicide_risk=True))
    assert verdict.requires[0].records == ("scope_review", "crisis_referral")


def test_s3_blocks_a_session_with_an_intoxicated_client_and_requires_a_follow_up():
    assert found(P.SESSION_START, client_under_influence=True) == [
        ("S3", Strength.BLOCK, rules.S3_INFLUENCE),
        ("S3", Strength.REQUIRE, rules.S3_FOLLOW_UP),
    ]
    assert found(P.SESSION_START, client_under_influence=False) == []


def test_s5_requires_a_referral_for_a_concern_outside_competence():
    outside = {"concern_areas": frozenset({"eating"}), "competence_areas": frozenset({"grief"})}
    for point in (P.INTAKE_SUBMIT, P.CLIENT_ACTIVATE, P.SUPERVISION_NEED):
        verdict = evaluate(point, Facts(**outside))
        assert [(f.clause, f.strength) for f in verdict.findings] == [("S5", Strength.REQUIRE)]
        assert verdict.requires[0].records == ("competence_referral",)
    within = {"concern_areas": frozenset({"grief"}), "competence_areas": frozenset({"grief", "loss"})}
    assert found(P.INTAKE_SUBMIT, **within) == []


def test_s5_supervision_never_replaces_the_referral():
    # The old way: supervision for the concern took it out of S5. Now S5 still requires the
    # referral, and S6 records that supervision goes alongside it.
    facts = {"concern_areas": frozenset({"eating"}), "supervised_areas": frozenset({"eating"})}
    assert found(P.CLIENT_ACTIVATE, **facts) == [
        ("S5", Strength.REQUIRE, rules.S5_OUTSIDE),
        ("S6", Strength.RECORD, rules.S6_SUPERVISED),
    ]
    assert not rules.concerns_to_refer(Facts(**facts, referred_areas=frozenset({"eating"})))
    assert found(P.CLIENT_ACTIVATE, **facts, referred_areas=frozenset({"eating"})) == [
        ("S6", Strength.RECORD, rules.S6_SUPERVISED)
    ]
    assert (
        found(P.CLIENT_ACTIVATE, concern_areas=frozenset({"eating"}), competence_areas=frozenset({"eating"}))
        == []
    )


def test_s5_each_concern_outside_competence_needs_its_own_referral():
    facts = Facts(
        concern_areas=frozenset({"eating", "gambling", "grief"}),
        competence_areas=frozenset({"grief"}),
        referred_areas=frozenset({"eating"}),
    )
    assert rules.concerns_to_refer(facts) == {"gambling"}
    assert evaluate(P.SUPERVISION_NEED, facts).clauses == ("S5",)


def test_s10_a_credential_widens_competence_and_is_cited():
    facts = {"concern_areas": frozenset({"couples"}), "credential_areas": frozenset({"couples"})}
    assert found(P.INTAKE_SUBMIT, **facts) == [("S10", Strength.RECORD, rules.S10_CREDENTIAL)]
    assert "S5" not in clauses(P.INTAKE_SUBMIT, **facts)
    assert (
        found(P.INTAKE_SUBMIT, concern_areas=frozenset({"couples"}), credential_areas=frozenset({"grief"}))[
            0
        ][0]
        == "S5"
    )


@pytest.mark.parametrize(("clause", "message"), [("S7", rules.S7_DIAGNOSTIC), ("S8", rules.S8_MEDICATION)])
def test_s7_s8_language_flags_warn_when_a_note_is_saved_or_signed(clause, message):
    for point in (P.NOTE_SAVE, P.NOTE_SIGN):
        assert found(point, language_findings=(LanguageFlag(clause, "x"),)) == [
            (clause, Strength.WARN, message)
        ]
        assert found(point, language_findings=()) == []


def test_s7_warnings_let_the_note_be_saved():
    assert evaluate(P.NOTE_SAVE, Facts(language_findings=(LanguageFlag("S7"),))).allowed


def test_s9_blocks_the_intake_of_a_minor_and_requires_a_referral():
    minor = [("S9", Strength.BLOCK, rules.S9_MINOR), ("S9", Strength.REQUIRE, rules.S9_REFERRAL)]
    assert found(P.INTAKE_SUBMIT, client_age=17) == minor
    assert found(P.INTAKE_SUBMIT, client_age=18) == []
    assert found(P.INTAKE_SUBMIT, client_age=20, age_of_majority=21) == minor
    assert not evaluate(P.INTAKE_SUBMIT, Facts(client_age=17)).allowed
    # Only a referral to a service for young people answers it.
    assert evaluate(P.INTAKE_SUBMIT, Facts(client_age=17)).requires[0].records == ("youth_referral",)


def test_s9_counts_age_in_whole_years_on_the_day():
    birthday = datetime.date(2008, 3, 15)
    assert age_on(date_of_birth=birthday, day=datetime.date(2026, 3, 14)) == 17
    assert age_on(date_of_birth=birthday, day=datetime.date(2026, 3, 15)) == 18


def test_c1_blocks_a_disclosure_without_a_basis():
    assert found(P.DISCLOSURE_REQUEST, disclosure_basis=DisclosureBasis.NONE) == [
        ("C1", Strength.BLOCK, rules.C1_NO_BASIS)
    ]
    assert found(
        P.DISCLOSURE_REQUEST, disclosure_basis=DisclosureBasis.CONSENT, basis_covers_request=False
    ) == [("C1", Strength.BLOCK, rules.C1_NOT_COVERED)]
    for basis in (DisclosureBasis.CONSENT, DisclosureBasis.SUBPOENA, DisclosureBasis.MANDATORY_REPORT):
        assert found(P.DISCLOSURE_REQUEST, disclosure_basis=basis, basis_covers_request=True) == []


def test_c1_an_emergency_goes_ahead_and_owes_a_review_unless_it_shares_more_than_it_may():
    verdict = evaluate(
        P.DISCLOSURE_REQUEST, Facts(disclosure_basis=DisclosureBasis.EMERGENCY, basis_covers_request=True)
    )
    [finding] = verdict.findings
    assert verdict.allowed and finding.follow_up and finding.practice_rule
    assert (finding.strength, finding.records) == (Strength.REQUIRE, ("emergency_review",))
    assert found(
        P.DISCLOSURE_REQUEST, disclosure_basis=DisclosureBasis.EMERGENCY, basis_covers_request=False
    ) == [("C1", Strength.BLOCK, rules.C1_NOT_COVERED)]


def test_c1_refuses_a_consent_that_is_not_in_writing():
    assert found(P.CONSENT_RECORD, consent_in_writing=False) == [("C1", Strength.BLOCK, rules.C1_NOT_WRITTEN)]
    assert found(P.CONSENT_RECORD, consent_in_writing=True) == []


def test_c3_requires_a_report_of_abuse_of_someone_at_risk():
    for point in (P.NOTE_SAVE, P.SESSION_CLOSE, P.CONTACT_LOG, P.REPORT_DUE):
        verdict = evaluate(point, Facts(abuse_disclosed=frozenset({AtRisk.ELDER})))
        assert [(f.clause, f.strength) for f in verdict.findings] == [("C3", Strength.REQUIRE)]
        assert verdict.allowed  # the note is saved; the report stays owed
    assert found(P.NOTE_SAVE, language_findings=(LanguageFlag("C3"),))[0][0] == "C3"
    assert found(P.NOTE_SAVE, abuse_disclosed=frozenset({AtRisk.MINOR}), mandatory_report_made=True) == []
    assert found(P.NOTE_SAVE, abuse_disclosed=frozenset()) == []


def test_p2_warns_about_a_fee_for_a_session_the_coach_cancelled():
    assert found(P.PAYMENT_RECORD, fee_for_coach_cancelled_session=True) == [
        ("P2", Strength.WARN, rules.P2_CANCELLED)
    ]
    assert found(P.PAYMENT_RECORD, fee_for_coach_cancelled_session=False) == []


def test_p3_blocks_a_decline_without_a_listed_reason():
    assert found(P.INTAKE_DECLINE, decline_reason="they seemed difficult") == [
        ("P3", Strength.BLOCK, rules.P3_UNLISTED)
    ]
    assert found(P.INTAKE_DECLINE, decline_reason="") == [("P3", Strength.BLOCK, rules.P3_UNLISTED)]
    assert found(P.INTAKE_DECLINE, decline_reason="S9") == []
    assert found(P.INTAKE_DECLINE, decline_reason="capacity") == []


def test_p5_requires_the_clients_confirmation_before_a_goal_is_active():
    verdict = evaluate(P.GOAL_ACTIVATE, Facts(goal_client_confirmed=False))
    assert [(f.clause, f.strength) for f in verdict.findings] == [("P5", Strength.REQUIRE)]
    assert not verdict.allowed
    assert evaluate(P.GOAL_ACTIVATE, Facts(goal_client_confirmed=True)).clean


def test_p6_blocks_closing_a_session_while_the_client_is_unsafe():
    assert found(P.SESSION_CLOSE, client_safe_to_leave=False) == [
        ("P6", Strength.BLOCK, rules.P6_UNSAFE),
        ("P6", Strength.REQUIRE, rules.P6_PLAN),
    ]
    assert found(P.SESSION_CLOSE, client_safe_to_leave=True) == []


def test_p7_warns_about_contact_outside_coaching():
    assert found(P.CONTACT_LOG, contact_outside_coaching=True) == [
        ("P7", Strength.REQUIRE, rules.P7_REVIEW),
        ("P7", Strength.WARN, rules.P7_CONTACT),
    ]
    assert found(P.CONTACT_LOG, contact_outside_coaching=False) == []
    assert found(P.RELATIONSHIP_DECLARE, relationship=Relationship.BUSINESS) == [
        ("P7", Strength.WARN, rules.P7_DUAL)
    ]


def test_p8_a_declared_relationship_requires_ending_coaching_with_a_referral():
    for kind in (Relationship.ROMANTIC, Relationship.SEXUAL, Relationship.ATTRACTION):
        verdict = evaluate(P.RELATIONSHIP_DECLARE, Facts(relationship=kind))
        assert [(f.clause, f.strength) for f in verdict.findings] == [("P8", Strength.REQUIRE)] * 2
        assert [f.records for f in verdict.requires] == [("client_release",), ("supervision_entry",)]
        assert found(P.SESSION_START, relationship=kind) == [("P8", Strength.BLOCK, rules.P8_NO_SESSION)]
    assert "P8" not in clauses(P.RELATIONSHIP_DECLARE, relationship=Relationship.FRIENDSHIP)


def test_p9_blocks_money_that_is_not_for_coaching():
    for kind in (
        Transaction.LOAN,
        Transaction.SALE,
        Transaction.INVESTMENT,
        Transaction.GIFT,
        Transaction.OTHER,
    ):
        assert found(P.PAYMENT_RECORD, transaction=kind) == [("P9", Strength.BLOCK, rules.P9_NOT_COACHING)]
    for kind in (Transaction.COACHING_FEE, Transaction.PACKAGE, Transaction.REFUND):
        assert found(P.PAYMENT_RECORD, transaction=kind) == []


def test_p10_blocks_a_referral_to_an_unvetted_or_lapsed_service():
    assert found(P.REFERRAL_MAKE, referral_vetting=Vetting.MISSING) == [
        ("P10", Strength.BLOCK, rules.P10_UNVETTED)
    ]
    assert found(P.REFERRAL_MAKE, referral_vetting=Vetting.LAPSED) == [
        ("P10", Strength.BLOCK, rules.P10_LAPSED)
    ]
    assert found(P.REFERRAL_MAKE, referral_vetting=Vetting.CURRENT) == []


def test_p10_blocks_a_referral_to_a_service_taken_out_of_use_even_if_vetted():
    assert found(P.REFERRAL_MAKE, referral_vetting=Vetting.CURRENT, referral_in_use=False) == [
        ("P10", Strength.BLOCK, rules.P10_OUT_OF_USE)
    ]
    assert found(P.REFERRAL_MAKE, referral_vetting=Vetting.CURRENT, referral_in_use=True) == []


def test_p11_ending_coaching_requires_an_explanation_and_a_coaching_referral():
    verdict = evaluate(P.CLIENT_RELEASE, Facts(release_explained=False, release_coaching_referrals=0))
    assert [f.records for f in verdict.requires] == [("release_explanation",), ("coaching_referral",)]
    assert not verdict.allowed
    assert evaluate(P.CLIENT_RELEASE, Facts(release_explained=True, release_coaching_referrals=2)).clean
    assert found(P.PRACTICE_CLOSE, clients_without_ending=3) == [
        ("P11", Strength.REQUIRE, rules.P11_PRACTICE)
    ]
    assert found(P.PRACTICE_CLOSE, clients_without_ending=0) == []


def test_p12_blocks_a_package_with_a_minimum_term_or_no_refund():
    assert found(P.PACKAGE_CREATE, package_minimum_term=True) == [("P12", Strength.BLOCK, rules.P12_MINIMUM)]
    assert found(P.PACKAGE_CREATE, package_refunds_unused=False) == [
        ("P12", Strength.BLOCK, rules.P12_REFUND)
    ]
    assert found(P.PACKAGE_CREATE, package_minimum_term=False, package_refunds_unused=True) == []


def test_p13_warns_when_continuing_education_falls_behind():
    assert found(P.REPORT_DUE, continuing_education_behind=True) == [("P13", Strength.WARN, rules.P13_BEHIND)]
    assert found(P.REPORT_DUE, continuing_education_behind=False) == []


def test_p14_blocks_a_session_while_the_coach_is_not_fit():
    assert found(P.SESSION_START, coach_fit_to_practise=False) == [("P14", Strength.BLOCK, rules.P14_UNFIT)]
    assert found(P.SESSION_START, coach_fit_to_practise=True) == []


def test_it_orders_findings_by_catalog_then_strength():
    verdict = evaluate(P.SESSION_START, Facts(coach_fit_to_practise=False, client_under_influence=True))
    assert [(f.clause, f.strength.value) for f in verdict.findings] == [
        ("S3", "block"),
        ("S3", "require"),
        ("P14", "block"),
    ]
    assert verdict.clauses == ("S3", "P14")


def test_c3_a_disclosure_is_closed_only_by_a_report_never_by_an_explanation():
    [finding] = evaluate(P.NOTE_SAVE, Facts(abuse_disclosed=frozenset({AtRisk.MINOR}))).findings
    assert finding.records == ("mandatory_report",)
    assert finding.message == rules.C3_REPORT


def test_c3_a_checker_flag_alone_may_be_dismissed_with_a_reason():
    [finding] = evaluate(P.NOTE_SAVE, Facts(language_findings=(LanguageFlag("C3"),))).findings
    assert finding.records == ("mandatory_report", "flag_dismissal")
    assert finding.message == rules.C3_FLAG
    # A flag on words that the coach has marked as a disclosure is a disclosure.
    [both] = evaluate(
        P.NOTE_SAVE, Facts(abuse_disclosed=frozenset({AtRisk.ELDER}), language_findings=(LanguageFlag("C3"),))
    ).findings
    assert both.records == ("mandatory_report",)
