"""The apply journal's part of the store: each change is recorded before it is sent and after
it answered, keyed on the plan's run and its sequence, naming its issue by `(source, ref)`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import NamedTuple

from triagewise.model import Key
from triagewise.store.backend import Backend


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class JournalRow(NamedTuple):
    """One change of an applied plan: `change` is the codec's text (`sync/changes.py`), `state`
    pending → sending → done | failed."""

    seq: int
    source: str
    ref: str
    kind: str
    change: str
    state: str


class JournalMixin:
    """The journal's methods; `Store` supplies the connection and its transactions."""

    _conn: Backend

    def transaction(self) -> AbstractContextManager[Backend]:
        raise NotImplementedError

    def journal_open(self, plan: str, changes: list[tuple[Key, str, str]], now: datetime) -> None:
        """Record a plan's changes ((source, ref), kind, codec text) as pending, once; a re-run
        of the same plan adds nothing."""
        with self.transaction() as conn:
            for seq, (key, kind, change) in enumerate(changes):
                conn.execute(
                    "INSERT INTO journal (plan, seq, source, ref, kind, change, state, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (plan, seq) DO NOTHING",
                    (plan, seq, key.source, key.ref, kind, change, _iso(now)),
                )

    def journal(self, plan: str) -> list[JournalRow]:
        rows = self._conn.execute(
            "SELECT seq, source, ref, kind, change, state FROM journal WHERE plan = ? ORDER BY seq",
            (plan,),
        )
        return [JournalRow(int(row[0]), *(str(v) for v in row[1:])) for row in rows]

    def journal_details(self, plan: str) -> dict[int, str]:
        """Each change's detail (an error, or the tracker task ids a batched write went in)."""
        rows = self._conn.execute("SELECT seq, detail FROM journal WHERE plan = ?", (plan,))
        return {int(a): str(b or "") for a, b in rows}

    def journal_mark(self, plan: str, seq: int, state: str, detail: str, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE journal SET state = ?, detail = ?, updated_at = ?"
                " WHERE plan = ? AND seq = ?",
                (state, detail, _iso(now), plan, seq),
            )

    def unfinished_plan(self) -> str | None:
        row = self._conn.execute(
            "SELECT plan FROM journal WHERE state IN ('pending', 'sending') ORDER BY id LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None
