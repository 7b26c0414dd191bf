"""Reads for the complaint and case pages, and the access helpers that answer 404 for anyone else."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import SENTENCES
from ethos.certification.log import ASSOCIATION_EMAIL, association_account
from ethos.certification.models import Certification
from ethos.prepared import prepared
from ethos.web import STAFF

from .models import Complaint, EthicsCase, Outcome, PanelSeat
from .services import STAGE_GUIDE, TRANSITIONS, appeal_closes

Stage = EthicsCase.Stage


def get_complaint_for_staff(pk) -> Complaint:
    return get_object_or_404(Complaint, pk=pk)


def get_case_for_staff(pk) -> EthicsCase:
    return get_object_or_404(EthicsCase.objects.select_related("certification", "complaint"), pk=pk)


def get_case_for_coach(coach, pk) -> EthicsCase:
    """A case about the coach's own certification; any other is a 404."""
    return get_object_or_404(
        EthicsCase.objects.select_related("certification"), pk=pk, certification__coach=coach
    )


def cases_for_coach(coach) -> list[EthicsCase]:
    return list(EthicsCase.objects.filter(certification__coach=coach).order_by("-opened_at"))


@prepared
def open_cases_for_coach(coach) -> list[EthicsCase]:
    """The coach's cases not yet closed, soonest response first (one query): for the dashboard.

    Its SQL is built once per process (ethos.prepared): the dashboard asks on every visit.
    """
    cases = EthicsCase.objects.filter(certification__coach=coach).exclude(stage=EthicsCase.Stage.CLOSED)
    return cases.order_by("response_due", "opened_at")


def complaints_to_screen() -> list[Complaint]:
    return list(Complaint.objects.filter(state=Complaint.State.RECEIVED).order_by("received_at"))


def case_list() -> tuple[list[EthicsCase], list[EthicsCase]]:
    """Open cases, soonest deadline first, and the closed ones, newest first (two queries)."""
    cases = EthicsCase.objects.select_related("certification")
    open_cases = list(cases.exclude(stage=Stage.CLOSED).order_by("stage_deadline", "number"))
    closed = list(cases.filter(stage=Stage.CLOSED).order_by("-final_on", "-number")[:50])
    return open_cases, closed


def registry_matches(named: str) -> list[Certification]:
    """Registry entries the complainant may have meant: by certificate number or by public name."""
    words = [word for word in named.replace(",", " ").split() if len(word) > 1][:6]
    query = Q(number__iexact=named.strip())
    for word in words:
        query |= Q(number__iexact=word) | Q(public_name__icontains=word)
    return list(Certification.objects.filter(query)[:10])


def staff_members():
    User = get_user_model()
    return User.objects.filter(role=STAFF, is_active=True).exclude(email=ASSOCIATION_EMAIL).order_by("name")


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    sentence: str
    actor: str
    detail: str


def _detail(details: dict) -> str:
    parts = []
    if "from" in details and "to" in details:
        parts.append(f"{Stage(details['from']).label} to {Stage(details['to']).label}")
    for key in ("outcome", "vote"):
        if key in details:
            parts.append(f"{key}: {Outcome(details[key]).label.lower()}")
    if "because" in details:
        parts.append(Complaint.ClosedBecause(details["because"]).label)
    if "by" in details:
        parts.append(f"by {EthicsCase.Party(details['by']).label.lower()}")
    return "; ".join(parts)


def case_timeline(*, complaint: Complaint, case: EthicsCase | None) -> list[TimelineEntry]:
    """The complaint's and the case's events from the association's log, oldest first (one query)."""
    targets = Q(target_type="complaint", target_id=str(complaint.pk))
    if case is not None:
        targets |= Q(target_type="ethics_case", target_id=str(case.pk))
    events = AuditEvent.objects.for_coach(association_account()).filter(targets).order_by("seq")
    User = get_user_model()
    names = {
        f"staff:{pk}"[:20]: name for pk, name in User.objects.filter(role=STAFF).values_list("pk", "name")
    }
    entries = []
    for event in events:
        try:
            sentence = SENTENCES[Action(event.action)]
        except (ValueError, KeyError):
            sentence = event.action
        actor = names.get(event.actor, "The coach" if event.actor == "coach" else "The association")
        entries.append(TimelineEntry(event.created_at, sentence, actor, _detail(event.details or {})))
    return entries


@dataclass(frozen=True)
class StageView:
    """What the case page says about the current stage and offers to do at it."""

    label: str
    who_acts: str
    deadline: datetime.date | None
    overdue: bool
    moves: list[tuple[str, str]]
    panel: str
    seats: list[PanelSeat]
    appeal_closes: datetime.date | None


def stage_view(case: EthicsCase) -> StageView:
    plain = {
        (Stage.INTAKE, Stage.PRELIMINARY_REVIEW),
        (Stage.PRELIMINARY_REVIEW, Stage.INVESTIGATION),
        (Stage.PRELIMINARY_REVIEW, Stage.CLOSED),
        (Stage.INVESTIGATION, Stage.HEARING),
    }
    moves = [(to, Stage(to).label) for to in TRANSITIONS[case.stage] if (case.stage, to) in plain]
    panel = {Stage.HEARING: PanelSeat.Panel.HEARING, Stage.APPEAL: PanelSeat.Panel.APPEAL}.get(case.stage, "")
    seats = list(PanelSeat.objects.filter(case=case).select_related("member").order_by("panel", "pk"))
    return StageView(
        label=Stage(case.stage).label,
        who_acts=STAGE_GUIDE[case.stage][0],
        deadline=case.stage_deadline,
        overdue=case.overdue(),
        moves=moves,
        panel=panel,
        seats=seats,
        appeal_closes=appeal_closes(case) if case.decided_on else None,
    )
