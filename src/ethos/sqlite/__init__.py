"""Django's SQLite backend, with its per-query placeholder rewrite made cheap (see `base`)."""
