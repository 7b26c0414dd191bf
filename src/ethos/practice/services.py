"""Write the practice profile: every change validated and audited in one transaction.

Audit details name fields, area slugs and counts only; the profile says nothing about clients.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append

from .areas import SLUG_MAX, area_slug, is_standard
from .currencies import CURRENCIES
from .jurisdictions import (
    COUNTRY_NAMES,
    is_country,
    is_known_region,
    legal_age_of_majority,
    needs_region,
)
from .models import CompetenceArea, Credential, PracticeProfile
from .selectors import profile_for

NOT_YOUR_CREDENTIAL = "This credential belongs to another practice."
AREA_UNREADABLE = "Name the area in words (letters or digits), for example “Adoption and fostering”."
AREA_UNKNOWN = "“{slug}” is not one of your competence areas."

COUNTRY_UNKNOWN = "Choose your country from the list."
CURRENCY_UNKNOWN = "Choose the currency you charge in from the list."
REGION_NEEDED = "Name your state, province or territory: the age of majority differs within {country}."
REGION_UNKNOWN = "Ethos does not know “{region}” in {country}. Write its name or its postal code."
AGE_BELOW_LEGAL = (
    "The age of majority in {place} is {legal}: Ethos cannot take on anyone younger there (S9). "
    "You may set a higher age, never a lower one."
)

PROFILE_FIELDS = ("country", "region", "age_of_majority", "crisis_line", "emergency_number")
# The practice's own details for its letters; a call that leaves one out keeps it as it is.
DETAIL_FIELDS = ("practice_name", "phone", "email", "website", "currency")


def jurisdiction_errors(*, country: str, region: str, age_of_majority: int | None) -> dict[str, str]:
    """Return what is wrong with a jurisdiction and its age of majority, by field (S9).

    The profile form and `profile_update` both ask this, so the page and the service refuse the
    same things: an unknown country, a missing or unknown region where the age differs by
    region, and an age of majority below the legal one.
    """
    country, region = (country or "").upper(), (region or "").strip()
    if country and not is_country(country):
        return {"country": COUNTRY_UNKNOWN}
    name = COUNTRY_NAMES.get(country, "")
    if needs_region(country) and not region:
        return {"region": REGION_NEEDED.format(country=name)}
    if not is_known_region(country, region):
        return {"region": REGION_UNKNOWN.format(region=region, country=name)}
    legal = legal_age_of_majority(country, region)
    if age_of_majority is not None and age_of_majority < legal:
        place = ", ".join(part for part in (name, region) if part) or "your jurisdiction"
        return {"age_of_majority": AGE_BELOW_LEGAL.format(place=place, legal=legal)}
    return {}


def profile_update(
    *,
    coach,
    country: str,
    region: str,
    age_of_majority: int,
    crisis_line: str,
    emergency_number: str,
    practice_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    website: str | None = None,
    currency: str | None = None,
) -> PracticeProfile:
    """Change the jurisdiction and its safety numbers; audit which fields changed.

    The age of majority can never be below the legal age of the jurisdiction (S9).
    """
    errors = jurisdiction_errors(country=country, region=region, age_of_majority=age_of_majority)
    currency = (currency or "").strip().upper() or None  # none given: keep the currency as it is
    if currency is not None and currency not in CURRENCIES:
        errors["currency"] = CURRENCY_UNKNOWN
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile = PracticeProfile.objects.select_for_update().get(pk=profile_for(coach).pk)
        new = {
            "country": country.upper(),
            "region": region.strip(),
            "age_of_majority": age_of_majority,
            "crisis_line": crisis_line.strip(),
            "emergency_number": emergency_number.strip(),
        }
        details = {"practice_name": practice_name, "phone": phone, "email": email, "website": website}
        new |= {name: value.strip() for name, value in details.items() if value is not None}
        if currency is not None:
            new["currency"] = currency
        changed = [
            name
            for name in (*PROFILE_FIELDS, *DETAIL_FIELDS)
            if name in new and getattr(profile, name) != new[name]
        ]
        for name, value in new.items():
            setattr(profile, name, value)
        profile.updated_at = timezone.now()
        profile.full_clean()
        profile.save()
        audit_append(
            coach=coach,
            action=Action.PRACTICE_PROFILE_UPDATED,
            target_type="practice_profile",
            target_id=str(profile.pk),
            details={"changed": changed, "country": profile.country, "age_of_majority": age_of_majority},
        )
    return profile


def _own_area(label: str) -> tuple[str, str]:
    """Return (slug, custom label) for an area the coach names; the label is empty if maintained."""
    label = " ".join(label.split())
    slug = area_slug(label)
    if not slug:
        raise ValidationError(AREA_UNREADABLE)
    return slug, "" if is_standard(slug) else label[:100]


def competence_update(*, coach, areas: Iterable[str], new_area: str = "") -> frozenset[str]:
    """Set the areas the coach is trained for (S5): the ones ticked, plus one they name.

    `areas` are slugs: maintained ones, or the coach's own ones kept from before. Unticking an
    area of the coach's own removes it.
    """
    wanted = {str(slug)[:SLUG_MAX] for slug in areas}
    with transaction.atomic():
        profile = profile_for(coach)
        current = set(CompetenceArea.objects.filter(profile=profile).values_list("slug", flat=True))
        for slug in sorted(wanted):
            if not is_standard(slug) and slug not in current:
                raise ValidationError(AREA_UNKNOWN.format(slug=slug))
        custom_labels: dict[str, str] = {}
        if new_area.strip():
            slug, custom_label = _own_area(new_area)
            custom_labels[slug] = custom_label
            wanted.add(slug)
        added = sorted(wanted - current)
        removed = sorted(current - wanted)
        CompetenceArea.objects.filter(profile=profile, slug__in=removed).delete()
        CompetenceArea.objects.bulk_create(
            [
                CompetenceArea(profile=profile, slug=slug, custom_label=custom_labels.get(slug, ""))
                for slug in added
            ]
        )
        audit_append(
            coach=coach,
            action=Action.PRACTICE_COMPETENCE_UPDATED,
            target_type="practice_profile",
            target_id=str(profile.pk),
            clauses=["S5"],
            details={"added": added, "removed": removed, "areas": len(wanted)},
        )
    return frozenset(wanted)


def _credential_details(credential: Credential) -> dict:
    return {"verified": credential.is_verified, "areas": sorted(credential.areas)}


def _check_areas(*, coach, areas: Iterable[str], kept: Iterable[str] = ()) -> list[str]:
    """Return the slugs, sorted and once each; refuse any that is neither maintained nor the coach's.

    `kept` are the slugs a credential already holds: an area of the coach's own stays valid on
    the credential after the coach removes it from the ticked list.
    """
    slugs = sorted({str(slug) for slug in areas})
    own = set(
        CompetenceArea.objects.filter(profile__coach=coach)
        .exclude(custom_label="")
        .values_list("slug", flat=True)
    )
    own.update(kept)
    for slug in slugs:
        if not is_standard(slug) and slug not in own:
            raise ValidationError(AREA_UNKNOWN.format(slug=slug))
    return slugs


def credential_add(
    *,
    coach,
    issuer: str,
    title: str,
    awarded_on: datetime.date,
    verified_on: datetime.date | None = None,
    areas: Iterable[str] = (),
) -> Credential:
    """Record training beyond certification (S10); once verified, its areas widen the profile."""
    with transaction.atomic():
        credential = Credential(
            coach=coach,
            issuer=issuer.strip(),
            title=title.strip(),
            awarded_on=awarded_on,
            verified_on=verified_on,
            areas=_check_areas(coach=coach, areas=areas),
        )
        credential.full_clean()
        credential.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.PRACTICE_CREDENTIAL_ADDED,
            target_type="credential",
            target_id=str(credential.pk),
            clauses=["S10"],
            details=_credential_details(credential),
        )
    return credential


def credential_update(
    *,
    coach,
    credential: Credential,
    issuer: str,
    title: str,
    awarded_on: datetime.date,
    verified_on: datetime.date | None,
    areas: Iterable[str],
) -> Credential:
    """Change a credential (a verified date recorded later, say); audit the fields that changed."""
    if credential.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CREDENTIAL)
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        new = {
            "issuer": issuer.strip(),
            "title": title.strip(),
            "awarded_on": awarded_on,
            "verified_on": verified_on,
            "areas": _check_areas(coach=coach, areas=areas, kept=credential.areas),
        }
        changed = [name for name, value in new.items() if getattr(credential, name) != value]
        for name, value in new.items():
            setattr(credential, name, value)
        credential.full_clean()
        credential.save()
        audit_append(
            coach=coach,
            action=Action.PRACTICE_CREDENTIAL_UPDATED,
            target_type="credential",
            target_id=str(credential.pk),
            clauses=["S10"],
            details={"changed": changed, **_credential_details(credential)},
        )
    return credential


def credential_remove(*, coach, credential: Credential) -> None:
    """Remove a credential; the audit log keeps that it existed and which areas it covered."""
    if credential.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CREDENTIAL)
    with transaction.atomic():
        details = _credential_details(credential)
        target_id = str(credential.pk)
        Credential.objects.filter(pk=credential.pk, coach=coach).delete()
        audit_append(
            coach=coach,
            action=Action.PRACTICE_CREDENTIAL_REMOVED,
            target_type="credential",
            target_id=target_id,
            clauses=["S10"],
            details=details,
        )
