"""Evidence providers: how an app tells the compliance report what it holds for a clause.

    from ethos.standards.evidence import Evidence, evidence_provider

    @evidence_provider("S9")
    def intake_age_checks(coach) -> list[Evidence]:
        checked, declined = ...  # one aggregate query, never one per row
        return [Evidence(f"{count(checked, 'intake')} checked for age, {declined} declined")]

Register providers from the app's AppConfig.ready(). A clause with a provider counts as
tracked by Ethos, and its providers say what its standing rests on: a line is a record Ethos
kept as the work happened (the default), something the coach declared and Ethos has not
checked (`Basis.DECLARED`), or a statement that no record shows the clause yet (`Basis.NONE`).
The report shows a clause "in good standing" only when a provider line is a record. Evidence
text holds counts and dates, never a client's identity.

An aggregate that several providers need (every intake, for S1, S2, S9 and P3) is written once
and marked `@once_per_report`: while a report is built, every provider that asks shares one answer.
An aggregate that reads only stored rows of tables with a coach_id (not the clock) is marked
`@kept(Model, ...)` instead, naming every model it reads: it runs once per report too, and its
answer is also kept between reports until one of those tables changes (standards/kept.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

from ethos.audit.selectors import chain_head
from ethos.memo import once, scope
from ethos.prepared import as_datetime, prepared

from .catalog import catalog
from .kept import kept  # noqa: F401  (providers' aggregates are kept between reports: kept.py)
from .models import Tally

PROVIDER_UNKNOWN_CLAUSE = (
    "Evidence provider {name} is registered for clause {clause!r}, which is not in the catalog."
)


class Basis(StrEnum):
    """What a line of evidence rests on."""

    RECORD = "record"
    DECLARED = "self-declared"
    NONE = "none"

    @property
    def label(self) -> str:
        """Say what the line rests on, for the report; a record needs no label."""
        return {
            "record": "",
            "self-declared": "self-declared: Ethos has not checked it",
            "none": "no record shows this yet",
        }[self.value]


@dataclass(frozen=True)
class Evidence:
    """One line of evidence; `attention` marks something the coach should look at."""

    text: str
    attention: bool = False
    basis: Basis = Basis.RECORD
    # How many records the line counts, when it is a count: a count of nothing shows nothing,
    # so "0 intakes checked" never makes a clause look in good standing.
    count: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", Basis(self.basis))

    @property
    def shows_something(self) -> bool:
        """Say whether the line is a record that shows the clause honoured (a count above 0)."""
        return self.basis is Basis.RECORD and (self.count is None or self.count > 0)

    @property
    def display(self) -> str:
        """Return the line as exports print it, with what it rests on unless it is a record."""
        return f"{self.text} ({self.basis.label})" if self.basis.label else self.text


Provider = Callable[..., Iterable[Evidence]]
_providers: dict[str, list[Provider]] = {}


def count(number: int, noun: str, plural: str = "") -> str:
    """Say how many, with the noun agreeing: "1 goal", "2 goals" (`plural` where "s" is wrong)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def times(number: int) -> str:
    """Say how often: "once", "2 times", "0 times"."""
    return "once" if number == 1 else f"{number} times"


def evidence_provider(clause: str) -> Callable[[Provider], Provider]:
    """Register `function(coach) -> Iterable[Evidence]` as evidence for `clause`."""

    def register(function: Provider) -> Provider:
        if clause not in catalog():
            name = f"{function.__module__}.{function.__qualname__}"
            raise ImproperlyConfigured(PROVIDER_UNKNOWN_CLAUSE.format(name=name, clause=clause))
        if function not in _providers.setdefault(clause, []):
            _providers[clause].append(function)
        return function

    return register


def providers_for(clause: str) -> tuple[Provider, ...]:
    return tuple(_providers.get(clause, ()))


def unregister(clause: str, function: Provider) -> None:
    """Remove a provider (for tests that register their own)."""
    _providers.get(clause, []).remove(function)


# An aggregate several providers need runs once while a report is built (see ethos.memo).
once_per_report = once
report_scope = scope
# The log's head, read once per report by the report itself and by any provider that cites it.
report_chain_head = once(chain_head)


class Tallied(NamedTuple):
    """One tally as the report reads it: how often a clause was checked at a point, and the outcomes."""

    clause: str
    point: str
    checked: int
    blocked: int
    required: int
    warned: int
    recorded: int
    last_warned_at: datetime.datetime | None


_TALLIED = Tallied._fields


@prepared
def _tally_rows(coach) -> list[tuple]:
    return list(Tally.objects.filter(coach=coach).order_by("clause", "point").values_list(*_TALLIED))


@once
def report_tallies(coach) -> dict[tuple[str, str], Tallied]:
    """The coach's tallies by (clause, point), read once per report by the report and its providers.

    Plain rows, not model instances: building thirty-odd Tally objects was a tenth of the report.
    """
    tallies = {}
    for row in _tally_rows(coach):
        tally = Tallied(*row[:-1], as_datetime(row[-1]))
        tallies[(tally.clause, tally.point)] = tally
    return tallies
