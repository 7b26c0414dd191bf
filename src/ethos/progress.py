"""How far a long command has got (backup, restore, audit verify, demo), told on a stream.

A service that works through many rows takes a `progress` callable and calls it now and then
with what it is doing, how many it has done, out of how many, and what they are:

    progress("Writing the backup", 12_000, 40_000, "rows")

`Progress` is that callable for a command: on a terminal it redraws one line in place; into a
file or a pipe it writes a line at most every LOG_SECONDS, so a log stays short and still says
where a slow run got to. The last count of each stage (done == total) is always written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from django.core.management.base import OutputWrapper

# (what, done, total, unit) -> None
Report = Callable[[str, int, int, str], None]

# A terminal line is redrawn at most this often; a log line is written at most this often.
TTY_SECONDS = 0.2
LOG_SECONDS = 5.0


def quiet(what: str, done: int, total: int, unit: str = "") -> None:
    """Report nothing: the default of every service that takes `progress`."""


def line(what: str, done: int, total: int, unit: str = "") -> str:
    """Return the words of one report: "Writing the backup: 12,000 of 40,000 rows (30%)"."""
    share = f" ({done * 100 // total}%)" if total else ""
    return f"{what}: {done:,} of {total:,}{f' {unit}' if unit else ''}{share}"


def _plain(text: str) -> str:
    return text


class Progress:
    """Write reports to `stream` (a command's stderr), redrawn on a terminal, spaced out in a log."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic):
        isatty = getattr(stream, "isatty", None)
        self.stream = stream
        self.tty = bool(isatty and isatty())
        self.clock = clock
        self._what: str | None = None
        self._last = 0.0
        self._open = False  # a terminal line written without its newline yet

    def __call__(self, what: str, done: int, total: int, unit: str = "") -> None:
        now = self.clock()
        final = done >= total
        if what != self._what:
            self.finish()
            self._what, self._last = what, now
            # A terminal shows a new stage at once; a log waits until it has something to say.
            due = self.tty
        else:
            due = now - self._last >= (TTY_SECONDS if self.tty else LOG_SECONDS)
        if not (due or final):
            return
        self._last = now
        text = line(what, done, total, unit)
        if self.tty:
            self._write(f"\r{text}\x1b[K" + ("\n" if final else ""))
            self._open = not final
        else:
            self._write(text + "\n")
        if final:
            self._what = None
        self.stream.flush()

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            # A command's stream adds no newline of its own here, nor its red for errors.
            self.stream.write(text, style_func=_plain, ending="")
        else:
            self.stream.write(text)

    def finish(self) -> None:
        """End a line left open on a terminal (a stage that stopped before its last count)."""
        if self._open:
            self._write("\n")
            self.stream.flush()
            self._open = False
        self._what = None
