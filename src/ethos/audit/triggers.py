"""Database triggers that refuse UPDATE, DELETE (and, on PostgreSQL, TRUNCATE) of audit events.

The model already refuses these; the triggers also stop raw SQL and other programs. Someone with
the database owner's rights can still drop them, which is why the log is a signed Merkle tree too,
witnessed outside the database by the checkpoint journal (journal.py).
"""

from __future__ import annotations

SQL = {
    "sqlite": {
        "install": [
            """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
               BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
            """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
               BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        ],
        "remove": [
            "DROP TRIGGER IF EXISTS audit_event_no_update",
            "DROP TRIGGER IF EXISTS audit_event_no_delete",
        ],
    },
    "postgresql": {
        "install": [
            """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
            """CREATE OR REPLACE TRIGGER audit_event_append_only
               BEFORE UPDATE OR DELETE ON audit_auditevent
               FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
            # TRUNCATE bypasses row triggers; refuse it as well.
            """CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
               FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
        ],
        "remove": [
            "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
            "DROP FUNCTION IF EXISTS audit_event_append_only()",
        ],
    },
}


def _execute(connection, what: str) -> None:
    statements = SQL.get(connection.vendor, {}).get(what, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> None:
    _execute(connection, "install")


def remove(connection) -> None:
    _execute(connection, "remove")
