"""A page of a list that is read one row past the page instead of counted.

Django's `Page` needs the length of the whole list; a list that is costly to count (the audit log
under a filter, a client's history gathered from every app) reads one row more than a page to
know whether there is a next one. Both kinds of page are what `templates/pager.html` links.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OpenPage:
    """One page of a list; `pages` is None when counting the list's pages would cost too much."""

    items: Sequence[Any]
    number: int
    has_next: bool
    pages: int | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1
