"""The webhook inbox's part of the store (`triagewise serve`): each delivery is recorded before
it is answered, once per (kind, delivery id), and marked processed with what was done."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import NamedTuple

from triagewise.store.backend import Backend


def _iso(moment: datetime) -> str:
    # fixed width (microseconds always), so that the text sorts as the time does
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class EventRow(NamedTuple):
    """One stored delivery: `kind` is the tracker type, `source` the config's source name."""

    kind: str
    delivery: str
    source: str
    ref: str
    action: str
    sender: str | None
    labels: tuple[str, ...] | None
    label_only: bool
    gone: bool
    received_at: datetime
    updated: datetime | None = None  # the update time in the payload


class EventsMixin:
    """The inbox's methods; `Store` supplies the connection and its transactions."""

    _conn: Backend

    def transaction(self) -> AbstractContextManager[Backend]:
        raise NotImplementedError

    def as_inbox(self) -> None:
        """This connection only records deliveries, and must answer each at once: it leaves
        folding the write-ahead log into the database (a checkpoint, which syncs the disk and
        can take seconds on a busy machine) to the worker's connection."""
        self._conn.defer_checkpoints()

    def record_event(self, row: EventRow) -> bool:
        """Store a delivery; False (and nothing changes) when its id was stored before."""
        labels = None if row.labels is None else json.dumps(list(row.labels))
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO webhook_events (kind, delivery, source, ref, action, sender,"
                " labels, label_only, gone, received_at, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, delivery) DO NOTHING",
                (
                    row.kind,
                    row.delivery,
                    row.source,
                    row.ref,
                    row.action,
                    row.sender,
                    labels,
                    int(row.label_only),
                    int(row.gone),
                    _iso(row.received_at),
                    None if row.updated is None else _iso(row.updated),
                ),
            )
            return bool(cursor.rowcount == 1)

    def pending_events(self) -> list[EventRow]:
        """Deliveries not processed yet, oldest first (a restart picks these up)."""
        rows = self._conn.execute(
            "SELECT kind, delivery, source, ref, action, sender, labels, label_only, gone,"
            " received_at, updated"
            " FROM webhook_events WHERE processed_at IS NULL ORDER BY received_at, delivery"
        ).fetchall()
        return [
            EventRow(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                None if r[5] is None else str(r[5]),
                None if r[6] is None else tuple(json.loads(r[6])),
                bool(r[7]),
                bool(r[8]),
                _parse(str(r[9])),
                None if r[10] is None else _parse(str(r[10])),
            )
            for r in rows
        ]

    def finish_events(self, events: list[EventRow], outcome: str, now: datetime) -> None:
        with self.transaction() as conn:
            for e in events:
                conn.execute(
                    "UPDATE webhook_events SET processed_at = ?, outcome = ?"
                    " WHERE kind = ? AND delivery = ?",
                    (_iso(now), outcome, e.kind, e.delivery),
                )

    def last_event(self) -> dict[str, str] | None:
        """The most recently processed delivery: its id, issue, outcome and time."""
        row = self._conn.execute(
            "SELECT kind, delivery, ref, outcome, processed_at FROM webhook_events"
            " WHERE processed_at IS NOT NULL ORDER BY processed_at DESC, delivery DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        keys = ("kind", "delivery", "ref", "outcome", "processed_at")
        return {k: str(v) for k, v in zip(keys, row, strict=True)}

    def count_pending_events(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL")
        return int(row.fetchone()[0])
