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
        mine = words(clause.text)
        copied = [
            " ".join(mine[i : i + 7]) for i in range(len(mine) - 6) if " ".join(mine[i : i + 7]) in runs
        ]
        assert not copied, (clause.id, copied)


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
