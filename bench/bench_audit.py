"""Time audit_append while one coach's log grows; the sign-in check and `ethos audit verify` on it.

Each append runs in its own transaction, as in the product (audit_append opens its own atomic
block), on a fresh SQLite file database in WAL mode. On the way, at 1,000, 10,000 and 100,000
events, consistency_with (the browser's check at sign-in) proves the log extends a checkpoint
kept at half that size: its time and number of queries must stay flat as the log grows. At the
end `ethos audit verify` checks the whole log, against the journal the appends wrote.

Targets (the run exits 1 when one is missed): `ethos audit verify` under 5 s at 100,000 events
(50 us an event at other sizes); consistency_with in at most 3 queries at every size.

Usage: .venv/bin/python bench/bench_audit.py   (`make bench` runs it)
       BENCH_AUDIT_EVENTS=20000 .venv/bin/python bench/bench_audit.py   (a shorter run)
"""

import io
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

DATA_DIR = tempfile.mkdtemp(prefix="ethos-bench-audit-")
os.environ["ETHOS_DATA_DIR"] = DATA_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "ethos.settings"
# Production settings: real key derivation, and the SQLite file in DATA_DIR.
os.environ.pop("ETHOS_INSECURE_FAST_KDF", None)
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402
from machine import cpu_model, load_note, percentile  # noqa: E402

BATCH = 1_000
MILESTONES = (1_000, 10_000, 50_000, 100_000)
# Log sizes at which the sign-in check is timed (a checkpoint kept at half the size each time).
CHECK_AT = (1_000, 10_000, 100_000)
TARGET_MS = 1.0
VERIFY_TARGET_S = 5.0
VERIFY_TARGET_EVENTS = 100_000
CONSISTENCY_MAX_QUERIES = 3
CONSISTENCY_RUNS = 7
PASSPHRASE = "bench copper lantern orchard seventy"


