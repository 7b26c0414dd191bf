"""The ethics desk's question: a structured list of facts, turned into the engine's Facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from .facts import (
    DECLINE_REASONS,
    AtRisk,
    DisclosureBasis,
    Facts,
    LanguageFlag,
    Relationship,
    Transaction,
    Vetting,
)

DESK_UNREADABLE = "Some answers could not be read. Each one is marked below."
NOT_ASKED = ("", "Not part of this situation")

SIGNALS = [
    ("suicide_risk", "Signs of active suicidal thinking"),
    ("active_addiction", "An active addiction"),
    ("self_harm", "Active, significant self-harm"),
    ("under_influence", "The client seems drunk or high right now"),
    ("unsafe_to_leave", "The client is badly triggered and not safe to leave the session"),
    ("coach_unfit", "I am affected by alcohol or drugs, or otherwise not fit to practise, right now"),
]
CONCERN = [
    NOT_ASKED,
    ("within", "Within my recorded competence"),
    ("credential", "Beyond certification, but covered by a verified credential of mine"),
    ("supervised", "Beyond my competence, and I have supervision for it"),
    ("outside", "Beyond my competence, with no supervision for it"),
]
NOTE_WORDING = [
    ("S7", "My note reads like a diagnosis or assessment"),
    ("S8", "My note gives advice about psychiatric medication"),
]
ENDING = [
    ("no_explanation", "I have not explained the ending to the client"),
    ("no_referral", "I have not referred the client to another coaching provider"),
]
PACKAGE = [
    ("minimum_term", "The package sets a minimum number of sessions or a minimum period"),
    ("no_refund", "Unused prepaid sessions would not be refunded"),
]
OTHER = [
    ("goal_unconfirmed", "A goal is about to become active without the client confirming it"),
    ("contact_outside", "The client and I had contact outside coaching activities"),
    ("fee_after_my_cancellation", "I am charging for a session I cancelled or cut short"),
    ("consent_not_written", "The client's consent to share was only spoken, not written"),
    ("basis_not_covering", "The consent or court order does not cover this recipient or purpose"),
    ("education_behind", "My continuing education is behind this year's target"),
]


# Apps above standards give the desk its defaults from their own records (the practice's age of
# majority), registered from their AppConfig.ready(): standards imports none of them.
_desk_defaults: list[Callable[[Any], dict[str, Any]]] = []


def desk_default(provider: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """Register `provider(coach) -> {field: value}`, initial answers the desk starts from."""
    _desk_defaults.append(provider)
    return provider


def desk_initial(coach) -> dict[str, Any]:
    """Return the desk's initial answers for this coach, from every registered provider."""
    initial: dict[str, Any] = {}
    for provider in _desk_defaults:
        initial.update(provider(coach))
    return initial


def _choices(enum, labels: dict[str, str]) -> list[tuple[str, str]]:
    return [NOT_ASKED, *((member.value, labels[member.value]) for member in enum)]


