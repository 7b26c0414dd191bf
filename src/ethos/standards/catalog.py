"""Load the code of ethics from catalog.toml once, and refuse a catalog that is not whole."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .points import Point

CATALOG_PATH = Path(__file__).with_name("catalog.toml")

# The clause ids fixed by shared/docs/standards.md. The catalog must hold exactly these.
CLAUSE_IDS = (
    *(f"S{n}" for n in range(1, 11)),
    *(f"C{n}" for n in range(1, 4)),
    *(f"P{n}" for n in range(1, 15)),
    "E1",
)
_CLAUSE_ID = re.compile(r"[SCPE][0-9]{1,2}")

CATALOG_UNREADABLE = "The standards catalog {path} cannot be read: {error}"
CATALOG_UNKNOWN_ID = "The standards catalog has a clause {clause!r} that is not in the Code of Ethics."
CATALOG_DUPLICATE_ID = "The standards catalog lists clause {clause} more than once."
CATALOG_MISSING_IDS = "The standards catalog is missing clauses: {clauses}."
CATALOG_BAD_FIELD = "Clause {clause} in the standards catalog: {problem}"
CATALOG_NO_SOURCE = "Clause {clause} has no enforcement point and no record source: nothing would honour it."
CATALOG_BAD_RECORD_TYPE = "Record type {name!r} in the standards catalog needs a label."
CATALOG_UNKNOWN_FIELD = (
    "Clause {clause} in the standards catalog has unknown fields: {fields} (known: {known})."
)
CATALOG_RULE_IS_TEXT = (
    "Clause {clause}: practice_rule repeats the clause text; it must say only what Ethos adds."
)

# How every page and export labels the two: the code's words (paraphrased) and Ethos's own rule.
CODE_SAYS_LABEL = "The code says"
PRACTICE_RULE_LABEL = "Ethos's own practice rule, not the code's words"

# The fields a [[clause]] may have. A misspelt one ("practise_rule") would otherwise vanish quietly.
CLAUSE_FIELDS = ("id", "section", "title", "text", "practice_rule", "strengths", "points", "record_sources")


class Section(StrEnum):
    SCOPE = "scope"
    CONFIDENTIALITY = "confidentiality"
    PRACTICE = "practice"
    ENFORCEMENT = "enforcement"

    @property
    def label(self) -> str:
        return {
            "scope": "Scope of coaching practice",
            "confidentiality": "Confidentiality",
            "practice": "Practice standards",
            "enforcement": "Enforcement",
        }[self.value]


class Strength(StrEnum):
    """How hard Ethos holds a clause at a point, strongest first."""

    BLOCK = "block"
    REQUIRE = "require"
    WARN = "warn"
    RECORD = "record"

    @property
    def label(self) -> str:
        return {
            "block": "Stops here",
            "require": "Needs a record",
            "warn": "Worth a pause",
            "record": "Noted",
        }[self.value]


@dataclass(frozen=True)
class Clause:
    """One clause: `text` says what the code says; `practice_rule` is what Ethos adds of its own."""

    id: str
    section: Section
    title: str
    text: str
    strengths: tuple[Strength, ...]
    points: tuple[Point, ...]
    record_sources: tuple[str, ...]
    practice_rule: str = ""


@dataclass(frozen=True)
class RecordType:
    name: str
    label: str
    url_name: str = ""


@dataclass(frozen=True)
class Catalog:
    clauses: tuple[Clause, ...]
    record_types: dict[str, RecordType]

    def __getitem__(self, clause_id: str) -> Clause:
        return self.by_id[clause_id]

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self.by_id

    def __iter__(self):
        return iter(self.clauses)

    @functools.cached_property
    def by_id(self) -> dict[str, Clause]:
        return {clause.id: clause for clause in self.clauses}

    def order(self, clause_id: str) -> int:
        """Return the clause's position in the catalog, for sorting findings and report rows."""
        return list(self.by_id).index(clause_id)


