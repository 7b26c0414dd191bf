from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

KIND_WITHOUT_RECORD_TYPES = "Resource kind {kind!r} has no entry in RECORD_TYPES_BY_KIND."
KIND_UNKNOWN_RECORD_TYPE = (
    "Resource kind {kind!r} satisfies {name!r}, which is not in the catalog's [record_types]."
)


def check_record_types(table: dict[str, tuple[str, ...]], kinds, known) -> None:
    """Refuse a kind with no record types, or a record type the catalog does not name."""
    for kind in kinds:
        if kind not in table:
            raise ImproperlyConfigured(KIND_WITHOUT_RECORD_TYPES.format(kind=kind))
        for name in table[kind]:
            if name not in known:
                raise ImproperlyConfigured(KIND_UNKNOWN_RECORD_TYPE.format(kind=kind, name=name))


class ReferralsConfig(AppConfig):
    name = "ethos.referrals"
    label = "referrals"
    verbose_name = "Referral directory"

    def ready(self) -> None:
        from ethos.standards.record_types import RecordType

        from . import evidence  # noqa: F401  (registers the P10 evidence provider)
        from .models import RECORD_TYPES_BY_KIND, Resource

        check_record_types(RECORD_TYPES_BY_KIND, Resource.Kind.values, set(RecordType))
