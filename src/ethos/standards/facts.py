"""The facts a rule may read: one typed vocabulary shared by the workflows and the ethics desk.

Every field defaults to "not known" (None or empty). Rules fire only on facts that are known,
so the ethics desk can ask about one thing at a time; a workflow must therefore fill in every
fact its enforcement point depends on (its form makes them mandatory). Facts never carry a
client's identity: ages, yes/no answers and category names only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum


class Vetting(StrEnum):
    """The state of a referral target's vetting record (P10)."""

    CURRENT = "current"
    MISSING = "missing"
    LAPSED = "lapsed"


class Transaction(StrEnum):
    """What money between coach and client is for (P9)."""

    COACHING_FEE = "coaching_fee"
    PACKAGE = "package"
    REFUND = "refund"
    LOAN = "loan"
    SALE = "sale"
    INVESTMENT = "investment"
    GIFT = "gift"
    PAID_WORK = "paid_work"
    BARTER = "barter"
    OTHER = "other"


COACHING_TRANSACTIONS = frozenset({Transaction.COACHING_FEE, Transaction.PACKAGE, Transaction.REFUND})


class Relationship(StrEnum):
    """A relationship between coach and client other than coaching (P7, P8)."""

    ROMANTIC = "romantic"
    SEXUAL = "sexual"
    FRIENDSHIP = "friendship"
    BUSINESS = "business"
    FAMILY = "family"
    # Declared attraction is treated as P8 treats a relationship: coaching ends, with a referral.
    ATTRACTION = "attraction"


INTIMATE_RELATIONSHIPS = frozenset({Relationship.ROMANTIC, Relationship.SEXUAL, Relationship.ATTRACTION})


class DisclosureBasis(StrEnum):
    """The legal basis a disclosure cites (C1)."""

    NONE = "none"
    CONSENT = "consent"
    SUBPOENA = "subpoena"
    MANDATORY_REPORT = "mandatory_report"
    # Emergency services, when someone's life is at risk: reviewed afterwards (Ethos's rule).
    EMERGENCY = "emergency"


class AtRisk(StrEnum):
    """The people whose current or ongoing abuse must be reported (C3)."""

    MINOR = "minor"
    DISABLED = "disabled"
    ELDER = "elder"


class Standing(StrEnum):
    """The standing of the coach's certification with the association (E1)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    LAPSED = "lapsed"


# A coach in any of these may take no one new and start no session (E1).
NOT_IN_GOOD_STANDING = frozenset({Standing.SUSPENDED, Standing.REVOKED, Standing.LAPSED})


# The reasons an intake may be declined for (P3): a clause of the code, or the coach's capacity.
DECLINE_REASONS = {
    "S1": "Physical safety at risk (S1)",
    "S2": "Needs crisis care (S2)",
    "S3": "Intoxicated at the first meeting (S3)",
    "S5": "Outside my competence (S5)",
    "S7": "Asks for a diagnosis or assessment (S7)",
    "S8": "Asks for medication advice (S8)",
    "S9": "Below the age of majority (S9)",
    "capacity": "My practice is full",
    "waitlist": "Placed on my waiting list",
    "client_choice": "The person chose not to go ahead",
}


@dataclass(frozen=True, slots=True)
class LanguageFlag:
    """A flag the note language checker raised: its clause and category, never the note's text."""

    clause: str
    category: str = ""


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What is known about a situation at an enforcement point. Field comments name the clauses."""

    # The person (S9): age in whole years on the day of the action; majority where they live.
    client_age: int | None = None
    age_of_majority: int = 18
    # Screening answers at intake, or risk seen later (S1, S2).
    suicide_risk: bool | None = None
    active_addiction: bool | None = None
    self_harm: bool | None = None
    # Thoughts of death without intent or plan (S2): not crisis care, and not a pass either.
    passive_suicidal_thoughts: bool | None = None
    # An earlier intake of the same person (matched by a keyed hash) was declined under this
    # clause (S1, S2, S9); and whether the coach explained why the answers are different now.
    earlier_decline: str | None = None
    reentry_explained: bool | None = None
    # Session start (S3, P14) and close (P6).
    client_under_influence: bool | None = None
    coach_fit_to_practise: bool | None = None
    client_safe_to_leave: bool | None = None
    # Competence (S5, S6, S10): concern areas against the coach's profile.
    concern_areas: frozenset[str] = frozenset()
    competence_areas: frozenset[str] = frozenset()
    credential_areas: frozenset[str] = frozenset()
    supervised_areas: frozenset[str] = frozenset()
    # Concern areas already referred to a service that works with them (S5): only a referral
    # takes an area out of S5; supervision never does.
    referred_areas: frozenset[str] = frozenset()
    # Note language (S1, S2, S7, S8, C3): the checker's flags on the note being saved or signed.
    language_findings: tuple[LanguageFlag, ...] = ()
    # Abuse of someone at risk disclosed as current or ongoing (C3), and whether it was reported.
    abuse_disclosed: frozenset[AtRisk] = frozenset()
    mandatory_report_made: bool | None = None
    # Disclosure (C1): the basis cited, whether it covers this recipient and purpose, and at
    # consent.record whether the consent is in writing.
    disclosure_basis: DisclosureBasis | None = None
    basis_covers_request: bool | None = None
    consent_in_writing: bool | None = None
    # Referral (P10): the target's vetting, and whether the coach still has it in use.
    referral_vetting: Vetting | None = None
    referral_in_use: bool | None = None
    # Ending coaching (P11): per client, or at practice close the number of active clients
    # who have no ending planned yet.
    release_explained: bool | None = None
    release_coaching_referrals: int | None = None
    # An ending the client asked for: was a vetted coaching referral offered (taken or declined)?
    release_referral_offered: bool | None = None
    clients_without_ending: int | None = None
    # A practice that has closed (P11) takes no one new.
    practice_closed: bool | None = None
    # Money (P2, P9, P12).
    transaction: Transaction | None = None
    fee_for_coach_cancelled_session: bool | None = None
    package_minimum_term: bool | None = None
    # At package.create: whether unused prepaid sessions are refundable; at payment.record: whether
    # a refund paid for a package's unused sessions is the whole pro-rata amount (P12).
    package_refunds_unused: bool | None = None
    # Relationship and contact (P7, P8).
    relationship: Relationship | None = None
    contact_outside_coaching: bool | None = None
    # Goals (P5), declining an intake (P3), continuing education (P13).
    goal_client_confirmed: bool | None = None
    decline_reason: str | None = None
    continuing_education_behind: bool | None = None
    # The coach's certification (E1): None when no certification is linked (a practice-only
    # install), which stops nothing.
    certification: Standing | None = None


def age_on(*, date_of_birth: datetime.date, day: datetime.date) -> int:
    """Return a person's age in whole years on a given day (for S9's client_age)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday
