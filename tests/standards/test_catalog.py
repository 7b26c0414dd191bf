"""The catalog is whole: every clause once, every clause honoured somewhere, every point known."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ethos.standards import engine, evidence
from ethos.standards.catalog import (
    CATALOG_DUPLICATE_ID,
    CATALOG_MISSING_IDS,
    CATALOG_NO_SOURCE,
    CATALOG_PATH,
    CATALOG_RULE_IS_TEXT,
    CATALOG_UNKNOWN_ID,
    CLAUSE_IDS,
    catalog,
    parse_catalog,
)
from ethos.standards.engine import RULE_POINT_NOT_IN_CATALOG, RULE_UNKNOWN_CLAUSE, all_rules, rule
from ethos.standards.points import Point

SEED = Path("/work/shared/seed/code-of-ethics.txt")


def _raw() -> dict:
    return tomllib.loads(CATALOG_PATH.read_text())


def test_it_lists_every_clause_once_in_code_order():
    assert [clause.id for clause in catalog()] == list(CLAUSE_IDS)


def test_it_gives_every_clause_a_rule_or_a_record_source():
    with_rules = {r.clause for r in all_rules()}
    for clause in catalog():
        assert clause.id in with_rules or clause.record_sources, clause.id


def test_it_has_a_rule_for_every_point_a_clause_lists():
    for clause in catalog():
        for point in clause.points:
            assert any(r.clause == clause.id for r in engine.rules_at(point)), (clause.id, point)


def test_it_registers_rules_only_for_catalog_clauses_and_points():
    for r in all_rules():
        assert r.clause in catalog()
        assert r.point in catalog()[r.clause].points


def test_it_knows_every_point_in_the_catalog():
    for clause in catalog():
        assert all(isinstance(point, Point) for point in clause.points)


def test_it_names_known_record_types_in_every_rule_finding():
    # Findings validate their record types on construction; the rules module imported cleanly.
    assert set(catalog().record_types) >= {"referral", "mandatory_report", "goal_confirmation"}


def test_it_paraphrases_the_code_rather_than_copying_it():
    if not SEED.exists():
        pytest.skip("the seed text is not on this machine")

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))

    seed = words(SEED.read_text())
    runs = {" ".join(seed[i : i + 7]) for i in range(len(seed) - 6)}
    for clause in catalog():
        for field in (clause.title, clause.text, clause.practice_rule):
            mine = words(field)
            copied = [
                " ".join(mine[i : i + 7]) for i in range(len(mine) - 6) if " ".join(mine[i : i + 7]) in runs
            ]
            assert not copied, (clause.id, copied)


# -- The catalog says what the code says; what Ethos adds is its practice rule --------------


def code(clause_id: str) -> str:
    return catalog()[clause_id].text.lower()


def ours(clause_id: str) -> str:
    return catalog()[clause_id].practice_rule.lower()


def test_it_keeps_ethos_and_its_mechanisms_out_of_what_the_code_says():
    for clause in catalog():
        text = clause.text.lower()
        for word in ("ethos", "refund", "pro rata", "12 months", "logged", "confirm"):
            assert word not in text, (clause.id, word)


def test_s1_covers_current_clients_as_well_as_new_ones():
    assert "takes on" in code("S1") and "goes on coaching" in code("S1")
    assert "intake" not in code("S1")
    assert "referral" not in code("S1") and "referral" in ours("S1")


def test_s2_covers_current_clients_and_the_referral_is_ours():
    assert "actively suicidal" in code("S2") and "already a client" in code("S2")
    assert "referral" not in code("S2") and "crisis or mental-health service" in ours("S2")


def test_s3_and_p14_free_rescheduling_is_ours():
    assert "later session" in code("S3") and "costs the client nothing" in ours("S3")
    assert "cost" not in code("P14") and "costs the client nothing" in ours("P14")


def test_s5_says_supervision_never_replaces_a_referral():
    assert "no exception for supervision" in code("S5")
    assert "never replaces the referral" in code("S5")
    assert "or worked on only with supervision" not in code("S5")


def test_s6_logging_supervision_is_ours():
    assert "qualified supervisor" in code("S6") and "log" not in code("S6")
    assert "logged" in ours("S6") and "qualification was checked" in ours("S6")


def test_s9_says_no_minors_and_the_age_and_referral_are_ours():
    assert code("S9") == "the coach does not work with minors."
    assert "higher of the ages" in ours("S9") and "service for young people" in ours("S9")


def test_s10_allows_what_further_training_equips_for_and_verification_is_ours():
    assert "beyond their initial certification" in code("S10") and "verified" not in code("S10")
    assert "checked with its issuer" in ours("S10")


def test_c1_names_only_written_consent_or_a_subpoena_and_the_mandatory_report_basis_is_ours():
    assert "consented in writing" in code("C1") and "subpoena" in code("C1")
    assert "mandatory report" not in code("C1") and "mandatory report" in ours("C1")


def test_c3_reporters_of_their_own_accord_always_report():
    assert "of their own accord" in code("C3") and "always reported" in code("C3")
    assert "without exception" in code("C3")
    assert "explanation" not in code("C3")


def test_c3_an_explanation_closes_a_flag_never_a_disclosure():
    assert "only a record of the report closes" in ours("C3")
    assert "flag" in ours("C3") and ours("C3").endswith("never a disclosure.")


def test_p2_is_respect_for_the_client_as_well_as_their_time_and_money():
    assert "treats clients with respect" in code("P2") and "time" in code("P2") and "money" in code("P2")
    assert "fee" not in code("P2") and "no fee" in ours("P2")


def test_p3_covers_all_treatment_not_only_who_is_taken_on():
    assert "taken on" in code("P3") and "at any point in the coaching" in code("P3")
    assert "never decide who is coached" not in code("P3")
    assert "declined intake" in ours("P3")


def test_p5_goals_are_set_together_and_stay_the_clients():
    assert "set together with the client" in code("P5") and "stay the client's" in code("P5")
    assert "confirm" not in code("P5") and "confirmed" in ours("P5")


def test_p8_ending_coaching_on_a_declared_relationship_is_ours():
    assert "referral" not in code("P8") and "referral" in ours("P8")


def test_p9_forbids_financial_dealings_of_any_size():
    assert "any size" in code("P9") and "sizeable" not in code("P9")
    assert "however small" in ours("P9")


def test_p10_the_twelve_month_review_is_ours():
    assert "vetted in person" in code("P10") and "recent" not in code("P10")
    assert "at most 12 months" in ours("P10")


def test_p11_needs_an_explanation_and_a_referral_to_other_coaching_providers():
    assert "explanation" in code("P11") and "other coaching providers" in code("P11")


def test_p12_says_length_or_frequency_and_nothing_of_refunds():
    assert "length of coaching" in code("P12") and "frequency of sessions" in code("P12")
    assert "refund" not in code("P12") and "prepaid" not in code("P12")


def test_p12_refunds_are_our_practice_rule():
    assert "refunded pro rata" in ours("P12") and "never expire" in ours("P12")


def test_p13_the_yearly_target_is_ours():
    assert "yearly" not in code("P13") and "yearly target" in ours("P13")


def test_it_leaves_the_practice_rule_out_where_ethos_adds_nothing():
    assert [c.id for c in catalog() if not c.practice_rule] == ["S7", "P4"]


def test_it_refuses_a_misspelt_practice_rule_field():
    data = _raw()
    data["clause"][0] = dict(data["clause"][0], practise_rule="Ours.")
    with pytest.raises(ImproperlyConfigured, match="unknown fields: practise_rule"):
        parse_catalog(data)


@pytest.mark.parametrize("value", ["", "   ", 12, ["a list"]])
def test_it_refuses_an_empty_or_non_text_practice_rule(value):
    data = _raw()
    data["clause"][0] = dict(data["clause"][0], practice_rule=value)
    with pytest.raises(ImproperlyConfigured, match="practice_rule must be text"):
        parse_catalog(data)


def test_it_refuses_a_practice_rule_that_repeats_the_code():
    data = _raw()
    data["clause"][0] = dict(data["clause"][0], practice_rule=data["clause"][0]["text"])
    with pytest.raises(ImproperlyConfigured, match=re.escape(CATALOG_RULE_IS_TEXT.format(clause="S1"))):
        parse_catalog(data)


def test_it_refuses_a_duplicate_clause():
    data = _raw()
    data["clause"].append(dict(data["clause"][0]))
    with pytest.raises(ImproperlyConfigured, match=re.escape(CATALOG_DUPLICATE_ID.format(clause="S1"))):
        parse_catalog(data)


def test_it_refuses_an_unknown_clause():
    data = _raw()
    data["clause"].append(dict(data["clause"][0], id="S11"))
    with pytest.raises(ImproperlyConfigured, match=re.escape(CATALOG_UNKNOWN_ID.format(clause="S11"))):
        parse_catalog(data)


def test_it_refuses_a_missing_clause():
    data = _raw()
    data["clause"] = [c for c in data["clause"] if c["id"] != "P7"]
    with pytest.raises(ImproperlyConfigured, match=re.escape(CATALOG_MISSING_IDS.format(clauses="P7"))):
        parse_catalog(data)


def test_it_refuses_a_clause_with_no_point_and_no_record_source():
    data = _raw()
    data["clause"][3] = dict(data["clause"][3], points=[], record_sources=[])
    clause = data["clause"][3]["id"]
    with pytest.raises(ImproperlyConfigured, match=re.escape(CATALOG_NO_SOURCE.format(clause=clause))):
        parse_catalog(data)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("points", ["intake.teleport"], "point 'intake.teleport' is unknown"),
        ("section", "gossip", "section 'gossip' is unknown"),
        ("strengths", ["shout"], "strength 'shout' is unknown"),
    ],
)
def test_it_refuses_unknown_points_sections_and_strengths(field, value, words):
    data = _raw()
    data["clause"][0] = dict(data["clause"][0], **{field: value})
    with pytest.raises(ImproperlyConfigured, match=re.escape(words)):
        parse_catalog(data)


def test_it_refuses_a_rule_for_an_unknown_clause():
    with pytest.raises(ImproperlyConfigured, match="not in the catalog"):
        rule("S99", Point.INTAKE_SUBMIT)(lambda facts: [])
    assert "S99" in RULE_UNKNOWN_CLAUSE.format(name="x", clause="S99")


def test_it_refuses_a_rule_at_a_point_the_catalog_does_not_list():
    with pytest.raises(ImproperlyConfigured) as raised:
        rule("S9", Point.PAYMENT_RECORD)(lambda facts: [])
    assert str(raised.value).startswith(RULE_POINT_NOT_IN_CATALOG.split("{")[0])


def test_it_refuses_an_evidence_provider_for_an_unknown_clause():
    with pytest.raises(ImproperlyConfigured):
        evidence.evidence_provider("Z1")(lambda coach: [])


def test_it_refuses_to_start_with_an_unreadable_catalog(tmp_path):
    from ethos.standards.catalog import load_catalog

    broken = tmp_path / "catalog.toml"
    broken.write_text("[[clause]\nid = ")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_catalog(broken)


def test_it_loads_the_catalog_when_the_app_starts(monkeypatch):
    from django.apps import apps

    from ethos.standards import catalog as module

    def broken():
        raise ImproperlyConfigured("broken catalog")

    monkeypatch.setattr(module, "catalog", broken)
    with pytest.raises(ImproperlyConfigured, match="broken catalog"):
        apps.get_app_config("standards").ready()
