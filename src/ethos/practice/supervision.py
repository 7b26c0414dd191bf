"""The supervision log (S6): supervisors, entries, and the concerns an entry took to supervision.

An entry never names a client. When the coach takes an open item (an S5 concern outside their
competence, an S1 or S2 scope question, a P8 incident) to supervision, Ethos offers a summary of
the situation without identity, written by the app that owns the item's subject through
`situation_source`, and refuses an entry whose words contain the client's name or other
identifiers that source gave. The practice layer never imports a client app to do this.

Supervision goes alongside a referral, never in its place (S5): linking an S5 item records that it
was supervised, and the item stays open until its referral exists. Items that ask for a
supervision entry themselves (a declared relationship, P8) are resolved by the entry.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.prepared import as_decimal, prepared
from ethos.standards.engine import Subject
from ethos.standards.facts import Facts
from ethos.standards.models import OpenItem
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_item_resolve
from ethos.vault.models import DataKey
from ethos.vault.services import data_key_create

from .models import SupervisionEntry, SupervisionLink, Supervisor
from .selectors import competence_for

HOURS_PLACES = SupervisionEntry._meta.get_field("hours").decimal_places

PRACTICE_KEY_PURPOSE = "practice"
TEXT_MAX = 5000
HOURS_MAX = Decimal("24")

NOT_YOURS = "This record belongs to another practice."
SUPERVISOR_NEEDED = "Choose the supervisor you met."
NAME_NEEDED = "Write the supervisor's name."
QUALIFICATION_NEEDED = "Write the supervisor's qualification."
VERIFIED_UNKNOWN = "Choose how you checked the supervisor's qualification."
IN_FUTURE = "This date is in the future. Enter the day it happened."
HOURS_RANGE = "Enter the time spent in hours, more than 0 and at most 24 (for example 1.5)."
CONCERNS_NEEDED = "Write the concerns you brought, without naming anyone."
OUTCOME_NEEDED = "Write what came out of the supervision."
IDENTIFIES = (
    "The concerns, outcome or actions contain words that identify a client ({words}). "
    "Describe the situation without them: “a client”, “they”."
)
ITEM_NOT_OPEN = "One of the items chosen is not an open item of yours any more. Choose again."

# The clauses whose open items may be taken to supervision: scope, and boundaries.
SUPERVISABLE = ("S1", "S2", "S5", "S6", "P7", "P8", "P9")


# -- What the app that owns a subject tells supervision about it ---------------------------------


@dataclass(frozen=True)
class Situation:
    """A client's situation as supervision may see it: a summary without identity, and what to keep out.

    `identifiers` are the client's name parts, contact details and the like: an entry containing
    any of them is refused. The concern areas feed the S5/S6/S10 check at `supervision.need`.
    """

    summary: str
    identifiers: tuple[str, ...] = ()
    concern_areas: frozenset[str] = field(default_factory=frozenset)
    referred_areas: frozenset[str] = field(default_factory=frozenset)
    # The subject the S5 check speaks about (the client), so its items join the client's own.
    subject: Subject | None = None


SituationSource = Callable[..., Situation | None]
_sources: dict[str, SituationSource] = {}


def situation_source(subject_type: str) -> Callable[[SituationSource], SituationSource]:
    """Register `(coach, item) -> Situation | None` for the open items about one type of subject."""

    def register(function: SituationSource) -> SituationSource:
        _sources[subject_type] = function
        return function

    return register


def situation_for(coach, item: OpenItem) -> Situation | None:
    source = _sources.get(item.subject_type)
    return source(coach, item) if source is not None else None


def offered_summary(coach, items: Iterable[OpenItem]) -> str:
    """Return the de-identified summary Ethos offers for these items; the coach edits it."""
    parts = []
    for item in items:
        situation = situation_for(coach, item)
        text = situation.summary if situation else ""
        parts.append(f"{item.clause}: {item.message} {text}".strip())
    return "\n\n".join(parts)


def _words(text: str) -> set[str]:
    return {word.casefold() for word in re.findall(r"[\w@.+-]+", text)}


def identifying_words(text: str, identifiers: Iterable[str]) -> list[str]:
    """Return the identifiers that appear in `text`, compared as whole words, case aside."""
    found, words, folded = [], _words(text), text.casefold()
    for identifier in identifiers:
        identifier = identifier.strip()
        if len(identifier) < 3:
            continue
        if " " in identifier or "@" in identifier:
            hit = identifier.casefold() in folded
        elif identifier.isdigit():
            hit = identifier in re.sub(r"\D", "", text)
        else:
            hit = identifier.casefold() in words
        if hit:
            found.append(identifier)
    return found


# -- Reads --------------------------------------------------------------------------------------


def supervisors_for(coach) -> list[Supervisor]:
    return list(Supervisor.objects.filter(coach=coach))


def get_supervisor_for_coach(coach, pk) -> Supervisor:
    supervisor = Supervisor.objects.filter(coach=coach, pk=pk).first()
    if supervisor is None:
        raise Http404("No such supervisor.")
    return supervisor


def get_entry_for_coach(coach, pk) -> SupervisionEntry:
    entry = (
        SupervisionEntry.objects.filter(coach=coach, pk=pk).select_related("supervisor", "data_key").first()
    )
    if entry is None:
        raise Http404("No such supervision entry.")
    return entry


def entries_for(coach, *, limit: int = 200) -> list[SupervisionEntry]:
    """The latest entries with their supervisor and link counts, in one query."""
    return list(
        SupervisionEntry.objects.filter(coach=coach)
        .select_related("supervisor")
        .annotate(linked=Count("links"))
        .order_by("-held_on", "-created_at")[:limit]
    )


def supervisable_items(coach) -> list[OpenItem]:
    """The coach's open items that may be taken to supervision, oldest first."""
    return list(
        OpenItem.objects.for_coach(coach).open().filter(clause__in=SUPERVISABLE).order_by("opened_at", "id")
    )


