"""`ethos check-note FILE|-`: print the language findings of a note.

Exit status: 0 when the note has no findings, 1 when it has some (they are prompts for the
coach, not verdicts), 2 when the note cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ethos.language.checker import Finding, check

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2
NO_FINDINGS = "No findings."
CANNOT_READ = "check-note: cannot read {path}: {reason}"
NOT_TEXT = "not UTF-8 text"


class NoteUnreadable(Exception):
    """The note file is missing, unreadable or not text."""


def read_note(path: str, stdin: TextIO | None = None) -> str:
    """Return the text of the note at path, or of standard input for "-"."""
    try:
        if path == "-":
            return (stdin or sys.stdin).read()
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NoteUnreadable(CANNOT_READ.format(path=path, reason=NOT_TEXT)) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise NoteUnreadable(CANNOT_READ.format(path=path, reason=reason)) from None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def render_text(name: str, text: str, findings: Sequence[Finding]) -> str:
    """Return findings as lines a coach can read."""
    if not findings:
        return NO_FINDINGS
    lines = []
    for f in findings:
        line, col = _line_col(text, f.start)
        modifiers = ", ".join(f.modifiers) or "none"
        lines.append(f'{name}:{line}:{col}: {f.clause} {f.category} ({f.severity}) "{f.evidence}"')
        lines.append(f"    {f.reason}")
        lines.append(f"    sentence: {f.sentence}")
        lines.append(f"    modifiers: {modifiers}; rule {f.rule_id}")
    count = len(findings)
    lines.append(f"{count} finding{'s' if count != 1 else ''} to review.")
    return "\n".join(lines)


def render_json(name: str, text: str, findings: Sequence[Finding]) -> str:
    """Return findings as JSON for machines."""
    items = []
    for f in findings:
        line, col = _line_col(text, f.start)
        items.append({**f.as_dict(), "line": line, "column": col})
    return json.dumps({"file": name, "count": len(items), "findings": items}, indent=2)


def run(path: str, *, as_json: bool, stdin: TextIO | None = None) -> tuple[int, str]:
    """Check the note at path; return the exit status and the report."""
    text = read_note(path, stdin)
    name = "<stdin>" if path == "-" else path
    findings = check(text)
    render = render_json if as_json else render_text
    return (EXIT_FINDINGS if findings else EXIT_CLEAN), render(name, text, findings)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of check-note."""
    parser = argparse.ArgumentParser(
        prog="ethos check-note",
        description="Flag note language that may touch the code of ethics (offline).",
    )
    parser.add_argument("file", help="the note to check, or - for standard input")
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    return parser


def main(
    argv: list[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run check-note and return its exit status."""
    args = build_parser().parse_args(argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        status, report = run(args.file, as_json=args.json, stdin=stdin)
    except NoteUnreadable as exc:
        err.write(f"{exc}\n")
        return EXIT_UNREADABLE
    out.write(report + "\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
