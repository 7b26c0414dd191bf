"""Client workflows that change state: intake, referrals, supervision plans, contact details.

Each function asks the standards engine first, writes, and appends its audit event in the same
transaction. A stopped action writes nothing but the finding (which stays in the audit log).
"""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.services import audit_append
from ethos.practice.jurisdictions import COUNTRY_NAMES, is_known_region, legal_age_of_majority
from ethos.practice.models import PracticeClosure
from ethos.practice.selectors import age_of_majority_for as practice_age_of_majority
from ethos.practice.selectors import competence_for
from ethos.referrals.models import Resource
from ethos.referrals.services import referral_check
from ethos.standards.catalog import catalog
from ethos.standards.engine import Subject, Verdict, evaluate
from ethos.standards.facts import Facts, age_on
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.selectors import open_items_for
from ethos.standards.services import action, enforce, open_items_resolve_for
from ethos.standards.standing import coach_standing
from ethos.vault.context import current_vault
from ethos.vault.services import data_key_create

from . import search
from .models import (
    Client,
    ContactVersion,
    Intake,
    Referral,
    SafetyCheck,
    SupervisionPlan,
)

# The clauses whose block at intake is itself the outcome: the person is declined, with a referral owed.
DECLINING_CLAUSES = ("S1", "S2", "S9")
CONTACT_READ_ONLY = (
    "Coaching with this client is paused or has ended, so their record is read-only. "
    "Resume a paused client's coaching to change their details."
)
CLIENT_NOT_ACTIVE = "This client's coaching has ended; reopen it first."
NOT_YOUR_CLIENT = "This client belongs to another practice."
RESIDENCE_UNKNOWN = "Choose the country where the person lives from the list."
RESIDENCE_REGION_UNKNOWN = "Ethos does not know “{region}” in {country}. Write its name or its postal code."
REENTRY_NEEDED = (
    "Ethos found an earlier intake of this person, declined on {day} under {clause} ({label}). "
    "Write why the answers are different now."
)
SAFETY_CHECK_IN_FUTURE = "The safety check cannot have happened on a future day."
FOLLOW_UP_BEFORE_CHECK = "The follow-up has to be on or after the day of the check."
FOLLOW_UP_TOO_FAR = "Follow up within {days} days of the check."
SAFETY_CHECK_TEXT_NEEDED = "Write what you asked, what they said and how they will keep safe."
SAFETY_CHECK_BEFORE_INTAKE = "The safety check cannot be from before you first met them at intake."
FOLLOW_UP_NOTE_NEEDED = "Write how they are and what you agreed."
FOLLOW_UP_IN_FUTURE = "Record the follow-up once it has happened, not before."
FOLLOWED_UP_BEFORE_CHECK = "The follow-up cannot be before the safety check."
ALREADY_FOLLOWED_UP = "This safety check was already followed up."
# Ethos's own practice rule, not the code's words: a safety check is followed up within two weeks.
SAFETY_FOLLOW_UP_MAX_DAYS = 14
# The keyed hash of a person's name and date of birth (Vault.blind_index), and what it is for.
IDENTITY_PURPOSE = "intake.person"
NAME_PURPOSE = "intake.name"


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

    @property
    def passive_thoughts(self) -> bool:
        """Thoughts of death without intent or plan: not crisis care, and not a pass either (S2)."""
        return self.suicidal_thoughts and not self.intent_or_plan

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
    # Where the person lives, when it is not the coach's jurisdiction (S9): a country code.
    residence_country: str = ""
    residence_region: str = ""
    # Why the answers differ from an earlier S1, S2 or S9 decline of the same person.
    reentry_explanation: str = ""


@dataclass(frozen=True)
class IntakeResult:
    client: Client
    intake: Intake
    verdict: Verdict

    @property
    def crisis(self) -> bool:
        return any(f.clause == "S2" for f in self.verdict.blocks)


def age_of_majority_for(*, coach, residence_country: str = "", residence_region: str = "") -> int:
    """Return the age of majority an intake applies (S9): the highest that could hold.

    That is the practice's own setting, never below the legal age where the coach practises,
    and the legal age where the person lives when that is somewhere else.
    """
    ages = [practice_age_of_majority(coach)]
    if residence_country:
        # With no region where the age differs by region, this is the country's highest age.
        ages.append(legal_age_of_majority(residence_country, residence_region))
    return max(ages)


def _residence_check(data: IntakeData) -> None:
    country, region = data.residence_country, data.residence_region.strip()
    if country and country not in COUNTRY_NAMES:
        raise ValidationError({"residence_country": RESIDENCE_UNKNOWN})
    if country and region and not is_known_region(country, region):
        message = RESIDENCE_REGION_UNKNOWN.format(region=region, country=COUNTRY_NAMES[country])
        raise ValidationError({"residence_region": message})


