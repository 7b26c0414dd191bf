"""Faults for `make faults` (deploy/faults runs these): Ethos must lose nothing half-written.

    deploy/with-stack python deploy/faults.py stack --kill-seconds S --pg-seconds S --results FILE
    python deploy/faults.py disk --seconds S --results FILE

`stack` (inside deploy/with-stack: nginx -> gunicorn -> PostgreSQL, the task worker):
  1. kill -9: coaches autosave and sign notes through nginx while a random gunicorn worker is
     killed every 0.5-1 s (gunicorn starts another).
  2. PostgreSQL restart: coaches browse and autosave while the stack's PostgreSQL cluster is
     restarted in the middle; every request after it must succeed again without help.
`disk` (root): `ethos run` on SQLite with ETHOS_DATA_DIR on a loop-mounted ext4 image of a few
  MB (a tmpfs with size= where loop devices are missing); notes are written until the disk is
  full, space is freed, and the app must work again.

After each: every note is checked in the database (it decrypts, its versions run 1..n with no gap
and each is a text the client sent, every version the client saw acknowledged is there, the
note equals its last version, one note.saved event per version, a note.signed event exactly
when it is signed) and `ethos audit verify` must pass. Every answer is sorted by kind; an answer
showing a traceback or nginx's own page fails the run. Writes the numbers to --results (JSON).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from smoke import TOKEN, Browser

HERE = Path(__file__).resolve().parent
PASSPHRASE = "Quiet harbour lamps 58 glow over wet stones"
VERSION = re.compile(r'name="version" value="(\d+)"')
CALM_502 = "Ethos did not answer just now"  # deploy/error-pages/ethos-unavailable.html
ETHOS_500 = "Something went wrong on our side"  # src/ethos/templates/500.html
# What must never reach a browser: a traceback, Django's debug page, nginx's own error page.
LEAKS = ("Traceback", 'File "/', "django.db", "psycopg", "sqlite3", "<center>nginx</center>")
# Not for secrets: which worker to kill, how many saves, which page.
RNG = random.SystemRandom()
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


class Failed(Exception):
    pass


# ---------------------------------------------------------------- seeding and checking (Django)


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.settings")
    import django

    django.setup()


def seed(*, coaches: int, notes_each: int, tag: str) -> list[dict]:
    """Coaches, each with `notes_each` started sessions whose note is begun (version 1)."""
    from django.utils import timezone

    from ethos.accounts import services as accounts
    from ethos.clients import services as clients
    from ethos.coaching import notes
    from ethos.coaching import services as coaching
    from ethos.coaching.models import Session
    from ethos.vault.context import unlocked

    today = timezone.localdate()
    seeded = []
    for number in range(coaches):
        email = f"{tag}{number}@faults.example"
        created = accounts.coach_create(email=email, name=f"Fault Coach {number}", passphrase=PASSPHRASE)
        coach, sessions = created.user, []
        with unlocked(created.vault):
            client = clients.intake_submit(
                coach=coach,
                data=clients.IntakeData(
                    name="Robin Ash",
                    date_of_birth=today.replace(year=today.year - 33, day=1),
                    contact={"email": f"c{number}@faults.example", "phone": ""},
                    screening=clients.Screening(
                        suicidal_thoughts=False,
                        intent_or_plan=False,
                        self_harm=False,
                        substance_uncontrolled=False,
                        current_treatment=False,
                    ),
                    concerns=[],
                    wants="To feel steadier day to day",
                    decline_reason="",
                    reentry_explanation="",
                ),
            ).client
            for index in range(notes_each):
                # Booked and started now, as the app allows, then moved back an hour per note so the
                # next one has a free slot (seed data only: the diary refuses a booking in the past).
                session = coaching.session_schedule(
                    coach=coach,
                    client=client,
                    starts_at=timezone.now(),
                    duration_minutes=50,
                    modality=Session.Modality.VIDEO,
                    place="",
                )
                coaching.session_start(coach=coach, session=session, coach_fit=True, presentation="steady")
                sections = notes.clean_sections({"focus": f"Seeded note {index}."})
                notes.note_save(coach=coach, session=session, sections=sections, version=0)
                moved = session.starts_at - datetime.timedelta(minutes=55 * (notes_each - index))
                Session.objects.filter(pk=session.pk).update(
                    starts_at=moved, ends_at=moved + datetime.timedelta(minutes=50)
                )
                sessions.append({"id": str(session.pk), "seed": sections})
        seeded.append({"email": email, "sessions": sessions})
    return seeded


def check_notes(logs: list[NoteLog], coaches: list[dict]) -> tuple[int, list[str]]:
    """Return (notes checked, problems) for the notes the clients wrote, read from the database."""
    from ethos.accounts import services as accounts
    from ethos.coaching.models import SessionNote
    from ethos.vault.context import unlocked

    problems: list[str] = []
    checked = 0
    by_coach: dict[str, list[NoteLog]] = {}
    for log in logs:
        by_coach.setdefault(log.email, []).append(log)
    for coach in coaches:
        result = accounts.sign_in_check(email=coach["email"], passphrase=PASSPHRASE, address=None)
        if result.vault is None:
            problems.append(f"{coach['email']}: cannot open the vault: {result.error}")
            continue
        with unlocked(result.vault):
            for log in by_coach.get(coach["email"], []):
                checked += 1
                problems += [f"note of session {log.session}: {p}" for p in _note_problems(log)]
    # Every note of these coaches was written by a client we logged: none is unaccounted for.
    logged = {log.session for log in logs}
    emails = [c["email"] for c in coaches]
    for note in SessionNote.objects.filter(coach__email__in=emails).only("session_id"):
        if str(note.session_id) not in logged:
            problems.append(f"note of session {note.session_id}: no client wrote it")
    return checked, problems


def _note_problems(log: NoteLog) -> list[str]:
    from ethos.audit.actions import Action
    from ethos.audit.models import AuditEvent
    from ethos.coaching.models import NoteVersion, SessionNote

    note = SessionNote.objects.select_related("data_key").filter(session_id=log.session).first()
    if note is None:
        return ["the seeded note is gone"]
    problems = []
    try:
        current = note.sections
    except Exception as error:
        return [f"its text does not decrypt: {error!r}"]
    versions = list(NoteVersion.objects.select_related("data_key").filter(note=note).order_by("number"))
    numbers = [v.number for v in versions]
    if numbers != list(range(1, note.version + 1)):
        problems.append(f"versions {numbers} for a note at version {note.version}")
    for version in versions:
        try:
            text = version.sections
        except Exception as error:
            problems.append(f"version {version.number} does not decrypt: {error!r}")
            continue
        if text not in log.sent.get(version.number, []):
            problems.append(f"version {version.number} is a text the client never sent")
        if version.number in log.acked and text != log.acked[version.number]:
            problems.append(f"version {version.number} differs from what was acknowledged")
        if version.number == note.version and text != current:
            problems.append("the note's text is not its last version's")
    if log.acked and max(log.acked) > note.version:
        problems.append(f"version {max(log.acked)} was acknowledged but the note is at {note.version}")
    events = list(
        AuditEvent.objects.filter(coach_id=note.coach_id, target_type="session", target_id=log.session)
    )
    saved = sorted(e.details.get("version") for e in events if e.action == Action.NOTE_SAVED)
    if saved != list(range(1, note.version + 1)):
        problems.append(f"note.saved events for versions {saved}, the note is at {note.version}")
    signed = [e for e in events if e.action == Action.NOTE_SIGNED]
    if note.is_signed != (len(signed) == 1) or len(signed) > 1:
        problems.append(f"signed_at={note.signed_at} with {len(signed)} note.signed events")
    if signed and signed[0].details.get("version") != note.version:
        problems.append("signed at another version than the note's")
    if log.sign_acked and not note.is_signed:
        problems.append("the signing was acknowledged but the note is not signed")
    return problems


def audit_verify() -> tuple[bool, str]:
    result = subprocess.run(
        [sys.executable, "-m", "ethos", "audit", "verify"], capture_output=True, text=True, timeout=300
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


# ---------------------------------------------------------------- the browser side


@dataclass
class NoteLog:
    """What a client sent for one note and what it saw acknowledged, by version number."""

    email: str
    session: str
    sent: dict[int, list[dict]] = field(default_factory=dict)
    acked: dict[int, dict] = field(default_factory=dict)
    sign_acked: bool = False

    def to_json(self) -> dict:
        return {"email": self.email, "session": self.session, "acked": sorted(self.acked)}


class Tally:
    """Answers by kind, across threads; leaks and surprises are kept for the report."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.bad: list[str] = []
        self.lock = threading.Lock()
        self.last_error_at = 0.0

    def add(self, kind: str, detail: str = "") -> None:
        with self.lock:
            self.kinds[kind] += 1
            if kind != "ok":
                self.last_error_at = time.monotonic()
            if kind.startswith(("LEAK", "unexpected")) and len(self.bad) < 20:
                self.bad.append(f"{kind}: {detail[:300]}")


