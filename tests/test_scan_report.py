"""deploy/scan_report.py: `make security` fails on a new finding, a 5xx or a traceback, not on an
explained one.

tests/wapiti-3.0.4-report.json was written by Debian's wapiti 3.0.4's own JSON report generator
(every category of its default modules, one finding: the obsolete X-XSS-Protection header, as
every real scan of Ethos reports); only the classifications' long descriptions were left out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from deploy import scan_report

REPORT = json.loads((Path(__file__).parent / "wapiti-3.0.4-report.json").read_text(encoding="utf-8"))
# deploy/gunicorn.conf.py's access-log format: host, pid, request line, status, size, time.
OK_LOG = (
    '127.0.0.1 pid=<41> "GET / HTTP/1.0" 200 500 12ms\n'  # a 500-byte body is no error
    '127.0.0.1 pid=<42> "POST /clients/new/ HTTP/1.0" 403 2140 3ms\n'
    '127.0.0.1 pid=<41> "GET /clients/99999/ HTTP/1.0" 404 1800 4ms\n'
)


def finding(category: str, info: str, section: str = "vulnerabilities") -> dict:
    report = copy.deepcopy(REPORT)
    report[section].setdefault(category, []).append(
        {"method": "GET", "path": "/clients/", "info": info, "level": "3", "parameter": "q"}
    )
    return report


def test_the_known_header_finding_alone_passes_and_is_still_printed():
    judgement = scan_report.judge(REPORT, OK_LOG)
    assert not judgement.failed
    assert (judgement.new, judgement.explained, judgement.server_errors) == (0, 1, 0)
    assert any(
        line.startswith("wapiti, explained vulnerability: HTTP Secure Headers") for line in judgement.lines
    )


@pytest.mark.parametrize(
    ("category", "info", "section"),
    [
        ("SQL Injection", "SQL Injection via injection in the parameter q", "vulnerabilities"),
        (
            "Cross Site Scripting",
            "XSS vulnerability found via injection in the parameter q",
            "vulnerabilities",
        ),
        # The same check, failing for another reason, is new too.
        ("HTTP Secure Headers", "X-Frame-Options is not set", "vulnerabilities"),
        ("Internal Server Error", "The server responded with a 500 HTTP error code", "anomalies"),
    ],
)
def test_a_finding_not_explained_fails_the_run(category, info, section):
    judgement = scan_report.judge(finding(category, info, section), OK_LOG)
    assert judgement.failed
    assert judgement.new == 1
    kind = scan_report.SECTIONS[section]
    assert any(line.startswith(f"wapiti, NEW {kind}: {category}: GET /clients/") for line in judgement.lines)


def test_a_server_error_or_a_traceback_in_the_log_fails_the_run():
    errors = OK_LOG + '127.0.0.1 pid=<43> "GET /notes/7/ HTTP/1.0" 500 145 80ms\n'
    assert scan_report.judge(REPORT, errors).server_errors == 1
    assert scan_report.judge(REPORT, errors).failed
    traceback = OK_LOG + "Traceback (most recent call last):\n  File ...\nValueError: no\n"
    judgement = scan_report.judge(REPORT, traceback)
    assert (judgement.tracebacks, judgement.failed) == (1, True)


def test_the_command_exits_0_1_or_2_with_one_clear_line(tmp_path, capsys):
    log = tmp_path / "gunicorn.log"
    log.write_text(OK_LOG, encoding="utf-8")
    clean, dirty = tmp_path / "clean.json", tmp_path / "dirty.json"
    clean.write_text(json.dumps(REPORT), encoding="utf-8")
    dirty.write_text(json.dumps(finding("SQL Injection", "SQL Injection in q")), encoding="utf-8")
    assert scan_report.main([str(clean), str(log)]) == 0
    assert "0 new and 1 explained findings" in capsys.readouterr().out
    assert scan_report.main([str(dirty), str(log)]) == 1
    assert "NEW vulnerability: SQL Injection" in capsys.readouterr().out
    # A missing file, a file that is not JSON, and JSON that is not a wapiti report: exit 2.
    assert scan_report.main([str(tmp_path / "missing.json"), str(log)]) == 2
    not_json = tmp_path / "broken.json"
    not_json.write_text("{ half a report", encoding="utf-8")
    assert scan_report.main([str(not_json), str(log)]) == 2
    other = tmp_path / "other.json"
    other.write_text('{"results": []}', encoding="utf-8")
    assert scan_report.main([str(other), str(log)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err
    assert scan_report.main([str(clean)]) == 2
