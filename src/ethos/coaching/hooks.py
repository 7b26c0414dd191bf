"""What other apps do when a client's sessions change, without coaching importing them.

An app that keeps a copy of a client's sessions (the portal's shared appointments) registers, from
its AppConfig.ready():

    from ethos.coaching.hooks import on_sessions_changed

    @on_sessions_changed
    def appointments_follow(*, coach, client):
        ...

Each hook runs inside the transaction that cancelled or moved the session, after the change: if
it is rolled back, so is everything a hook wrote. A hook writes through its app's services.
"""

from __future__ import annotations

from collections.abc import Callable

SessionsHook = Callable[..., None]

_hooks: list[SessionsHook] = []


def on_sessions_changed(function: SessionsHook) -> SessionsHook:
    """Register `function(*, coach, client)` to run when one of a client's sessions is cancelled or moved."""
    if function not in _hooks:
        _hooks.append(function)
    return function


def unregister(function: SessionsHook) -> None:
    """Remove a hook (for tests that register their own)."""
    if function in _hooks:
        _hooks.remove(function)


def sessions_changed(*, coach, client) -> None:
    """Tell every registered app that a session of `client` was cancelled or moved."""
    for hook in _hooks:
        hook(coach=coach, client=client)
