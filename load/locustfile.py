"""Simulated coaches and clients for `make load` (load/run-load starts locust with this file).

Coaches: sign in, dashboard, client list, a client page, book a session and open it, autosave the
note of the session in progress. Clients: sign in to the portal, its home, their messages, and now
and then a message to the coach. Every simulated person is a different seeded account
(LOAD_ACCOUNTS, written by load/seed.py), so no two compete for one note.

A page counts as failed on any status but the expected one, on "database is locked" anywhere in
it, and on a sign-in form shown where a signed-in page was asked for.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"]).read())  # noqa: SIM115 (read once at import)
WAIT = float(os.environ.get("LOAD_WAIT", "1.0"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
_coaches = itertools.cycle(ACCOUNTS["coaches"])
_clients = itertools.cycle(ACCOUNTS["clients"] or [None])
WORKERS: set[str] = set()


@events.quitting.add_listener
def _workers_seen(environment, **kwargs):
    # Which gunicorn workers answered (the stack's test entry point names them), for the report.
    if WORKERS and os.environ.get("LOAD_WORKERS_FILE"):
        with open(os.environ["LOAD_WORKERS_FILE"], "w") as out:
            json.dump(sorted(WORKERS), out)


class Person(HttpUser):
    abstract = True
    wait_time = between(WAIT / 4, WAIT)

    def on_start(self):
        ca = os.environ.get("LOAD_CA")
        if ca:
            self.client.verify = ca
        self.origin = self.host.rstrip("/")

    def page(self, path: str, *, name: str | None = None, data: dict | None = None, headers=None) -> str:
        """GET (or POST with the CSRF token and Origin) a page; return its text."""
        method = "POST" if data is not None else "GET"
        sent = {**(headers or {})}
        if data is not None:
            sent.update(Origin=self.origin, Referer=self.origin + path)
            data = {"csrfmiddlewaretoken": self.token, **data}
        with self.client.request(
            method, path, data=data, headers=sent, name=name or path, catch_response=True
        ) as answer:
            text = answer.text or ""
            worker = answer.headers.get("X-Ethos-Worker")
            if worker:
                WORKERS.add(worker)
            if answer.status_code != 200:
                answer.failure(f"{method} {path}: {answer.status_code}")
            elif "database is locked" in text:
                answer.failure("database is locked")
            elif 'name="passphrase"' in text and "/sign-in/" in answer.url and "sign-in" not in path:
                answer.failure(f"{path} asked to sign in again")
            found = TOKEN.search(text)
            if found:
                self.token = found.group(1)
            return text

    def sign_in(self, email: str, passphrase: str) -> None:
        self.page("/sign-in/", name="sign in: form")
        self.page("/sign-in/", name="sign in", data={"email": email, "passphrase": passphrase})


class Coach(Person):
    fixed_count = int(os.environ.get("LOAD_COACHES", "20"))

    def on_start(self):
        super().on_start()
        self.account = next(_coaches)
        self.booked = itertools.count(2)
        self.sign_in(self.account["email"], self.account["passphrase"])
        self.version = None

    @task(3)
    def dashboard(self):
        self.page("/", name="coach: dashboard")

    @task(2)
    def client_list(self):
        self.page("/clients/", name="coach: client list")

    @task(3)
    def client_page(self):
        client = self.account["clients"][next(self.booked) % len(self.account["clients"])]
        self.page(f"/clients/{client}/", name="coach: client page")

    @task(1)
    def schedule_and_open(self):
        self.page("/sessions/new/", name="coach: schedule form")
        day = datetime.date.today() + datetime.timedelta(days=next(self.booked))
        with self.client.post(
            "/sessions/new/",
            data={
                "csrfmiddlewaretoken": self.token,
                "client": self.account["clients"][1],
                "day": day.isoformat(),
                "time": "10:00",
                "duration_minutes": "50",
                "modality": "video",
                "place": "",
            },
            headers={"Origin": self.origin, "Referer": self.origin + "/sessions/new/"},
            name="coach: schedule",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or "/sessions/" not in answer.headers.get("Location", ""):
                answer.failure(f"schedule: {answer.status_code} {answer.text[:200]}")
                return
            session = answer.headers["Location"]
        self.page(session, name="coach: session page")

    @task(4)
    def autosave_note(self):
        session = self.account["note_session"]
        path = f"/sessions/{session}/note/edit/"
        if self.version is None:
            self.version = int(VERSION.search(self.page(path, name="coach: note")).group(1))
        text = self.page(
            path,
            name="coach: note autosave",
            headers={"HX-Request": "true"},
            data={
                "version": self.version,
                "focus": "Sleep and work.",
                "worked_on": f"Grounding practice, round {self.version}.",
                "reflections": "Noticed the breath slowing.",
                "next_steps": "Practise daily.",
                "follow_ups": "",
            },
        )
        saved = VERSION.search(text)
        self.version = int(saved.group(1)) if saved else None


class Client(Person):
    fixed_count = int(os.environ.get("LOAD_CLIENTS", "20"))

    def on_start(self):
        super().on_start()
        self.account = next(_clients)
        self.sent = itertools.count()
        if self.account:
            self.sign_in(self.account["email"], self.account["passphrase"])

    @task(3)
    def home(self):
        self.page("/portal/", name="client: portal home")

    @task(3)
    def messages(self):
        self.page("/portal/messages/", name="client: messages")

    @task(1)
    def write(self):
        self.page("/portal/messages/", name="client: messages")
        self.page(
            "/portal/messages/",
            name="client: send message",
            data={"text": f"Thank you for today; note {next(self.sent)}."},
        )
