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
checkpoints: see the figure printed as "through the services"). So the notes are written in bulk
instead: each one's session is a closed session row and its note is encrypted with the coach's
vault like any other (the same fields, keys and associated data), with its first version kept;
what is left out is the audit events and the checker's pass. Their search tokens are then
written by the product's own backfill (note_search.note_tokens_backfill), which decrypts every
note as the search page would for notes from before the index: the rows are the real ones.

It writes bench/results-notes.json and exits non-zero when a target is missed.

Usage: .venv/bin/python bench/bench_notes.py   (`make bench` runs it)
       BENCH_NOTES_SIZES=200,2000 BENCH_NOTES_ROUNDS=5 .venv/bin/python bench/bench_notes.py   (shorter)
"""

from __future__ import annotations

import collections
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
from bench_pages import PASSPHRASE, Practice, fetch, queries, seed, setup, sign_in
from machine import cpu_model, load_note, percentile

HERE = Path(__file__).resolve().parent
# Clients per coach: 10 notes each at 1,000 notes, 200 each (four years of weekly sessions) at 20,000.
CLIENTS = 100
SEARCH_SECONDS = 0.5
GROWTH_TARGET = 1.3
# An autosave should never be felt: the guard for a whole note_save of a 150-word note.
SAVE_SECONDS = 0.5
SAVES = 20
# Notes written per bulk transaction while seeding.
BATCH = 1000
# Planted in exactly one note: the rare word of the search figures.
RARE = "quetzal"

# What a coach writes, in the note template's five sections: each note takes a few of these,
# with the blanks filled from the lists below, to about 150 words.
SENTENCES = {
    "focus": (
        "She wanted to talk about {thing} and how it has been since {when}.",
        "He came in wanting to feel steadier around {person} at {place}.",
        "Her focus today was {thing}, in her words: I want to stop bracing all the time.",
        "They asked to look again at the plan for {thing} before {when}.",
        "He said the week had been hard because of {thing} and wanted to find some calm.",
    ),
    "worked_on": (
        "We practised slow breathing and noticing five things in the room when {thing} comes up.",
        "We mapped what happens in the body before a wave of panic at {place}.",
        "We went through the grounding steps and she tried them standing by the window.",
        "We looked at how {person} reacts and what she can choose to say next time.",
        "We talked about sleep, the evening routine and what helps her wind down after {place}.",
        "We worked on a short script for asking {person} for more time.",
    ),
    "reflections": (
        "She noticed that her shoulders drop when she names what she feels.",
        "He said it helped to know that the reaction made sense after everything that happened.",
        "She chose to keep the journal for another two weeks and to share one page next time.",
        "They reflected that {place} feels less frightening in daylight with {person} nearby.",
        "He felt proud of speaking up at {place} even though his voice shook.",
    ),
    "next_steps": (
        "Try the breathing practice each morning and note how sleep goes.",
        "Walk to {place} twice this week, with {person} the first time.",
        "Write down three moments of calm each day before {when}.",
        "Bring the letter from {place} to the next session so we can plan a reply together.",
    ),
    "follow_ups": (
        "Check in about {thing} next session.",
        "Ask how the conversation with {person} went.",
        "",
    ),
}
FILL = {
    "thing": (
        "the move",
        "work",
        "the court date",
        "her sister's visit",
        "the new job",
        "driving again",
        "the anniversary",
        "money worries",
        "the children's school",
        "the night shifts",
        "the garden",
        "the swimming lessons",
    ),
    "person": (
        "her manager",
        "his brother",
        "the landlord",
        "her partner",
        "his father",
        "a neighbour",
        "the doctor",
        "her friend Ana",
        "his daughter",
    ),
    "place": (
        "the supermarket",
        "the station",
        "the office",
        "the school gate",
        "the bus stop",
        "the gym",
        "the clinic",
        "the park",
        "the library",
        "the market",
    ),
    "when": (
        "the summer",
        "last winter",
        "the accident",
        "the holidays",
        "the spring",
        "the weekend",
        "March",
    ),
}


def note_text(rng: random.Random, *, words: int = 150) -> dict[str, str]:
    """A realistic note of about `words` words across the template's sections."""
    written = {key: [] for key in SENTENCES}
    count = 0
    while count < words:
        for key, choices in SENTENCES.items():
            sentence = rng.choice(choices).format(
                **{name: rng.choice(options) for name, options in FILL.items()}
            )
            if sentence and count < words:
                written[key].append(sentence)
                count += len(sentence.split())
    return {key: " ".join(parts) for key, parts in written.items()}


