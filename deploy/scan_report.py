"""Judge a `make security` run: wapiti's report and the app server's log of the scan.

    python deploy/scan_report.py WAPITI_JSON GUNICORN_LOG

Prints every finding wapiti reported, each marked either as explained (a finding that
deploy/SECURITY-SCANS.md shows to be no risk, listed in EXPLAINED with the reason) or as new,
then the server's 5xx answers and tracebacks during the scan. Exits 0 when nothing is new, no
answer was a 5xx and no traceback was logged; 1 otherwise; 2 with one line when a file is missing
or is not a wapiti report. A finding is explained only by its exact section, category and text, so
a new kind of finding, or the same check failing for another reason, fails the run until someone
looks at it and writes down why.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# (section of wapiti's report, its category, the finding's text) -> why it is no risk. Each entry
# has a section in deploy/SECURITY-SCANS.md with the whole reasoning.
EXPLAINED: dict[tuple[str, str, str], str] = {
    ("vulnerabilities", "HTTP Secure Headers", "X-XSS-Protection is not set"): (
        "the header only drove the XSS auditor that current browsers removed (setting it opened "
        "leaks in those that kept it); Ethos sends a strict Content-Security-Policy instead"
    ),
}
# The sections of wapiti's JSON report that hold findings; "additionals" holds notes, not findings.
SECTIONS = {"vulnerabilities": "vulnerability", "anomalies": "anomaly"}
# An access-log line of deploy/gunicorn.conf.py ('... "GET /x HTTP/1.0" 500 123 4ms'): the status
# follows the quoted request line, so a 500-byte body is not read as an error.
SERVER_ERROR = re.compile(r'" (5\d\d) ')


@dataclass
class Judgement:
    """What a scan found: a line per finding, and whether anything fails the run."""

    lines: list[str]
    new: int
    explained: int
    server_errors: int
    tracebacks: int

    @property
    def failed(self) -> bool:
        return bool(self.new or self.server_errors or self.tracebacks)


def judge(report: dict, server_log: str) -> Judgement:
    """Return the judgement of a wapiti report (parsed JSON) and the server's log text."""
    lines: list[str] = []
    new = explained = 0
    for section, kind in SECTIONS.items():
        for category, items in (report.get(section) or {}).items():
            for item in items or ():
                info = str(item.get("info", ""))
                where = f"{item.get('method', '')} {item.get('path', '')}".strip()
                reason = EXPLAINED.get((section, category, info))
                if reason is None:
                    new += 1
                    lines.append(f"wapiti, NEW {kind}: {category}: {where}: {info[:200]}")
                else:
                    explained += 1
                    lines.append(f"wapiti, explained {kind}: {category}: {info} ({reason})")
    server_errors = sum(1 for line in server_log.splitlines() if SERVER_ERROR.search(line))
    tracebacks = server_log.count("Traceback (most recent call last)")
    lines.append(
        f"{new} new and {explained} explained findings; {server_errors} server errors (5xx) and "
        f"{tracebacks} tracebacks in the server's log"
    )
    return Judgement(lines, new, explained, server_errors, tracebacks)


def main(argv: list[str]) -> int:
    """Judge the files named on the command line; print the findings and return the exit status."""
    if len(argv) != 2:
        print("usage: scan_report.py WAPITI_JSON GUNICORN_LOG", file=sys.stderr)
        return 2
    report_path, log_path = map(Path, argv)
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        server_log = log_path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError) as error:
        print(f"security: cannot read the scan's results: {error}", file=sys.stderr)
        return 2
    if not isinstance(report, dict) or not any(isinstance(report.get(s), dict) for s in SECTIONS):
        print(f"security: {report_path} is not a wapiti JSON report", file=sys.stderr)
        return 2
    judgement = judge(report, server_log)
    for line in judgement.lines:
        print(f"security: {line}")
    return 1 if judgement.failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