class Coach:
    """One coach's browser: signs in, then writes notes; every answer goes to the tally."""

    def __init__(self, origin: str, ca: str | None, email: str, tally: Tally) -> None:
        self.browser = Browser(origin, ca)
        self.email = email
        self.tally = tally
        self.token = ""

    def call(
        self, path: str, data: dict | None = None, *, htmx: bool = False, ok=(200,)
    ) -> tuple[str, int, str, str]:
        """Return (kind, status, Location, body); kind is "ok" for an expected status."""
        if data is not None:
            data = {"csrfmiddlewaretoken": self.token, **data}
        try:
            status, location, body = self.browser.request(
                path, data, {"HX-Request": "true"} if htmx else None
            )
        # A worker killed half-way through an answer leaves a cut-off body (IncompleteRead): to
        # the browser that is a failed request like a refused connection, and the note check
        # afterwards decides whether anything was lost.
        except (OSError, urllib.error.URLError, http.client.HTTPException) as error:
            self.tally.add("connection error", repr(error))
            return "connection error", 0, "", ""
        found = TOKEN.search(body)
        if found:
            self.token = found.group(1)
        if any(leak in body for leak in LEAKS):
            kind = f"LEAK {status}"
        elif status in ok:
            kind = "ok"
        elif status in (502, 503, 504) and CALM_502 in body:
            kind = "502 calm page"
        elif status == 500 and ETHOS_500 in body:
            kind = "500 Ethos page"
        else:
            kind = f"unexpected {status}"
        self.tally.add(kind, f"{path} {location} {body[:200]}")
        return kind, status, location, body

    def until(self, deadline: float, path: str, data: dict | None = None, **kwargs) -> tuple[int, str, str]:
        """Repeat an idempotent request until it is answered as expected (a reader reloading)."""
        while time.monotonic() < deadline:
            kind, status, location, body = self.call(path, data, **kwargs)
            if kind == "ok":
                return status, location, body
            time.sleep(0.2)
        raise Failed(f"{path} was not answered for {self.email} in time")

    def sign_in(self, deadline: float) -> None:
        while True:
            self.until(deadline, "/sign-in/")
            _, location, _ = self.until(
                deadline, "/sign-in/", {"email": self.email, "passphrase": PASSPHRASE}, ok=(302,)
            )
            if location == "/":
                return

    def current_version(self, deadline: float, session: str) -> int | None:
        """The note's version as its edit page shows it; None once it is signed."""
        status, location, body = self.until(deadline, f"/sessions/{session}/note/edit/", ok=(200, 302))
        if status == 302:
            if "/sign-in/" in location or "/unlock/" in location:
                raise Failed(f"{self.email} was signed out: {location}")
            return None
        return int(VERSION.search(body).group(1))

    def write_note(self, log: NoteLog, *, saves: int, sign: bool, stop: float, grace: float) -> None:
        """Autosave `saves` times from the version on the page, then sign, as the edit page would."""
        version = self.current_version(grace, log.session)
        path = f"/sessions/{log.session}/note/edit/"
        for _ in range(saves):
            if version is None or time.monotonic() > stop:
                return
            sections = {
                "focus": "Sleep and work.",
                "worked_on": f"Grounding practice {secrets.token_hex(6)}.",
                "reflections": "Noticed the breath slowing.",
                "next_steps": "Practise daily.",
                "follow_ups": "",
            }
            log.sent.setdefault(version + 1, []).append(sections)
            kind, _, _, body = self.call(path, {"version": version, **sections}, htmx=True)
            saved = VERSION.search(body) if kind == "ok" else None
            if saved and int(saved.group(1)) == version + 1:
                version += 1
                log.acked[version] = sections
            else:
                if kind == "ok":
                    self.tally.add("refused: stale version", body[:200])
                # Died with its worker, or refused: reload the page, as the coach would.
                version = self.current_version(grace, log.session)
        if sign and version is not None and time.monotonic() < stop:
            kind, _, location, _ = self.call(
                f"/sessions/{log.session}/note/sign/", {"version": version}, ok=(302,)
            )
            if kind == "ok" and location.endswith(f"/sessions/{log.session}/note/"):
                log.sign_acked = True


