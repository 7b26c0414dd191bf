"""Share a read between the parts of one page: the first part that asks runs it, the rest reuse it.

    from ethos.memo import once, scope

    @once
    def intake_counts(coach): ...          # one aggregate that several providers need

    with scope():                          # around the building of one page or report
        ...every call of intake_counts(coach) inside runs one query...

Outside a scope a function marked `once` runs every time, so a write path never sees a stale
answer. Arguments are the key: pass records (keyed by their primary key) or plain values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_answers: ContextVar[dict | None] = ContextVar("ethos_memo_answers", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Share the answers of `once` functions until the block ends; scopes nest into the outer one."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _key(value: Any) -> Any:
    # A model instance stands for its row; anything else must be hashable as it is.
    meta = getattr(value, "_meta", None)
    if meta is not None:
        return (meta.label, value.pk)
    return value


def once(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run `function(*args)` once per scope; outside a scope it runs every time."""

    @functools.wraps(function)
    def shared(*args):
        answers = _answers.get()
        if answers is None:
            return function(*args)
        key = (function, *map(_key, args))
        if key not in answers:
            answers[key] = function(*args)
        return answers[key]

    def remember(*args, answer) -> None:
        """Give the scope an answer read already (by the request, say); outside a scope, nothing."""
        answers = _answers.get()
        if answers is not None:
            answers[(function, *map(_key, args))] = answer

    shared.remember = remember
    return shared
