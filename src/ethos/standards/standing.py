"""Where a coach's certification standing comes from (E1), without standards knowing who keeps it.

The association's registry (`ethos.certification`) sits above every practice app, so nothing
below it may import it. It registers one provider here from its `ready()`; workflows at
`intake.submit` and `session.start` ask `coach_standing(coach)` for the `certification` fact.
With no provider, or no certification linked to the coach, the answer is None and E1 stops
nothing: a practice-only install works as before.
"""

from __future__ import annotations

from collections.abc import Callable

from .facts import Standing

_providers: list[Callable[[object], Standing | str | None]] = []


def standing_provider(provider: Callable[[object], Standing | str | None]):
    """Register `provider(coach) -> Standing | None`; returns it unchanged (a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def coach_standing(coach) -> Standing | None:
    """Return the standing of the coach's certification, or None when none is linked."""
    for provider in _providers:
        found = provider(coach)
        if found is not None:
            return Standing(found)
    return None
