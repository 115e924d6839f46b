"""The store's memory of how an issue got where it is: every decision and release as it happened
(`decision_log`), and each sync's bucket, rank and leading reason per issue (`placements`, with
the snapshot's now line). `triagewise history` reads it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import NamedTuple

from triagewise.model import Key
from triagewise.store.backend import Backend


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class LoggedDecision(NamedTuple):
    """One decision (`action` "decided") or release ("released") of an issue."""

    action: str
    bucket: str | None
    goal: str | None
    reason: str
    origin: str
    author: str | None
    decided_at: str


class Placement(NamedTuple):
    """Where one sync left an issue."""

    taken_at: str
    bucket: str
    rank: int
    reason: str
    now_line: int | None


class LedgerMixin:
    """The ledger's methods; `Store` supplies the connection and its transactions."""

    _conn: Backend

    def transaction(self) -> AbstractContextManager[Backend]:
        raise NotImplementedError

    def _log_decision(
        self,
        key: Key,
        action: str,
        bucket: str | None,
        goal: str | None,
        reason: str,
        origin: str,
        author: str | None,
        now: datetime,
    ) -> None:
        self._conn.execute(
            "INSERT INTO decision_log (source, ref, action, bucket, goal, reason, origin, author,"
            " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key.source, key.ref, action, bucket, goal, reason, origin, author, _iso(now)),
        )

    def decision_log(self, key: Key) -> list[LoggedDecision]:
        """(action, bucket, goal, reason, origin, author, decided_at) of every decision and
        release of the issue, oldest first."""
        rows = self._conn.execute(
            "SELECT action, bucket, goal, reason, origin, author, decided_at FROM decision_log"
            " WHERE source = ? AND ref = ? ORDER BY id",
            (key.source, key.ref),
        )
        return [LoggedDecision(*row) for row in rows]

    def placements(self, key: Key) -> list[Placement]:
        """(taken at, bucket, rank, leading reason, now line) of the issue after each sync
        that placed it, oldest first."""
        rows = self._conn.execute(
            "SELECT s.taken_at, p.bucket, p.rank, p.reason, s.now_line FROM placements p"
            " JOIN snapshots s ON s.id = p.snapshot WHERE p.source = ? AND p.ref = ?"
            " ORDER BY s.id",
            (key.source, key.ref),
        )
        return [Placement(str(a), str(b), int(r), str(w), n) for a, b, r, w, n in rows]

    def save_snapshot(
        self,
        buckets: Mapping[str, str],
        now: datetime,
        placements: Iterable[tuple[Key, str, int, str]] = (),
        now_line: int | None = None,
    ) -> None:
        """What each open issue's bucket was after a sync: the report's memory of change;
        with `placements` ((source, ref), bucket, rank, leading reason) and where the now line
        was, what `history` reads."""
        with self.transaction() as conn:
            snapshot = conn.execute(
                "INSERT INTO snapshots (taken_at, buckets, now_line) VALUES (?, ?, ?) RETURNING id",
                (_iso(now), json.dumps(dict(sorted(buckets.items()))), now_line),
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO placements (snapshot, source, ref, bucket, rank, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(snapshot, k.source, k.ref, b, r, why) for k, b, r, why in placements],
            )

    def snapshots(self) -> list[tuple[datetime, dict[str, str]]]:
        rows = self._conn.execute("SELECT taken_at, buckets FROM snapshots ORDER BY id")
        return [
            (datetime.fromisoformat(at.replace("Z", "+00:00")), dict(json.loads(b)))
            for at, b in rows
        ]

    def applied_runs(self) -> list[tuple[str, str]]:
        """(journal key, when it opened) of every applied plan, oldest first: `revert RUN`
        counts them from 1."""
        rows = self._conn.execute(
            "SELECT plan, MIN(updated_at) FROM journal GROUP BY plan ORDER BY MIN(id)"
        )
        return [(str(a), str(b)) for a, b in rows]
