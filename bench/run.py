"""Run every benchmark in this folder (bench_*.py), one after the other, then print a one-page summary.

Each one's wall time is printed after it and the total at the end: `make bench` should stay under
about twenty minutes on a quiet two-core machine (the full practice of issue 18 is most of it). The
summary says for each benchmark whether it met its targets, with its main figures from the results
files it wrote (bench/results*.json, kept after the run), and the figures of the last load test
(load/results.json, or LOAD_RESULTS) if there is one: the bench never runs the load test itself.

Exits non-zero when any benchmark missed a target.

Usage: .venv/bin/python bench/run.py                  (`make bench`)
       .venv/bin/python bench/run.py --summary        (the summary of the last run's results only)
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def read(name: str) -> dict | None:
    try:
        return json.loads((HERE / name).read_text())
    except (OSError, ValueError):
        return None


def when(path: Path) -> str:
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def pages_lines(results: dict) -> list[str]:
    sizes = [str(size) for size in results["sizes"]]
    small, full = sizes[0], sizes[-1]
    practice = results.get("practices", {}).get(full, {})
    notes = practice.get("seeded", {}).get("notes", {})
    lines = [
        f"  {len(results['pages'])} pages at {small} and {full} clients ({full}: "
        f"{notes.get('notes', 0)} signed notes, {practice.get('seeded', {}).get('invoices', 0)} invoices, "
        f"{practice.get('seeded', {}).get('disclosures', 0)} disclosures, "
        f"{practice.get('seeded', {}).get('portal_users', 0) + 1} portal users; "
        f"registry of {results.get('registry', {}).get('coaches', 0)} coaches)",
    ]
    worst = sorted(results["pages"], key=lambda row: -row["sizes"][full]["ratio"])[:5]
    lines.append(
        "  slowest at full scale: "
        + ", ".join(
            f"{row['page']} {row['sizes'][small]['ratio']:.1f}x/{row['sizes'][full]['ratio']:.1f}x"
            for row in worst
        )
    )
    for row in results["pages"]:
        if row["page"].startswith("note search"):
            median = row["sizes"][full]["median_ms"]
            lines.append(f"  {row['page']} at {full} clients: {median:.0f} ms (target < 500 ms)")
    sign_in = results.get("sign_in_ms", {})
    if sign_in:
        lines.append(
            "  sign-in through the form at practice scale: "
            + ", ".join(f"{ms:.0f} ms at {size} clients" for size, ms in sign_in.items())
        )
    search = results.get("search")
    if search:
        median = search["median_s"] * 1000
        lines.append(f"  client search at {search['clients']} clients: {median:.0f} ms (target < 500 ms)")
    over = [row for row in results["pages"] if row["missed"]]
    if over:
        listed = ", ".join(
            f"{row['page']} {row['sizes'][small]['ratio']:.1f}x/{row['sizes'][full]['ratio']:.1f}x"
            + (f" (grows {row['growth']:.1f}x)" if row["flat"] and row["growth"] >= 1.5 else "")
            for row in over
        )
        lines += textwrap.wrap(
            f"{len(over)} of {len(results['pages'])} pages missed (x trivial at {small}/{full} clients): "
            + listed,
            width=100,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    return lines


def notes_lines(results: dict) -> list[str]:
    small, large = results["sizes"]
    lines = [
        f"  note save at {large} notes: {results['note_save']['median_s'] * 1000:.0f} ms; "
        + "search "
        + ", ".join(f"{row['search']} {row['median_s'] * 1000:.0f} ms" for row in results["search"])
        + " (target < 500 ms)"
    ]
    lines.append(
        f"  growth from {small} to {large} notes: "
        + ", ".join(f"{row['page']} {row['growth']:.2f}x" for row in results["pages"])
        + " (target < 1.3x)"
    )
    return lines


def signin_lines(results: dict) -> list[str]:
    kdf = results["kdf"]
    return [
        f"  coach sign-in {results['coach_sign_in_ms']:.0f} ms (about {results['target_ms']} ms expected), "
        f"one Argon2id alone {results['derivation_ms']:.0f} ms ({kdf['memory_mib']} MiB, "
        f"{kdf['passes']} passes, "
        f"{'production floor' if results['production_floor'] else 'BELOW the production floor'}); "
        f"at most {results['most_argon2_runs']} Argon2 run per sign-in"
    ] + [
        f"  a rush of derivations, {label}: "
        f"half done {rush['half_done_s']:.2f} s, all {rush['all_done_s']:.2f} s"
        for label, rush in results.get("rush", {}).items()
    ]


# Benchmarks that only report figures: they pass when they run, so the summary does not call them "met".
FIGURES_ONLY = {"bench_merkle"}

# What each benchmark writes, and how to say its main figures in a line or two.
FIGURES = {
    "bench_pages": ("results.json", pages_lines),
    "bench_notes": ("results-notes.json", notes_lines),
    "bench_signin": ("results-signin.json", signin_lines),
}


def load_lines() -> list[str]:
    path = Path(os.environ.get("LOAD_RESULTS", ROOT / "load" / "results.json"))
    if not path.exists():
        return [f"  no load test results ({path} does not exist): run `make load` to have them here"]
    try:
        results = json.loads(path.read_text())
    except ValueError:
        return [f"  {path} is not readable JSON"]
    lines = [
        f"  last run {results.get('when') or when(path)}: {results.get('coaches')} coaches and "
        f"{results.get('clients')} clients for {results.get('seconds')} s, "
        f"{'passed' if results.get('passed') else 'FAILED'} ({results.get('machine', '')})"
    ]
    for key, target in results.get("targets", {}).items():
        if not target.get("ran"):
            lines.append(f"  {key}) {target.get('what', '')}: did not run")
            continue
        lines.append(
            f"  {key}) {target.get('what', '')}: p50 {target['p50_ms']:.0f} ms, "
            f"p95 {target['p95_ms']:.0f} ms, p99 {target['p99_ms']:.0f} ms, "
            f"{target.get('per_second')}/s, {target.get('errors')} errors"
        )
    return lines


def summary(outcomes: dict[str, tuple[int | None, float | None]]) -> str:
    """The one page: each benchmark's pass or miss and main figures, every missed target, the load test."""
    lines = ["", "=" * 100, "Summary", "=" * 100]
    missed_all = []
    for name, (status, seconds) in outcomes.items():
        if status is None:
            verdict = "not run"
        elif status != 0:
            verdict = "MISSED" if name not in FIGURES_ONLY else f"FAILED (exit {status})"
        else:
            verdict = "figures only, no target" if name in FIGURES_ONLY else "met its targets"
        took = f", {seconds:.0f} s" if seconds is not None else ""
        lines.append(f"{name}: {verdict}{took}")
        if name in FIGURES:
            filename, describe = FIGURES[name]
            results = read(filename)
            if results is None:
                lines.append(f"  (no {filename})")
                continue
            try:
                lines += describe(results)
            except (KeyError, IndexError, TypeError) as problem:
                lines.append(f"  ({filename} has not the figures expected: {problem!r})")
            if name != "bench_pages":  # its misses are listed page by page above
                missed_all += [f"{name}: {miss}" for miss in results.get("missed", [])]
    lines.append("load test (not run by the bench):")
    lines += load_lines()
    if missed_all:
        lines.append("Missed targets:")
        lines += [f"  {miss}" for miss in missed_all]
    lines.append("=" * 100)
    return "\n".join(lines)


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if sys.argv[1:] == ["--summary"]:
        print(summary({script.stem: (None, None) for script in scripts}))
        return 0
    outcomes: dict[str, tuple[int | None, float | None]] = {}
    began = time.perf_counter()
    for script in scripts:
        print(f"\n## {script.stem}", flush=True)
        started = time.perf_counter()
        status = subprocess.call([sys.executable, str(script)])
        outcomes[script.stem] = (status, time.perf_counter() - started)
        print(f"({script.stem} took {outcomes[script.stem][1]:.0f} s)", flush=True)
    print(summary(outcomes))
    print(f"All benchmarks took {(time.perf_counter() - began) / 60:.1f} min.")
    return 1 if any(status for status, _ in outcomes.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
