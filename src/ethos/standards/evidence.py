"""Evidence providers: how an app tells the compliance report what it holds for a clause.

    from ethos.standards.evidence import Evidence, evidence_provider

    @evidence_provider("S9")
    def intake_age_checks(coach) -> list[Evidence]:
        checked, declined = ...  # one aggregate query, never one per row
        return [Evidence(f"{checked} intakes checked for age, {declined} declined")]

Register providers from the app's AppConfig.ready(). A clause with a provider counts as
tracked by Ethos. Evidence text holds counts and dates, never a client's identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from .catalog import catalog

PROVIDER_UNKNOWN_CLAUSE = (
    "Evidence provider {name} is registered for clause {clause!r}, which is not in the catalog."
)


@dataclass(frozen=True)
class Evidence:
    """One line of evidence; `attention` marks something the coach should look at."""

    text: str
    attention: bool = False


Provider = Callable[..., Iterable[Evidence]]
_providers: dict[str, list[Provider]] = {}


def evidence_provider(clause: str) -> Callable[[Provider], Provider]:
    """Register `function(coach) -> Iterable[Evidence]` as evidence for `clause`."""

    def register(function: Provider) -> Provider:
        if clause not in catalog():
            name = f"{function.__module__}.{function.__qualname__}"
            raise ImproperlyConfigured(PROVIDER_UNKNOWN_CLAUSE.format(name=name, clause=clause))
        if function not in _providers.setdefault(clause, []):
            _providers[clause].append(function)
        return function

    return register


def providers_for(clause: str) -> tuple[Provider, ...]:
    return tuple(_providers.get(clause, ()))


def unregister(clause: str, function: Provider) -> None:
    """Remove a provider (for tests that register their own)."""
    _providers.get(clause, []).remove(function)