def worker_pids(stack_dir: Path) -> list[int]:
    """The live gunicorn workers, from gunicorn's own log of the workers it started."""
    booted = BOOTED.findall((stack_dir / "gunicorn.log").read_text(errors="replace"))
    alive = []
    for pid in {int(p) for p in booted}:
        try:
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except OSError:
            pass
    return alive


def run_coaches(coaches: list[Coach], logs_of, *, seconds: float, saves: tuple[int, int]) -> None:
    """Each coach writes its notes spread evenly over `seconds`, as a coach writes through a day.

    Spread rather than as fast as the stack answers: on a fast machine the notes were all signed in
    the first two seconds, and the kills after that fell on nobody's autosave (CI saw 2 kills).
    """
    start = time.monotonic()
    stop = start + seconds
    errors: list[BaseException] = []

    def work(coach: Coach, logs: list[NoteLog]) -> None:
        spacing = seconds / max(len(logs), 1)
        try:
            for index, log in enumerate(logs):
                time.sleep(max(0.0, start + index * spacing - time.monotonic()))
                if time.monotonic() > stop:
                    return
                coach.write_note(log, saves=RNG.randint(*saves), sign=True, stop=stop, grace=stop + 60)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(c, logs_of(c))) for c in coaches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise Failed(f"a client stopped: {errors[0]!r}")