def _strings(value: Any, clause: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ImproperlyConfigured(
            CATALOG_BAD_FIELD.format(clause=clause, problem=f"{field} must be a list of text")
        )
    return tuple(value)


def _enum(kind: type[StrEnum], value: str, clause: str, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        problem = f"{field} {value!r} is unknown (known: {known})"
        raise ImproperlyConfigured(CATALOG_BAD_FIELD.format(clause=clause, problem=problem)) from None


def _clause(entry: Any) -> Clause:
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(
            CATALOG_BAD_FIELD.format(clause="?", problem="each clause must be a table")
        )
    clause_id = entry.get("id")
    if not isinstance(clause_id, str) or not _CLAUSE_ID.fullmatch(clause_id) or clause_id not in CLAUSE_IDS:
        raise ImproperlyConfigured(CATALOG_UNKNOWN_ID.format(clause=clause_id))
    unknown = sorted(set(entry) - set(CLAUSE_FIELDS))
    if unknown:
        raise ImproperlyConfigured(
            CATALOG_UNKNOWN_FIELD.format(
                clause=clause_id, fields=", ".join(unknown), known=", ".join(CLAUSE_FIELDS)
            )
        )
    for field in ("title", "text"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise ImproperlyConfigured(
                CATALOG_BAD_FIELD.format(clause=clause_id, problem=f"{field} is empty")
            )
    practice_rule = entry.get("practice_rule", "")
    if not isinstance(practice_rule, str) or ("practice_rule" in entry and not practice_rule.strip()):
        raise ImproperlyConfigured(
            CATALOG_BAD_FIELD.format(clause=clause_id, problem="practice_rule must be text, or left out")
        )
    if practice_rule.strip() and practice_rule.strip() == entry["text"].strip():
        raise ImproperlyConfigured(CATALOG_RULE_IS_TEXT.format(clause=clause_id))
    strengths = _strings(entry.get("strengths"), clause_id, "strengths")
    if not strengths:
        raise ImproperlyConfigured(CATALOG_BAD_FIELD.format(clause=clause_id, problem="strengths is empty"))
    clause = Clause(
        id=clause_id,
        section=_enum(Section, entry.get("section", ""), clause_id, "section"),
        title=entry["title"].strip(),
        text=entry["text"].strip(),
        strengths=tuple(_enum(Strength, s, clause_id, "strength") for s in strengths),
        points=tuple(
            _enum(Point, p, clause_id, "point")
            for p in _strings(entry.get("points", []), clause_id, "points")
        ),
        record_sources=_strings(entry.get("record_sources", []), clause_id, "record_sources"),
        practice_rule=practice_rule.strip(),
    )
    if not clause.points and not clause.record_sources:
        raise ImproperlyConfigured(CATALOG_NO_SOURCE.format(clause=clause_id))
    return clause


def parse_catalog(data: dict[str, Any]) -> Catalog:
    """Build a Catalog from parsed TOML, raising ImproperlyConfigured with a clear message."""
    clauses: list[Clause] = []
    seen: set[str] = set()
    for entry in data.get("clause", []):
        clause = _clause(entry)
        if clause.id in seen:
            raise ImproperlyConfigured(CATALOG_DUPLICATE_ID.format(clause=clause.id))
        seen.add(clause.id)
        clauses.append(clause)
    missing = [clause_id for clause_id in CLAUSE_IDS if clause_id not in seen]
    if missing:
        raise ImproperlyConfigured(CATALOG_MISSING_IDS.format(clauses=", ".join(missing)))
    record_types = {}
    for name, spec in data.get("record_types", {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("label"), str) or not spec["label"]:
            raise ImproperlyConfigured(CATALOG_BAD_RECORD_TYPE.format(name=name))
        record_types[name] = RecordType(name=name, label=spec["label"], url_name=spec.get("url", ""))
    return Catalog(clauses=tuple(clauses), record_types=record_types)


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ImproperlyConfigured(CATALOG_UNREADABLE.format(path=path, error=error)) from None
    return parse_catalog(data)


@functools.cache
def catalog() -> Catalog:
    """Return the catalog, loaded and validated once per process."""
    return load_catalog()
