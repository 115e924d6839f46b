"""Versioned schema. Each entry upgrades the store by one version; never edit a shipped entry.

The SQL stays within what SQLite and PostgreSQL share (TEXT timestamps in ISO-8601 UTC, JSON
as TEXT, no AUTOINCREMENT quirks relied on) so that a PostgreSQL store is a port, not a rewrite.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the mirror
    """
    CREATE TABLE issues (
        source      TEXT NOT NULL,
        tracker_id  TEXT NOT NULL,
        ref         TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        data        TEXT NOT NULL,
        raw         TEXT NOT NULL,
        fetched_at  TEXT NOT NULL,
        PRIMARY KEY (source, tracker_id)
    );
    CREATE INDEX issues_ref ON issues (ref);
    CREATE TABLE cursors (
        source      TEXT PRIMARY KEY,
        state       TEXT NOT NULL,
        saved_at    TEXT NOT NULL
    );
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        command     TEXT NOT NULL,
        source      TEXT,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL,
        stats       TEXT NOT NULL DEFAULT '{}'
    );
    """,
]
