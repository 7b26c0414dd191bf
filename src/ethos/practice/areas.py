"""The maintained list of competence areas (S5): stable slugs, labels in the coach's words.

Slugs are stored on profiles, credentials and (later) client concern tags, so a slug never
changes once released; a label may be reworded.
"""

from __future__ import annotations

from django.utils.text import slugify

COMPETENCE_AREAS: list[tuple[str, str]] = [
    ("childhood-trauma", "Childhood trauma"),
    ("grief-and-loss", "Grief and loss"),
    ("relationship-trauma", "Relationship trauma"),
    ("workplace-trauma", "Workplace trauma"),
    ("religious-trauma", "Religious trauma"),
    ("sexual-trauma", "Sexual trauma"),
    ("medical-trauma", "Medical trauma"),
    ("community-and-racial-trauma", "Community and racial trauma"),
    ("intergenerational-trauma", "Intergenerational trauma"),
    ("accident-and-disaster-trauma", "Accident and disaster trauma"),
    ("military-and-veteran-trauma", "Military and veteran trauma"),
    ("migration-and-displacement", "Migration and displacement"),
    ("birth-and-perinatal-trauma", "Birth and perinatal trauma"),
    ("bullying-and-harassment", "Bullying and harassment"),
    ("complex-trauma", "Complex (repeated) trauma"),
]
_LABELS = dict(COMPETENCE_AREAS)
SLUG_MAX = 60


def is_standard(slug: str) -> bool:
    return slug in _LABELS


def area_label(slug: str) -> str:
    """Return the label of a maintained area, or a readable form of a coach's own slug."""
    return _LABELS.get(slug) or slug.replace("-", " ").capitalize()


def area_slug(label: str) -> str:
    """Return the slug for an area the coach names: a maintained one if the label matches."""
    wanted = " ".join(label.split()).casefold()
    for slug, known in COMPETENCE_AREAS:
        if known.casefold() == wanted:
            return slug
    return slugify(label)[:SLUG_MAX].strip("-")
