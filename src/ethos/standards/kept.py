"""Counts the compliance report keeps between views, computed again only when what they read changed.

    from ethos.standards.kept import kept

    @kept(Session, Charge)                 # the models (tables) the function reads, every one
    def _charges(coach) -> dict[str, int]: ...

An aggregate over a whole practice (20,000 sessions) costs milliseconds however its SQL is
written; the report needs a few dozen of them on every view and export. A kept function's answer
is stored per coach in one row (ReportCounts) with the data version it was computed at, and
reused while that version is unchanged. Database triggers on every declared table bump the
coach's version on each INSERT, UPDATE and DELETE (TRUNCATE bumps every coach's), so every write
counts: a service's save, a `queryset.update()`, a `bulk_create`, raw SQL or another program.
Model signals would miss half of these.

Rules for a kept function:
- it takes the coach only, and its answer depends only on stored rows of the declared tables:
  never on the clock (anything "overdue", "this year", "within 48 hours" stays live);
- every declared table has a `coach_id` column, and a row counts only for that coach;
- it returns plain JSON (dicts, lists, strings, numbers): counts and clause ids, never a client's
  name or anything encrypted, as the answers are stored in plaintext; ids and amounts only where
  the declared tables hold them in plaintext already (the money page's balances by client id).
  Tuples come back as lists, live or kept alike.

tests/standards/test_kept.py runs each kept function and checks that the tables in its SQL are
the ones it declared. Outside a report (`kept_counts`) a kept function runs every time, so a
write path never reads a stored answer; inside any `ethos.memo` scope it runs once, like `once`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model

from ethos.memo import once

from .models import ReportCounts

KEPT_VENDOR = "Kept report counts need triggers, which Ethos writes for SQLite and PostgreSQL, not {vendor}."
KEPT_TABLE_WITHOUT_COACH = (
    "{name} declares {table}, which has no coach_id column: its rows name no coach to bump."
)


@dataclass(frozen=True)
class KeptFunction:
    name: str
    function: Callable[..., Any]  # the function itself, unkept (for tests)
    tables: tuple[str, ...]


_kept: dict[str, KeptFunction] = {}


def kept_functions() -> tuple[KeptFunction, ...]:
    return tuple(_kept.values())


def kept_tables() -> tuple[str, ...]:
    """Every table some kept function reads: the tables whose writes bump a coach's version."""
    return tuple(sorted({table for kept_function in _kept.values() for table in kept_function.tables}))


def _table(name: str, source: type[Model] | str) -> str:
    if isinstance(source, str):
        return source
    if not any(f.column == "coach_id" for f in source._meta.concrete_fields):
        raise ImproperlyConfigured(KEPT_TABLE_WITHOUT_COACH.format(name=name, table=source._meta.db_table))
    return source._meta.db_table


