"""The store: SQLite by default, PostgreSQL for a shared one (store/backend.py is the seam).
All writes go through short explicit transactions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from triagewise.errors import StoreError
from triagewise.model import DecisionRow, Issue, Key
from triagewise.store.backend import Backend, Location, connect
from triagewise.store.events import EventRow, EventsMixin
from triagewise.store.failure import store_failure
from triagewise.store.gone import GoneMixin
from triagewise.store.journal import JournalMixin, JournalRow
from triagewise.store.ledger import LedgerMixin
from triagewise.store.schema import SCHEMA_VERSION, migrate

__all__ = ["SCHEMA_VERSION", "EventRow", "JournalRow", "SourceSummary", "Store", "UpsertCounts"]

BULK = 1000  # new issues in one batch past which the database's planner is told
DB_DIR = ".triagewise"
DB_NAME = "triagewise.db"


def default_db_path(config_path: Path) -> Path:
    return config_path.parent / DB_DIR / DB_NAME


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class UpsertCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.new + other.new, self.changed + other.changed, self.unchanged + other.unchanged
        )


@dataclass(frozen=True)
class SourceSummary:
    name: str
    issues: int
    last_pull: str | None


class Store(JournalMixin, LedgerMixin, EventsMixin, GoneMixin):
    """The mirror. Open with `Store.open(location)` (a SQLite path, or a PostgreSQL URL);
    close with `close()` or a `with` block."""

    def __init__(self, conn: Backend, path: Location) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Location) -> Store:
        backend = connect(path)
        store = cls(backend, path)
        try:
            migrate(backend, str(path))
        except sqlite3.DatabaseError as exc:
            backend.close()
            failure = store_failure(path, exc, fallback=False)
            if failure is not None:
                raise failure from None
            raise StoreError(f"{path} is not a usable triagewise database ({exc}).") from None
        except BaseException:
            backend.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        """A read-only file, full disk or damaged page ends as one sentence (failure.py)."""
        try:
            self.close()
        except sqlite3.Error as closing:
            exc = exc or closing  # after a failure, the failure is what the user must hear
        failure = store_failure(self.path, exc) if exc is not None else None
        if failure is not None:
            raise failure from None

    # -- schema ---------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return self._conn.schema_version()

    @contextmanager
    def transaction(self) -> Iterator[Backend]:
        if self._conn.in_transaction:
            yield self._conn
            return
        self._conn.begin()
        try:
            yield self._conn
        except BaseException:
            self._conn.rollback()
            raise
        self._conn.commit()

    def integrity_ok(self) -> bool:
        return self._conn.integrity_ok()

    # -- issues ---------------------------------------------------------------------------

    def upsert_issues(
        self, items: Iterable[tuple[Issue, dict[str, Any]]], fetched_at: datetime
    ) -> UpsertCounts:
        """Insert or update by (source, tracker id); an identical `updated_at` is left alone.
        What is stored is read for the whole batch at once and the writes go as one batch (a
        round trip each costs more than the work on PostgreSQL); a tracker id twice in one
        batch counts as it would one after the other."""
        batch = list(items)
        new = changed = unchanged = 0
        fetched = _iso(fetched_at)
        with self.transaction() as conn:
            known = self._stored(conn, [(i.source, i.tracker_id) for i, _ in batch])
            rows: list[tuple[str, ...]] = []
            for issue, raw in batch:
                key = (issue.source, issue.tracker_id)
                now = (_iso(issue.updated_at), issue.model_dump_json())
                before = known.get(key)
                if before == now:
                    unchanged += 1
                    continue
                known[key] = now
                new, changed = new + (before is None), changed + (before is not None)
                raw_text = json.dumps(raw, separators=(",", ":"), sort_keys=True)
                rows.append((*key, issue.ref, *now, raw_text, fetched))
            conn.executemany(
                "INSERT INTO issues (source, tracker_id, ref, updated_at, data, raw, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (source, tracker_id) DO UPDATE SET ref = excluded.ref,"
                " updated_at = excluded.updated_at, data = excluded.data,"
                " raw = excluded.raw, fetched_at = excluded.fetched_at",
                rows,
            )
            if new >= BULK:
                conn.refresh_statistics("issues")
        return UpsertCounts(new, changed, unchanged)

    @staticmethod
    def _stored(
        conn: Backend, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """(updated_at, data) of the issues stored under these (source, tracker id) keys."""
        found: dict[tuple[str, str], tuple[str, str]] = {}
        by_source: dict[str, list[str]] = {}
        for source, tracker_id in dict.fromkeys(keys):
            by_source.setdefault(source, []).append(tracker_id)
        for source, ids in by_source.items():
            for n in range(0, len(ids), 500):
                chunk = ids[n : n + 500]
                rows = conn.execute(
                    "SELECT tracker_id, updated_at, data FROM issues WHERE source = ?"
                    f" AND tracker_id IN ({','.join('?' * len(chunk))})",
                    (source, *chunk),
                )
                found.update({(source, str(t)): (str(u), str(d)) for t, u, d in rows})
        return found

    def issues(self, source: str | None = None) -> Iterator[Issue]:
        query = "SELECT data FROM issues"
        args: tuple[str, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            args = (source,)
        for (data,) in self._conn.execute(query + " ORDER BY source, ref", args):
            yield Issue.model_validate_json(data)

    def issue(self, key: Key) -> Issue | None:
        """The issue `(source, ref)` names, if mirrored."""
        row = self._conn.execute(
            "SELECT data FROM issues WHERE source = ? AND ref = ?", (key.source, key.ref)
        ).fetchone()
        return Issue.model_validate_json(row[0]) if row else None

    def find(self, ref: str) -> list[Issue]:
        """Every mirrored issue with this ref string, one per source that holds it (what a
        person types, `acme/app#12`, may name an issue on two hosts)."""
        rows = self._conn.execute(
            "SELECT data FROM issues WHERE ref = ? ORDER BY source", (ref,)
        ).fetchall()
        return [Issue.model_validate_json(data) for (data,) in rows]

    def count_issues(self, source: str) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM issues WHERE source = ?", (source,))
        return int(row.fetchone()[0])

    def remap(self, source: str, mapper: Callable[[dict[str, Any]], Issue]) -> int:
        """Re-derive every stored issue of `source` from its raw payload; no network."""
        rows = self._conn.execute(
            "SELECT tracker_id, raw FROM issues WHERE source = ?", (source,)
        ).fetchall()
        with self.transaction() as conn:
            for tracker_id, raw in rows:
                issue = mapper(json.loads(raw))
                conn.execute(
                    "UPDATE issues SET data = ?, ref = ? WHERE source = ? AND tracker_id = ?",
                    (issue.model_dump_json(), issue.ref, source, tracker_id),
                )
        return len(rows)

    # -- cursors --------------------------------------------------------------------------

    def cursor(self, source: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT state FROM cursors WHERE source = ?", (source,))
        found = row.fetchone()
        return dict(json.loads(found[0])) if found else None

    def save_cursor(self, source: str, state: dict[str, Any], now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO cursors (source, state, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET state = excluded.state,"
                " saved_at = excluded.saved_at",
                (source, json.dumps(state, sort_keys=True), _iso(now)),
            )

    # -- runs -----------------------------------------------------------------------------

    def begin_run(self, command: str, source: str | None, now: datetime) -> int:
        with self.transaction() as conn:
            row = conn.execute(
                "INSERT INTO runs (command, source, started_at, status) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (command, source, _iso(now), "running"),
            ).fetchone()
            return int(row[0])

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any], now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (_iso(now), status, json.dumps(stats, sort_keys=True), run_id),
            )

    def last_pull(self, source: str) -> str | None:
        row = self._conn.execute(
            "SELECT MAX(finished_at) FROM runs WHERE command = 'pull' AND source = ?"
            " AND status = 'ok'",
            (source,),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def summary(self, sources: Iterable[str]) -> list[SourceSummary]:
        return [SourceSummary(s, self.count_issues(s), self.last_pull(s)) for s in sources]

    # -- write-back: shadows of what triagewise wrote, people's decisions -------------------

    def shadows(self, source: str | None = None) -> dict[Key, frozenset[str]]:
        """What triagewise last wrote of its own labels, by `(source, ref)`; one source's or
        every source's."""
        query, args = "SELECT source, ref, labels FROM shadows", cast(tuple[str, ...], ())
        if source is not None:
            query, args = query + " WHERE source = ?", (source,)
        rows = self._conn.execute(query, args)
        return {Key(s, ref): frozenset(json.loads(labels)) for s, ref, labels in rows}

    def save_shadow(self, key: Key, labels: Iterable[str], now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO shadows (source, ref, labels, written_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source, ref) DO UPDATE SET labels = excluded.labels,"
                " written_at = excluded.written_at",
                (key.source, key.ref, json.dumps(sorted(labels)), _iso(now)),
            )

    def decisions(self) -> dict[Key, DecisionRow]:
        """People's decisions, by `(source, ref)`."""
        rows = self._conn.execute(
            "SELECT source, ref, bucket, goal, reason, origin, decided_at, review_on, author"
            " FROM decisions ORDER BY source, ref"
        )
        return {Key(row[0], row[1]): DecisionRow(*row) for row in rows}

    def save_decision(
        self,
        key: Key,
        bucket: str | None,
        reason: str,
        origin: str,
        now: datetime,
        goal: str | None = None,
        review_on: str | None = None,
        author: str | None = None,
    ) -> None:
        """A person's decision (replacing the issue's last one), and its line in the log."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO decisions (source, ref, bucket, goal, reason, origin, decided_at,"
                " review_on, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, ref)"
                " DO UPDATE SET bucket = excluded.bucket, goal = excluded.goal,"
                " reason = excluded.reason, origin = excluded.origin,"
                " decided_at = excluded.decided_at, review_on = excluded.review_on,"
                " author = excluded.author",
                (key.source, key.ref, bucket, goal, reason, origin, _iso(now), review_on, author),
            )
            self._log_decision(key, "decided", bucket, goal, reason, origin, author, now)

    def set_labels(self, key: Key, labels: Iterable[str]) -> None:
        """Record in the mirror what a write just did, so the next plan starts from it."""
        issue = self.issue(key)
        if issue is None:
            return
        issue = issue.model_copy(update={"labels": tuple(labels)})
        with self.transaction() as conn:
            conn.execute(
                "UPDATE issues SET data = ? WHERE source = ? AND ref = ?",
                (issue.model_dump_json(), key.source, key.ref),
            )

    def comments(self) -> dict[Key, tuple[str, str]]:
        """(source, ref) -> (comment id, digest of the body triagewise last wrote)."""
        rows = self._conn.execute("SELECT source, ref, comment_id, digest FROM comments")
        return {Key(source, ref): (cid, digest) for source, ref, cid, digest in rows}

    def save_comment(self, key: Key, comment_id: str, digest: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO comments (source, ref, comment_id, digest) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source, ref) DO UPDATE SET comment_id = excluded.comment_id,"
                " digest = excluded.digest",
                (key.source, key.ref, comment_id, digest),
            )

    def embeddings(self, model: str, digests: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(digests))
        found: dict[str, bytes] = {}
        for n in range(0, len(wanted), 500):
            chunk = wanted[n : n + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT digest, vector FROM embeddings WHERE model = ? AND digest IN ({marks})",
                (model, *chunk),
            )
            found.update({d: bytes(v) for d, v in rows})
        return found

    def save_embeddings(self, model: str, vectors: Mapping[str, bytes]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO embeddings (model, digest, vector) VALUES (?, ?, ?)"
                " ON CONFLICT (model, digest) DO NOTHING",
                [(model, d, v) for d, v in vectors.items()],
            )

    def board_scores(self, source: str) -> dict[str, float]:
        """What the Projects score field holds, by ref, as of the last sweep or write."""
        rows = self._conn.execute("SELECT ref, score FROM board_scores WHERE source = ?", (source,))
        return {str(ref): float(score) for ref, score in rows}

    def save_board_scores(self, source: str, scores: Mapping[str, float]) -> None:
        """Replace a source's scores with what a sweep just read."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM board_scores WHERE source = ?", (source,))
            conn.executemany(
                "INSERT INTO board_scores (source, ref, score) VALUES (?, ?, ?)",
                [(source, ref, score) for ref, score in sorted(scores.items())],
            )

    def set_board_score(self, source: str, ref: str, score: float) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO board_scores (source, ref, score) VALUES (?, ?, ?)"
                " ON CONFLICT (source, ref) DO UPDATE SET score = excluded.score",
                (source, ref, score),
            )

    def board_order(self, source: str) -> list[str] | None:
        row = self._conn.execute("SELECT refs FROM board_orders WHERE source = ?", (source,))
        found = row.fetchone()
        return list(json.loads(found[0])) if found else None

    def save_board_order(self, source: str, refs: list[str], now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO board_orders (source, refs, swept_at) VALUES (?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET refs = excluded.refs,"
                " swept_at = excluded.swept_at",
                (source, json.dumps(refs), _iso(now)),
            )

    def delete_decision(
        self,
        key: Key,
        now: datetime | None = None,
        author: str | None = None,
        reason: str = "handed back to the rules",
    ) -> None:
        """Forget the issue's decision; with `now`, log it as released (by `author`)."""
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM decisions WHERE source = ? AND ref = ?", (key.source, key.ref)
            )
            if now is not None:
                self._log_decision(key, "released", None, None, reason, "release", author, now)

    def save_model(
        self, name: str, model: str | None, report: str, decisions: int, now: datetime
    ) -> None:
        """A fitted model (JSON; None when the history was too small) and its report."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO models (name, fitted_at, decisions, model, report)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                " fitted_at = excluded.fitted_at, decisions = excluded.decisions,"
                " model = excluded.model, report = excluded.report",
                (name, _iso(now), decisions, model, report),
            )

    def model(self, name: str) -> tuple[str | None, str, int, str] | None:
        """(model JSON or None, report JSON, decisions it saw, fitted at), if ever fitted."""
        row = self._conn.execute(
            "SELECT model, report, decisions, fitted_at FROM models WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else (row[0], str(row[1]), int(row[2]), str(row[3]))

    def last_run(self, command: str) -> str | None:
        row = self._conn.execute(
            "SELECT MAX(started_at) FROM runs WHERE command = ?", (command,)
        ).fetchone()
        return str(row[0]) if row and row[0] else None
