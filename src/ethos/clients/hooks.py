"""What other apps do when coaching with a client is ended or paused, without clients importing them.

An app that holds plans for a client's future (coaching's scheduled sessions ...) registers, from
its AppConfig.ready():

    from ethos.clients.hooks import on_release

    @on_release
    def cancel_future_sessions(*, coach, client, ending):
        ...

Each hook runs inside the ending's own transaction, after the client's status has changed: if the
ending is rolled back, so is everything a hook wrote. A hook writes through its app's services.
"""

from __future__ import annotations

from collections.abc import Callable

ReleaseHook = Callable[..., None]

_release_hooks: list[ReleaseHook] = []


def on_release(function: ReleaseHook) -> ReleaseHook:
    """Register `function(*, coach, client, ending)` to run when coaching ends or pauses."""
    if function not in _release_hooks:
        _release_hooks.append(function)
    return function


def unregister(function: ReleaseHook) -> None:
    """Remove a hook (for tests that register their own)."""
    if function in _release_hooks:
        _release_hooks.remove(function)


def released(*, coach, client, ending) -> None:
    """Tell every registered app that coaching with `client` has ended or paused."""
    for hook in _release_hooks:
        hook(coach=coach, client=client, ending=ending)
