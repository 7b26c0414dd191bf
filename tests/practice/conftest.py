"""Factories for the practice tests: each test states only the data it depends on."""

from __future__ import annotations

import datetime

from ethos.practice import services

AWARDED = datetime.date(2021, 3, 1)
VERIFIED = datetime.date(2021, 4, 1)


def make_credential(
    *,
    coach,
    title: str = "Certificate in grief support",
    issuer: str = "Institute of Loss Studies",
    areas=("grief-and-loss",),
    verified_on: datetime.date | None = VERIFIED,
):
    return services.credential_add(
        coach=coach, issuer=issuer, title=title, awarded_on=AWARDED, verified_on=verified_on, areas=areas
    )
