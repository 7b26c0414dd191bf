"""Jurisdictions a coach may practise in, their legal age of majority, and suggestions.

This module is the one list of jurisdictions: the profile form and service validate against it
(no migration freezes it). The legal age of majority is a floor (S9): a practice may set a higher
age, never a lower one. The crisis line and emergency number are starting points the coach
checks and overrides on the profile page.
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

# The legal age of majority where it is not 18, by country. Ethos never lets a practice set a
# lower age than the law of its jurisdiction (S9); these are floors, and a coach may go higher.
_MAJORITY_BY_COUNTRY = {
    "EG": 21,  # Civil Code, art. 44
    "ID": 21,  # Civil Code, art. 330
    "KR": 19,  # Civil Act, art. 4
    "NZ": 20,  # Age of Majority Act 1970
    "SG": 21,  # common law (contracts from 18 under the Civil Law Act)
    "TH": 20,  # Civil and Commercial Code, s. 19
}

# Countries where the age of majority differs by region: every region, by postal code, with
# its name and age. A practice there must name its region, so the legal age is known.
_REGIONS: dict[str, list[tuple[str, str, int]]] = {
    "US": [
        ("AL", "Alabama", 19),
        ("AK", "Alaska", 18),
        ("AS", "American Samoa", 18),
        ("AZ", "Arizona", 18),
        ("AR", "Arkansas", 18),
        ("CA", "California", 18),
        ("CO", "Colorado", 18),
        ("CT", "Connecticut", 18),
        ("DE", "Delaware", 18),
        ("DC", "District of Columbia", 18),
        ("FL", "Florida", 18),
        ("GA", "Georgia", 18),
        ("GU", "Guam", 18),
        ("HI", "Hawaii", 18),
        ("ID", "Idaho", 18),
        ("IL", "Illinois", 18),
        ("IN", "Indiana", 18),
        ("IA", "Iowa", 18),
        ("KS", "Kansas", 18),
        ("KY", "Kentucky", 18),
        ("LA", "Louisiana", 18),
        ("ME", "Maine", 18),
        ("MD", "Maryland", 18),
        ("MA", "Massachusetts", 18),
        ("MI", "Michigan", 18),
        ("MN", "Minnesota", 18),
        ("MS", "Mississippi", 21),
        ("MO", "Missouri", 18),
        ("MT", "Montana", 18),
        ("NE", "Nebraska", 19),
        ("NV", "Nevada", 18),
        ("NH", "New Hampshire", 18),
        ("NJ", "New Jersey", 18),
        ("NM", "New Mexico", 18),
        ("NY", "New York", 18),
        ("NC", "North Carolina", 18),
        ("ND", "North Dakota", 18),
        ("MP", "Northern Mariana Islands", 18),
        ("OH", "Ohio", 18),
        ("OK", "Oklahoma", 18),
        ("OR", "Oregon", 18),
        ("PA", "Pennsylvania", 18),
        ("PR", "Puerto Rico", 21),
        ("RI", "Rhode Island", 18),
        ("SC", "South Carolina", 18),
        ("SD", "South Dakota", 18),
        ("TN", "Tennessee", 18),
        ("TX", "Texas", 18),
        ("VI", "United States Virgin Islands", 18),
        ("UT", "Utah", 18),
        ("VT", "Vermont", 18),
        ("VA", "Virginia", 18),
        ("WA", "Washington", 18),
        ("WV", "West Virginia", 18),
        ("WI", "Wisconsin", 18),
        ("WY", "Wyoming", 18),
    ],
    "CA": [
        ("AB", "Alberta", 18),
        ("BC", "British Columbia", 19),
        ("MB", "Manitoba", 18),
        ("NB", "New Brunswick", 19),
        ("NL", "Newfoundland and Labrador", 19),
        ("NT", "Northwest Territories", 19),
        ("NS", "Nova Scotia", 19),
        ("NU", "Nunavut", 19),
        ("ON", "Ontario", 18),
        ("PE", "Prince Edward Island", 18),
        ("QC", "Quebec", 18),
        ("SK", "Saskatchewan", 18),
        ("YT", "Yukon", 19),
    ],
}
# Other ways coaches write a region ("Newfoundland", "Québec", "Washington DC").
_REGION_ALIASES = {
    "CA": {"newfoundland": "NL", "québec": "QC", "pei": "PE"},
    "US": {"washington dc": "DC", "washington d c": "DC", "virgin islands": "VI", "us virgin islands": "VI"},
}


def _key(region: str) -> str:
    return " ".join((region or "").lower().replace(".", " ").replace(",", " ").split())


def _region(country: str, region: str) -> tuple[str, str, int] | None:
    """Return (code, name, age) of a region of a country that has them, or None if unknown."""
    key = _key(region)
    rows = _REGIONS.get(country, [])
    code = _REGION_ALIASES.get(country, {}).get(key, key.upper().replace(" ", ""))
    return next((row for row in rows if row[0] == code or _key(row[1]) == key), None)


def is_country(code: str) -> bool:
    """Say whether `code` is one of the countries Ethos knows (an ISO 3166-1 alpha-2 code)."""
    return (code or "").upper() in COUNTRY_NAMES


def needs_region(country: str) -> bool:
    """Say whether the age of majority in `country` differs by region, so the region must be named."""
    return (country or "").upper() in _REGIONS


def is_known_region(country: str, region: str) -> bool:
    """Say whether `region` is one Ethos knows in `country` (always true where regions do not matter)."""
    country = (country or "").upper()
    return not needs_region(country) or _region(country, region) is not None


def regions_of(country: str) -> list[str]:
    """Return the names of the regions of a country whose age of majority differs by region."""
    return [name for _, name, _ in _REGIONS.get((country or "").upper(), [])]


def legal_age_of_majority(country: str, region: str = "") -> int:
    """Return the legal age of majority in a jurisdiction: the lowest age S9 may ever use there.

    For a country whose age differs by region and no known region, the highest age in the
    country: Ethos never guesses downwards.
    """
    country = (country or "").upper()
    if needs_region(country):
        row = _region(country, region)
        return row[2] if row else max(age for _, _, age in _REGIONS[country])
    return _MAJORITY_BY_COUNTRY.get(country, DEFAULT_AGE_OF_MAJORITY)


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
    crisis_line, emergency = _CRISIS.get(country, ("", ""))
    return Suggestion(
        age_of_majority=legal_age_of_majority(country, region),
        crisis_line=crisis_line,
        emergency_number=emergency,
    )


# C3: hours within which a mandatory report must be made, where a jurisdiction's law sets a
# shorter deadline than Ethos's conservative default (ETHOS_REPORT_DEADLINE_HOURS), by country
# or (country, region). Empty until a deadline is checked against the law; entries only shorten.
REPORT_DEADLINE_HOURS: dict[str | tuple[str, str], int] = {}


def report_deadline_hours(country: str, region: str = "", *, default: int) -> int:
    """Return the hours a mandatory report may take here: the jurisdiction's if shorter, else `default`."""
    country = (country or "").upper()
    row = _region(country, region) if needs_region(country) else None
    found = [REPORT_DEADLINE_HOURS.get(country)]
    if row is not None:
        found.append(REPORT_DEADLINE_HOURS.get((country, row[0])))
    return min([default, *(hours for hours in found if hours)])
