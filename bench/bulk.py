"""Bulk-written session notes for the benches: closed sessions with signed notes, as the product stores them.

Writing thousands of notes through the services takes too long for a bench (each one is a schedule,
a start, a save, a close and a signing, about a dozen audit events with their signed checkpoints), so
bench_notes.py and bench_pages.py write them here in bulk instead. Each note's session is a closed
session row with the close check the product writes (P6, S4), and the note is encrypted with the
coach's vault like any other (the same fields, keys and associated data), with its first version
kept and `signed_at` set, the session owing no note (what `note_sign` stores). What is left out is
the audit events and the checker's pass. The search tokens are then written by the product's own
backfill (note_search.note_tokens_backfill), which decrypts every note as the search page would for
notes from before the index: the rows are the real ones.

Not a benchmark itself (bench/run.py runs only bench_*.py).
"""

from __future__ import annotations

import collections
import datetime
import json
import random
import time

# About 2 KB of note (its sections as JSON, before encryption): issue 18's full practice.
NOTE_WORDS = 340
# Notes written per bulk transaction while seeding.
BATCH = 1000
# Planted in exactly one note: the rare word of the search figures.
RARE = "quetzal"

# What a coach writes, in the note template's five sections: each note takes a few of these,
# with the blanks filled from the lists below, to about NOTE_WORDS words.
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


def seed_notes(practice, count: int, vault, *, words: int = NOTE_WORDS) -> dict:
    """Write `count` closed sessions with signed notes of about `words` words in bulk, then index them
    with the real backfill. `practice` is a bench_pages.Practice: its client comes first, and its
    `signed_note_session_id` is set to that client's newest signed note."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ethos.clients.models import Client
    from ethos.coaching import note_search
    from ethos.coaching.models import CloseCheck, NoteSearchToken, NoteVersion, Session, SessionNote
    from ethos.vault.context import unlocked

    rng = random.Random(count)
    coach = practice.coach
    started = time.perf_counter()
    frequency: collections.Counter = collections.Counter()
    size = 0
    with unlocked(vault):
        clients = list(Client.objects.filter(coach=coach, status=Client.Status.ACTIVE).order_by("created_at"))
        # The client page's client (bench_pages.seed's first active one) comes first, so it has its share.
        clients.sort(key=lambda client: str(client.pk) != practice.client_id)
        now = timezone.now()
        for start in range(0, count, BATCH):
            sessions, checks, notes, versions = [], [], [], []
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
                # What session_close writes: the client left settled, the reflection offered all three.
                checks.append(
                    CloseCheck(
                        coach=coach,
                        session=session,
                        data_key_id=client.data_key_id,
                        leaving=CloseCheck.Leaving.SETTLED,
                        safety_offered=True,
                        choice_offered=True,
                        collaboration_offered=True,
                        reflection=None,
                        closed=True,
                        checked_at=ends,
                    )
                )
                sections = note_text(rng, words=words)
                size += len(json.dumps(sections).encode())
                if number == 0:
                    practice.signed_note_session_id = str(session.pk)
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
                insert(checks)
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
        if connection.vendor == "sqlite":
            # Back to the default cache that Ethos's own connections have, for the pages timed next.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -2000")
    if indexed != count:
        raise SystemExit(f"the backfill indexed {indexed} of {count} notes")
    return {
        "notes": count,
        "words": words,
        "mean_bytes": round(size / count) if count else 0,
        "write_s": written,
        "backfill_s": indexed_seconds,
        "tokens": NoteSearchToken.objects.filter(coach=coach).count(),
        "frequency": frequency,
    }
