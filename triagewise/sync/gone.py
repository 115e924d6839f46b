"""Deleted and transferred issues leave the ranking (issue 17 item 9).

An incremental pull never sees a deletion (GitHub's `since` lists only issues that still
exist; Jira's `updated >=` likewise), so the mirror would keep a deleted issue's "now" slot
and fail its writes every run. Two checks find them, at little cost:

- when a write to a known issue answers 404, 410 or "Could not resolve to a node", that issue
  is looked up at once: if it is gone, the failure becomes a note, not a failed run;
- once every `FULL_CHECK` (a week), every open mirrored issue is looked up: GitHub 100 a
  GraphQL query, Jira 100 ids a search, plus one read per missing issue.

A gone issue is forgotten by the mirror, so it is neither ranked nor written again. A moved
one (a GitHub transfer, a Jira move) whose new place a configured source mirrors takes its
decision, shadow and comment there; the next pull of that source brings it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from triagewise.config.models import Config
from triagewise.connectors import registry
from triagewise.connectors.base import Connection
from triagewise.connectors.gone import Gone, Locator
from triagewise.model import Key, StatusCategory
from triagewise.store.db import Store

FULL_CHECK = timedelta(days=7)
RUN = "locate"  # the runs table's record of the last full check
VANISHED = (
    "could not resolve to a node",
    "was deleted",
    "does not exist",
    "not found",
    "404",
    "410",
)
# (a broad match costs only a look-up: nothing leaves the ranking unless the tracker confirms)


def full_check_due(store: Store, now: datetime) -> bool:
    """A week since the last full check. A store that never had one starts the clock now:
    the pull that filled it read every issue."""
    last = store.last_run(RUN)
    if last is None:
        store.finish_run(store.begin_run(RUN, None, now), "ok", {"checked": 0}, now)
        return False
    return now - datetime.fromisoformat(last.replace("Z", "+00:00")) >= FULL_CHECK


def sweep_gone(
    store: Store,
    config: Config,
    conns: Mapping[str, Connection],
    now: datetime,
    only: Iterable[Key] | None = None,
) -> list[tuple[Key, str]]:
    """Look up the open mirrored issues (or `only` these) and settle the gone ones; returns
    each gone issue with its note."""
    wanted = None if only is None else set(only)
    homes = {registry.connector_for(s).mirrors(s): s.name for s in config.sources}
    settled: list[tuple[Key, str]] = []
    run = store.begin_run(RUN, None, now) if wanted is None else None
    checked = 0
    for name, conn in conns.items():
        if not isinstance(conn, Locator):
            continue
        issues = [
            i
            for i in store.issues(name)
            if i.status_category is not StatusCategory.DONE and (wanted is None or i.key in wanted)
        ]
        checked += len(issues)
        for gone in conn.locate(issues) if issues else []:
            key = Key(name, gone.ref)
            settled.append((key, settle(store, key, gone, homes)))
    if run is not None:
        store.finish_run(run, "ok", {"checked": checked, "gone": len(settled)}, now)
    return settled


def settle(store: Store, key: Key, gone: Gone, homes: Mapping[str, str]) -> str:
    """Forget the issue; carry a move into a configured source; the sentence that says so."""
    target = key.source if gone.home is None else homes.get(gone.home)
    store.forget_issue(key)
    if gone.moved_to and target is not None:
        store.carry_over(key, Key(target, gone.moved_to))
        return (
            f"{key.ref} {gone.why}, which source '{target}' mirrors: it is ranked there, and "
            "its decision and explanation comment follow it."
        )
    where = ", outside the configured sources" if gone.moved_to else ""
    return f"{key.ref} {gone.why}{where}: it is no longer ranked or written."


def vanished(failed: Iterable[str], keys: Iterable[Key]) -> set[Key]:
    """The issues among `keys` whose failed write (`"<ref>: <error>"`) says it is not there."""
    refs = {line.split(": ", 1)[0] for line in failed if any(w in line.lower() for w in VANISHED)}
    return {key for key in keys if key.ref in refs}
