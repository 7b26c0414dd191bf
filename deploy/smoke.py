"""The smoke journey deploy/deploy-test runs through nginx against the multi-process stack.

First run (the first coach), the dashboard, lock and unlock, sign out and in, an intake, a session
booked for later today; a burst of page loads with the same signed-in session, then one worker
retired and the same session answered by another (signed in, the vault still open); then a
background job queued in the database that the task worker must run (the session's reminder email).

Run by deploy/with-stack, which sets ETHOS_STACK_URL, ETHOS_STACK_CA, ETHOS_STACK_DIR and the app's
environment. Prints each step; exits 1 with the step's name on the first thing that is wrong.
"""

from __future__ import annotations

import datetime
import http.cookiejar
import os
import re
import signal
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

NAME = "Smoke Test Coach"
EMAIL = "smoke@example.org"
PASSPHRASE = "Tidal ledger 47 quietly orbits the harbour"
CLIENT = "Robin Ashdown"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UUID = r"[0-9a-f-]{36}"


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF tokens and Origin as a browser sends them; redirects are not followed."""

    def __init__(self, origin: str, ca: str) -> None:
        self.origin = origin
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=ca)),
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect,
        )
        self.workers: set[str] = set()

    def request(
        self, path: str, data: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str, str]:
        """Return (status, Location, body)."""
        headers = {
            **(headers or {}),
            **({"Origin": self.origin, "Referer": self.origin + path} if data is not None else {}),
        }
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.origin + path, data=body, headers=headers)  # noqa: S310
        try:
            answer = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            answer = error
        with answer:
            worker = answer.headers.get("X-Ethos-Worker")
            if worker:
                self.workers.add(worker)
            return answer.status, answer.headers.get("Location", ""), answer.read().decode()

    def get(self, path: str, expect: int = 200) -> str:
        status, location, body = self.request(path)
        check(status == expect, f"GET {path} answered {status} {location}, not {expect}")
        return body if expect == 200 else location

    def post(self, path: str, form: dict, *, form_page: str | None = None) -> tuple[int, str, str]:
        page = self.get(form_page or path)
        token = TOKEN.search(page)
        check(token is not None, f"no CSRF token on {form_page or path}")
        return self.request(path, {"csrfmiddlewaretoken": token.group(1), **form})


def retire_worker(pid: str) -> None:
    """Stop one gunicorn worker as gunicorn's own graceful stop does (SIGTERM), and wait until it
    has gone; the master forks a new one in its place. Only a process run as gunicorn is sent it.
    """
    cmdline = Path(f"/proc/{pid}/cmdline")
    check(pid.isdigit() and cmdline.exists(), f"worker {pid} is not a process on this machine")
    check(b"gunicorn" in cmdline.read_bytes(), f"process {pid} is not a gunicorn worker")
    os.kill(int(pid), signal.SIGTERM)
    deadline = time.monotonic() + 30
    while cmdline.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    check(not cmdline.exists(), f"worker {pid} did not stop within 30 s of SIGTERM")


def step(name: str) -> None:
    print(f"smoke: {name}", flush=True)


def journey(browser: Browser) -> str:
    step("first run creates the coach")
    status, location, body = browser.post(
        "/welcome/",
        {"name": NAME, "email": EMAIL, "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    check(
        status == 302 and location.endswith("/recovery-kit/"), f"first run: {status} {location} {body[:300]}"
    )
    check(NAME in browser.get("/"), "the dashboard does not greet the new coach")

    step("lock, then unlock")
    status, location, _ = browser.post("/lock/", {}, form_page="/")
    check(status == 302 and location.endswith("/unlock/"), f"lock: {status} {location}")
    status, location, _ = browser.post("/unlock/", {"passphrase": PASSPHRASE})
    check(status == 302, f"unlock: {status}")

    step("sign out, sign in")
    status, location, _ = browser.post("/sign-out/", {}, form_page="/")
    check(status == 302 and location.endswith("/sign-in/"), f"sign out: {status} {location}")
    status, location, body = browser.post("/sign-in/", {"email": EMAIL, "passphrase": PASSPHRASE})
    check(status == 302 and location == "/", f"sign in: {status} {location} {body[:300]}")

    step("an intake adds a client")
    born = datetime.date.today().replace(year=datetime.date.today().year - 34, day=1)
    status, location, body = browser.post(
        "/clients/intake/",
        {
            "name": CLIENT,
            "date_of_birth": born.isoformat(),
            "email": "robin@example.org",
            "suicidal_thoughts": "no",
            "intent_or_plan": "no",
            "self_harm": "no",
            "substance_uncontrolled": "no",
            "current_treatment": "no",
            "wants": "To sleep through the night again",
            "decline_reason": "",
        },
    )
    found = re.search(rf"/clients/({UUID})/$", location)
    check(status == 302 and found is not None, f"intake: {status} {location} {body[:300]}")
    client_page = location
    check(CLIENT in browser.get(client_page), "the client page does not show the client's name")

    step("a session booked two hours from now")
    starts = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0) + datetime.timedelta(
        hours=2
    )
    status, location, body = browser.post(
        "/sessions/new/",
        {
            "client": found.group(1),
            "day": starts.date().isoformat(),
            "time": starts.strftime("%H:%M"),
            "duration_minutes": "50",
            "modality": "video",
            "place": "",
        },
    )
    session = re.search(rf"/sessions/({UUID})/$", location)
    check(status == 302 and session is not None, f"schedule: {status} {location} {body[:300]}")

    step("a burst of pages with the same session, eight at a time")
    pages = [client_page, "/", "/clients/", location] * 8
    # Which worker accepts a connection is the kernel's choice (and nginx keeps connections open to
    # the ones it has), so a burst may well be answered by one worker alone. It shows the spread
    # when it happens; the proof that nothing lives in one worker is the retirement below.
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(browser.get, pages))
    check(all("Sign in" not in b[:2000] for b in bodies), "a page asked to sign in again")
    check(CLIENT in bodies[0], "the client page lost the client's name")
    check(bool(browser.workers), "no answer named the worker that made it (X-Ethos-Worker)")
    print(f"smoke: the burst was answered by workers {', '.join(sorted(browser.workers))}", flush=True)

    step("a worker retires; the same session goes on in another")
    retired = min(browser.workers)
    retire_worker(retired)
    browser.workers.clear()
    page = browser.get(client_page)
    check("Sign in" not in page[:2000], "after a worker retired, the client page asked to sign in again")
    check(CLIENT in page, "after a worker retired, the client page lost the client's name (vault locked)")
    check(
        browser.workers and retired not in browser.workers,
        f"the retired worker {retired} still answered: {sorted(browser.workers)}",
    )
    print(f"smoke: worker {retired} retired; answered by {', '.join(sorted(browser.workers))}", flush=True)
    return session.group(1)


def background_job(session_id: str) -> None:
    step("a job queued in the database is run by the task worker")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.settings")
    django.setup()
    from django_tasks import TaskResultStatus

    from ethos.coaching.models import Reminder
    from ethos.coaching.tasks import send_due_reminders

    result = send_due_reminders.enqueue()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result.refresh()
        if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            break
        time.sleep(0.3)
    check(result.status == TaskResultStatus.SUCCESSFUL, f"the worker did not run the job: {result.status}")
    check(Reminder.objects.filter(session_id=session_id).exists(), "the job ran but sent no reminder")
    log = Path(os.environ["ETHOS_STACK_DIR"], "worker.log").read_text()
    check("Coaching session" in log, "the reminder email is not in the worker's output")


def main() -> int:
    try:
        origin, ca = os.environ["ETHOS_STACK_URL"], os.environ["ETHOS_STACK_CA"]
    except KeyError as missing:
        print(f"smoke: {missing} is not set; run me through deploy/with-stack", file=sys.stderr)
        return 2
    try:
        background_job(journey(Browser(origin, ca)))
    except Failed as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"smoke: FAILED: cannot talk to the stack: {error}", file=sys.stderr)
        return 1
    print("smoke: passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
