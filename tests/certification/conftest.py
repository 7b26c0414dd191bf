"""Certification test helpers: staff accounts and registry entries through the product's services."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from ethos.accounts.models import User
from ethos.certification.services import certification_register, certification_set_status
from tests.conftest import PASSPHRASE


def make_staff(*, email: str | None = None) -> User:
    email = email or f"staff-{uuid.uuid4().hex[:8]}@association.test"
    return User.objects.create_user(email, PASSPHRASE, name="Staff Member", role=User.Role.ASSOCIATION_STAFF)


@pytest.fixture
def staff_member(db):
    return make_staff()


def register(staff, *, coach=None, number: str | None = None, public_name: str = "Ada Coach", **dates):
    today = timezone.localdate()
    return certification_register(
        staff=staff,
        number=number or f"TRC-{uuid.uuid4().int % 1_000_000:06d}",
        public_name=public_name,
        issued_on=dates.get("issued_on", today - datetime.timedelta(days=30)),
        renews_on=dates.get("renews_on", today + datetime.timedelta(days=700)),
        coach=coach,
    )


def set_status(staff, certification, status: str, reason: str = "Panel decision"):
    return certification_set_status(staff=staff, certification=certification, status=status, reason=reason)
