"""Read paths of the standards engine: open items and the compliance report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Min, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ethos.audit.selectors import ChainHead
from ethos.prepared import as_datetime, prepared

from .catalog import Clause, catalog
from .engine import Subject
from .evidence import (
    Basis,
    Evidence,
    Tallied,
    providers_for,
    report_chain_head,
    report_scope,
    report_tallies,
)
from .kept import kept_counts
from .models import OpenItem, WitnessCosignature
from .points import Point

# A warning within this many days marks its clause as needing attention in the report.
ATTENTION_DAYS = 90


def open_items_for(coach, *, subject: Subject | None = None) -> list[OpenItem]:
    """Return the coach's unresolved open items, oldest first; only `subject`'s if given."""
    if subject is None:
        return _open_items(coach)
    return _open_items_about(coach, subject.type, subject.id)


# Read on every client page and dashboard: their SQL is built once per process (ethos.prepared).
@prepared
def _open_items(coach):
    return OpenItem.objects.for_coach(coach).open().order_by("opened_at", "id")


@prepared
def _open_items_about(coach, subject_type: str, subject_id: str):
    items = OpenItem.objects.for_coach(coach).open()
    return items.filter(subject_type=subject_type, subject_id=subject_id).order_by("opened_at", "id")


def get_open_item_for_coach(coach, pk) -> OpenItem:
    """Return one of the coach's open items; another coach's item is a 404."""
    try:
        return OpenItem.objects.for_coach(coach).get(pk=pk)
    except (OpenItem.DoesNotExist, ValueError) as error:
        raise Http404("No such open item.") from error


def record_links(item: OpenItem) -> list[tuple[str, str | None]]:
    """Return (label, url or None) for each record type that resolves the item."""
    types = catalog().record_types
    links = []
    for name in item.record_type_list:
        record_type = types[name]
        try:
            url = reverse(record_type.url_name) if record_type.url_name else None
        except NoReverseMatch:
            url = None
        links.append((record_type.label, url))
    return links


class Status(StrEnum):
    """How a clause stands in the report; each claims only what Ethos's records show."""

    GOOD = "good"
    ATTENTION = "attention"
    OPEN = "open"
    DECLARED = "declared"
    UNSHOWN = "unshown"
    UNTRACKED = "untracked"

    @property
    def label(self) -> str:
        return {
            "good": "In good standing",
            "attention": "Needs attention",
            "open": "Open items",
            "declared": "Self-declared only",
            "unshown": "No record shows it yet",
            "untracked": "Not yet tracked by Ethos",
        }[self.value]

    @property
    def note(self) -> str:
        """Say what the status rests on, in one sentence."""
        return {
            "good": "Ethos's records for this clause show no problem; they cover only what Ethos checks.",
            "attention": "Something in Ethos's records for this clause needs a look.",
            "open": "A record this clause needs is still missing.",
            "declared": "What Ethos holds here is what you entered yourself; nobody has checked it.",
            "unshown": "Ethos looks at this clause, but no record yet shows that it was honoured.",
            "untracked": "No workflow in Ethos records this clause yet.",
        }[self.value]

    @property
    def tone(self) -> str:
        """Return the CSS modifier of the status badge: good, attention, open, declared or untracked."""
        tones = {
            "good": "good",
            "attention": "attention",
            "open": "open",
            "unshown": "open",
            "declared": "declared",
        }
        return tones.get(self.value, "untracked")


@dataclass(frozen=True)
class ReportRow:
    clause: Clause
    status: Status
    evidence: tuple[Evidence, ...]
    open_items: int
    open_since: datetime.datetime | None


@dataclass(frozen=True)
class ComplianceReport:
    coach_name: str
    generated_at: datetime.datetime
    chain: ChainHead
    rows: tuple[ReportRow, ...]


