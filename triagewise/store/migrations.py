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
    # 2: write-back: what we last wrote, people's decisions, the apply journal
    """
    CREATE TABLE shadows (
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        labels      TEXT NOT NULL,
        written_at  TEXT NOT NULL,
        PRIMARY KEY (source, ref)
    );
    CREATE TABLE decisions (
        ref         TEXT PRIMARY KEY,
        source      TEXT NOT NULL,
        bucket      TEXT,
        goal        TEXT,
        reason      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        decided_at  TEXT NOT NULL,
        review_on   TEXT
    );
    CREATE TABLE journal (
        id          INTEGER PRIMARY KEY,
        plan        TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        ref         TEXT NOT NULL,
        kind        TEXT NOT NULL,
        change      TEXT NOT NULL,
        state       TEXT NOT NULL,
        detail      TEXT,
        updated_at  TEXT NOT NULL,
        UNIQUE (plan, seq)
    );
    CREATE TABLE comments (
        ref         TEXT PRIMARY KEY,
        source      TEXT NOT NULL,
        comment_id  TEXT NOT NULL,
        digest      TEXT NOT NULL
    );
    CREATE TABLE embeddings (
        model       TEXT NOT NULL,
        digest      TEXT NOT NULL,
        vector      BLOB NOT NULL,
        PRIMARY KEY (model, digest)
    );
    CREATE TABLE snapshots (
        id          INTEGER PRIMARY KEY,
        taken_at    TEXT NOT NULL,
        buckets     TEXT NOT NULL
    );
    CREATE TABLE board_orders (
        source      TEXT PRIMARY KEY,
        refs        TEXT NOT NULL,
        swept_at    TEXT NOT NULL
    );
    """,
    # 3: what the Projects score field holds, so an unchanged score costs no call
    """
    CREATE TABLE board_scores (
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        score       REAL NOT NULL,
        PRIMARY KEY (source, ref)
    );
    """,
    # 4: the model `triagewise learn` fitted on the team's decisions, and its report
    """
    CREATE TABLE models (
        name        TEXT PRIMARY KEY,
        fitted_at   TEXT NOT NULL,
        decisions   INTEGER NOT NULL,
        model       TEXT,
        report      TEXT NOT NULL
    );
    """,
    # 5: one identity, (source, ref): decisions and comments were keyed on the ref alone, so
    # one `owner/repo` on two hosts collided. An old row keeps its source when the issues
    # table holds the ref under it, else takes the source the issues table holds the ref
    # under (a ref the mirror no longer holds keeps what was written). A journal row takes the
    # source the issues table holds its ref under ('' when none: resume reads the source from
    # each change's own text, which always carried it). Plain SQL: no JSON functions.
    """
    CREATE TABLE decisions_v5 (
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        bucket      TEXT,
        goal        TEXT,
        reason      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        decided_at  TEXT NOT NULL,
        review_on   TEXT,
        PRIMARY KEY (source, ref)
    );
    INSERT INTO decisions_v5
        SELECT COALESCE(
                   (SELECT i.source FROM issues i WHERE i.ref = d.ref AND i.source = d.source
                    LIMIT 1),
                   (SELECT MIN(i.source) FROM issues i WHERE i.ref = d.ref),
                   d.source),
               d.ref, d.bucket, d.goal, d.reason, d.origin, d.decided_at, d.review_on
        FROM decisions d;
    DROP TABLE decisions;
    ALTER TABLE decisions_v5 RENAME TO decisions;
    CREATE TABLE comments_v5 (
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        comment_id  TEXT NOT NULL,
        digest      TEXT NOT NULL,
        PRIMARY KEY (source, ref)
    );
    INSERT INTO comments_v5
        SELECT COALESCE(
                   (SELECT i.source FROM issues i WHERE i.ref = c.ref AND i.source = c.source
                    LIMIT 1),
                   (SELECT MIN(i.source) FROM issues i WHERE i.ref = c.ref),
                   c.source),
               c.ref, c.comment_id, c.digest
        FROM comments c;
    DROP TABLE comments;
    ALTER TABLE comments_v5 RENAME TO comments;
    ALTER TABLE journal ADD COLUMN source TEXT NOT NULL DEFAULT '';
    UPDATE journal SET source = COALESCE(
        (SELECT MIN(i.source) FROM issues i WHERE i.ref = journal.ref), '');
    CREATE INDEX issues_source_ref ON issues (source, ref);
    """,
    # 6: who decided, and the history of each issue across syncs: a decision's author; every
    # decision and release as it happened (decision_log); each sync's bucket, rank and leading
    # reason per issue (placements) and where its now line was (snapshots.now_line)
    """
    ALTER TABLE decisions ADD COLUMN author TEXT;
    ALTER TABLE snapshots ADD COLUMN now_line INTEGER;
    CREATE TABLE decision_log (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        action      TEXT NOT NULL,
        bucket      TEXT,
        goal        TEXT,
        reason      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        author      TEXT,
        decided_at  TEXT NOT NULL
    );
    CREATE INDEX decision_log_issue ON decision_log (source, ref);
    CREATE TABLE placements (
        snapshot    INTEGER NOT NULL,
        source      TEXT NOT NULL,
        ref         TEXT NOT NULL,
        bucket      TEXT NOT NULL,
        rank        INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        PRIMARY KEY (snapshot, source, ref)
    );
    CREATE INDEX placements_issue ON placements (source, ref);
    """,
    # 7: `triagewise serve`: each webhook delivery, stored before it is answered, deduped by
    # (kind, delivery id); processed_at stays NULL until the worker has re-triaged its issue
    """
    CREATE TABLE webhook_events (
        kind         TEXT NOT NULL,
        delivery     TEXT NOT NULL,
        source       TEXT NOT NULL,
        ref          TEXT NOT NULL,
        action       TEXT NOT NULL,
        sender       TEXT,
        labels       TEXT,
        label_only   INTEGER NOT NULL DEFAULT 0,
        gone         INTEGER NOT NULL DEFAULT 0,
        updated      TEXT,
        received_at  TEXT NOT NULL,
        processed_at TEXT,
        outcome      TEXT,
        PRIMARY KEY (kind, delivery)
    );
    CREATE INDEX webhook_events_pending ON webhook_events (processed_at, received_at);
    """,
]
