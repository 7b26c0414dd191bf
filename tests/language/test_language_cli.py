"""`ethos check-note`: the command line and the management command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ethos.language import cli
from ethos.language.evaluate import main as evaluate_main

RISKY_NOTE = "Client denies SI.\nI suggested she lower her Zoloft. She may be suicidal.\n"
CLEAN_NOTE = "We practised box breathing and she set a goal for the week.\n"


def run_cli(argv, stdin_text: str = ""):
    """Run check-note; return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(argv, stdin=io.StringIO(stdin_text), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def risky_note(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(RISKY_NOTE, encoding="utf-8")
    return path


def test_it_prints_findings_and_exits_1(risky_note):
    status, out, err = run_cli([str(risky_note)])
    assert status == cli.EXIT_FINDINGS
    assert f"{risky_note}:2:27: S8 medication_advice (medium)" in out
    assert "S2 suicide_risk (medium)" in out
    assert "2 findings to review." in out
    assert err == ""


def test_it_prints_json_for_machines(risky_note):
    status, out, _ = run_cli([str(risky_note), "--json"])
    data = json.loads(out)
    assert status == 1
    assert data["count"] == 2
    s8 = data["findings"][0]
    assert (s8["clause"], s8["line"], s8["evidence"]) == ("S8", 2, "Zoloft")
    assert RISKY_NOTE[s8["start"] : s8["end"]] == "Zoloft"
    assert s8["modifiers"] == ["ADVICE", "COACH_ADVISED", "DIRECTIVE"]


def test_it_exits_0_on_a_clean_note_from_stdin():
    status, out, _ = run_cli(["-"], stdin_text=CLEAN_NOTE)
    assert (status, out.strip()) == (0, cli.NO_FINDINGS)


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_it_exits_2_with_a_clear_message_on_an_unreadable_file(tmp_path, kind):
    path = tmp_path / "note.txt"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00broken")
    status, out, err = run_cli([str(path)])
    assert status == cli.EXIT_UNREADABLE
    assert out == ""
    assert err.startswith(f"check-note: cannot read {path}: ")
    assert "Traceback" not in err


def test_it_runs_as_a_management_command(risky_note):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("check_note", str(risky_note), "--json", stdout=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["count"] == 2


def test_it_runs_as_a_management_command_on_a_clean_note_from_stdin():
    out = io.StringIO()
    call_command("check_note", "-", stdin=io.StringIO(CLEAN_NOTE), stdout=out)
    assert out.getvalue().strip() == cli.NO_FINDINGS


def test_it_raises_a_command_error_with_status_2_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as raised:
        call_command("check_note", str(tmp_path / "absent.txt"))
    assert raised.value.returncode == 2


def test_it_prints_the_evaluation_table(capsys):
    corpus_dir = str(Path(__file__).parent)
    assert evaluate_main(["--split", "dev", "--corpus-dir", corpus_dir]) == 0
    out = capsys.readouterr().out
    assert "dev split:" in out
    for clause in ("S2", "C3", "P9"):
        assert f"\n{clause} " in out