def intake_facts(*, coach, data: IntakeData, on: datetime.date) -> Facts:
    """The facts the standards engine needs at intake, and nothing that identifies the person."""
    competence = competence_for(coach)
    return Facts(
        practice_closed=PracticeClosure.objects.filter(coach=coach).exists(),
        # E1: the association's registry fills this in when the coach's certification is linked.
        certification=coach_standing(coach),
        client_age=age_on(date_of_birth=data.date_of_birth, day=on),
        age_of_majority=age_of_majority_for(
            coach=coach, residence_country=data.residence_country, residence_region=data.residence_region
        ),
        suicide_risk=data.screening.suicide_risk,
        passive_suicidal_thoughts=data.screening.passive_thoughts,
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


# -- the same person again (S1, S2, S9) -------------------------------------------------------


def _name_text(name: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def identity_text(*, name: str, date_of_birth: datetime.date) -> str:
    """Normalise a name and date of birth, so that "Zoë  Smith" and "zoë smith" read the same."""
    return f"{_name_text(name)}|{date_of_birth.isoformat()}"


def identity_index(*, name: str, date_of_birth: datetime.date) -> str:
    """Return the keyed hash (hex) that finds an earlier intake of the same person, never in clear."""
    text = identity_text(name=name, date_of_birth=date_of_birth)
    return current_vault().blind_index(IDENTITY_PURPOSE, text).hex()


def name_index(name: str) -> str:
    """Return the keyed hash (hex) of the normalised name alone (for an S9 decline)."""
    return current_vault().blind_index(NAME_PURPOSE, _name_text(name)).hex()


def _index_earlier_intakes(*, coach) -> None:
    """Give intakes recorded before the indexes existed theirs (it needs the open vault)."""
    missing = Intake.objects.filter(Q(identity_index="") | Q(name_index=""), coach=coach)
    for row in missing.select_related("client__data_key"):
        row.identity_index = identity_index(name=row.client.name, date_of_birth=row.client.date_of_birth)
        row.name_index = name_index(row.client.name)
        row.save(update_fields=["identity_index", "name_index"])


def _earlier_decline(*, coach, name: str, date_of_birth: datetime.date) -> Intake | None:
    person, same_name = identity_index(name=name, date_of_birth=date_of_birth), name_index(name)
    rows = (
        Intake.objects.filter(Q(identity_index=person) | Q(name_index=same_name), coach=coach)
        .order_by("-submitted_at", "-id")
        .only("id", "coach", "outcome", "decline_reason", "submitted_at", "identity_index")
    )
    for row in rows:
        if row.outcome == Intake.Outcome.ACCEPTED:
            return None  # taken on since: the decline was answered then
        if row.identity_index == person and row.decline_reason in DECLINING_CLAUSES:
            return row
        # A new date of birth is exactly the answer an S9 decline turns on.
        if row.decline_reason == "S9":
            return row
    return None


def earlier_decline_of(*, coach, name: str, date_of_birth: datetime.date) -> Intake | None:
    """Return this person's last S1, S2 or S9 decline that no later accepted intake followed."""
    return _earlier_decline(coach=coach, name=name, date_of_birth=date_of_birth)


def reentry_message(earlier: Intake) -> str:
    """Say which earlier decline a new intake of the same person has to answer."""
    day = timezone.localtime(earlier.submitted_at).date()
    return REENTRY_NEEDED.format(
        day=f"{day.day} {day:%B %Y}", clause=earlier.decline_reason, label=earlier.decline_reason_label
    )


def intake_submit(*, coach, data: IntakeData) -> IntakeResult:
    """Record an intake; accept the person as a client unless the code or the coach declines.

    S1, S2 and S9 decline the person (the intake is written, declined, with a referral owed);
    any other stop (a closed practice, P11; an unlisted decline reason, P3; the same person as
    an earlier S1, S2 or S9 decline with no explanation of what changed) raises ActionStopped
    and writes nothing but the finding.
    """
    _residence_check(data)
    today = timezone.localdate()
    facts = intake_facts(coach=coach, data=data, on=today)
    # When the answers decline the person, that block is the outcome. Otherwise nothing at S1,
    # S2 or S9 may be waved through: a re-entry without its explanation stops the intake.
    declining = bool(_blocked_reason(evaluate(Point.INTAKE_SUBMIT, facts)))
    with transaction.atomic():
        _index_earlier_intakes(coach=coach)
    index = identity_index(name=data.name, date_of_birth=data.date_of_birth)
    # A coach who declines the person again (for capacity, say) takes nobody on: nothing to answer.
    taking_on = not declining and not data.decline_reason
    earlier = (
        _earlier_decline(coach=coach, name=data.name, date_of_birth=data.date_of_birth) if taking_on else None
    )
    if earlier is not None:
        facts = dataclasses.replace(
            facts,
            earlier_decline=earlier.decline_reason,
            reentry_explained=bool(data.reentry_explanation.strip()),
        )
    with action():
        client = Client(coach=coach)
        intake = Intake(
            coach=coach,
            client=client,
            identity_index=index,
            name_index=name_index(data.name),
            reentry_of=earlier,
        )
        verdict = enforce(
            coach=coach,
            point=Point.INTAKE_SUBMIT,
            facts=facts,
            subject=Subject.of(client),
            proceed_despite=DECLINING_CLAUSES if declining else (),
        )
        reason = _blocked_reason(verdict)
        if not reason and data.decline_reason:
            # P3 reads DECLINE_REASONS, the one list the intake form and the ethics desk offer.
            enforce(
                coach=coach,
                point=Point.INTAKE_DECLINE,
                facts=Facts(decline_reason=data.decline_reason),
                subject=Subject.of(client),
            )
            reason = data.decline_reason
        _intake_write(
            coach=coach,
            client=client,
            intake=intake,
            data=data,
            reason=reason,
            majority=facts.age_of_majority,
        )
    return IntakeResult(client=client, intake=intake, verdict=verdict)


def _intake_write(
    *, coach, client: Client, intake: Intake, data: IntakeData, reason: str, majority: int
) -> None:
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
    search.name_tokens_write(coach=coach, client=client)
    intake.outcome = Intake.Outcome.DECLINED if declined else Intake.Outcome.ACCEPTED
    intake.decline_reason = reason
    intake.wants = None if declined else (data.wants.strip() or None)
    intake.concerns = data.concerns
    intake.screening = data.screening.as_dict()
    if data.residence_country:
        intake.residence = {
            "country": data.residence_country,
            "region": data.residence_region.strip(),
            "age_of_majority": majority,
        }
    if intake.reentry_of is not None:
        intake.reentry_explanation = data.reentry_explanation.strip()
    intake.save(force_insert=True)
    audit_append(
        coach=coach,
        action=Action.INTAKE_DECLINED if declined else Action.INTAKE_ACCEPTED,
        target_type="client",
        target_id=str(client.pk),
        clauses=[reason] if reason in catalog() else [],  # a clause id, or the coach's capacity
        details={"decline_reason": reason} if declined else {},
    )
    if intake.reentry_of is not None:
        # The explanation stays in the encrypted record; the log keeps which decline it answers.
        audit_append(
            coach=coach,
            action=Action.INTAKE_REENTERED,
            target_type="client",
            target_id=str(client.pk),
            clauses=[intake.reentry_of.decline_reason],
            details={"earlier_intake": str(intake.reentry_of.pk)},
        )


def crisis_protocol_shown(*, coach, client: Client) -> None:
    """Record that the coach went through the crisis protocol with this person (S2)."""
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


def safety_check_record(
    *,
    coach,
    client: Client,
    checked_on: datetime.date,
    summary: str,
    safety_plan: str,
    follow_up_on: datetime.date,
) -> SafetyCheck:
    """Record a safety check and the day it will be followed up (S2, thoughts without intent or plan).

    The S2 item from intake stays open until the follow-up itself is recorded.
    """
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    summary, safety_plan = summary.strip(), safety_plan.strip()
    if not summary or not safety_plan:
        raise ValidationError(SAFETY_CHECK_TEXT_NEEDED)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": SAFETY_CHECK_IN_FUTURE})
    if checked_on < timezone.localdate(client.created_at):
        raise ValidationError({"checked_on": SAFETY_CHECK_BEFORE_INTAKE})
    if follow_up_on < checked_on:
        raise ValidationError({"follow_up_on": FOLLOW_UP_BEFORE_CHECK})
    if follow_up_on > checked_on + datetime.timedelta(days=SAFETY_FOLLOW_UP_MAX_DAYS):
        raise ValidationError({"follow_up_on": FOLLOW_UP_TOO_FAR.format(days=SAFETY_FOLLOW_UP_MAX_DAYS)})
    with transaction.atomic():
        record = SafetyCheck(
            coach=coach,
            client=client,
            data_key=client.data_key,
            checked_on=checked_on,
            summary=summary,
            safety_plan=safety_plan,
            follow_up_on=follow_up_on,
        )
        record.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.INTAKE_SAFETY_CHECK_RECORDED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["S2"],
            details={"follow_up_on": follow_up_on.isoformat()},
        )
    return record


def safety_follow_up_record(
    *, coach, check: SafetyCheck, followed_up_on: datetime.date, note: str
) -> SafetyCheck:
    """Record that a safety check was followed up; only this closes the S2 item from intake."""
    if check.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    note = note.strip()
    if not note:
        raise ValidationError({"note": FOLLOW_UP_NOTE_NEEDED})
    if followed_up_on > timezone.localdate():
        raise ValidationError({"followed_up_on": FOLLOW_UP_IN_FUTURE})
    if followed_up_on < check.checked_on:
        raise ValidationError({"followed_up_on": FOLLOWED_UP_BEFORE_CHECK})
    with transaction.atomic():
        locked = SafetyCheck.objects.select_for_update().only("followed_up_on").get(pk=check.pk)
        if locked.followed_up_on is not None:
            raise ValidationError(ALREADY_FOLLOWED_UP)
        check.followed_up_on = followed_up_on
        check.follow_up_note = note
        check.save(update_fields=["followed_up_on", "follow_up_note"])
        audit_append(
            coach=coach,
            action=Action.INTAKE_SAFETY_FOLLOWED_UP,
            target_type="client",
            target_id=str(check.client_id),
            clauses=["S2"],
            details={
                "followed_up_on": followed_up_on.isoformat(),
                "planned_for": check.follow_up_on.isoformat(),
            },
        )
        open_items_resolve_for(
            coach=coach,
            subject=Subject(type="client", id=str(check.client_id)),
            record_type=RecordType.SAFETY_FOLLOW_UP,
            record_id=str(check.pk),
        )
    return check


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
        # The open items this referral answers are those its kind of service fits (the one table,
        # referrals.models.RECORD_TYPES_BY_KIND): a legal service never closes a crisis item (S2).
        from ethos.standards.rules import concerns_to_refer

        record_types = list(resource.record_types)
        if RecordType.COMPETENCE_REFERRAL in record_types:
            # S5 closes only on a referral for a concern, once every concern the client brought
            # that lies outside the coach's competence has one. Supervision never counts.
            intake = Intake.objects.filter(client=client).first()
            brought = intake.concerns if intake else []
            competence = competence_for(coach)
            referred = {
                made.concern_area
                for made in Referral.objects.filter(client=client).select_related("resource", "data_key")
                if made.concern_area and RecordType.COMPETENCE_REFERRAL in made.resource.record_types
            }
            left = concerns_to_refer(
                Facts(
                    concern_areas=frozenset(c["area"] for c in brought if c.get("area")),
                    competence_areas=competence.areas,
                    credential_areas=competence.credential_areas,
                    referred_areas=frozenset(referred),
                )
            )
            if not concern_area or left:
                record_types.remove(RecordType.COMPETENCE_REFERRAL)
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
    """Record a plan to take a concern to supervision (S6); it goes alongside a referral, never replaces it.

    The code forbids work outside competence and gives no exception for supervision (S5): an
    open S5 item stays open until the referral for the concern exists. The plan is linked to
    it in the audit event; it answers only items that ask for a supervision entry themselves.
    """
    from ethos.standards.services import open_item_resolve

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
        items = open_items_for(coach, subject=Subject.of(client))
        audit_append(
            coach=coach,
            action=Action.SUPERVISION_PLANNED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["S5", "S6"],
            details={"alongside_open_items": [str(item.pk) for item in items if item.clause == "S5"]},
        )
        for item in items:
            if item.clause != "S5" and RecordType.SUPERVISION_ENTRY in item.record_type_list:
                open_item_resolve(
                    coach=coach, item=item, record_type=RecordType.SUPERVISION_ENTRY, record_id=str(record.pk)
                )
    return record


def client_viewed(*, coach, client: Client) -> AuditEvent:
    return audit_append(
        coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id=str(client.pk)
    )


def client_contact_update(
    *,
    coach,
    client: Client,
    contact: dict[str, str],
    preferred_name: str,
    pronouns: str,
    emergency_contact: dict[str, str] | None,
) -> Client:
    """Change a client's contact details, keeping the previous version (C2: accurate records).

    A paused or ended client's record stays as it was (CONTACT_READ_ONLY).
    """
    if client.status in (Client.Status.PAUSED, Client.Status.ENDED):
        raise ValidationError(CONTACT_READ_ONLY)
    with transaction.atomic():
        ContactVersion(client=client, data_key=client.data_key, contact=client.contact).save(
            force_insert=True
        )
        client.contact = contact
        client.preferred_name = preferred_name.strip() or None
        client.pronouns = pronouns.strip() or None
        client.emergency_contact = emergency_contact
        client.save(update_fields=["contact", "preferred_name", "pronouns", "emergency_contact"])
        search.name_tokens_write(coach=coach, client=client)
        audit_append(
            coach=coach, action=Action.CLIENT_CONTACT_CHANGED, target_type="client", target_id=str(client.pk)
        )
    return client
