"""Time what session notes cost at practice scale: saving one, searching them, and the pages beside them.

Two coaches with the same clients (built through the product's services by bench_pages.seed): one
with 1,000 session notes, one with 20,000. The bench reports

- **note save**: a real `note_save` of a realistic 150-word note (the language checker, the
  standards engine, the audit log, the kept version and the search index), as autosaves of one
  note in the 20,000-note practice; the same saves with the index write left out show its share;
- **note search** over the 20,000 notes through the real page (a rare word, a common word, two
  words): target under SEARCH_SECONDS per query;
- **the dashboard and the client page** at 20,000 notes against 1,000, each as a ratio to the
  trivial page in interleaved rounds (as bench_pages.py does): target, that ratio grows by less
  than GROWTH_TARGET.

Seeding 20,000 notes through sessions, starts and note_save takes too long for a bench (each
note is a schedule, a start and a save, about a dozen audit events with their signed
checkpoints: see the figure printed as "through the services"). So the notes are signed notes of
about 2 KB written in bulk by bench/bulk.py (which says what is left out), indexed by the product's
own backfill. bench_pages.py times every page in one practice at full scale (500 clients, 20,000
notes); this bench keeps the clients fixed so that the growth it measures is the notes' alone.

It writes bench/results-notes.json and exits non-zero when a target is missed.

Usage: .venv/bin/python bench/bench_notes.py   (`make bench` runs it)
       BENCH_NOTES_SIZES=200,2000 BENCH_NOTES_ROUNDS=5 .venv/bin/python bench/bench_notes.py   (shorter)
       BENCH_NOTE_WORDS=150 writes shorter notes (about 900 bytes; 340 words, about 2 KB, by default).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import bench_pages

DATA_DIR = bench_pages.isolate()

from bench_pages import PASSPHRASE, Practice, fetch, queries, seed, setup, sign_in  # noqa: E402
from bulk import NOTE_WORDS, RARE, note_text, seed_notes  # noqa: E402
from machine import cpu_model, load_note, percentile  # noqa: E402

HERE = Path(__file__).resolve().parent
# Clients per coach: 10 notes each at 1,000 notes, 200 each (four years of weekly sessions) at 20,000.
CLIENTS = 100
SEARCH_SECONDS = 0.5
GROWTH_TARGET = 1.3
# An autosave should never be felt: the guard for a whole note_save of a 150-word note.
SAVE_SECONDS = 0.5
SAVES = 20


def through_services(practice: Practice, vault, rng: random.Random, *, count: int = 10) -> float:
    """Seconds per note written the product's way: schedule, start, save a 150-word note, close.

    Each one on its own day a year ahead, past every booked session (the clock is moved there),
    since a session starts only on its day.
    """
    from unittest import mock

    from django.utils import timezone

    from ethos.clients.models import Client
    from ethos.coaching import notes
    from ethos.coaching import services as coaching
    from ethos.coaching.models import Session
    from ethos.standards.engine import ActionStopped
    from ethos.vault.context import unlocked

    reflected = coaching.Reflection(safety_offered=True, choice_offered=True, collaboration_offered=True)
    real_now = timezone.now()
    elapsed = 0.0
    with unlocked(vault):
        client = Client.objects.get(pk=practice.client_id)
        for day in range(1, count + 1):
            moved = real_now + datetime.timedelta(days=400 + day)
            with mock.patch("django.utils.timezone.now", return_value=moved):
                started = time.perf_counter()
                session = coaching.session_schedule(
                    coach=practice.coach,
                    client=client,
                    starts_at=moved - datetime.timedelta(minutes=1),
                    duration_minutes=50,
                    modality=Session.Modality.PHONE,
                )
                coaching.session_start(
                    coach=practice.coach, session=session, coach_fit=True, presentation="steady"
                )
                # A finding that stops the save still costs what a save costs.
                with contextlib.suppress(ActionStopped):
                    notes.note_save(coach=practice.coach, session=session, sections=note_text(rng), version=0)
                coaching.session_close(
                    coach=practice.coach, session=session, leaving="settled", reflection=reflected
                )
                elapsed += time.perf_counter() - started
    return elapsed / count


def time_saves(practice: Practice, vault, rng: random.Random) -> dict:
    """Autosave one note SAVES times with the index write and SAVES times without it, interleaved."""
    from ethos.coaching import note_search, notes
    from ethos.coaching.models import Session
    from ethos.standards.engine import ActionStopped
    from ethos.vault.context import unlocked

    write = note_search.note_tokens_write
    timings: dict[bool, list[float]] = {True: [], False: []}
    with unlocked(vault):
        session = Session.objects.get(pk=practice.note_session_id)
        note = notes.note_of(session)
        version = note.version
        for turn in range(2 * SAVES):
            indexed = turn % 2 == 0
            note_search.note_tokens_write = write if indexed else (lambda **_: None)
            try:
                started = time.perf_counter()
                try:
                    saved = notes.note_save(
                        coach=practice.coach, session=session, sections=note_text(rng), version=version
                    )
                except ActionStopped:
                    raise SystemExit("the bench's note text tripped the checker into a stop") from None
                timings[indexed].append(time.perf_counter() - started)
            finally:
                note_search.note_tokens_write = write
            version = saved.note.version
    return {
        "median_s": statistics.median(timings[True]),
        "p95_s": percentile(timings[True], 0.95),
        "without_index_median_s": statistics.median(timings[False]),
        "words": sum(len(text.split()) for text in note_text(random.Random(1)).values()),
    }


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_NOTES_SIZES", "1000,20000").split(",") if s.strip()]
    rounds = int(os.environ.get("BENCH_NOTES_ROUNDS", "15"))
    words = int(os.environ.get("BENCH_NOTE_WORDS", str(NOTE_WORDS)))
    if len(sizes) != 2 or rounds < 3:
        raise SystemExit("BENCH_NOTES_SIZES needs two sizes, BENCH_NOTES_ROUNDS at least 3")
    setup()
    import django
    from django.db import connection
    from django.urls import reverse

    from ethos.vault.services import unlock_with_passphrase

    print(f"Machine: {cpu_model()}, Django {django.get_version()}; SQLite file; {CLIENTS} clients per coach")
    practices, seeded = [], {}
    for size in sizes:
        practice = seed(CLIENTS, goals=False, label=f"-notes{size}")
        vault = unlock_with_passphrase(coach=practice.coach, passphrase=PASSPHRASE)
        seeded[size] = seed_notes(practice, size, vault, words=words)
        sign_in(practice, rounds=1)
        practices.append((practice, vault))
        info = seeded[size]
        print(
            f"  {size} notes: written in bulk in {info['write_s']:.1f} s, indexed by the backfill in "
            f"{info['backfill_s']:.1f} s ({info['tokens']} token rows, "
            f"{info['tokens'] / size:.0f} per note)",
            flush=True,
        )
    (small, small_vault), (large, large_vault) = practices
    rng = random.Random(3)
    per_note = through_services(large, large_vault, rng)
    # What the services write (today's sessions, a draft note being saved) shows on the dashboard
    # and the client page: the smaller coach gets the same, so the growth below compares the
    # same pages with more history behind them, not a busier day.
    through_services(small, small_vault, random.Random(3))
    print(
        f"  through the services, one note (schedule, start, save, close) takes {per_note * 1000:.0f} ms: "
        f"{per_note * sizes[1] / 60:.0f} min for {sizes[1]}",
        flush=True,
    )
    missed = []

    # -- note save -----------------------------------------------------------------------------
    save = time_saves(large, large_vault, rng)
    time_saves(small, small_vault, random.Random(3))
    print(
        f"\nNote save ({save['words']}-word note, checker, audit, version, index) at {sizes[1]} notes: "
        f"median {save['median_s'] * 1000:.0f} ms, p95 {save['p95_s'] * 1000:.0f} ms; "
        f"without the index write {save['without_index_median_s'] * 1000:.0f} ms (target < {SAVE_SECONDS} s)"
    )
    if save["median_s"] >= SAVE_SECONDS:
        missed.append(f"note save: {save['median_s']:.2f} s")

    # -- note search ---------------------------------------------------------------------------
    frequency = seeded[sizes[1]]["frequency"]
    ranked = [word for word, _ in frequency.most_common()]
    common = ranked[0]
    middling = next(word for word in ranked if frequency[word] <= sizes[1] // 10)
    searches = {
        "rare word": RARE,
        "common word": common,
        "two words": f"{common} {middling}",
    }
    search_url = reverse("coaching:note_search")
    results_search = []
    print(f"\nNote search through the page at {sizes[1]} notes (target < {SEARCH_SECONDS} s per query):")
    for label, query in searches.items():
        url = f"{search_url}?q={query.replace(' ', '+')}"
        fetch(large, url)
        times = [fetch(large, url) for _ in range(rounds)]
        body = large.browser.get(url).content.decode()
        matches = body.count("<mark>")
        row = {
            "search": label,
            "query": query,
            "notes_with_word": frequency.get(query.split()[0], 0) if label != "two words" else None,
            "median_s": statistics.median(times),
            "p95_s": percentile(times, 0.95),
            "queries": queries(large, url),
            "shown": matches,
        }
        results_search.append(row)
        held = f"in {row['notes_with_word']} notes" if row["notes_with_word"] is not None else "both words"
        print(
            f"  {label:12} {query!r:24} ({held}): median {row['median_s'] * 1000:.0f} ms, "
            f"p95 {row['p95_s'] * 1000:.0f} ms, {row['queries']} queries, {matches} shown"
        )
        if not matches:
            missed.append(f"note search for {query!r} found nothing")
        if row["median_s"] >= SEARCH_SECONDS:
            missed.append(f"note search, {label}: {row['median_s']:.2f} s")

    # -- the dashboard and the client page at both sizes ---------------------------------------
    pages = {
        "trivial": lambda p: reverse("bench_trivial"),
        "dashboard": lambda p: reverse("home"),
        "client page": lambda p: reverse("clients:detail", args=[p.client_id]),
    }
    order = [(index, practice, name) for index, practice in enumerate((small, large)) for name in pages]
    samples = {(index, name): [] for index, _, name in order}
    for _, practice, name in order:
        fetch(practice, pages[name](practice))
    shuffle = random.Random(7)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for index, practice, name in order:
            samples[(index, name)].append(fetch(practice, pages[name](practice)))
    results_pages = []
    print(
        f"\n{'page':14} {'x trivial @' + str(sizes[0]):>16} {'x trivial @' + str(sizes[1]):>17} "
        f"{'growth':>7} {'queries':>10} {'target':>8}"
    )
    for name in ("dashboard", "client page"):
        ratios = [
            statistics.median(samples[(index, name)]) / statistics.median(samples[(index, "trivial")])
            for index in (0, 1)
        ]
        growth = ratios[1] / ratios[0]
        counted = [queries(practice, pages[name](practice)) for practice in (small, large)]
        row = {"page": name, "ratios": ratios, "growth": growth, "queries": counted, "target": GROWTH_TARGET}
        results_pages.append(row)
        problem = growth >= GROWTH_TARGET
        print(
            f"{name:14} {ratios[0]:>15.1f}x {ratios[1]:>16.1f}x {growth:>6.2f}x "
            f"{' / '.join(map(str, counted)):>10} {'< ' + str(GROWTH_TARGET) + 'x':>8}"
            + ("  MISSED" if problem else "")
        )
        if problem:
            missed.append(f"{name}: grows {growth:.2f}x from {sizes[0]} to {sizes[1]} notes")

    database = Path(connection.settings_dict["NAME"])
    size_mb = sum(p.stat().st_size for p in database.parent.glob(database.name + "*")) / 1e6
    print(f"\nDatabase file with both practices: {size_mb:.0f} MB. {load_note()}")
    results = {
        "machine": cpu_model(),
        "load": load_note(),
        "rounds": rounds,
        "sizes": sizes,
        "seeding": {
            size: {k: v for k, v in info.items() if k != "frequency"} for size, info in seeded.items()
        },
        "through_services_s_per_note": per_note,
        "note_save": save,
        "search": results_search,
        "pages": results_pages,
        "database_mb": size_mb,
        "missed": missed,
    }
    (HERE / "results-notes.json").write_text(json.dumps(results, indent=2) + "\n")
    if missed:
        print("\nMissed targets:\n  " + "\n  ".join(missed))
        return 1
    print("\nEvery note figure met its target.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
