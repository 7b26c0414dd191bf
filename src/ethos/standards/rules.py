"""The rules that need only facts Ethos already knows. Each is pure: facts in, findings out.

A workflow app adds its own rules the same way, in a `rules.py` it imports from its
AppConfig.ready(): `@rule("P10", Point.REFERRAL_MAKE)` above a function of `Facts`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .catalog import Strength
from .engine import Finding, rule
from .facts import (
    COACHING_TRANSACTIONS,
    DECLINE_REASONS,
    INTIMATE_RELATIONSHIPS,
    NOT_IN_GOOD_STANDING,
    DisclosureBasis,
    Facts,
    Standing,
    Vetting,
)
from .points import Point
from .record_types import RecordType

BLOCK, REQUIRE, WARN, RECORD = Strength.BLOCK, Strength.REQUIRE, Strength.WARN, Strength.RECORD

# -- Scope ----------------------------------------------------------------------------------

S1_AT_RISK = "The screening answers show behaviour that puts the person's physical safety at risk right now."
S1_AT_RISK_RESOLUTION = "Decline this intake kindly and point the person to a service equipped for it."
S1_REFERRAL = "The person you decline for safety reasons needs somewhere to go."
S1_REFERRAL_RESOLUTION = "Record a referral to an addiction, medical or self-harm service you have vetted."
S1_NOTE = "This note describes behaviour that may put the client's physical safety at risk."
S1_NOTE_RESOLUTION = (
    "Record a scope review: can coaching safely continue, or is a referral to an addiction, "
    "medical or self-harm service needed?"
)
# The referral record types each clause asks for (RecordType.CRISIS_REFERRAL ...): the
# directory's table of kinds (ethos.referrals.models.RECORD_TYPES_BY_KIND) says which services
# give them.


@rule("S1", Point.INTAKE_SUBMIT)
def s1_physical_safety(facts: Facts) -> Iterator[Finding]:
    if facts.active_addiction or facts.self_harm:
        yield Finding("S1", BLOCK, S1_AT_RISK, S1_AT_RISK_RESOLUTION)
        yield Finding(
            "S1",
            REQUIRE,
            S1_REFERRAL,
            S1_REFERRAL_RESOLUTION,
            records=(RecordType.SAFETY_REFERRAL,),
            follow_up=True,
            practice_rule=True,
        )


@rule("S1", Point.NOTE_SAVE)
def s1_safety_signals_in_notes(facts: Facts) -> Iterator[Finding]:
    if any(flag.clause == "S1" for flag in facts.language_findings):
        yield Finding(
            "S1",
            REQUIRE,
            S1_NOTE,
            S1_NOTE_RESOLUTION,
            records=(RecordType.SCOPE_REVIEW, RecordType.SAFETY_REFERRAL),
            follow_up=True,
        )


S2_CRISIS = (
    "The screening answers show active suicidal thinking: this person needs crisis care, not coaching."
)
S2_CRISIS_RESOLUTION = (
    "Share the crisis line and emergency contacts now, then decline this intake and refer the person on."
)
S2_REFERRAL = "The person you decline for crisis care needs a warm route to it."
S2_REFERRAL_RESOLUTION = (
    "Record a referral to a crisis line or mental-health service you have vetted; "
    "a legal or other service does not answer this."
)
S2_ACTIVE = "Suicide risk came up with a current client."
S2_ACTIVE_RESOLUTION = (
    "Follow the crisis protocol, then record a scope review or a referral to a crisis line "
    "or mental-health service."
)


@rule("S2", Point.INTAKE_SUBMIT)
def s2_not_crisis_care(facts: Facts) -> Iterator[Finding]:
    if facts.suicide_risk:
        yield Finding("S2", BLOCK, S2_CRISIS, S2_CRISIS_RESOLUTION)
        yield Finding(
            "S2",
            REQUIRE,
            S2_REFERRAL,
            S2_REFERRAL_RESOLUTION,
            records=(RecordType.CRISIS_REFERRAL,),
            follow_up=True,
            practice_rule=True,
        )


@rule("S2", Point.SESSION_CLOSE, Point.NOTE_SAVE)
def s2_risk_with_a_current_client(facts: Facts) -> Iterator[Finding]:
    if facts.suicide_risk or any(flag.clause == "S2" for flag in facts.language_findings):
        yield Finding(
            "S2",
            REQUIRE,
            S2_ACTIVE,
            S2_ACTIVE_RESOLUTION,
            records=(RecordType.SCOPE_REVIEW, RecordType.CRISIS_REFERRAL),
            follow_up=True,
        )


S3_INFLUENCE = "The client seems drunk or high right now, so this session cannot start."
S3_INFLUENCE_RESOLUTION = "Move the session to another day, kindly and without charge."
S3_FOLLOW_UP = "The substance use needs to be talked through at a later session."
S3_FOLLOW_UP_RESOLUTION = "Record the later session where you talked it through together."


@rule("S3", Point.SESSION_START)
def s3_no_session_under_the_influence(facts: Facts) -> Iterator[Finding]:
    if facts.client_under_influence:
        yield Finding("S3", BLOCK, S3_INFLUENCE, S3_INFLUENCE_RESOLUTION)
        yield Finding(
            "S3",
            REQUIRE,
            S3_FOLLOW_UP,
            S3_FOLLOW_UP_RESOLUTION,
            records=(RecordType.INFLUENCE_FOLLOWUP,),
            follow_up=True,
            practice_rule=True,
        )


S5_OUTSIDE = "A concern here lies outside the competence recorded in your profile."
S5_OUTSIDE_RESOLUTION = (
    "Do not coach on it until you have referred the client, for that concern, to a service you have "
    "vetted that works with it. Supervision can go alongside the referral; it never replaces it."
)
S6_SUPERVISED = (
    "Supervision is logged for a concern outside your competence: it goes alongside the referral "
    "the concern needs, and does not replace it."
)
S6_SUPERVISED_RESOLUTION = "Nothing to do here: the supervision log is the record; the referral is S5's."
S10_CREDENTIAL = "A verified credential beyond certification covers a concern here."


def outside_competence(facts: Facts) -> frozenset[str]:
    """Return the concern areas neither the competence profile nor a verified credential covers (S5)."""
    return facts.concern_areas - facts.competence_areas - facts.credential_areas


def concerns_to_refer(facts: Facts) -> frozenset[str]:
    """Return the concern areas outside competence that no referral covers yet (S5).

    Supervision takes nothing off this list: the code forbids work outside competence and gives
    no exception for supervision.
    """
    return outside_competence(facts) - facts.referred_areas


@rule("S5", Point.INTAKE_SUBMIT, Point.CLIENT_ACTIVATE, Point.SUPERVISION_NEED)
def s5_within_competence(facts: Facts) -> Iterator[Finding]:
    if concerns_to_refer(facts):
        yield Finding(
            "S5",
            REQUIRE,
            S5_OUTSIDE,
            S5_OUTSIDE_RESOLUTION,
            records=(RecordType.COMPETENCE_REFERRAL,),
            follow_up=True,
        )


@rule("S6", Point.INTAKE_SUBMIT, Point.CLIENT_ACTIVATE, Point.SUPERVISION_NEED)
def s6_supervision_alongside_a_referral(facts: Facts) -> Iterator[Finding]:
    if outside_competence(facts) & facts.supervised_areas:
        yield Finding("S6", RECORD, S6_SUPERVISED, S6_SUPERVISED_RESOLUTION)


@rule("S10", Point.INTAKE_SUBMIT, Point.CLIENT_ACTIVATE, Point.SUPERVISION_NEED)
def s10_credentials_widen_competence(facts: Facts) -> Iterator[Finding]:
    if (facts.concern_areas - facts.competence_areas) & facts.credential_areas:
        yield Finding("S10", RECORD, S10_CREDENTIAL, "Nothing to do: the credential is cited as the reason.")


S7_DIAGNOSTIC = "This note uses wording that reads as a diagnosis or assessment by you."
S7_DIAGNOSTIC_RESOLUTION = (
    "Describe what the client said or did, in their words, or explain why the wording is theirs."
)
S8_MEDICATION = "This note reads as advice about psychiatric medication."
S8_MEDICATION_RESOLUTION = (
    "Leave medication questions to the prescriber, and note that you suggested asking them."
)


@rule("S7", Point.NOTE_SAVE, Point.NOTE_SIGN)
def s7_no_diagnosis(facts: Facts) -> Iterator[Finding]:
    if any(flag.clause == "S7" for flag in facts.language_findings):
        yield Finding("S7", WARN, S7_DIAGNOSTIC, S7_DIAGNOSTIC_RESOLUTION)


@rule("S8", Point.NOTE_SAVE, Point.NOTE_SIGN)
def s8_no_medication_advice(facts: Facts) -> Iterator[Finding]:
    if any(flag.clause == "S8" for flag in facts.language_findings):
        yield Finding("S8", WARN, S8_MEDICATION, S8_MEDICATION_RESOLUTION)


S9_MINOR = "The person is below the age of majority where they live, and coaching is for adults."
S9_MINOR_RESOLUTION = "Decline this intake and point them, or a parent or guardian, to a youth service."
S9_REFERRAL = "A young person turned away still needs somewhere to go."
S9_REFERRAL_RESOLUTION = "Record a referral to a service for young people that you have vetted."


@rule("S9", Point.INTAKE_SUBMIT)
def s9_adults_only(facts: Facts) -> Iterator[Finding]:
    if facts.client_age is not None and facts.client_age < facts.age_of_majority:
        yield Finding("S9", BLOCK, S9_MINOR, S9_MINOR_RESOLUTION)
        yield Finding(
            "S9",
            REQUIRE,
            S9_REFERRAL,
            S9_REFERRAL_RESOLUTION,
            records=(RecordType.YOUTH_REFERRAL,),
            follow_up=True,
            practice_rule=True,
        )


# -- Confidentiality ------------------------------------------------------------------------

C1_NO_BASIS = (
    "Sharing client information needs the client's written consent, a court order or a mandatory report."
)
C1_NO_BASIS_RESOLUTION = "Record the signed consent or the subpoena first, then ask again."
C1_NOT_COVERED = "The consent or order on file does not cover this recipient, purpose or date."
C1_NOT_COVERED_RESOLUTION = (
    "Ask the client for a consent that covers this request, or check the order's terms."
)
C1_EMERGENCY = "Information went to emergency services because someone's life was at risk."
C1_EMERGENCY_RESOLUTION = (
    "Review it afterwards: what happened, whether only what was needed was shared, "
    "and what the client was told."
)
C1_NOT_WRITTEN = "Consent to share must be in writing and signed by the client."
C1_NOT_WRITTEN_RESOLUTION = "Record the client's written, signed consent."


@rule("C1", Point.DISCLOSURE_REQUEST)
def c1_disclosure_needs_a_basis(facts: Facts) -> Iterator[Finding]:
    if facts.disclosure_basis is DisclosureBasis.NONE:
        yield Finding("C1", BLOCK, C1_NO_BASIS, C1_NO_BASIS_RESOLUTION)
    elif facts.disclosure_basis is not None and facts.basis_covers_request is False:
        yield Finding("C1", BLOCK, C1_NOT_COVERED, C1_NOT_COVERED_RESOLUTION)
    elif facts.disclosure_basis is DisclosureBasis.EMERGENCY:
        yield Finding(
            "C1",
            REQUIRE,
            C1_EMERGENCY,
            C1_EMERGENCY_RESOLUTION,
            records=(RecordType.EMERGENCY_REVIEW,),
            follow_up=True,
            practice_rule=True,
        )


@rule("C1", Point.CONSENT_RECORD)
def c1_consent_in_writing(facts: Facts) -> Iterator[Finding]:
    if facts.consent_in_writing is False:
        yield Finding("C1", BLOCK, C1_NOT_WRITTEN, C1_NOT_WRITTEN_RESOLUTION)


C3_REPORT = "Current or ongoing abuse of a child, a disabled person or an older person has been disclosed."
C3_REPORT_RESOLUTION = "Report it to the local agency and record the report: a disclosure is always reported."
C3_FLAG = "These words may describe current abuse of a child, a disabled person or an older person."
C3_FLAG_RESOLUTION = (
    "If it is a disclosure, report it and record the report. Only if the words are not a disclosure "
    "at all, record why."
)


@rule("C3", Point.NOTE_SAVE, Point.SESSION_CLOSE, Point.CONTACT_LOG, Point.REPORT_DUE)
def c3_report_abuse(facts: Facts) -> Iterator[Finding]:
    if facts.mandatory_report_made:
        return
    if facts.abuse_disclosed:
        # The code gives no exception: only the report itself closes a disclosure.
        yield Finding(
            "C3",
            REQUIRE,
            C3_REPORT,
            C3_REPORT_RESOLUTION,
            records=(RecordType.MANDATORY_REPORT,),
            follow_up=True,
        )
    elif any(flag.clause == "C3" for flag in facts.language_findings):
        yield Finding(
            "C3",
            REQUIRE,
            C3_FLAG,
            C3_FLAG_RESOLUTION,
            records=(RecordType.MANDATORY_REPORT, RecordType.FLAG_DISMISSAL),
            follow_up=True,
            practice_rule=True,
        )


# -- Practice -------------------------------------------------------------------------------

P2_CANCELLED = "This fee is for a session you cancelled or cut short."
P2_CANCELLED_RESOLUTION = "Waive the fee; the client's time and money deserve that respect."


@rule("P2", Point.PAYMENT_RECORD)
def p2_no_fee_for_coach_cancellations(facts: Facts) -> Iterator[Finding]:
    if facts.fee_for_coach_cancelled_session:
        yield Finding("P2", WARN, P2_CANCELLED, P2_CANCELLED_RESOLUTION, practice_rule=True)


P3_UNLISTED = "An intake can be declined only for a reason from the code or because your practice is full."
P3_UNLISTED_RESOLUTION = "Choose one of the listed reasons; if none fits, the intake should not be declined."


@rule("P3", Point.INTAKE_DECLINE)
def p3_decline_for_listed_reasons(facts: Facts) -> Iterator[Finding]:
    if facts.decline_reason is not None and facts.decline_reason not in DECLINE_REASONS:
        yield Finding("P3", BLOCK, P3_UNLISTED, P3_UNLISTED_RESOLUTION)


P4_JUDGEMENT = "This note uses wording that judges the client's views, beliefs or identity."
P4_JUDGEMENT_RESOLUTION = "Describe what the client said or did, with respect for their own view."


@rule("P4", Point.NOTE_SAVE)
def p4_respectful_wording(facts: Facts) -> Iterator[Finding]:
    if any(flag.clause == "P4" for flag in facts.language_findings):
        yield Finding("P4", WARN, P4_JUDGEMENT, P4_JUDGEMENT_RESOLUTION)


P5_UNCONFIRMED = "The client has not yet confirmed that this goal is theirs."
P5_UNCONFIRMED_RESOLUTION = "Share it in the client's portal: only they can confirm it there."


@rule("P5", Point.GOAL_ACTIVATE)
def p5_goals_confirmed_by_the_client(facts: Facts) -> Iterator[Finding]:
    if facts.goal_client_confirmed is False:
        yield Finding(
            "P5", REQUIRE, P5_UNCONFIRMED, P5_UNCONFIRMED_RESOLUTION, records=(RecordType.GOAL_CONFIRMATION,)
        )


P6_UNSAFE = "The client is not safe to leave yet, so the session stays open."
P6_UNSAFE_RESOLUTION = "Stay with the client: grounding first, the crisis protocol if needed."
P6_PLAN = "The way you helped the client back to safety should be on record."
P6_PLAN_RESOLUTION = "Record the grounding or safety plan you used."


@rule("P6", Point.SESSION_CLOSE)
def p6_nobody_leaves_unsafe(facts: Facts) -> Iterator[Finding]:
    if facts.client_safe_to_leave is False:
        yield Finding("P6", BLOCK, P6_UNSAFE, P6_UNSAFE_RESOLUTION)
        yield Finding(
            "P6",
            REQUIRE,
            P6_PLAN,
            P6_PLAN_RESOLUTION,
            records=(RecordType.SAFETY_PLAN,),
            follow_up=True,
            practice_rule=True,
        )


P7_CONTACT = "This contact happened outside coaching activities."
P7_CONTACT_RESOLUTION = (
    "Gently restate the boundary agreement with the client; the contact log keeps the record."
)
P7_REVIEW = "Contact that was not about coaching needs a boundary review."
P7_REVIEW_RESOLUTION = (
    "Record what you did about it: restated the boundary agreement, declined it, or ended coaching "
    "with a referral."
)
P7_DUAL = "A friendship, business or family tie alongside coaching blurs the boundary."
P7_DUAL_RESOLUTION = "Talk it through in supervision, and consider referring the client to another coach."


@rule("P7", Point.CONTACT_LOG)
def p7_contact_outside_coaching(facts: Facts) -> Iterator[Finding]:
    if facts.contact_outside_coaching:
        yield Finding("P7", WARN, P7_CONTACT, P7_CONTACT_RESOLUTION)
        yield Finding(
            "P7",
            REQUIRE,
            P7_REVIEW,
            P7_REVIEW_RESOLUTION,
            records=(RecordType.BOUNDARY_REVIEW,),
            follow_up=True,
            practice_rule=True,
        )


@rule("P7", Point.RELATIONSHIP_DECLARE)
def p7_dual_relationship(facts: Facts) -> Iterator[Finding]:
    if facts.relationship is not None and facts.relationship not in INTIMATE_RELATIONSHIPS:
        yield Finding("P7", WARN, P7_DUAL, P7_DUAL_RESOLUTION)


BOUNDARY_IN_NOTE = {
    "P7": "This note may describe contact or a tie with the client outside coaching activities.",
    "P8": "This note may describe a romantic or sexual relationship with the client.",
    "P9": "This note may describe money, work or business between you and the client beyond coaching.",
}
BOUNDARY_IN_NOTE_RESOLUTION = (
    "Review the boundary and record what you did: restated it with the client, declined or returned "
    "it, ended coaching with a referral, or why it is not what the words suggest."
)


def _boundary_review(clause: str, facts: Facts) -> Iterator[Finding]:
    if any(flag.clause == clause for flag in facts.language_findings):
        yield Finding(
            clause,
            REQUIRE,
            BOUNDARY_IN_NOTE[clause],
            BOUNDARY_IN_NOTE_RESOLUTION,
            records=(RecordType.BOUNDARY_REVIEW,),
            follow_up=True,
            practice_rule=True,
        )


@rule("P7", Point.NOTE_SAVE)
def p7_contact_in_notes(facts: Facts) -> Iterator[Finding]:
    yield from _boundary_review("P7", facts)


@rule("P8", Point.NOTE_SAVE)
def p8_relationship_in_notes(facts: Facts) -> Iterator[Finding]:
    yield from _boundary_review("P8", facts)


@rule("P9", Point.NOTE_SAVE)
def p9_money_in_notes(facts: Facts) -> Iterator[Finding]:
    yield from _boundary_review("P9", facts)


P8_DECLARED = "A romantic or sexual relationship with a client means coaching has to end."
P8_DECLARED_RESOLUTION = (
    "End coaching: explain why to the client and refer them to another coach you have vetted."
)
P8_SUPERVISION = "A declared relationship or attraction with a client is taken to supervision."
P8_SUPERVISION_RESOLUTION = "Log the supervision where you talked it through, without naming the client."
P8_NO_SESSION = "No session can be held with a client you have a romantic or sexual relationship with."
P8_NO_SESSION_RESOLUTION = "End coaching with a referral instead."


@rule("P8", Point.RELATIONSHIP_DECLARE)
def p8_relationship_ends_coaching(facts: Facts) -> Iterator[Finding]:
    if facts.relationship in INTIMATE_RELATIONSHIPS:
        yield Finding(
            "P8",
            REQUIRE,
            P8_DECLARED,
            P8_DECLARED_RESOLUTION,
            records=(RecordType.CLIENT_RELEASE,),
            follow_up=True,
        )
        yield Finding(
            "P8",
            REQUIRE,
            P8_SUPERVISION,
            P8_SUPERVISION_RESOLUTION,
            records=(RecordType.SUPERVISION_ENTRY,),
            follow_up=True,
            practice_rule=True,
        )


@rule("P8", Point.SESSION_START)
def p8_no_sessions_in_a_relationship(facts: Facts) -> Iterator[Finding]:
    if facts.relationship in INTIMATE_RELATIONSHIPS:
        yield Finding("P8", BLOCK, P8_NO_SESSION, P8_NO_SESSION_RESOLUTION)


P9_NOT_COACHING = "Money between you and a client can only be for coaching."
P9_NOT_COACHING_RESOLUTION = (
    "Decline the loan, sale, investment or gift; Ethos records it as a boundary incident."
)


@rule("P9", Point.PAYMENT_RECORD)
def p9_money_only_for_coaching(facts: Facts) -> Iterator[Finding]:
    if facts.transaction is not None and facts.transaction not in COACHING_TRANSACTIONS:
        yield Finding("P9", BLOCK, P9_NOT_COACHING, P9_NOT_COACHING_RESOLUTION)


P10_UNVETTED = "You have not vetted this service yourself, so a client cannot be referred to it."
P10_UNVETTED_RESOLUTION = (
    "Vet the service yourself (when, and how you checked it) in the referral directory first."
)
P10_LAPSED = "Your vetting of this service is past its review date."
P10_LAPSED_RESOLUTION = "Check the service again yourself and record the new vetting."
P10_OUT_OF_USE = "You have taken this service out of use, so a client cannot be referred to it."
P10_OUT_OF_USE_RESOLUTION = (
    "Choose a service you use now, or put this one back in use once you have checked it."
)


@rule("P10", Point.REFERRAL_MAKE)
def p10_refer_only_to_vetted_services(facts: Facts) -> Iterator[Finding]:
    if facts.referral_in_use is False:
        yield Finding("P10", BLOCK, P10_OUT_OF_USE, P10_OUT_OF_USE_RESOLUTION)
    if facts.referral_vetting is Vetting.MISSING:
        yield Finding("P10", BLOCK, P10_UNVETTED, P10_UNVETTED_RESOLUTION)
    elif facts.referral_vetting is Vetting.LAPSED:
        yield Finding("P10", BLOCK, P10_LAPSED, P10_LAPSED_RESOLUTION, practice_rule=True)


P11_EXPLANATION = "Ending coaching needs an explanation to the client."
P11_EXPLANATION_RESOLUTION = "Record the explanation you gave the client."
P11_REFERRAL = "Ending coaching needs a referral to at least one other coaching provider."
P11_REFERRAL_RESOLUTION = "Record a referral to a coach you have vetted."
P11_PRACTICE = "Some active clients have no ending planned yet."
P11_PRACTICE_RESOLUTION = "End coaching with each of them, with an explanation and a referral, first."


@rule("P11", Point.CLIENT_RELEASE)
def p11_no_abandonment(facts: Facts) -> Iterator[Finding]:
    if facts.release_explained is False:
        yield Finding(
            "P11",
            REQUIRE,
            P11_EXPLANATION,
            P11_EXPLANATION_RESOLUTION,
            records=(RecordType.RELEASE_EXPLANATION,),
        )
    if facts.release_coaching_referrals == 0:
        yield Finding(
            "P11", REQUIRE, P11_REFERRAL, P11_REFERRAL_RESOLUTION, records=(RecordType.COACHING_REFERRAL,)
        )


P11_CLOSED = "Your practice is closed, so it takes no new clients."
P11_CLOSED_RESOLUTION = "Point the person to another coach you have vetted. Nothing about them was recorded."


@rule("P11", Point.INTAKE_SUBMIT)
def p11_closed_practice_takes_no_one_new(facts: Facts) -> Iterator[Finding]:
    if facts.practice_closed:
        yield Finding("P11", BLOCK, P11_CLOSED, P11_CLOSED_RESOLUTION, practice_rule=True)


@rule("P11", Point.PRACTICE_CLOSE)
def p11_closing_the_practice(facts: Facts) -> Iterator[Finding]:
    if facts.clients_without_ending:
        yield Finding(
            "P11", REQUIRE, P11_PRACTICE, P11_PRACTICE_RESOLUTION, records=(RecordType.CLIENT_RELEASE,)
        )


P12_MINIMUM = "A package cannot bind the client to a minimum number of sessions or a minimum period."
P12_MINIMUM_RESOLUTION = "Remove the minimum term; the client can stop whenever they choose."
P12_REFUND = "Sessions paid for in advance and not used must be refundable."
P12_REFUND_RESOLUTION = "Make unused sessions refundable pro rata."


# At package.create the package's terms; at payment.record the refund of a package's unused sessions.
@rule("P12", Point.PACKAGE_CREATE, Point.PAYMENT_RECORD)
def p12_no_lock_in(facts: Facts) -> Iterator[Finding]:
    if facts.package_minimum_term:
        yield Finding("P12", BLOCK, P12_MINIMUM, P12_MINIMUM_RESOLUTION)
    if facts.package_refunds_unused is False:
        yield Finding("P12", BLOCK, P12_REFUND, P12_REFUND_RESOLUTION, practice_rule=True)


P13_BEHIND = "Your continuing education this year is behind your target."
P13_BEHIND_RESOLUTION = "Plan some training, reading or supervision and log it."


@rule("P13", Point.REPORT_DUE)
def p13_keep_learning(facts: Facts) -> Iterator[Finding]:
    if facts.continuing_education_behind:
        yield Finding("P13", WARN, P13_BEHIND, P13_BEHIND_RESOLUTION, practice_rule=True)


P14_UNFIT = "You have said you are not fit to practise right now, so the session cannot start."
P14_UNFIT_RESOLUTION = "Move the session to another day, at no cost to the client."


@rule("P14", Point.SESSION_START)
def p14_coach_fit_to_practise(facts: Facts) -> Iterator[Finding]:
    if facts.coach_fit_to_practise is False:
        yield Finding("P14", BLOCK, P14_UNFIT, P14_UNFIT_RESOLUTION)


# -- Enforcement (E1) --------------------------------------------------------------------------

E1_NOT_IN_GOOD_STANDING = {
    Standing.SUSPENDED: (
        "The association has suspended your certification, so you cannot {doing} until it is reinstated."
    ),
    Standing.REVOKED: "The association has revoked your certification, so you cannot {doing}.",
    Standing.LAPSED: "Your certification has lapsed, so you cannot {doing} until it is renewed.",
}
E1_RESOLUTION = {
    Point.INTAKE_SUBMIT: (
        "Point the person to another coach you have vetted. Nothing about them was recorded."
    ),
    Point.SESSION_START: (
        "Let the client know, and give them an explanation and a referral to another coach you have "
        "vetted. Your records stay open to you, and your duties to report and account continue."
    ),
}
E1_DOING = {Point.INTAKE_SUBMIT: "take on a new client", Point.SESSION_START: "start a session"}


def _e1(point: Point, facts: Facts) -> Iterator[Finding]:
    if facts.certification in NOT_IN_GOOD_STANDING:
        message = E1_NOT_IN_GOOD_STANDING[facts.certification].format(doing=E1_DOING[point])
        yield Finding("E1", BLOCK, message, E1_RESOLUTION[point], practice_rule=True)


@rule("E1", Point.INTAKE_SUBMIT)
def e1_no_new_clients_without_certification(facts: Facts) -> Iterator[Finding]:
    yield from _e1(Point.INTAKE_SUBMIT, facts)


@rule("E1", Point.SESSION_START)
def e1_no_sessions_without_certification(facts: Facts) -> Iterator[Finding]:
    yield from _e1(Point.SESSION_START, facts)


# -- Loopholes at intake and at a client's own ending (S1, S2, S9, P11) ------------------------

REENTRY_DECLINED = (
    "This person was declined at an earlier intake under {clause}, and today's answers would let them in."
)
REENTRY_RESOLUTION = (
    "Write down why the answers are different now, and how you checked, then record the intake again."
)


def _reentry_after_a_decline(facts: Facts, clause: str) -> Iterator[Finding]:
    # A block, not a require: the explanation is part of the same intake form, and a stopped
    # intake has no record yet on which an open item could wait.
    if facts.earlier_decline == clause and facts.reentry_explained is False:
        yield Finding(
            clause, BLOCK, REENTRY_DECLINED.format(clause=clause), REENTRY_RESOLUTION, practice_rule=True
        )


@rule("S1", Point.INTAKE_SUBMIT)
def s1_reentry_after_a_decline(facts: Facts) -> Iterator[Finding]:
    yield from _reentry_after_a_decline(facts, "S1")


@rule("S2", Point.INTAKE_SUBMIT)
def s2_reentry_after_a_decline(facts: Facts) -> Iterator[Finding]:
    yield from _reentry_after_a_decline(facts, "S2")


@rule("S9", Point.INTAKE_SUBMIT)
def s9_reentry_after_a_decline(facts: Facts) -> Iterator[Finding]:
    yield from _reentry_after_a_decline(facts, "S9")


S2_PASSIVE = "The person has had thoughts of ending their life, without intent or a plan: not a pass."
S2_PASSIVE_RESOLUTION = (
    "Do a safety check with them, set the day you will follow it up, and record the follow-up on that day."
)


@rule("S2", Point.INTAKE_SUBMIT)
def s2_passive_thoughts_need_a_safety_check(facts: Facts) -> Iterator[Finding]:
    # Someone the intake declines anyway (S1, S2, S9) is referred on, not followed up by this coach.
    declined = (
        facts.suicide_risk
        or facts.active_addiction
        or facts.self_harm
        or (facts.client_age is not None and facts.client_age < facts.age_of_majority)
    )
    if facts.passive_suicidal_thoughts and not declined:
        yield Finding(
            "S2",
            REQUIRE,
            S2_PASSIVE,
            S2_PASSIVE_RESOLUTION,
            records=(RecordType.SAFETY_FOLLOW_UP,),
            follow_up=True,
            practice_rule=True,
        )


P11_OFFER = "An ending the client asked for still needs a vetted coaching referral offered to them."
P11_OFFER_RESOLUTION = (
    "Offer at least one coaching provider you have vetted; record the referral, or that they declined it."
)


@rule("P11", Point.CLIENT_RELEASE)
def p11_referral_offered_when_the_client_ends(facts: Facts) -> Iterator[Finding]:
    if facts.release_referral_offered is False:
        yield Finding(
            "P11",
            REQUIRE,
            P11_OFFER,
            P11_OFFER_RESOLUTION,
            records=(RecordType.COACHING_REFERRAL, RecordType.REFERRAL_OFFER),
        )
