"""Seed a practice for the load test through Ethos's own services; write the accounts to a file.

    python load/seed.py --coaches 20 --clients 20 --out accounts.json

Each coach gets three clients taken on by intake, a session that started five minutes ago with a
note begun (the note the simulated coach keeps autosaving), and one client of theirs invited to
the portal and joined through the invitation, as a real client does (portal.services). Clients go
round the coaches: with 20 of each, every coach has one portal client. Uses the database the
environment names (DATABASE_URL, ETHOS_DATA_DIR), at production key-derivation cost.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

PASSPHRASE = "Copper lantern orchard seventy quietly hums"
CLIENT_PASSPHRASE = "Harbour kites drift over 19 slate rooftops"
NO_RISK = {
    "suicidal_thoughts": False,
    "intent_or_plan": False,
    "self_harm": False,
    "substance_uncontrolled": False,
    "current_treatment": False,
}
NAMES = ["Robin Ash", "Sam Okafor", "Noor Haddad", "Mei Tanaka", "Kofi Mensah", "Lena Novak", "Ines Costa"]


def seed_coach(number: int, *, portal_clients: int) -> dict:
    from django.utils import timezone

    from ethos.accounts import services as accounts
    from ethos.clients import services as clients
    from ethos.coaching import notes
    from ethos.coaching import services as coaching
    from ethos.coaching.models import Session
    from ethos.portal import services as portal
    from ethos.vault.context import unlocked

    email = f"coach{number}@load.example"
    created = accounts.coach_create(email=email, name=f"Load Coach {number}", passphrase=PASSPHRASE)
    coach = created.user
    today = timezone.localdate()
    taken_on = []
    with unlocked(created.vault):
        for index in range(3):
            data = clients.IntakeData(
                name=NAMES[(number + index) % len(NAMES)],
                date_of_birth=today.replace(year=today.year - 30 - index, day=1),
                contact={"email": f"c{number}-{index}@load.example", "phone": ""},
                screening=clients.Screening(**NO_RISK),
                concerns=[],
                wants="To feel steadier day to day",
                decline_reason="",
                reentry_explanation="",
            )
            taken_on.append(clients.intake_submit(coach=coach, data=data).client)
        session = coaching.session_schedule(
            coach=coach,
            client=taken_on[0],
            starts_at=timezone.now() - datetime.timedelta(minutes=5),
            duration_minutes=50,
            modality=Session.Modality.VIDEO,
            place="",
        )
        coaching.session_start(coach=coach, session=session, coach_fit=True, presentation="steady")
        notes.note_save(coach=coach, session=session, sections={"focus": "Sleep and work."}, version=0)
        invited = []
        for index in range(portal_clients):
            client = taken_on[index % len(taken_on)]
            client_email = f"client{number}-{index}@load.example"
            # The token is used directly; the emailed link needs an address, any will do here.
            _, token = portal.invitation_create(
                coach=coach, email=client_email, client=client, site="http://127.0.0.1"
            )
            invited.append((client_email, token))
    joined = []
    for client_email, token in invited:
        portal.join(token=token, passphrase=CLIENT_PASSPHRASE)
        joined.append({"email": client_email, "passphrase": CLIENT_PASSPHRASE})
    return {
        "coach": {
            "email": email,
            "passphrase": PASSPHRASE,
            "clients": [str(c.pk) for c in taken_on],
            "note_session": str(session.pk),
        },
        "portal": joined,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not 1 <= args.coaches <= 500 or not 0 <= args.clients <= 500:
        parser.error("--coaches must be 1 to 500 and --clients 0 to 500")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    # The invitation emails stay in memory: the tokens are spent here, not printed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", interactive=False, verbosity=0)
    started = time.monotonic()
    coaches, portal = [], []
    for number in range(args.coaches):
        share = args.clients // args.coaches + (1 if number < args.clients % args.coaches else 0)
        seeded = seed_coach(number, portal_clients=share)
        coaches.append(seeded["coach"])
        portal += seeded["portal"]
    args.out.write_text(json.dumps({"coaches": coaches, "clients": portal}, indent=1))
    print(f"seed: {len(coaches)} coaches, {len(portal)} portal clients in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
