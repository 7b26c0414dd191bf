"""Ethos's SQLite backend: Django's, with a cheaper placeholder rewrite that gives the same SQL."""

from __future__ import annotations

import random
import sqlite3

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor

from ethos import settings
from ethos.sqlite.base import SQLiteCursorWrapper

EDGES = [
    "",
    "SELECT 1",
    "SELECT %s",
    "%s",
    "%s%s",
    "%%s",
    "%%%s",
    "%%%%s",
    "a %% b %s",
    "LIKE '50%%' AND x = %s",
    "%s %% %s %%s %%%s",
    "%",
    "s%",
    "%%",
    "%(name)s",
    "?%s?",
    'SELECT "t"."id" FROM "t" WHERE ("t"."a" = %s AND "t"."b" IN (%s, %s))',
]


def both(query: str, param_names=None) -> tuple[str, str]:
    raw = sqlite3.connect(":memory:")
    try:
        ours = raw.cursor(factory=SQLiteCursorWrapper).convert_query(query, param_names=param_names)
        django = raw.cursor(factory=DjangoCursor).convert_query(query, param_names=param_names)
    finally:
        raw.close()
    return ours, django


@pytest.mark.parametrize("query", EDGES)
def test_the_rewrite_equals_djangos_on_the_edge_cases(query):
    ours, django = both(query)
    assert ours == django


def test_the_rewrite_equals_djangos_on_every_mix_of_percent_s_and_other_characters():
    rng = random.Random(2026)
    alphabet = "%%%ss? a'"
    queries = {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20_000)}
    assert any("%%" in q for q in queries) and any("%s" in q and "%%" not in q for q in queries)
    raw = sqlite3.connect(":memory:")
    ours, django = raw.cursor(factory=SQLiteCursorWrapper), raw.cursor(factory=DjangoCursor)
    differing = [q for q in queries if ours.convert_query(q) != django.convert_query(q)]
    raw.close()
    assert differing == []


def test_named_parameters_take_djangos_own_rewrite():
    ours, django = both("SELECT %(a)s, %(b)s", param_names=["a", "b"])
    assert ours == django == "SELECT :a, :b"


def test_a_sqlite_database_url_runs_on_ethos_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    config = settings._database()
    assert config["ENGINE"] == "ethos.sqlite"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_queries_with_escaped_and_plain_placeholders_run_and_return_their_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, %s", ["<script>", "'; DROP TABLE x; --"])
        assert cursor.fetchone() == ("<script>", "'; DROP TABLE x; --")
        cursor.execute("SELECT '50%%', '%%s', %s", ["x"])
        assert cursor.fetchone() == ("50%", "%s", "x")
