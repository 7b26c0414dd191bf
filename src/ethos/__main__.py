"""The `ethos` command: Django's management commands, spelt with hyphens if you like."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "ethos"
    # `ethos add-coach` and `ethos check-note` read better than their module names.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"ethos: configuration error: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
