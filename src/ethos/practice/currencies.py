"""The currencies a practice can charge in, and how an amount is written in each.

The list lives in code (not in a migration), like the countries: ISO 4217 codes with the sign a
client reads on an invoice. Amounts are always `Decimal` in the currency's main unit (never float).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "EUR"

# code -> (name, sign, sign goes before the amount)
CURRENCIES: dict[str, tuple[str, str, bool]] = {
    "AUD": ("Australian dollar", "A$", True),
    "BRL": ("Brazilian real", "R$", True),
    "CAD": ("Canadian dollar", "CA$", True),
    "CHF": ("Swiss franc", "CHF", False),
    "CZK": ("Czech koruna", "Kč", False),
    "DKK": ("Danish krone", "kr.", False),
    "EUR": ("Euro", "€", True),
    "GBP": ("Pound sterling", "£", True),
    "INR": ("Indian rupee", "₹", True),
    "JPY": ("Japanese yen", "¥", True),
    "MXN": ("Mexican peso", "MX$", True),
    "NOK": ("Norwegian krone", "kr", False),
    "NZD": ("New Zealand dollar", "NZ$", True),
    "PLN": ("Polish złoty", "zł", False),
    "SEK": ("Swedish krona", "kr", False),
    "USD": ("US dollar", "$", True),
    "ZAR": ("South African rand", "R", True),
}
CURRENCY_CHOICES = sorted(
    ((code, f"{name} ({code})") for code, (name, _, _) in CURRENCIES.items()), key=lambda c: c[1]
)
CENT = Decimal("0.01")


def money(amount: Decimal | int | None, currency: str = DEFAULT_CURRENCY) -> str:
    """Write an amount as a client reads it: "€1,250.00", "1,250.00 CHF", a true minus sign if below 0."""
    amount = Decimal(amount or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    _, sign, before = CURRENCIES.get(currency, (currency, currency, False))
    digits = f"{abs(amount):,.2f}"
    text = f"{sign}{digits}" if before else f"{digits} {sign}"
    return f"\u2212{text}" if amount < 0 else text
