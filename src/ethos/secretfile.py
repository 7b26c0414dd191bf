"""Read a secret from a file, creating it once, safely when several processes start at once."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Return the file's content; if it does not exist, write `make()` to it with mode 600.

    The content is written to a private temporary file first and linked into place, so another
    process never reads a half-written secret, and only the first writer's secret wins.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            # If another process was first, keep its secret.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
