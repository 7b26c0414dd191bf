"""`make bench`'s one-page summary (bench/run.py) says what each benchmark's exit status means."""

from __future__ import annotations

import importlib.util
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def summary_of(outcomes: dict) -> str:
    # Loaded from its file under a name of its own: "run" alone could be any module on the path.
    spec = importlib.util.spec_from_file_location("ethos_bench_run", RUN)
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run.summary(outcomes)


def verdicts(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        name, _, rest = line.partition(": ")
        if name.startswith("bench_") and rest:
            found[name] = rest.rsplit(", ", 1)[0] if rest.endswith(" s") else rest
    return found


def test_a_missed_target_is_missed_and_a_benchmark_without_targets_is_not_called_met(tmp_path, monkeypatch):
    monkeypatch.setenv("LOAD_RESULTS", str(tmp_path / "none.json"))
    outcomes = {
        "bench_vault": (1, 26.0),
        "bench_signin": (0, 20.0),
        "bench_merkle": (0, 2.0),
        "bench_audit": (None, None),
    }
    text = summary_of(outcomes)
    assert verdicts(text) == {
        "bench_vault": "MISSED",
        "bench_signin": "met its targets",
        "bench_merkle": "figures only, no target",
        "bench_audit": "not run",
    }
    # A benchmark that only reports figures and crashes is a failure, named as one.
    assert verdicts(summary_of({"bench_merkle": (2, 1.0)}))["bench_merkle"] == "FAILED (exit 2)"
