"""What the association publishes beside a coach's standing on the public verification page.

The verification page (this app's views) shows a certification's number, public name and
standing. Other parts of the association add to it through this registry, never by being
imported by the page: the ethics cases add a final sanction once the association's publication
policy allows it, and nothing of a case that is still open.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PublicRecord:
    """One published line about a certification: when, what (plain words) and the clauses cited."""

    date: datetime.date
    title: str
    text: str
    clauses: tuple[str, ...] = ()


_providers: list[Callable[[object], list[PublicRecord]]] = []


def public_record_provider(provider: Callable[[object], list[PublicRecord]]):
    """Register `provider(certification) -> [PublicRecord]`; returns it unchanged (a decorator)."""
    _providers.append(provider)
    return provider


def public_records(certification) -> list[PublicRecord]:
    """Everything published about `certification`, newest first."""
    records = [record for provider in _providers for record in provider(certification)]
    return sorted(records, key=lambda record: record.date, reverse=True)