@dataclass(frozen=True)
class SupervisionTotals:
    entries: int
    hours: Decimal
    hours_this_year: Decimal
    items_taken: int
    items_resolved: int

    @property
    def hours_label(self) -> str:
        return format(self.hours.normalize(), "f") if self.hours else "0"

    @property
    def hours_this_year_label(self) -> str:
        return format(self.hours_this_year.normalize(), "f") if self.hours_this_year else "0"


@prepared
def _supervision_sums(coach, first: datetime.date, last: datetime.date) -> list[tuple]:
    return list(
        SupervisionEntry.objects.filter(coach=coach)
        .order_by()
        .values("coach")
        .annotate(
            entries=Count("pk"),
            total=Sum("hours"),
            this_year=Sum("hours", filter=Q(held_on__gte=first, held_on__lte=last)),
        )
        .values_list("entries", "total", "this_year")
    )


@prepared
def _supervision_links(coach) -> dict[str, int]:
    return SupervisionLink.objects.filter(entry__coach=coach).aggregate(
        taken=Count("item", distinct=True),
        resolved=Count("item", distinct=True, filter=Q(item__resolved_at__isnull=False)),
    )


def supervision_totals(coach, *, today: datetime.date | None = None) -> SupervisionTotals:
    """Count entries, hours and the items taken to supervision: two prepared queries."""
    year = (today or timezone.localdate()).year
    [(entries, total, this_year)] = _supervision_sums(
        coach, datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ) or [(0, None, None)]
    links = _supervision_links(coach)
    return SupervisionTotals(
        entries=entries,
        hours=as_decimal(total, places=HOURS_PLACES) or Decimal("0"),
        hours_this_year=as_decimal(this_year, places=HOURS_PLACES) or Decimal("0"),
        items_taken=links["taken"],
        items_resolved=links["resolved"],
    )


# -- Writes -------------------------------------------------------------------------------------


def practice_key(coach) -> DataKey:
    """Return the coach's "practice" data key, making it on first use (the vault must be open)."""
    key = (
        DataKey.objects.filter(coach=coach, purpose=PRACTICE_KEY_PURPOSE, wrapped__isnull=False)
        .order_by("created_at", "id")
        .first()
    )
    return key or data_key_create(coach=coach, purpose=PRACTICE_KEY_PURPOSE)


def _text(value: str | None) -> str:
    return (value or "").strip()[:TEXT_MAX]


def _past(day: datetime.date, name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({name: [IN_FUTURE]})


def supervisor_add(
    *, coach, name: str, qualification: str, verified_how: str, verified_on: datetime.date
) -> Supervisor:
    """Add a supervisor, with their qualification and how the coach checked it (S6)."""
    errors = {}
    if not _text(name):
        errors["name"] = [NAME_NEEDED]
    if not _text(qualification):
        errors["qualification"] = [QUALIFICATION_NEEDED]
    if verified_how not in Supervisor.Verified.values:
        errors["verified_how"] = [VERIFIED_UNKNOWN]
    if errors:
        raise ValidationError(errors)
    _past(verified_on, "verified_on")
    with transaction.atomic():
        supervisor = Supervisor(
            coach=coach,
            name=_text(name)[:150],
            qualification=_text(qualification)[:200],
            verified_how=verified_how,
            verified_on=verified_on,
        )
        supervisor.full_clean()
        supervisor.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SUPERVISOR_ADDED,
            target_type="supervisor",
            target_id=str(supervisor.pk),
            clauses=["S6"],
            details={"verified_how": verified_how},
        )
    return supervisor


