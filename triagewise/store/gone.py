"""The store's part in issues that left their tracker (see `sync/gone.py`): forget a deleted
issue, and carry a moved one's decision, shadow and comment to its new `(source, ref)`."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager

from triagewise.model import Issue, Key
from triagewise.store.backend import Backend

CARRIED = ("decisions", "shadows", "comments")  # what follows an issue that moved


class GoneMixin:
    """`Store` supplies the connection and its transactions."""

    _conn: Backend

    def transaction(self) -> AbstractContextManager[Backend]:
        raise NotImplementedError

    def forget_issue(self, key: Key) -> None:
        """The issue is no longer in the mirror, so it is neither ranked nor written. What a
        person decided about it stays (it names an issue no plan will meet again)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM issues WHERE source = ? AND ref = ?", key)

    def renamed(self, issues: Iterable[Issue]) -> list[tuple[Key, Key]]:
        """(old, new) for each of these issues the mirror holds under another ref: the same
        tracker id with a new key (a Jira issue moved to another project the query covers)."""
        # one query per source and 500 ids (a page of a pull), not one per issue: on
        # PostgreSQL each statement is a round trip
        by_source: dict[str, dict[str, Issue]] = {}
        for issue in issues:
            by_source.setdefault(issue.source, {})[issue.tracker_id] = issue
        out: list[tuple[Key, Key]] = []
        for source, found in by_source.items():
            ids = list(found)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = self._conn.execute(
                    "SELECT tracker_id, ref FROM issues WHERE source = ? AND tracker_id IN ("
                    + ", ".join("?" * len(chunk))
                    + ")",
                    (source, *chunk),
                ).fetchall()
                for tracker_id, ref in rows:
                    issue = found[str(tracker_id)]
                    if str(ref) != issue.ref:
                        out.append((Key(source, str(ref)), issue.key))
        return sorted(out)

    def carry_over(self, old: Key, new: Key) -> None:
        """A moved issue's decision, shadow and explanation comment follow it: a person's
        pinned bucket stays pinned, and no second comment is written."""
        with self.transaction() as conn:
            for table in CARRIED:
                if conn.execute(
                    f"SELECT 1 FROM {table} WHERE source = ? AND ref = ?", old
                ).fetchone():
                    conn.execute(f"DELETE FROM {table} WHERE source = ? AND ref = ?", new)
                    conn.execute(
                        f"UPDATE {table} SET source = ?, ref = ? WHERE source = ? AND ref = ?",
                        (*new, *old),
                    )