def time_consistency(coach, kept: str) -> tuple[float, int, bool]:
    """Return the median seconds, the number of queries and the verdict of consistency_with."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ethos.audit.selectors import consistency_with

    runs = []
    for _ in range(CONSISTENCY_RUNS):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            report = consistency_with(coach, kept)
            runs.append(time.perf_counter() - start)
    return statistics.median(runs), len(queries), report.ok


def main() -> int:
    events = int(os.environ.get("BENCH_AUDIT_EVENTS", "100000"))
    if events < BATCH or events % BATCH:
        raise SystemExit(f"BENCH_AUDIT_EVENTS must be a positive multiple of {BATCH}")
    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from ethos.accounts.services import coach_create
    from ethos.audit.actions import Action
    from ethos.audit.models import AuditEvent, AuditNode
    from ethos.audit.services import audit_append, audit_nodes_backfill

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(cursor.fetchone()[0], "?")

    coach = coach_create(email="bench@example.org", name="Bench Coach", passphrase=PASSPHRASE).user
    # coach_create itself appends "auth.account_created", so the log holds one event more than
    # the appends timed here; log sizes below count every event.
    base = AuditEvent.objects.filter(coach=coach).count()
    check_at = [size for size in CHECK_AT if size <= base + events]
    keep_at = {size // 2: size for size in check_at}
    kept: dict[int, str] = {}

    print(f"CPU: {cpu_model()} x {os.cpu_count()}   Python {platform.python_version()}   "
          f"Django {django.get_version()}   SQLite {sqlite3.sqlite_version} "
          f"(journal {journal}, synchronous {synchronous})")  # fmt: skip
    print(f"at the start: {load_note()}")
    limited = "" if events == MILESTONES[-1] else f"  (BENCH_AUDIT_EVENTS={events}, not 100,000)"
    print(f"{events:,} audit_append calls, one transaction each, timed in batches of {BATCH:,}{limited}")
    print(f"log starts with {base} event(s) from coach_create")
    print()
    print(f"{'appends':>9}{'log size':>10}{'batch mean ms':>15}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'cumulative ev/s':>17}")  # fmt: skip
    print("-" * 78)

    batches: dict[int, list[float]] = {}
    checks: list[tuple[int, int, float, int, bool]] = []
    total = 0.0
    done = 0
    report_every = 10_000 if events >= 20_000 else BATCH
    while done < events:
        times = []
        for _ in range(BATCH):
            done += 1
            start = time.perf_counter()
            event = audit_append(
                coach=coach,
                action=Action.CLIENT_VIEWED,
                target_type="thing",
                target_id=str(done),
                clauses=["C2"],
            )
            times.append(time.perf_counter() - start)
            if event.seq in keep_at:
                kept[keep_at[event.seq]] = event.checkpoint
            if event.seq in check_at:
                # Outside the timed appends: the sign-in check at this size of the log.
                seconds, queries, ok = time_consistency(coach, kept[event.seq])
                checks.append((event.seq, event.seq // 2, seconds, queries, ok))
        total += sum(times)
        batches[done] = times
        if done in MILESTONES or done % report_every == 0 or done == events:
            print(f"{done:>9,}{base + done:>10,}{statistics.fmean(times) * 1e3:>15.3f}"
                  f"{percentile(times, 0.5) * 1e3:>9.3f}{percentile(times, 0.99) * 1e3:>9.3f}"
                  f"{max(times) * 1e3:>9.3f}{done / total:>17,.0f}", flush=True)  # fmt: skip

    print()
    print(f"{'per-event mean, batch of 1,000 ending at':<44}{'ms':>8}   target < {TARGET_MS:g} ms at 100,000")
    print("-" * 78)
    for mark in MILESTONES:
        if mark in batches:
            mean_ms = statistics.fmean(batches[mark]) * 1e3
            verdict = ("within" if mean_ms < TARGET_MS else "OVER") if mark == MILESTONES[-1] else ""
            print(f"{f'{mark:,} appends (log size {base + mark:,})':<44}{mean_ms:>8.3f}   {verdict}".rstrip())
        else:
            print(f"{f'{mark:,} appends':<44}{'not run':>8}")
    last_ms = statistics.fmean(batches[events]) * 1e3
    if events not in MILESTONES:
        print(f"{f'{events:,} appends (last batch; log size {base + events:,})':<44}{last_ms:>8.3f}")
    print(f"overall: {events:,} appends in {total:.1f} s = {events / total:,.0f} events/s "
          f"({total / events * 1e3:.3f} ms mean per event)")  # fmt: skip
    nodes = AuditNode.objects.filter(coach=coach).count()
    print(f"stored subtree hashes: {nodes:,} rows for {base + events:,} events")
    print()

    failed = []
    print(f"consistency_with (sign-in check), median of {CONSISTENCY_RUNS}   "
          f"target <= {CONSISTENCY_MAX_QUERIES} queries at every size")  # fmt: skip
    print(f"{'log size':>10}{'kept at':>10}{'ms':>10}{'queries':>10}   result")
    print("-" * 78)
    for size, kept_size, seconds, queries, ok in checks:
        print(f"{size:>10,}{kept_size:>10,}{seconds * 1e3:>10.3f}{queries:>10}   {'ok' if ok else 'NOT OK'}")
        if not ok or queries > CONSISTENCY_MAX_QUERIES:
            failed.append(f"consistency_with at {size:,}: {queries} queries, {'ok' if ok else 'not ok'}")
    print()

    size = base + events
    target = VERIFY_TARGET_S * size / VERIFY_TARGET_EVENTS
    out = io.StringIO()
    start = time.perf_counter()
    try:
        call_command("audit", "verify", "--coach", coach.email, stdout=out)
        verified = f"OK   {coach.email}: {size} events" in out.getvalue()
    except SystemExit:
        verified = False
    verify_s = time.perf_counter() - start
    start = time.perf_counter()
    written = audit_nodes_backfill(coach_id=coach.pk)
    backfill_s = time.perf_counter() - start
    print(f"{'check':<52}{'seconds':>9}   result")
    print("-" * 78)
    verdict = "within" if verify_s < target else "OVER"
    print(f"{f'ethos audit verify, log of {size:,} events':<52}{verify_s:>9.3f}   "
          f"{'ok' if verified else 'NOT OK'}; target < {target:.2f} s: {verdict}")  # fmt: skip
    print(f"{f'audit_nodes_backfill (migration 0003) over {size:,}':<52}{backfill_s:>9.3f}   "
          f"{written} written (all there already)")  # fmt: skip
    if not verified:
        failed.append("ethos audit verify did not report the log OK:\n" + out.getvalue())
    if verify_s >= target:
        failed.append(f"ethos audit verify took {verify_s:.2f} s, target {target:.2f} s")
    print()
    print(f"at the end: {load_note()}")
    for problem in failed:
        print(f"MISSED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    status = 1
    try:
        status = main()
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - cleanup only; django may not be set up
            pass
        shutil.rmtree(DATA_DIR, ignore_errors=True)
    sys.exit(status)