def _check_hours(hours: Decimal) -> Decimal:
    if not isinstance(hours, Decimal) or not hours.is_finite() or not Decimal("0") < hours <= HOURS_MAX:
        raise ValidationError({"hours": [HOURS_RANGE]})
    return hours.quantize(Decimal("0.01"))


def _supervision_need(coach, entry: SupervisionEntry, situations: Sequence[Situation]) -> None:
    """Ask the S5/S6/S10 rules about each client situation taken to supervision (`supervision.need`).

    Supervision goes alongside a referral and never replaces one: a concern outside competence
    with no referral still needs it (its S5 item, kept on the client, stays open).
    """
    competence = competence_for(coach)
    for situation in situations:
        if situation.subject is None:
            continue
        enforce(
            coach=coach,
            point=Point.SUPERVISION_NEED,
            facts=Facts(
                concern_areas=situation.concern_areas,
                competence_areas=competence.areas,
                credential_areas=competence.credential_areas,
                referred_areas=situation.referred_areas,
                supervised_areas=situation.concern_areas,
            ),
            subject=situation.subject,
        )


def supervision_record(
    *,
    coach,
    supervisor: Supervisor,
    held_on: datetime.date,
    hours: Decimal,
    concerns: str,
    outcome: str,
    actions: str = "",
    items: Sequence[OpenItem] = (),
) -> SupervisionEntry:
    """Log a supervision (S6) and link the open items it took up; refuse words that identify a client."""
    if supervisor is None or supervisor.coach_id != coach.pk:
        raise ValidationError({"supervisor": [SUPERVISOR_NEEDED]})
    _past(held_on, "held_on")
    hours = _check_hours(hours)
    concerns, outcome, actions = _text(concerns), _text(outcome), _text(actions)
    errors = {}
    if not concerns:
        errors["concerns"] = [CONCERNS_NEEDED]
    if not outcome:
        errors["outcome"] = [OUTCOME_NEEDED]
    if errors:
        raise ValidationError(errors)
    wanted = {item.pk for item in items}
    open_items = list(OpenItem.objects.for_coach(coach).open().filter(pk__in=wanted, clause__in=SUPERVISABLE))
    if len(open_items) != len(wanted):
        raise ValidationError({"items": [ITEM_NOT_OPEN]})
    situations = [s for s in (situation_for(coach, item) for item in open_items) if s is not None]
    identifiers = {word for situation in situations for word in situation.identifiers}
    found = identifying_words(f"{concerns}\n{outcome}\n{actions}", identifiers)
    if found:
        # The message names only how many words matched: the words themselves stay out of logs.
        raise ValidationError({"concerns": [IDENTIFIES.format(words=f"{len(found)} found")]})
    with action():
        entry = SupervisionEntry(
            coach=coach,
            data_key=practice_key(coach),
            supervisor=supervisor,
            held_on=held_on,
            hours=hours,
            concerns=concerns,
            outcome=outcome,
            actions=actions or None,
        )
        entry.save(force_insert=True)
        SupervisionLink.objects.bulk_create(
            [SupervisionLink(entry=entry, item=item, clause=item.clause) for item in open_items]
        )
        _supervision_need(coach, entry, situations)
        audit_append(
            coach=coach,
            action=Action.SUPERVISION_RECORDED,
            target_type="supervision_entry",
            target_id=str(entry.pk),
            clauses=sorted({"S6", *(item.clause for item in open_items)}),
            details={"hours": str(hours), "items": [str(item.pk) for item in open_items]},
        )
        for item in open_items:
            if RecordType.SUPERVISION_ENTRY in item.record_type_list:
                open_item_resolve(
                    coach=coach, item=item, record_type=RecordType.SUPERVISION_ENTRY, record_id=str(entry.pk)
                )
    return entry


def entry_links(entry: SupervisionEntry) -> list[OpenItem]:
    """The items an entry took up, with whether each is resolved now (one query)."""
    return list(OpenItem.objects.filter(pk__in=entry.links.values("item")).order_by("opened_at", "id"))