class DeskForm(forms.Form):
    """Every field is optional: the coach describes only what is part of the situation."""

    client_age = forms.IntegerField(
        label="The client's age in years", required=False, min_value=0, max_value=130
    )
    age_of_majority = forms.IntegerField(
        label="The age of majority where the client lives",
        help_text="Your practice profile's age of majority, unless you change it here.",
        initial=18,
        min_value=14,
        max_value=25,
        required=False,
    )
    signals = forms.MultipleChoiceField(
        label="Risk and safety", choices=SIGNALS, required=False, widget=forms.CheckboxSelectMultiple
    )
    abuse_disclosed = forms.MultipleChoiceField(
        label="Current or ongoing abuse disclosed, of",
        choices=[
            (AtRisk.MINOR, "A child"),
            (AtRisk.DISABLED, "A disabled person"),
            (AtRisk.ELDER, "An older person"),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concern = forms.ChoiceField(label="The client's concern is", choices=CONCERN, required=False)
    note_wording = forms.MultipleChoiceField(
        label="Note wording", choices=NOTE_WORDING, required=False, widget=forms.CheckboxSelectMultiple
    )
    referral_vetting = forms.ChoiceField(
        label="A service I want to refer the client to",
        choices=_choices(
            Vetting,
            {
                "current": "I vetted it and the vetting is current",
                "missing": "I have not vetted it myself",
                "lapsed": "My vetting is past its review date",
            },
        ),
        required=False,
    )
    ending = forms.MultipleChoiceField(
        label="Ending coaching with a client",
        choices=ENDING,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    transaction = forms.ChoiceField(
        label="Money between the client and me, for",
        choices=_choices(
            Transaction,
            {
                "coaching_fee": "A coaching fee",
                "package": "A coaching package",
                "refund": "A refund",
                "loan": "A loan",
                "sale": "Selling something",
                "investment": "An investment",
                "gift": "A gift beyond a token",
                "paid_work": "Paid work for me or by me",
                "barter": "An exchange of goods or services (barter)",
                "other": "Something else",
            },
        ),
        required=False,
    )
    package = forms.MultipleChoiceField(
        label="A coaching package", choices=PACKAGE, required=False, widget=forms.CheckboxSelectMultiple
    )
    relationship = forms.ChoiceField(
        label="A relationship with the client besides coaching",
        choices=_choices(
            Relationship,
            {
                "romantic": "Romantic",
                "sexual": "Sexual",
                "friendship": "Friendship",
                "business": "Business",
                "family": "Family",
                "attraction": "Attraction between us",
            },
        ),
        required=False,
    )
    disclosure_basis = forms.ChoiceField(
        label="Someone asks me for client information, and the basis is",
        choices=_choices(
            DisclosureBasis,
            {
                "none": "No consent and no court order",
                "consent": "The client's written consent",
                "subpoena": "A court-ordered subpoena",
                "mandatory_report": "A mandatory report",
                "emergency": "An emergency: someone's life is at risk",
            },
        ),
        required=False,
    )
    # The same reasons as the intake form (DECLINE_REASONS, which the P3 rule reads), plus a way
    # to ask about a reason of one's own, which P3 answers.
    decline_reason = forms.ChoiceField(
        label="I want to decline an intake because",
        choices=[NOT_ASKED, *DECLINE_REASONS.items(), ("unlisted", "Another reason of my own")],
        required=False,
    )
    other = forms.MultipleChoiceField(
        label="Anything else", choices=OTHER, required=False, widget=forms.CheckboxSelectMultiple
    )

    def _default_age_of_majority(self) -> int:
        """The age the desk started from (the practice profile's), when the coach left it blank."""
        return self.get_initial_for_field(self.fields["age_of_majority"], "age_of_majority") or 18

    def facts(self) -> Facts:
        """Return the Facts this answer describes (call after is_valid())."""
        data = self.cleaned_data
        signals, other, ending = set(data["signals"]), set(data["other"]), set(data["ending"])

        def flag(name: str, chosen: set[str], *, when: bool = True) -> bool | None:
            return when if name in chosen else None

        concern = data["concern"]
        areas = frozenset({"this concern"}) if concern else frozenset()
        return Facts(
            client_age=data["client_age"],
            age_of_majority=data["age_of_majority"] or self._default_age_of_majority(),
            suicide_risk=flag("suicide_risk", signals),
            active_addiction=flag("active_addiction", signals),
            self_harm=flag("self_harm", signals),
            client_under_influence=flag("under_influence", signals),
            client_safe_to_leave=flag("unsafe_to_leave", signals, when=False),
            coach_fit_to_practise=flag("coach_unfit", signals, when=False),
            concern_areas=areas,
            competence_areas=areas if concern == "within" else frozenset(),
            credential_areas=areas if concern == "credential" else frozenset(),
            supervised_areas=areas if concern == "supervised" else frozenset(),
            language_findings=tuple(LanguageFlag(clause=c) for c in data["note_wording"]),
            abuse_disclosed=frozenset(AtRisk(v) for v in data["abuse_disclosed"]),
            mandatory_report_made=False if data["abuse_disclosed"] else None,
            referral_vetting=Vetting(data["referral_vetting"]) if data["referral_vetting"] else None,
            release_explained=flag("no_explanation", ending, when=False),
            release_coaching_referrals=0 if "no_referral" in ending else None,
            transaction=Transaction(data["transaction"]) if data["transaction"] else None,
            package_minimum_term=flag("minimum_term", set(data["package"])),
            package_refunds_unused=flag("no_refund", set(data["package"]), when=False),
            relationship=Relationship(data["relationship"]) if data["relationship"] else None,
            disclosure_basis=DisclosureBasis(data["disclosure_basis"]) if data["disclosure_basis"] else None,
            basis_covers_request=flag("basis_not_covering", other, when=False),
            consent_in_writing=flag("consent_not_written", other, when=False),
            decline_reason=data["decline_reason"] or None,
            goal_client_confirmed=flag("goal_unconfirmed", other, when=False),
            contact_outside_coaching=flag("contact_outside", other),
            fee_for_coach_cancelled_session=flag("fee_after_my_cancellation", other),
            continuing_education_behind=flag("education_behind", other),
        )