def kept(*sources: type[Model] | str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Keep `function(coach)`'s answer between reports while the declared tables are unchanged."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        name = f"{function.__module__}.{function.__qualname__}"
        tables = tuple(sorted({_table(name, source) for source in sources}))
        if not tables:
            raise ImproperlyConfigured(f"{name} is kept but declares no table.")
        _kept[name] = KeptFunction(name, function, tables)

        def plain(coach):
            # The same shape, live or read back: what json makes of it.
            return json.loads(json.dumps(function(coach)))

        @functools.wraps(function)
        def stored(coach):
            store = _store.get()
            if store is None or store.coach_id != coach.pk:
                return plain(coach)
            return store.answer(name, coach, plain)

        return once(stored)

    return decorate


# -- the per-coach store ------------------------------------------------------------------------


@functools.cache
def _code() -> str:
    """A hash of the modules that define kept functions: new code never reads old counts."""
    digest = hashlib.sha256()
    for module in sorted({kept_function.function.__module__ for kept_function in _kept.values()}):
        path = getattr(sys.modules[module], "__file__", None)
        digest.update(module.encode())
        if path:
            with open(path, "rb") as source:
                digest.update(source.read())
    return digest.hexdigest()[:16]


_READ = "SELECT version, counts, counts_version FROM standards_reportcounts WHERE coach_id = %s"
# Stored only if no write has moved the version since it was read (or, with no row, none was made).
_STORE = (
    "INSERT INTO standards_reportcounts (coach_id, version, counts, counts_version) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (coach_id) DO UPDATE SET counts = excluded.counts, counts_version = excluded.counts_version "
    "WHERE standards_reportcounts.version = excluded.counts_version"
)


@dataclass
class _Store:
    coach_id: Any
    loaded: bool = False
    version: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    def answer(self, name: str, coach, compute: Callable[[Any], Any]) -> Any:
        if not self.loaded:
            self._load()
        if name not in self.answers:
            self.answers[name] = compute(coach)
            self.changed = True
        return self.answers[name]

    def _load(self) -> None:
        # The version is read before any count, so counts computed now are at least as new as it.
        coach_id = ReportCounts._meta.pk.get_db_prep_value(self.coach_id, connection)
        with connection.cursor() as cursor:
            cursor.execute(_READ, [coach_id])
            row = cursor.fetchone()
        self.loaded = True
        if row is None:
            return
        self.version, counts, counts_version = row
        if counts_version != self.version or not counts:
            return
        answers = json.loads(counts)
        if answers.pop("_code", None) == _code():
            self.answers = answers

    def save(self) -> None:
        """Store the answers at the version they were read at, unless a write has bumped it since."""
        if not self.changed:
            return
        coach_id = ReportCounts._meta.pk.get_db_prep_value(self.coach_id, connection)
        counts = json.dumps({"_code": _code(), **self.answers}, sort_keys=True)
        with connection.cursor() as cursor:
            cursor.execute(_STORE, [coach_id, self.version, counts, self.version])


_store: ContextVar[_Store | None] = ContextVar("ethos_kept_store", default=None)


@contextmanager
def kept_counts(coach) -> Iterator[None]:
    """Let kept functions read and store `coach`'s counts until the block ends (one report)."""
    if _store.get() is not None:
        yield
        return
    store = _Store(coach.pk)
    token = _store.set(store)
    try:
        yield
        store.save()
    finally:
        _store.reset(token)


# -- the triggers ---------------------------------------------------------------------------------

_SQLITE_BUMP = (
    "INSERT INTO standards_reportcounts (coach_id, version, counts) SELECT {row}.coach_id, 1, '' "
    "WHERE {row}.coach_id IS NOT NULL{also} "
    "ON CONFLICT (coach_id) DO UPDATE SET version = version + 1;"
)

_POSTGRES_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION standards_kept_bump() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'DELETE' THEN
           IF NEW.coach_id IS NOT NULL THEN
             INSERT INTO standards_reportcounts (coach_id, version, counts) VALUES (NEW.coach_id, 1, '')
             ON CONFLICT (coach_id) DO UPDATE SET version = standards_reportcounts.version + 1;
           END IF;
         END IF;
         IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.coach_id IS DISTINCT FROM NEW.coach_id) THEN
           IF OLD.coach_id IS NOT NULL THEN
             INSERT INTO standards_reportcounts (coach_id, version, counts) VALUES (OLD.coach_id, 1, '')
             ON CONFLICT (coach_id) DO UPDATE SET version = standards_reportcounts.version + 1;
           END IF;
         END IF;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql""",
    # TRUNCATE names no row, so every coach's counts go.
    """CREATE OR REPLACE FUNCTION standards_kept_bump_all() RETURNS trigger AS $$
       BEGIN UPDATE standards_reportcounts SET version = version + 1; RETURN NULL; END;
       $$ LANGUAGE plpgsql""",
]


def _statements(vendor: str, table: str) -> list[str]:
    name = f"standards_kept_{table}"
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {table} BEGIN "
            + _SQLITE_BUMP.format(row="NEW", also="")
            + " END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE ON {table} BEGIN "
            + _SQLITE_BUMP.format(row="NEW", also="")
            + _SQLITE_BUMP.format(row="OLD", also=" AND OLD.coach_id IS NOT NEW.coach_id")
            + " END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {table} BEGIN "
            + _SQLITE_BUMP.format(row="OLD", also="")
            + " END",
        ]
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION standards_kept_bump()",
            f"CREATE OR REPLACE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION standards_kept_bump_all()",
        ]
    raise ImproperlyConfigured(KEPT_VENDOR.format(vendor=vendor))


def install_triggers(db) -> list[str]:
    """Install the version triggers on every declared table that exists; return those tables.

    Run after every migrate and flush: a migration that rebuilds a table (SQLite does so for many
    changes) drops its triggers, and a table a new kept function declares needs them.
    """
    existing = set(db.introspection.table_names())
    if ReportCounts._meta.db_table not in existing:
        return []
    tables = [table for table in kept_tables() if table in existing]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            for statement in _POSTGRES_FUNCTIONS:
                cursor.execute(statement)
        for table in tables:
            columns = {c.name for c in db.introspection.get_table_description(cursor, table)}
            if "coach_id" not in columns:
                raise ImproperlyConfigured(
                    KEPT_TABLE_WITHOUT_COACH.format(name="a kept function", table=table)
                )
            for statement in _statements(db.vendor, table):
                cursor.execute(statement)
    return tables
