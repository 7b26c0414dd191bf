"""Verdicts and findings: what may proceed, what is owed, and the panel the coach reads."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from ethos.standards import engine, rules
from ethos.standards.catalog import PRACTICE_RULE_LABEL, Strength, catalog
from ethos.standards.engine import (
    FINDING_NO_RECORDS,
    HEADLINE_BLOCKED,
    HEADLINE_CLEAN,
    HEADLINE_FOLLOW_UP,
    HEADLINE_REQUIRES,
    HEADLINE_WARNS,
    Finding,
    Verdict,
    evaluate,
)
from ethos.standards.facts import AtRisk, Facts, LanguageFlag
from ethos.standards.points import Point


def test_it_refuses_a_require_finding_that_names_no_record():
    with pytest.raises(ValueError, match=FINDING_NO_RECORDS):
        Finding("P5", Strength.REQUIRE, "m", "r")


def test_it_refuses_a_finding_naming_an_unknown_record_type():
    with pytest.raises(ValueError, match="unknown record type"):
        Finding("P5", Strength.REQUIRE, "m", "r", records=("napkin",))


def test_it_refuses_a_rule_that_speaks_for_another_clause_or_too_strongly(monkeypatch):
    bad = engine.Rule(
        clause="S7", point=Point.NOTE_SAVE, function=lambda facts: [Finding("S8", "warn", "m", "r")]
    )
    monkeypatch.setitem(engine._rules, Point.NOTE_SAVE, [bad])
    with pytest.raises(ImproperlyConfigured, match="returned a finding for S8"):
        evaluate(Point.NOTE_SAVE, Facts())
    loud = engine.Rule(
        clause="S7", point=Point.NOTE_SAVE, function=lambda facts: [Finding("S7", "block", "m", "r")]
    )
    monkeypatch.setitem(engine._rules, Point.NOTE_SAVE, [loud])
    with pytest.raises(ImproperlyConfigured, match="does not give S7"):
        evaluate(Point.NOTE_SAVE, Facts())


def test_it_refuses_an_unknown_point():
    with pytest.raises(ValueError):
        evaluate("intake.teleport", Facts())


@pytest.mark.parametrize(
    ("point", "facts", "allowed", "headline"),
    [
        (Point.INTAKE_SUBMIT, Facts(client_age=15), False, HEADLINE_BLOCKED),
        (Point.GOAL_ACTIVATE, Facts(goal_client_confirmed=False), False, HEADLINE_REQUIRES),
        (Point.NOTE_SAVE, Facts(abuse_disclosed=frozenset({AtRisk.MINOR})), True, HEADLINE_FOLLOW_UP),
        (Point.NOTE_SAVE, Facts(language_findings=(LanguageFlag("S8"),)), True, HEADLINE_WARNS),
    ],
)
def test_it_says_whether_the_action_may_proceed(point, facts, allowed, headline):
    verdict = evaluate(point, facts)
    assert verdict.allowed is allowed
    assert verdict.headline == headline


def test_it_renders_a_panel_that_names_each_clause_and_what_resolves_it():
    verdict = evaluate(Point.SESSION_START, Facts(client_under_influence=True, coach_fit_to_practise=False))
    html = verdict.panel()
    for text in (
        "S3",
        "No session while the client is intoxicated",
        rules.S3_INFLUENCE_RESOLUTION,
        "P14",
        rules.P14_UNFIT,
        "What resolves it",
        "a later session where the substance use was talked through",
    ):
        assert text in html
    assert "<script" not in html and "style=" not in html


def test_it_renders_a_clean_verdict_calmly():
    assert HEADLINE_CLEAN in Verdict(point=Point.NOTE_SAVE).panel()


def test_it_claims_only_what_was_checked_in_a_clean_verdict():
    # The rules at one point cover part of the code, never all of it.
    assert HEADLINE_CLEAN == "No rule at this point found a problem."
    panel = Verdict(point=Point.NOTE_SAVE).panel()
    assert "Code of Ethics" not in panel and "stands in the way" not in panel


def test_p12_the_panel_shows_the_code_and_ethos_own_rule_apart():
    verdict = evaluate(Point.PACKAGE_CREATE, Facts(package_refunds_unused=False))
    html = verdict.panel().replace("&#x27;", "'")
    clause = catalog()["P12"]
    assert f"<strong>The code says:</strong> {clause.text}" in html
    assert f"<strong>{PRACTICE_RULE_LABEL}:</strong> {clause.practice_rule}" in html


def test_it_shows_each_clause_once_in_a_panel_with_two_findings_for_it():
    verdict = evaluate(Point.INTAKE_SUBMIT, Facts(client_age=15))
    assert [f.clause for f in verdict.findings].count("S9") == 2
    html = verdict.panel().replace("&#x27;", "'")
    assert html.count(catalog()["S9"].practice_rule) == 1
    assert html.count(PRACTICE_RULE_LABEL) == 1


def test_it_shows_no_practice_rule_for_a_clause_where_ethos_adds_none():
    verdict = evaluate(Point.NOTE_SIGN, Facts(language_findings=(LanguageFlag("S7"),)))
    html = verdict.panel().replace("&#x27;", "'")
    assert catalog()["S7"].text in html and PRACTICE_RULE_LABEL not in html


def test_it_consults_every_point_with_the_same_rules():
    facts = Facts(client_age=12, relationship="romantic")
    points = {verdict.point for verdict in engine.consult(facts)}
    assert points == {Point.INTAKE_SUBMIT, Point.RELATIONSHIP_DECLARE, Point.SESSION_START}


def test_p12_a_finding_from_our_own_rule_says_so_and_one_from_the_code_does_not():
    from ethos.standards import rules

    verdict = evaluate(Point.PACKAGE_CREATE, Facts(package_minimum_term=True, package_refunds_unused=False))
    origin = {finding.message: finding.practice_rule for finding in verdict.findings}
    assert origin == {rules.P12_MINIMUM: False, rules.P12_REFUND: True}
    html = str(verdict.panel())
    assert html.count("comes from Ethos's own practice rule for P12") == 1
    assert verdict.as_dict()["findings"][1]["practice_rule"] is True


def test_it_refuses_a_finding_that_cites_a_practice_rule_the_clause_does_not_have():
    from ethos.standards.catalog import Strength

    with pytest.raises(ValueError, match="no"):
        Finding("P4", Strength.RECORD, "x", "y", practice_rule=True)
