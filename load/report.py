"""Summarise load/run-load's targets: requests, errors, p50/p95/p99, throughput ratio b/a.

    python load/report.py LOAD_DIR RESULTS_JSON

Reads each target's locust CSV and server log, prints a table, writes RESULTS_JSON, and exits 1
when a target had an error, a "database is locked" anywhere, or did not run.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import platform
import sys
from pathlib import Path

TARGETS = {
    "a": "ethos run on SQLite (one process)",
    "b": "nginx -> gunicorn workers -> PostgreSQL",
}
LOCKED = "database is locked"


def target_result(folder: Path) -> dict:
    stats = folder / "locust_stats.csv"
    if not stats.exists():
        log = (folder / "locust.log").read_text()[-2000:] if (folder / "locust.log").exists() else ""
        return {"ran": False, "problem": f"locust wrote no statistics. {log}"}
    rows = list(csv.DictReader(stats.open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")

    def figures(row: dict) -> dict:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "per_second": round(float(row["Requests/s"]), 2),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    failures = []
    if (folder / "locust_failures.csv").exists():
        failures = [
            f"{row['Occurrences']}x {row['Method']} {row['Name']}: {row['Error'][:300]}"
            for row in csv.DictReader((folder / "locust_failures.csv").open())
        ]
    server_log = (
        (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
    )
    result = {
        "ran": True,
        **figures(total),
        "pages": {row["Name"]: figures(row) for row in rows if row["Name"] != "Aggregated"},
        "failures": failures,
        "database_is_locked_in_server_log": server_log.count(LOCKED),
        "tracebacks_in_server_log": server_log.count("Traceback"),
    }
    if (folder / "workers.json").exists():
        result["answered_by_workers"] = len(json.loads((folder / "workers.json").read_text()))
    return result


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: load/report.py LOAD_DIR RESULTS_JSON", file=sys.stderr)
        return 2
    load_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        "seconds": int(os.environ.get("LOAD_SECONDS", "60")),
        "coaches": int(os.environ.get("LOAD_COACHES", "20")),
        "clients": int(os.environ.get("LOAD_CLIENTS", "20")),
        "longest_wait_s": float(os.environ.get("LOAD_WAIT", "1.0")),
        "targets": {},
    }
    ok = True
    for key, label in TARGETS.items():
        if not (load_dir / key).exists():
            continue
        result = {"what": label, **target_result(load_dir / key)}
        results["targets"][key] = result
        if not result["ran"]:
            print(f"load: {key}) {label}: DID NOT RUN: {result['problem']}")
            ok = False
            continue
        print(
            f"load: {key}) {label}: {result['requests']} requests, {result['errors']} errors, "
            f"{result['per_second']}/s, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
            f"p99 {result['p99_ms']:.0f} ms"
            + (
                f", answered by {result['answered_by_workers']} workers"
                if "answered_by_workers" in result
                else ""
            )
        )
        for failure in result["failures"]:
            print(f"load:    {failure}")
        locked = result["database_is_locked_in_server_log"]
        if result["errors"] or locked:
            ok = False
        if locked:
            print(f"load:    '{LOCKED}' appears {locked} times in the server's log")
    a, b = results["targets"].get("a"), results["targets"].get("b")
    if a and b and a.get("ran") and b.get("ran") and a["per_second"]:
        results["throughput_ratio_b_to_a"] = round(b["per_second"] / a["per_second"], 2)
        print(f"load: throughput b/a = {results['throughput_ratio_b_to_a']}")
    if not results["targets"]:
        print("load: no target ran")
        ok = False
    results["passed"] = ok
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"load: results in {out}; {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
