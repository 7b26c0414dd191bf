"""The client page's money section, written in Python, is what its template wrote."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import _sections
from ethos.coaching.models import Session
from ethos.money.contributions import money_html
from ethos.money.models import Agreement
from ethos.money.selectors import Balance, NextCharge

HOSTILE = '<script>alert(1)</script> O\'Neill & "Co"'

# The ledger page still includes money/_client_money.html: the section is compared with that template
# itself, so the two cannot drift apart.
OLD_SECTION = "money/_client_money.html"


def _next(kind: str) -> NextCharge | None:
    session = Session(pk=uuid.uuid4(), starts_at=datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC))
    return {
        "none": None,
        "package": NextCharge(session=session, amount=Decimal("80.00"), from_package=True),
        "no fee": NextCharge(session=session, amount=None, from_package=False),
        "fee": NextCharge(session=session, amount=Decimal("1250.5"), from_package=False),
        "late fee": NextCharge(
            session=session,
            amount=Decimal("80.00"),
            from_package=False,
            late_cancel_hours=24,
            late_fee=Decimal("40.00"),
        ),
    }[kind]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("currency", ["EUR", "CHF", ""])
@pytest.mark.parametrize("charged", [Decimal("0"), Decimal("2560.00"), Decimal("-12.34")])
@pytest.mark.parametrize("agreed", [True, False])
@pytest.mark.parametrize("next_charge", ["none", "package", "no fee", "fee", "late fee"])
def test_it_writes_the_section_as_its_template_did(zone, currency, charged, agreed, next_charge):
    client = Client(pk=uuid.uuid4(), name=HOSTILE, preferred_name=None)
    agreement = (
        Agreement(pk=uuid.uuid4(), fee=Decimal("80"), agreed_on=datetime.date(2026, 3, 1)) if agreed else None
    )
    ledger = Balance(
        agreement=agreement,
        packages=[],
        charged=charged,
        paid=Decimal("0"),
        refunds=Decimal("0"),
        uninvoiced=0,
        next_charge=_next(next_charge),
    )
    values = {"client": client, "section": _sections["money"], "ledger": ledger, "currency": currency}
    with timezone.override(zone):
        old = get_template(OLD_SECTION).template.render(Context(values))
        new = money_html(**values)
    assert new == old
    assert "<script>" not in new and "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neill" in new
