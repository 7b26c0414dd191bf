"""Jurisdictions a coach may practise in, with suggestions the coach always confirms.

The suggestions are starting points, not legal advice: the coach checks them and overrides
them on the profile page (the age of majority, the crisis line, the emergency number).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_AGE_OF_MAJORITY = 18
AGE_OF_MAJORITY_MIN = 14
AGE_OF_MAJORITY_MAX = 25

# ISO 3166-1 alpha-2 codes and English short names; a reasonable list, sorted by name.
COUNTRIES: list[tuple[str, str]] = [
    ("AR", "Argentina"),
    ("AU", "Australia"),
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BR", "Brazil"),
    ("BG", "Bulgaria"),
    ("CA", "Canada"),
    ("CL", "Chile"),
    ("CN", "China"),
    ("CO", "Colombia"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DK", "Denmark"),
    ("EG", "Egypt"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GH", "Ghana"),
    ("GR", "Greece"),
    ("HK", "Hong Kong"),
    ("HU", "Hungary"),
    ("IS", "Iceland"),
    ("IN", "India"),
    ("ID", "Indonesia"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IT", "Italy"),
    ("JM", "Jamaica"),
    ("JP", "Japan"),
    ("KE", "Kenya"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MY", "Malaysia"),
    ("MT", "Malta"),
    ("MX", "Mexico"),
    ("NL", "Netherlands"),
    ("NZ", "New Zealand"),
    ("NG", "Nigeria"),
    ("NO", "Norway"),
    ("PK", "Pakistan"),
    ("PE", "Peru"),
    ("PH", "Philippines"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SG", "Singapore"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ZA", "South Africa"),
    ("KR", "South Korea"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("CH", "Switzerland"),
    ("TW", "Taiwan"),
    ("TH", "Thailand"),
    ("TT", "Trinidad and Tobago"),
    ("TR", "Türkiye"),
    ("UG", "Uganda"),
    ("UA", "Ukraine"),
    ("AE", "United Arab Emirates"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("UY", "Uruguay"),
    ("VN", "Viet Nam"),
    ("ZM", "Zambia"),
    ("ZW", "Zimbabwe"),
]
COUNTRY_NAMES = dict(COUNTRIES)

# Where the age of majority is not 18: by country, or by region (name or postal code).
_MAJORITY_BY_COUNTRY = {"KR": 19}
_MAJORITY_BY_REGION = {
    "US": {"alabama": 19, "al": 19, "nebraska": 19, "ne": 19, "mississippi": 21, "ms": 21},
    "CA": {
        "british columbia": 19,
        "bc": 19,
        "new brunswick": 19,
        "nb": 19,
        "newfoundland and labrador": 19,
        "newfoundland": 19,
        "nl": 19,
        "nova scotia": 19,
        "ns": 19,
        "northwest territories": 19,
        "nt": 19,
        "nunavut": 19,
        "nu": 19,
        "yukon": 19,
        "yt": 19,
    },
}

# The national crisis line and emergency number, as a first suggestion the coach confirms.
_CRISIS = {
    "AU": ("Lifeline: 13 11 14", "000"),
    "CA": ("9-8-8 Suicide Crisis Helpline: call or text 988", "911"),
    "DE": ("TelefonSeelsorge: 0800 111 0 111", "112"),
    "FR": ("3114 (numéro national de prévention du suicide)", "112"),
    "GB": ("Samaritans: 116 123", "999"),
    "IE": ("Samaritans: 116 123", "112 or 999"),
    "NL": ("113 Zelfmoordpreventie: 0800 0113", "112"),
    "NZ": ("Need to talk? Call or text 1737", "111"),
    "US": ("988 Suicide & Crisis Lifeline: call or text 988", "911"),
}


@dataclass(frozen=True)
class Suggestion:
    """What Ethos would suggest for a jurisdiction; every value is the coach's to confirm."""

    age_of_majority: int = DEFAULT_AGE_OF_MAJORITY
    crisis_line: str = ""
    emergency_number: str = ""


def suggestion_for(country: str, region: str = "") -> Suggestion:
    """Suggest the age of majority, crisis line and emergency number for a jurisdiction."""
    country = (country or "").upper()
    key = " ".join((region or "").lower().replace(".", "").split())
    age = _MAJORITY_BY_REGION.get(country, {}).get(key) or _MAJORITY_BY_COUNTRY.get(
        country, DEFAULT_AGE_OF_MAJORITY
    )
    crisis_line, emergency = _CRISIS.get(country, ("", ""))
    return Suggestion(age_of_majority=age, crisis_line=crisis_line, emergency_number=emergency)