# ---------------------------------------------------------------- fault 1: kill -9


def fault_kill(
    origin: str, ca: str, stack_dir: Path, *, seconds: float, coaches: int, notes_each: int
) -> dict:
    seeded = seed(coaches=coaches, notes_each=notes_each, tag="kill")
    logs = {
        c["email"]: [
            NoteLog(c["email"], s["id"], sent={1: [s["seed"]]}, acked={1: s["seed"]}) for s in c["sessions"]
        ]
        for c in seeded
    }
    tally = Tally()
    people = [Coach(origin, ca, c["email"], tally) for c in seeded]
    for person in people:
        person.sign_in(time.monotonic() + 60)
    kills = Counter()
    done = threading.Event()

    def killer() -> None:
        while not done.wait(RNG.uniform(0.5, 1.0)):
            pids = worker_pids(stack_dir)
            if pids:
                try:
                    os.kill(RNG.choice(pids), signal.SIGKILL)
                    kills["kill -9"] += 1
                except ProcessLookupError:
                    pass

    thread = threading.Thread(target=killer)
    started = time.monotonic()
    thread.start()
    try:
        run_coaches(people, lambda c: logs[c.email], seconds=seconds, saves=(2, 5))
        # Kill for the whole window, however quickly the last note was signed.
        done.wait(max(0.0, started + seconds - time.monotonic()))
    finally:
        done.set()
        thread.join()
    # gunicorn replaces the killed workers: the site answers again.
    people[0].until(time.monotonic() + 60, "/")
    every = [log for group in logs.values() for log in group]
    checked, problems = check_notes(every, seeded)
    verified, verify_output = audit_verify()
    return {
        "seconds": seconds,
        "kills": kills["kill -9"],
        "workers_alive_after": len(worker_pids(stack_dir)),
        "requests": sum(tally.kinds.values()),
        "answers": dict(tally.kinds),
        "bad_answers": tally.bad,
        "notes_checked": checked,
        "notes_signed_acknowledged": sum(log.sign_acked for log in every),
        "versions_acknowledged": sum(len(log.acked) - 1 for log in every),
        "problems": problems,
        "audit_verify": verified,
        "audit_verify_output": verify_output[-2000:] if not verified else "passed",
        "passed": verified and not problems and not tally.bad,
    }


