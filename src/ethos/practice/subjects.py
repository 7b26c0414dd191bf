"""Tell the standards engine which page makes a supervision entry for an open item (S6)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from ethos.standards.record_types import RecordType
from ethos.standards.subjects import resolving_page


@resolving_page(RecordType.SUPERVISION_ENTRY)
def supervision_entry_page(item) -> str:
    """The supervision log's form, with the item chosen and a de-identified summary offered."""
    return f"{reverse('practice:supervision_add')}?{urlencode({'item': str(item.pk)})}"
