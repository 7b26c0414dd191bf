"""The one check of a site address (ETHOS_BASE_URL, `ethos add-coach --base-url`)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_site_address(value: str) -> bool:
    """Say whether `value` is an http(s) address with a host and, if given, a port from 1 to 65535."""
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number from 1 to 65535
        return False