# ---------------------------------------------------------------- fault 2: PostgreSQL restart


def pg_cluster(database_url: str) -> tuple[str, str]:
    """The (version, name) of the local cluster listening on the database URL's port."""
    port = re.search(r":(\d+)/", database_url)
    port = port.group(1) if port else "5432"
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == port:
            return parts[0], parts[1]
    raise Failed(f"no local PostgreSQL cluster listens on port {port}: cannot restart it")


def pg_restart(database_url: str) -> float:
    """Restart the cluster (pg_ctlcluster, as root) and wait until it takes connections; return s."""
    version, name = pg_cluster(database_url)
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True, timeout=120)
    port = re.search(r":(\d+)/", database_url)
    for _ in range(120):
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", port.group(1) if port else "5432"], check=False
        )
        if ready.returncode == 0:
            break
        time.sleep(0.5)
    else:
        raise Failed("PostgreSQL did not come back within a minute")
    return time.monotonic() - started


def fault_pg(origin: str, ca: str, *, seconds: float, coaches: int) -> dict:
    seeded = seed(coaches=coaches, notes_each=1, tag="pg")
    logs = {
        c["email"]: NoteLog(c["email"], s["id"], sent={1: [s["seed"]]}, acked={1: s["seed"]})
        for c in seeded
        for s in c["sessions"]
    }
    tally = Tally()
    people = [Coach(origin, ca, c["email"], tally) for c in seeded]
    for person in people:
        person.sign_in(time.monotonic() + 60)
    # The load runs on for at least half of `seconds` after PostgreSQL is back.
    stop = time.monotonic() + 3600
    errors: list[BaseException] = []
    after: Counter[str] = Counter()
    restarted = threading.Event()

    def browse(person: Coach) -> None:
        # Pages and autosaves, never signing: the same note keeps taking versions.
        log = logs[person.email]
        pages = ["/", "/clients/", f"/sessions/{log.session}/note/"]
        try:
            while time.monotonic() < stop:
                kind = person.call(RNG.choice(pages))[0]
                if restarted.is_set():
                    after[kind] += 1
                person.write_note(log, saves=1, sign=False, stop=stop, grace=stop + 60)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=browse, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    restart_took = pg_restart(os.environ["DATABASE_URL"])
    restarted_at = time.monotonic()
    restarted.set()
    time.sleep(max(seconds * 2 / 3, seconds / 2))
    stop = time.monotonic()
    for thread in threads:
        thread.join()
    if errors:
        raise Failed(f"a client stopped: {errors[0]!r}")
    # Recovered by itself: a page and an autosave answer normally now, with no one's help.
    people[0].until(time.monotonic() + 10, "/")
    recovered_after = max(0.0, tally.last_error_at - restarted_at)
    job_ran = background_job_runs()
    checked, problems = check_notes(list(logs.values()), seeded)
    verified, verify_output = audit_verify()
    return {
        "seconds": seconds,
        "restart_took_seconds": round(restart_took, 1),
        "last_error_seconds_after_restart": round(recovered_after, 1),
        "requests": sum(tally.kinds.values()),
        "answers": dict(tally.kinds),
        "answers_after_restart": dict(after),
        "bad_answers": tally.bad,
        "task_worker_ran_a_job_after": job_ran,
        "notes_checked": checked,
        "versions_acknowledged": sum(len(log.acked) - 1 for log in logs.values()),
        "problems": problems,
        "audit_verify": verified,
        "audit_verify_output": verify_output[-2000:] if not verified else "passed",
        "passed": verified and not problems and not tally.bad and job_ran and recovered_after < seconds / 2,
    }


