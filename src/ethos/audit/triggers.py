"""Database triggers that refuse UPDATE, DELETE (and, on PostgreSQL, TRUNCATE) of the audit log.

They guard the events and the stored subtree hashes derived from them (audit_auditnode). The
models already refuse these; the triggers also stop raw SQL and other programs. Someone with
the database owner's rights can still drop them, which is why the log is a signed Merkle tree too,
witnessed outside the database by the checkpoint journal (journal.py), and why the verifier
recomputes the subtree hashes instead of trusting them.
"""

from __future__ import annotations

EVENTS = "audit_auditevent"
NODES = "audit_auditnode"

# Per table, so that each migration installs the guards of the tables that exist at that point
# (0002 guards the events; 0003 creates the nodes table and guards it).
SQL = {
    "sqlite": {
        EVENTS: {
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
        NODES: {
            "install": [
                """CREATE TRIGGER IF NOT EXISTS audit_node_no_update BEFORE UPDATE ON audit_auditnode
                   BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END""",
                """CREATE TRIGGER IF NOT EXISTS audit_node_no_delete BEFORE DELETE ON audit_auditnode
                   BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END""",
            ],
            "remove": [
                "DROP TRIGGER IF EXISTS audit_node_no_update",
                "DROP TRIGGER IF EXISTS audit_node_no_delete",
            ],
        },
    },
    "postgresql": {
        EVENTS: {
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
        NODES: {
            "install": [
                """CREATE OR REPLACE FUNCTION audit_node_append_only() RETURNS trigger AS $$
                   BEGIN RAISE EXCEPTION 'audit nodes are append-only'; END; $$ LANGUAGE plpgsql""",
                """CREATE OR REPLACE TRIGGER audit_node_append_only
                   BEFORE UPDATE OR DELETE ON audit_auditnode
                   FOR EACH ROW EXECUTE FUNCTION audit_node_append_only()""",
                """CREATE OR REPLACE TRIGGER audit_node_no_truncate BEFORE TRUNCATE ON audit_auditnode
                   FOR EACH STATEMENT EXECUTE FUNCTION audit_node_append_only()""",
            ],
            "remove": [
                "DROP TRIGGER IF EXISTS audit_node_no_truncate ON audit_auditnode",
                "DROP TRIGGER IF EXISTS audit_node_append_only ON audit_auditnode",
                "DROP FUNCTION IF EXISTS audit_node_append_only()",
            ],
        },
    },
}


def _execute(connection, what: str, tables: tuple[str, ...] | None) -> None:
    by_table = SQL.get(connection.vendor, {})
    existing = set(connection.introspection.table_names())
    # Removing runs in reverse (the nodes' guards before the events'), installing in order.
    names = [t for t in (tables or tuple(by_table)) if t in by_table and t in existing]
    if what == "remove":
        names.reverse()
    with connection.cursor() as cursor:
        for table in names:
            for statement in by_table[table][what]:
                cursor.execute(statement)


def install(connection, tables: tuple[str, ...] | None = None) -> None:
    """Install the guards of the given tables (default: every audit table that exists)."""
    _execute(connection, "install", tables)


def remove(connection, tables: tuple[str, ...] | None = None) -> None:
    """Remove the guards of the given tables (default: every audit table that exists)."""
    _execute(connection, "remove", tables)
