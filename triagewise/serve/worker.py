"""The worker behind `triagewise serve`: stored deliveries → the inbox debounced as one →
echoes dropped → each issue re-read (one request) and upserted → the same plan and journal as
`sync`.

    inbox (store) ──▶ quiet? ──▶ groups ──▶ store lock ──▶ echo? ──▶ fetch_issue ──▶ upsert
                                       (waits for a sync)                   └─▶ run_apply

Everything it does to an issue goes through `sync/run.py`'s steps (`run_apply`: finish a killed
plan, plan, hold people's edits, check safety, apply), so a person's label edit is held exactly
as `sync` holds it, and a `sync` running at the same time makes the worker wait on the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triagewise.config.models import Config
from triagewise.connectors.base import LabelHistory, fold_identity
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import LockedError, TriagewiseError, UnsafePlanError
from triagewise.model import Key, StatusCategory
from triagewise.store import Store, store_lock
from triagewise.store.backend import Location
from triagewise.store.events import EventRow
from triagewise.sync import changes as codec
from triagewise.sync.gone import sweep_gone
from triagewise.sync.run import Clock, Connections, connect, run_apply, system_clock

Log = Callable[[str], None]
MAX_HOLD = 2  # an inbox whose deliveries never pause is re-triaged after this many debounce periods
LOCK_WAIT = 5.0  # seconds per try at the store lock; the worker tries again until it stops


@dataclass
class Group:
    """The pending deliveries of one issue."""

    key: Key
    events: list[EventRow] = field(default_factory=list)

    @property
    def first(self) -> datetime:
        return self.events[0].received_at

    @property
    def last(self) -> datetime:
        return self.events[-1].received_at


def group_pending(pending: list[EventRow]) -> list[Group]:
    groups: dict[Key, Group] = {}
    for e in pending:
        key = Key(e.source, e.ref)
        groups.setdefault(key, Group(key)).events.append(e)
    return list(groups.values())


def due_at(groups: list[Group], debounce: float) -> datetime:
    """When the pending events are re-triaged, all in one pass: `debounce` after the last
    delivery for any issue, and never later than MAX_HOLD periods after the oldest pending one
    (so in a busy inbox whose deliveries never pause no event waits longer than that).

    The whole inbox waits, not each issue on its own: the ranking is one for the backlog, so a
    pass run while other issues' edits still wait in the inbox ranks on what it already knows
    is stale, and a burst across many issues would relabel an issue it displaces once in each
    pass. One pass also assesses the backlog once, not once per issue."""
    first = min(g.first for g in groups)
    last = max(g.last for g in groups)
    quiet = last + timedelta(seconds=debounce)
    return min(quiet, first + timedelta(seconds=debounce * MAX_HOLD))


def is_echo(
    event: EventRow, identities: set[str], shadow: frozenset[str] | None, owned: frozenset[str]
) -> bool:
    """An event triagewise's own write caused: its sender is one of triagewise's identities,
    or it changed labels alone and leaves the owned ones exactly as triagewise last wrote them."""
    if event.sender is not None and fold_identity(event.sender) in identities:
        return True
    if not event.label_only or event.labels is None or shadow is None:
        return False
    held = {x.lower() for x in event.labels if x.lower() in owned}
    return held == {x.lower() for x in shadow}


class Worker:
    """Processes the inbox in a thread of its own; `wake()` after storing a delivery."""

    def __init__(
        self,
        db: Location,
        config: Config,
        env: Mapping[str, str],
        policy: RetryPolicy,
        log: Log,
        clock: Clock = system_clock,
    ) -> None:
        self.db, self.config, self.env, self.policy = db, config, env, policy
        self.log, self.clock = log, clock
        self.debounce = config.serve.debounce_seconds
        # `[writeback] bot_logins`, and what each connection's credentials act as (found
        # once, when the worker first has work: GitHub's viewer, Jira's /myself)
        self.identities = {fold_identity(x) for x in config.writeback.bot_logins}
        self._discovered = False
        self.owned = config.writeback.owned_names()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.conns: Connections | None = None
        self.processed = 0
        self.failures = 0  # passes that ended in an unexpected error (healthz shows it)
        self._hold_until = 0.0  # monotonic time before which no pass runs (after a failure)
        self._waiting = False
        self.last: dict[str, str] | None = None

    # -- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="triagewise-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        with Store.open(self.db) as store:
            try:
                while not self._stop.is_set():
                    try:
                        wait = self.step(store)
                    except Exception as exc:
                        # a fault that is not one of triagewise's errors: the events stay
                        # queued, the thread goes on, and the log says what happened once
                        self.log(f"serve: the worker failed ({type(exc).__name__}: {exc}); "
                                 "the events stay queued and are tried again in 30 s.")  # fmt: skip
                        self.failures += 1
                        self._hold_until = time.monotonic() + 30.0
                        wait = 30.0
                    if wait is None or wait > 0:
                        self._wake.wait(timeout=1.0 if wait is None else min(wait, 1.0))
                        self._wake.clear()
            finally:
                if self.conns is not None:
                    self.conns.close()

    # -- one pass -----------------------------------------------------------------------------

    def step(self, store: Store) -> float | None:
        """Process the inbox once it is due (`due_at`); returns the seconds until it is (None:
        nothing is pending, 0: call again at once)."""
        held = self._hold_until - time.monotonic()
        if held > 0:
            return held  # backing off after a failed pass
        groups = group_pending(store.pending_events())
        if not groups:
            return None
        wait = (due_at(groups, self.debounce) - self.clock()).total_seconds()
        if wait > 0:
            return max(0.01, wait)
        try:
            with self._locked():
                self.process(store, groups)
        except LockedError:
            return 0.5  # still held: the next pass waits again
        except TriagewiseError as exc:
            # the tracker is unreachable, or refused: the events stay pending for the next pass
            self.log(f"serve: {exc} The events stay queued and are tried again in 10 s.")
            self._hold_until = time.monotonic() + 10.0
            return 10.0
        return 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store lock `sync` and `apply` take; when one of them holds it, say so once
        and wait for it (LOCK_WAIT seconds a try)."""
        try:
            with store_lock(self.db):
                yield
                return
        except LockedError:
            if not self._waiting:
                self.log("serve: a sync or apply holds the store; the worker waits for it.")
            self._waiting = True
        with store_lock(self.db, wait=LOCK_WAIT):
            self._waiting = False
            yield

    def _discover(self) -> None:
        if self._discovered:
            return
        for conn in self._connections().values():
            if isinstance(conn, LabelHistory):
                self.identities |= set(conn.identities())
        self._discovered = True

    def process(self, store: Store, due: list[Group]) -> None:
        self._discover()
        shadows = store.shadows()
        fetch: list[Group] = []
        for g in due:
            shadow = shadows.get(g.key)
            if all(is_echo(e, self.identities, shadow, self.owned) for e in g.events):
                self._finish(store, g, "echo of triagewise's own write; not fetched")
            else:
                fetch.append(g)
        if not fetch:
            return
        current = [g for g in fetch if self._current(store, g)]
        for g in current:
            self._finish(store, g, "the mirror already holds this version; not fetched")
        fetch = [g for g in fetch if g not in current]
        if not fetch:
            return
        conns = self._connections()
        gone: dict[Key, str] = {}
        for g in fetch:
            fetched = conns[g.key.source].fetch_issue(g.key.ref)
            if fetched.issue is not None:
                store.upsert_issues([(fetched.issue, fetched.raw)], self.clock())
                self._into_scope(store, conns, g.key)
            else:
                gone[g.key] = self._leave_ranking(store, conns, g.key, fetched.gone)
        try:
            plan, applied, resumed = run_apply(
                store, self.config, self.env, self.policy, conns=conns, now=self.clock
            )
        except UnsafePlanError as exc:
            # the plan relabels more than writeback.max_change_share: as `sync` does, nothing
            # is written; the issues are in the mirror, and a person runs `sync --force`
            for g in fetch:
                self._finish(store, g, f"nothing written: {exc}")
            return
        failed = set((applied.failed if applied else []) + (resumed.failed if resumed else []))
        for g in fetch:
            self._finish(store, g, self._outcome(g.key, plan.changes, gone, failed))

    @staticmethod
    def _current(store: Store, group: Group) -> bool:
        """Every event of the group describes a version of the issue no newer than the one
        the mirror holds (a burst re-delivering what was already fetched)."""
        if any(e.gone or e.updated is None for e in group.events):
            return False
        held = store.issue(group.key)
        if held is None or held.status_category is StatusCategory.DONE:
            return False
        return all(e.updated is not None and e.updated <= held.updated_at for e in group.events)

    def _connections(self) -> Connections:
        if self.conns is None:
            names = {s.name for s in self.config.sources}
            self.conns = connect(self.config, self.env, self.policy, names)
        return self.conns

    def _into_scope(self, store: Store, conns: Connections, key: Key) -> None:
        """A board that is its query's scope (Jira) ranks a new issue last until the next
        sync's sweep reads the board again; without this the planner would not see it."""
        if not conns[key.source].capabilities.board_is_scope:
            return
        order = store.board_order(key.source)
        if order is not None and key.ref not in order:
            store.save_board_order(key.source, [*order, key.ref], self.clock())

    def _leave_ranking(self, store: Store, conns: Connections, key: Key, why: str | None) -> str:
        """A deleted or transferred issue leaves the mirror exactly as `sync` settles it
        (`sync/gone.py`): forgotten, and a move into a configured source carries its decision,
        shadow and comment there. Returns the sentence that says so."""
        settled = sweep_gone(store, self.config, conns, self.clock(), only=[key])
        if settled:
            return settled[0][1]
        # the tracker's locator cannot tell (or the issue was never mirrored): the fetch said
        store.forget_issue(key)
        return f"{key.ref} {why or 'is gone'}: it is no longer ranked or written."

    def _outcome(
        self, key: Key, changes: tuple[codec.Change, ...], gone: dict[Key, str], failed: set[str]
    ) -> str:
        if key in gone:
            return gone[key]
        labels = [
            c
            for c in changes
            if isinstance(c, codec.LabelChange) and (c.source, c.ref) == (key.source, key.ref)
        ]
        others = len(changes) - len(labels)
        parts = [
            " ".join([*(f"+{a}" for a in c.add), *(f"-{r}" for r in c.remove)]) for c in labels
        ]
        said = f"labels {' '.join(parts)}" if parts else "labels unchanged"
        if any(key.ref in f for f in failed):
            said += " (the write failed; the next run retries it)"
        return said + (f"; {others} other changes" if others else "")

    def _finish(self, store: Store, group: Group, outcome: str) -> None:
        now = self.clock()
        store.finish_events(group.events, outcome, now)
        for e in group.events:
            self.log(f"serve: {e.kind} {e.delivery} {e.ref} {e.action}: {outcome}")
        self.processed += len(group.events)
        last = group.events[-1]
        self.last = {
            "delivery": last.delivery,
            "ref": last.ref,
            "outcome": outcome,
            "at": now.astimezone(UTC).isoformat(),
        }