def _tally_line(tally: Tallied) -> str:
    outcomes = [
        f"{words}: {count}"
        for count, words in (
            (tally.blocked, "stopped"),
            (tally.required, "needed a record"),
            (tally.warned, "warned"),
            (tally.recorded, "noted"),
        )
        if count
    ]
    line = f"{Point(tally.point).noun.capitalize()} checked: {tally.checked}"
    return f"{line} ({', '.join(outcomes)})" if outcomes else line


def _standing(provided: list[Evidence]) -> Basis:
    """Say what the providers' lines rest on: a record that shows something, else a declaration."""
    if any(line.shows_something for line in provided):
        return Basis.RECORD
    if any(line.basis is Basis.DECLARED for line in provided):
        return Basis.DECLARED
    return Basis.NONE


def _status(*, tracked: bool, open_items: int, attention: bool, standing: Basis) -> Status:
    if open_items:
        return Status.OPEN
    if not tracked:
        return Status.UNTRACKED
    if attention:
        return Status.ATTENTION
    if standing is Basis.DECLARED:
        return Status.DECLARED
    if standing is Basis.NONE:
        return Status.UNSHOWN
    return Status.GOOD


@prepared
def _open_item_counts(coach) -> list[tuple]:
    """(clause, open, resolved, oldest open) for each clause with open items, in one grouped query."""
    return list(
        OpenItem.objects.for_coach(coach)
        .values_list("clause")
        .annotate(
            open=Count("id", filter=Q(resolved_at__isnull=True)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            since=Min("opened_at", filter=Q(resolved_at__isnull=True)),
        )
        .values_list("clause", "open", "resolved", "since")
        .order_by()
    )


def compliance_report(
    *, coach, now: datetime.datetime | None = None, chain: ChainHead | None = None
) -> ComplianceReport:
    """Build the report: every clause once, in catalog order, with its status and evidence.

    `chain` is the log's head when the caller has read it already (a page's request has).
    """
    with report_scope(), kept_counts(coach):
        if chain is not None:
            report_chain_head.remember(coach, answer=chain)
        return _report(coach=coach, now=now or timezone.now())


def _report(*, coach, now: datetime.datetime) -> ComplianceReport:
    recent = now - datetime.timedelta(days=ATTENTION_DAYS)
    tallies: dict[str, list[Tallied]] = {}
    for tally in report_tallies(coach).values():
        tallies.setdefault(tally.clause, []).append(tally)
    items = {
        clause: {"open": open_, "resolved": resolved, "since": as_datetime(since)}
        for clause, open_, resolved, since in _open_item_counts(coach)
    }
    rows = []
    for clause in catalog():
        clause_tallies = tallies.get(clause.id, [])
        evidence = [Evidence(_tally_line(t)) for t in clause_tallies]
        providers = providers_for(clause.id)
        provided = [line for provider in providers for line in provider(coach)]
        evidence.extend(provided)
        counts = items.get(clause.id, {"open": 0, "resolved": 0, "since": None})
        if counts["resolved"]:
            resolved = Evidence(
                f"Open items resolved by their record: {counts['resolved']}", count=counts["resolved"]
            )
            evidence.append(resolved)
            provided.append(resolved)
        attention = any(e.attention for e in evidence) or any(
            t.last_warned_at and t.last_warned_at >= recent for t in clause_tallies
        )
        tracked = bool(clause_tallies) or bool(providers)
        # A clause's providers know which records show it honoured (a supervision log, not the
        # intake checks that merely looked at it); without providers, Ethos's own checks are it.
        standing = _standing(provided) if providers else Basis.RECORD
        status = _status(tracked=tracked, open_items=counts["open"], attention=attention, standing=standing)
        rows.append(ReportRow(clause, status, tuple(evidence), counts["open"], counts["since"]))
    return ComplianceReport(
        coach_name=coach.name, generated_at=now, chain=report_chain_head(coach), rows=tuple(rows)
    )


def latest_cosignature(coach) -> WitnessCosignature | None:
    """Return the association's latest cosignature on the coach's log (one query), or None."""
    return WitnessCosignature.objects.filter(coach=coach).order_by("-witnessed_at", "-id").first()