def background_job_runs() -> bool:
    """The task worker (which held a connection through the restart) still runs queued jobs."""
    from django.db import connection
    from django_tasks import TaskResultStatus

    from ethos.coaching.tasks import send_due_reminders

    connection.close()  # this process's own connection died with the restart
    result = send_due_reminders.enqueue()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result.refresh()
        if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            break
        time.sleep(0.3)
    return result.status == TaskResultStatus.SUCCESSFUL


def stack(args) -> int:
    origin, ca = os.environ["ETHOS_STACK_URL"], os.environ["ETHOS_STACK_CA"]
    django_setup()
    results: dict = {}
    try:
        if args.kill_seconds:
            print(f"faults: 1. kill -9 a gunicorn worker every 0.5-1 s for {args.kill_seconds} s", flush=True)
            results["kill"] = fault_kill(
                origin,
                ca,
                Path(os.environ["ETHOS_STACK_DIR"]),
                seconds=args.kill_seconds,
                coaches=args.coaches,
                notes_each=args.notes,
            )
            report("kill", results["kill"])
        if args.pg_seconds:
            print(f"faults: 2. restart PostgreSQL in the middle of {args.pg_seconds} s of load", flush=True)
            results["pg_restart"] = fault_pg(origin, ca, seconds=args.pg_seconds, coaches=args.coaches)
            report("pg_restart", results["pg_restart"])
    except Failed as failure:
        results["failed"] = str(failure)
        print(f"faults: FAILED: {failure}", file=sys.stderr)
    return finish(args.results, results)


# ---------------------------------------------------------------- fault 3: a full disk for SQLite


def small_folder(root: Path, megabytes: int) -> tuple[Path, str, list[list[str]]]:
    """A size-limited folder: a loop-mounted ext4 image, else a tmpfs; (folder, kind, undo)."""
    if os.geteuid() != 0:
        raise Failed("making a size-limited folder needs root (mount); run `make faults` as root")
    mount = root / "data"
    mount.mkdir()
    image = root / "disk.img"
    with image.open("wb") as out:
        out.truncate(megabytes * 1024 * 1024)
    mkfs = shutil.which("mkfs.ext4") or "/sbin/mkfs.ext4"
    made = subprocess.run([mkfs, "-q", "-F", "-m", "0", str(image)], capture_output=True, check=False)
    if made.returncode == 0:
        loop = subprocess.run(
            ["mount", "-o", "loop", str(image), str(mount)], capture_output=True, check=False
        )
        if loop.returncode == 0:
            return mount, f"ext4 image of {megabytes} MB, loop-mounted", [["umount", str(mount)]]
    image.unlink()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(mount)], check=True
    )
    return mount, f"tmpfs of {megabytes} MB (no loop device here)", [["umount", str(mount)]]


