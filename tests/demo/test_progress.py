"""Long commands say how far they have got: backup, restore and audit verify, on the demo practice."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from ethos import progress
from ethos.accounts import backup
from ethos.audit import selectors
from ethos.demo import services as demo
from tests.vault.test_backup import empty_the_database


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_into_a_log_it_writes_a_line_every_few_seconds_and_always_the_last():
    stream, clock = io.StringIO(), Clock()
    report = progress.Progress(stream, clock=clock)
    for done, at in ((0, 0.0), (100, 1.0), (200, progress.LOG_SECONDS + 0.5), (250, 6.0), (300, 6.5)):
        clock.now = at
        report("Writing the backup", done, 300, "rows")
    assert stream.getvalue().splitlines() == [
        "Writing the backup: 200 of 300 rows (66%)",
        "Writing the backup: 300 of 300 rows (100%)",
    ]


def test_on_a_terminal_it_redraws_one_line_and_ends_it():
    stream, clock = Terminal(), Clock()
    report = progress.Progress(stream, clock=clock)
    report("Verifying a@example.org", 0, 10, "events")
    clock.now = 1.0
    report("Verifying a@example.org", 4, 10, "events")
    report("Verifying b@example.org", 1, 2, "events")  # a new stage ends the line the last one left
    report("Verifying b@example.org", 2, 2, "events")
    assert stream.getvalue() == (
        "\rVerifying a@example.org: 0 of 10 events (0%)\x1b[K"
        "\rVerifying a@example.org: 4 of 10 events (40%)\x1b[K\n"
        "\rVerifying b@example.org: 1 of 2 events (50%)\x1b[K"
        "\rVerifying b@example.org: 2 of 2 events (100%)\x1b[K\n"
    )


def test_a_commands_stream_gets_no_extra_newline_and_no_colour():
    out = Terminal()
    wrapper = OutputWrapper(out)
    wrapper.style_func = lambda text: f"<red>{text}</red>"
    report = progress.Progress(wrapper)
    report("Restoring", 5, 5, "rows")
    assert out.getvalue() == "\rRestoring: 5 of 5 rows (100%)\x1b[K\n"


@pytest.fixture
def practice(db):
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def every_report(monkeypatch):
    """Write every report the services make, however close together."""
    monkeypatch.setattr(progress, "LOG_SECONDS", 0.0)
    monkeypatch.setattr(backup, "REPORT_EVERY", 100)
    monkeypatch.setattr(selectors, "VERIFY_CHUNK", 20)


def counts(text: str, what: str) -> list[tuple[int, int]]:
    found = re.findall(rf"^{re.escape(what)}: ([\d,]+) of ([\d,]+) ", text, flags=re.MULTILINE)
    return [(int(done.replace(",", "")), int(total.replace(",", ""))) for done, total in found]


def test_backup_verify_and_restore_show_their_progress(practice, every_report, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", "--coach", demo.COACH_EMAIL, stdout=out, stderr=err)
    events = counts(err.getvalue(), f"Verifying {demo.COACH_EMAIL}")
    total = events[-1][1]
    assert events == [(done, total) for done in range(20, total, 20)] + [(total, total)]
    assert "OK   " in out.getvalue() and "Verifying" not in out.getvalue()  # stdout stays the result

    path = tmp_path / "demo.ethos-backup"
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", "--out", str(path), stdout=out, stderr=err)
    written = counts(err.getvalue(), "Writing the backup")
    rows = int(re.search(r": (\d+) rows", out.getvalue()).group(1))
    assert written == [(done, rows) for done in range(100, rows, 100)] + [(rows, rows)]

    empty_the_database()
    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(path), stdout=out, stderr=err)
    assert counts(err.getvalue(), "Reading the backup")[-1] == (rows, rows)
    assert counts(err.getvalue(), "Restoring")[-1] == (rows, rows)
    assert counts(err.getvalue(), f"Checking the restored log of {demo.COACH_EMAIL}")[-1] == (total, total)
    assert "every restored audit log verifies" in out.getvalue()