def insert(objects: list) -> None:
    """Insert model objects as bulk_create does (each field's pre_save seals the encrypted ones),
    but in one executemany (ethos.vault.blind.insert_rows): the ORM's compiler took minutes here."""
    from ethos.vault import blind

    fields = type(objects[0])._meta.concrete_fields
    rows = [tuple(field.pre_save(obj, True) for field in fields) for obj in objects]
    blind.insert_rows(type(objects[0]), tuple(field.name for field in fields), rows)


def seed_notes(practice: Practice, count: int, vault) -> dict:
    """Write `count` closed sessions with signed notes in bulk, then index them with the real backfill."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ethos.clients.models import Client
    from ethos.coaching import note_search
    from ethos.coaching.models import NoteSearchToken, NoteVersion, Session, SessionNote
    from ethos.vault.context import unlocked

    rng = random.Random(count)
    coach = practice.coach
    started = time.perf_counter()
    frequency: collections.Counter = collections.Counter()
    with unlocked(vault):
        clients = list(Client.objects.filter(coach=coach, status=Client.Status.ACTIVE).order_by("created_at"))
        # The client page's client (bench_pages.seed's first active one) comes first, so it has its share.
        clients.sort(key=lambda client: str(client.pk) != practice.client_id)
        now = timezone.now()
        for start in range(0, count, BATCH):
            sessions, notes, versions = [], [], []
            for number in range(start, min(count, start + BATCH)):
                client = clients[number % len(clients)]
                # One a day at an hour's spacing going back: none today, none overlapping.
                begins = now - datetime.timedelta(days=1, hours=number)
                ends = begins + datetime.timedelta(minutes=50)
                session = Session(
                    coach=coach,
                    client=client,
                    data_key_id=client.data_key_id,
                    starts_at=begins,
                    duration_minutes=50,
                    ends_at=ends,
                    modality=Session.Modality.VIDEO,
                    status=Session.Status.CLOSED,
                    started_at=begins,
                    closed_at=ends,
                    created_at=begins - datetime.timedelta(days=7),
                )
                sections = note_text(rng)
                if number == count // 2:
                    sections["reflections"] += f" She laughed about the {RARE} on her mug."
                frequency.update(note_search.note_words(sections.values()))
                note = SessionNote(
                    coach=coach,
                    client=client,
                    session=session,
                    data_key_id=client.data_key_id,
                    sections=sections,
                    created_at=ends,
                    saved_at=ends,
                    signed_at=ends + datetime.timedelta(hours=2),
                )
                sessions.append(session)
                notes.append(note)
                versions.append(
                    NoteVersion(
                        coach=coach,
                        note=note,
                        data_key_id=client.data_key_id,
                        number=1,
                        sections=sections,
                        saved_at=ends,
                    )
                )
            with transaction.atomic():
                insert(sessions)
                insert(notes)
                insert(versions)
        written = time.perf_counter() - started
        # SQLite's default page cache (2 MB) makes every random insert into an index of hundreds
        # of megabytes spill a page: the backfill of 20,000 notes took 160 s with it. The
        # seeding connection gets 256 MB; the figure at 1,000 notes is close to the default's.
        if connection.vendor == "sqlite" and count > 5000:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        indexing = time.perf_counter()
        indexed = note_search.note_tokens_backfill(coach=coach)
        indexed_seconds = time.perf_counter() - indexing
    if indexed != count:
        raise SystemExit(f"the backfill indexed {indexed} of {count} notes")
    return {
        "notes": count,
        "write_s": written,
        "backfill_s": indexed_seconds,
        "tokens": NoteSearchToken.objects.filter(coach=coach).count(),
        "frequency": frequency,
    }


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
        seeded[size] = seed_notes(practice, size, vault)
        sign_in(practice, rounds=1)
        practices.append((practice, vault))
        info = seeded[size]
        print(
            f"  {size} notes: written in bulk in {info['write_s']:.1f} s, indexed by the backfill in "
            f"{info['backfill_s']:.1f} s ({info['tokens']} token rows, "
            f"{info['tokens'] / size:.0f} per note)",
            flush=True,
        )
    small, (large, large_vault) = practices[0][0], practices[1]
    rng = random.Random(3)
    per_note = through_services(large, large_vault, rng)
    print(
        f"  through the services, one note (schedule, start, save, close) takes {per_note * 1000:.0f} ms: "
        f"{per_note * sizes[1] / 60:.0f} min for {sizes[1]}",
        flush=True,
    )
    missed = []

    # -- note save -----------------------------------------------------------------------------
    save = time_saves(large, large_vault, rng)
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
        shutil.rmtree(bench_pages.DATA_DIR, ignore_errors=True)
