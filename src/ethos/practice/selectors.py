"""Read the practice profile: what other apps ask about the coach's jurisdiction and competence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import Http404

from ethos.prepared import prepared

from .areas import COMPETENCE_AREAS, area_label
from .jurisdictions import (
    COUNTRIES,
    Suggestion,
    is_country,
    is_known_region,
    legal_age_of_majority,
    needs_region,
    suggestion_for,
)
from .models import CompetenceArea, Credential, PracticeProfile

__all__ = [
    "COMPETENCE_AREAS",
    "COUNTRIES",
    "Competence",
    "age_of_majority_for",
    "area_label",
    "competence_for",
    "credential_rows",
    "credentials_for",
    "custom_areas_for",
    "get_credential_for_coach",
    "is_country",
    "is_known_region",
    "legal_age_of_majority",
    "needs_region",
    "profile_for",
    "suggestion_for_profile",
]


@prepared
def _profile_of(coach):
    return PracticeProfile.objects.filter(coach=coach).order_by("pk")[:1]


def profile_for(coach) -> PracticeProfile:
    """Return the coach's practice profile, created with the defaults if it does not exist yet."""
    # Many pages read it (the money pages for the currency): the look-up's SQL is built once.
    for profile in _profile_of(coach):
        return profile
    profile, _ = PracticeProfile.objects.get_or_create(coach=coach)
    return profile


def suggestion_for_profile(profile: PracticeProfile) -> Suggestion:
    return suggestion_for(profile.country, profile.region)


def age_of_majority_for(coach) -> int:
    """Return the practice's age of majority for S9: the profile's, never below the legal age there.

    A profile saved before the legal floor was checked may hold a lower age; this never does.
    """
    profile = profile_for(coach)
    return max(profile.age_of_majority, legal_age_of_majority(profile.country, profile.region))


@dataclass(frozen=True)
class Competence:
    """The areas a coach may coach on (S5), and the verified credentials that widen them (S10)."""

    # Maintained areas the coach ticked, plus areas of their own.
    areas: frozenset[str] = frozenset()
    # Areas added by verified credentials beyond certification.
    credential_areas: frozenset[str] = frozenset()
    credentials: tuple[Credential, ...] = field(default=(), compare=False)
    custom_labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def all_areas(self) -> frozenset[str]:
        return self.areas | self.credential_areas

    def credential_for(self, area: str) -> Credential | None:
        """Return the verified credential to cite for `area`, the most recently verified first."""
        for credential in self.credentials:
            if area in credential.areas:
                return credential
        return None

    def label(self, slug: str) -> str:
        return self.custom_labels.get(slug) or area_label(slug)

    @property
    def own_labels(self) -> list[str]:
        """Return the labels of the areas the coach ticked or named, alphabetically."""
        return sorted((self.label(slug) for slug in self.areas), key=str.casefold)

    @property
    def widened(self) -> list[tuple[str, Credential]]:
        """Return (label, credential) for each area only a verified credential adds (S10)."""
        lines = [(self.label(slug), self.credential_for(slug)) for slug in self.credential_areas - self.areas]
        return sorted(lines, key=lambda line: line[0].casefold())


def competence_for(coach) -> Competence:
    """Return the coach's competence in two queries; a coach without a profile has none."""
    rows = CompetenceArea.objects.filter(profile__coach=coach).values_list("slug", "custom_label")
    custom = {slug: label for slug, label in rows if label}
    verified = tuple(
        Credential.objects.for_coach(coach)
        .filter(verified_on__isnull=False)
        .order_by("-verified_on", "-awarded_on", "id")
    )
    return Competence(
        areas=frozenset(slug for slug, _ in rows),
        credential_areas=frozenset(area for credential in verified for area in credential.areas),
        credentials=verified,
        custom_labels=custom,
    )


def custom_areas_for(coach) -> list[CompetenceArea]:
    """Return the areas the coach named themselves, for choosing them on a credential."""
    return list(CompetenceArea.objects.filter(profile__coach=coach).exclude(custom_label=""))


def credentials_for(coach) -> list[Credential]:
    return list(Credential.objects.for_coach(coach))


def credential_rows(coach) -> list[tuple[Credential, list[str]]]:
    """Return each credential with the labels of the areas it adds, in two queries."""
    custom = {area.slug: area.custom_label for area in custom_areas_for(coach)}
    return [
        (
            credential,
            sorted((custom.get(slug) or area_label(slug) for slug in credential.areas), key=str.casefold),
        )
        for credential in credentials_for(coach)
    ]


def get_credential_for_coach(coach, pk) -> Credential:
    """Return one of the coach's credentials; another coach's credential is a 404."""
    try:
        return Credential.objects.for_coach(coach).get(pk=pk)
    except (Credential.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404("No such credential.") from error
