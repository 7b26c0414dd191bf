"""Client workflows that change state: intake, referrals, supervision plans, contact details.

Each function asks the standards engine first, writes, and appends its audit event in the same
transaction. A stopped action writes nothing but the finding (which stays in the audit log).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.practice.selectors import competence_for, profile_for
from ethos.referrals.models import Resource
from ethos.referrals.services import referral_check
from ethos.standards.engine import Subject, Verdict
from ethos.standards.facts import Facts, age_on
from ethos.standards.points import Point
from ethos.standards.services import action, enforce, open_items_resolve_for
from ethos.vault.services import data_key_create

from .models import Client, ContactVersion, Intake, PracticeClosure, Referral, SupervisionPlan

DECLINE_NEEDS_REASON = "Choose the reason for declining from the list."
# The clauses whose block at intake is itself the outcome: the person is declined, with a referral owed.
DECLINING_CLAUSES = ("S1", "S2", "S9")
CLIENT_NOT_ACTIVE = "This client's coaching has ended; reopen it first."


@dataclass(frozen=True)
class Screening:
    """The intake's screening answers, in the person's own yes or no (S1, S2)."""

    suicidal_thoughts: bool
    intent_or_plan: bool
    self_harm: bool
    substance_uncontrolled: bool
    current_treatment: bool

    @property
    def suicide_risk(self) -> bool:
        return self.suicidal_thoughts and self.intent_or_plan

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class IntakeData:
    name: str
    date_of_birth: datetime.date
    contact: dict[str, str]
    screening: Screening
    concerns: list[dict[str, str]] = field(default_factory=list)
    wants: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    emergency_contact: dict[str, str] | None = None
    decline_reason: str = ""


@dataclass(frozen=True)
class IntakeResult:
    client: Client
    intake: Intake
    verdict: Verdict

    @property
    def crisis(self) -> bool:
        return any(f.clause == "S2" for f in self.verdict.blocks)


def intake_facts(*, coach, data: IntakeData, on: datetime.date) -> Facts:
    """The facts the standards engine needs at intake, and nothing that identifies the person."""
    competence = competence_for(coach)
    return Facts(
        practice_closed=PracticeClosure.objects.filter(coach=coach).exists(),
        client_age=age_on(date_of_birth=data.date_of_birth, day=on),
        age_of_majority=profile_for(coach).age_of_majority,
        suicide_risk=data.screening.suicide_risk,
        active_addiction=data.screening.substance_uncontrolled,
        self_harm=data.screening.self_harm,
        concern_areas=frozenset(c["area"] for c in data.concerns if c.get("area")),
        competence_areas=competence.areas,
        credential_areas=competence.credential_areas,
    )


def _blocked_reason(verdict: Verdict) -> str:
    # The most serious first: crisis care, then safety, then age.
    for clause in ("S2", "S1", "S9"):  # DECLINING_CLAUSES, in order of urgency
        if any(f.clause == clause for f in verdict.blocks):
            return clause
    return ""


def intake_submit(*, coach, data: IntakeData) -> IntakeResult:
    """Record an intake; accept the person as a client unless the code or the coach declines.

    S1, S2 and S9 decline the person (the intake is written, declined, with a referral owed);
    any other stop (a closed practice, P11; an unlisted decline reason, P3) raises ActionStopped
    and writes nothing but the finding.
    """
    today = timezone.localdate()
    facts = intake_facts(coach=coach, data=data, on=today)
    with action():
        client = Client(coach=coach)
        intake = Intake(coach=coach, client=client)
        verdict = enforce(
            coach=coach,
            point=Point.INTAKE_SUBMIT,
            facts=facts,
            subject=Subject.of(client),
            proceed_despite=DECLINING_CLAUSES,
        )
        reason = _blocked_reason(verdict)
        if not reason and data.decline_reason:
            enforce(
                coach=coach,
                point=Point.INTAKE_DECLINE,
                facts=Facts(decline_reason=data.decline_reason),
                subject=Subject.of(client),
            )
            if data.decline_reason not in Intake.DeclineReason.values:
                raise ValidationError(DECLINE_NEEDS_REASON)
            reason = data.decline_reason
        _intake_write(coach=coach, client=client, intake=intake, data=data, reason=reason)
    return IntakeResult(client=client, intake=intake, verdict=verdict)


def _intake_write(*, coach, client: Client, intake: Intake, data: IntakeData, reason: str) -> None:
    declined = bool(reason)
    client.data_key = intake.data_key = data_key_create(coach=coach, purpose="client")
    client.name = data.name.strip()
    client.contact = data.contact
    client.date_of_birth = data.date_of_birth
    client.status = Client.Status.DECLINED if declined else Client.Status.ACTIVE
    if not declined:
        # A declined person's record stays minimal: no preferences or emergency contact.
        client.preferred_name = data.preferred_name.strip() or None
        client.pronouns = data.pronouns.strip() or None
        client.emergency_contact = data.emergency_contact
    client.full_clean(exclude=["data_key"])
    client.save(force_insert=True)
    intake.outcome = Intake.Outcome.DECLINED if declined else Intake.Outcome.ACCEPTED
    intake.decline_reason = reason
    intake.wants = None if declined else (data.wants.strip() or None)
    intake.concerns = data.concerns
    intake.screening = data.screening.as_dict()
    intake.save(force_insert=True)
    audit_append(
        coach=coach,
        action=Action.INTAKE_DECLINED if declined else Action.INTAKE_ACCEPTED,
        target_type="client",
        target_id=str(client.pk),
        clauses=[reason] if reason in {"S1", "S2", "S5", "S9"} else [],
        details={"decline_reason": reason} if declined else {},
    )


def crisis_protocol_shown(*, coach, client: Client) -> None:
    """Record that the crisis protocol was put in front of the coach for this person (S2)."""
    with transaction.atomic():
        Intake.objects.filter(client=client, crisis_protocol_shown_at__isnull=True).update(
            crisis_protocol_shown_at=timezone.now()
        )
        audit_append(
            coach=coach,
            action=Action.INTAKE_CRISIS_PROTOCOL_SHOWN,
            target_type="client",
            target_id=str(client.pk),
            clauses=["S2"],
        )


def referral_make(
    *, coach, client: Client, resource: Resource, reason: str, concern_area: str = ""
) -> Referral:
    """Refer a client to a resource the coach has vetted (P10); resolve what it answers."""
    with action():
        # The directory's own P10 guard: it also treats a deactivated resource as unvetted.
        referral_check(coach=coach, resource=resource, subject=Subject.of(client))
        referral = Referral(
            coach=coach,
            client=client,
            resource=resource,
            data_key=client.data_key,
            reason=reason.strip(),
            concern_area=concern_area or None,
        )
        referral.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.REFERRAL_MADE,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P10"],
            details={"resource": str(resource.pk), "kind": resource.kind},
        )
        record_types = ["referral"]
        if resource.kind == Resource.Kind.COACHING:
            record_types.append("coaching_referral")
        for record_type in record_types:
            open_items_resolve_for(
                coach=coach,
                subject=Subject.of(client),
                record_type=record_type,
                record_id=str(referral.pk),
            )
    return referral


def supervision_plan_record(
    *, coach, client: Client, concern_area: str, supervisor: str, plan: str
) -> SupervisionPlan:
    """Record a plan to take a concern to supervision; it answers an S5 open item."""
    with transaction.atomic():
        record = SupervisionPlan(
            coach=coach,
            client=client,
            data_key=client.data_key,
            concern_area=concern_area,
            supervisor=supervisor.strip(),
            plan=plan.strip(),
        )
        record.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SUPERVISION_PLANNED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["S5", "S6"],
        )
        open_items_resolve_for(
            coach=coach, subject=Subject.of(client), record_type="supervision_entry", record_id=str(record.pk)
        )
    return record


def client_viewed(*, coach, client: Client) -> None:
    audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id=str(client.pk))


def client_contact_update(
    *,
    coach,
    client: Client,
    contact: dict[str, str],
    preferred_name: str,
    pronouns: str,
    emergency_contact: dict[str, str] | None,
) -> Client:
    """Change a client's contact details, keeping the previous version (C2: accurate records)."""
    with transaction.atomic():
        ContactVersion(client=client, data_key=client.data_key, contact=client.contact).save(
            force_insert=True
        )
        client.contact = contact
        client.preferred_name = preferred_name.strip() or None
        client.pronouns = pronouns.strip() or None
        client.emergency_contact = emergency_contact
        client.save(update_fields=["contact", "preferred_name", "pronouns", "emergency_contact"])
        audit_append(
            coach=coach, action=Action.CLIENT_CONTACT_CHANGED, target_type="client", target_id=str(client.pk)
        )
    return client