def fill(folder: Path, keep_kb: int) -> Path:
    """Take all the free space but `keep_kb` KB with a ballast file; return it (delete to free)."""
    ballast = folder / "ballast"
    free = shutil.disk_usage(folder).free - keep_kb * 1024
    with ballast.open("wb") as out:
        chunk = b"\0" * (256 * 1024)
        while free > 0:
            try:
                out.write(chunk[: min(len(chunk), free)])
                out.flush()
            except OSError:
                break
            free -= len(chunk)
    return ballast


def disk(args) -> int:
    results: dict = {}
    root = Path(tempfile.mkdtemp(prefix="ethos-faults-disk."))
    undo: list[list[str]] = []
    server = None
    try:
        folder, kind, undo = small_folder(root, args.megabytes)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETHOS_") and k != "DATABASE_URL"}
        env.update(ETHOS_DATA_DIR=str(folder), ETHOS_EMAIL="console", ETHOS_INSECURE_FAST_KDF="true")
        port = subprocess.run(
            [sys.executable, str(HERE / "stack_tools.py"), "free-port"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"faults: 3. SQLite on a {kind}; `ethos run` on port {port}", flush=True)
        seeded = subprocess.run(
            [sys.executable, __file__, "seed", "--coaches", "1", "--notes", str(args.notes), "--tag", "disk"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if seeded.returncode != 0:
            raise Failed(f"seeding failed: {seeded.stderr[-2000:]}")
        coaches = json.loads(seeded.stdout)
        log_file = (root / "run.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "ethos", "run", "--port", port],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        origin = f"http://127.0.0.1:{port}"
        tally = Tally()
        person = Coach(origin, None, coaches[0]["email"], tally)
        wait_up(person, server)
        person.sign_in(time.monotonic() + 30)
        logs = [
            NoteLog(person.email, s["id"], sent={1: [s["seed"]]}, acked={1: s["seed"]})
            for s in coaches[0]["sessions"]
        ]
        ballast = fill(folder, keep_kb=args.keep_kb)
        full_at = shutil.disk_usage(folder).free
        # Write until the disk refuses: every write completes or fails whole.
        stop = time.monotonic() + args.seconds
        refused_in_a_row = 0
        index = 0
        padding = "steady " * 3000  # about 20 KB per version, one search token
        written = 0
        while time.monotonic() < stop and refused_in_a_row < 8:
            # Round the notes (all but the last two, kept for after), a long version each time.
            log = logs[index % (len(logs) - 2)]
            before = tally.kinds["500 Ethos page"] + tally.kinds["connection error"]
            write_big(person, log, padding, stop)
            refused = tally.kinds["500 Ethos page"] + tally.kinds["connection error"] - before
            refused_in_a_row = refused_in_a_row + 1 if refused else 0
            written += 0 if refused else 1
            index += 1
        answers_full = dict(tally.kinds)
        ballast.unlink()
        print("faults: space freed", flush=True)
        # Freed: the same coach goes on writing and signs, without a restart.
        recovered = False
        for log in logs[-2:]:
            person.write_note(
                log, saves=2, sign=True, stop=time.monotonic() + 30, grace=time.monotonic() + 30
            )
            recovered = recovered or log.sign_acked
        if server.poll() is not None:
            raise Failed("`ethos run` exited while the disk was full")
        os.environ.update(env)
        django_setup()
        checked, problems = check_notes(logs, coaches)
        verified, verify_output = audit_verify()
        from django.db import connections

        connections.close_all()  # our own hold on the database file, or the folder stays busy
        results["disk"] = {
            "folder": kind,
            "free_bytes_when_filled": full_at,
            "versions_written_before_full": written,
            "requests": sum(tally.kinds.values()),
            "versions_refused_while_full": answers_full.get("500 Ethos page", 0),
            "answers_while_full": answers_full,
            "answers": dict(tally.kinds),
            "bad_answers": tally.bad,
            "works_after_freeing": recovered,
            "notes_checked": checked,
            "versions_acknowledged": sum(len(log.acked) - 1 for log in logs),
            "problems": problems,
            "audit_verify": verified,
            "audit_verify_output": verify_output[-2000:] if not verified else "passed",
            "passed": verified
            and not problems
            and not tally.bad
            and recovered
            and answers_full.get("500 Ethos page", 0) + answers_full.get("connection error", 0) > 0,
        }
        report("disk", results["disk"])
    except Failed as failure:
        results["failed"] = str(failure)
        print(f"faults: FAILED: {failure}", file=sys.stderr)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if results.get("failed") or not results.get("disk", {}).get("passed"):
                print((root / "run.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        for command in undo:
            for _ in range(20):
                if subprocess.run(command, check=False).returncode == 0:
                    break
                time.sleep(0.5)  # the worker `ethos run` started may still be closing the database
            else:
                subprocess.run([*command, "-l"], check=False)
        shutil.rmtree(root, ignore_errors=True)
    return finish(args.results, results)


def write_big(person: Coach, log: NoteLog, padding: str, stop: float) -> None:
    """One large autosave from the page's version (a coach pasting a long text)."""
    version = person.current_version(stop + 30, log.session)
    if version is None:
        return
    sections = {
        "focus": "Sleep and work.",
        "worked_on": f"Grounding practice {secrets.token_hex(6)}. {padding}",
        "reflections": "Noticed the breath slowing.",
        "next_steps": "Practise daily.",
        "follow_ups": "",
    }
    log.sent.setdefault(version + 1, []).append(sections)
    kind, _, _, body = person.call(
        f"/sessions/{log.session}/note/edit/", {"version": version, **sections}, htmx=True
    )
    saved = VERSION.search(body) if kind == "ok" else None
    if saved and int(saved.group(1)) == version + 1:
        log.acked[version + 1] = sections


def wait_up(person: Coach, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise Failed("`ethos run` exited at start")
        try:
            if person.browser.request("/sign-in/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise Failed("`ethos run` did not answer within a minute")


# ---------------------------------------------------------------- reporting


def report(name: str, numbers: dict) -> None:
    shown = {k: v for k, v in numbers.items() if k not in ("audit_verify_output",)}
    print(f"faults: {name}: {json.dumps(shown)}", flush=True)


def finish(path: str | None, results: dict) -> int:
    passed = "failed" not in results and all(r.get("passed") for r in results.values() if isinstance(r, dict))
    results["passed"] = passed
    if path:
        Path(path).write_text(json.dumps(results, indent=1) + "\n")
    print(f"faults: {'passed' if passed else 'FAILED'}", flush=True)
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    on_stack = sub.add_parser("stack", help="faults 1 and 2, inside deploy/with-stack")
    on_stack.add_argument("--kill-seconds", type=float, default=60, help="0 kills nothing")
    on_stack.add_argument("--pg-seconds", type=float, default=30, help="0 leaves PostgreSQL alone")
    on_stack.add_argument("--coaches", type=int, default=4)
    on_stack.add_argument("--notes", type=int, default=20, help="notes per coach (at most 24)")
    on_stack.add_argument("--results")
    full = sub.add_parser("disk", help="fault 3: SQLite on a small disk (root)")
    full.add_argument("--seconds", type=float, default=60)
    full.add_argument("--megabytes", type=int, default=8)
    full.add_argument("--keep-kb", type=int, default=1500, help="free space left beside the ballast")
    full.add_argument("--notes", type=int, default=20)
    full.add_argument("--results")
    seeder = sub.add_parser("seed", help="(for disk) migrate, seed, print the accounts as JSON")
    seeder.add_argument("--coaches", type=int, default=1)
    seeder.add_argument("--notes", type=int, default=20)
    seeder.add_argument("--tag", default="disk")
    args = parser.parse_args()
    if args.what == "stack":
        return stack(args)
    if args.what == "disk":
        return disk(args)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(seed(coaches=args.coaches, notes_each=min(args.notes, 24), tag=args.tag)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
