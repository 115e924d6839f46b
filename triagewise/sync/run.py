"""plan / apply / sync: the imperative shell around the pure planner, one named step each.

    sync  = pull_all → connect → sweep_boards → run_apply → make_plan (the snapshot)
    apply = finish_unfinished → make_plan → hold_conflicts → check_safety → apply_plan
                                  │
                                  └─ load_plan_inputs (read only) → build_plan (pure)

Nothing here knows a tracker: each source's connector (from the registry) opens its
connection and declares its capabilities; the planner gets those as data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from triagewise.config.models import Config
from triagewise.connectors import registry
from triagewise.connectors.base import Connection, LabelHistory
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ChangedPlanError, UnsafePlanError
from triagewise.learn import learned_inputs, maybe_refit
from triagewise.model import Key, StatusCategory
from triagewise.rules.owned import owned_labels, without_owned
from triagewise.rules.triage import Assessment, Bucket, Pin, assess
from triagewise.semantic.inputs import semantic_inputs
from triagewise.store.db import Store
from triagewise.sync import changes as codec
from triagewise.sync.apply import ApplyResult, apply_plan, resume_plan
from triagewise.sync.fresh import HUMAN
from triagewise.sync.gone import full_check_due, sweep_gone, vanished
from triagewise.sync.plan import (
    BoardInput,
    Conflict,
    Plan,
    PlanInputs,
    build_plan,
    exceeds_threshold,
    find_conflicts,
)
from triagewise.sync.provenance import (
    Provenance,
    decided_on,
    decided_since,
    needs_provenance,
    recover_provenance,
    who_changed,
)
from triagewise.sync.pull import ProgressFn, PullResult, pull_all
from triagewise.sync.rivals import rival_buckets

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


# -- 1. load the plan's inputs (read only) ----------------------------------------------------


def load_plan_inputs(
    store: Store,
    config: Config,
    now: datetime,
    rivals: Mapping[Key, str] | None = None,
    released: frozenset[Key] = frozenset(),
) -> PlanInputs:
    """Assess the mirror: people's decisions and edits, the boards' orders and scopes, the
    shadows of what triagewise wrote. Writes nothing (the semantic backend may fill its cache
    of embeddings). `released` issues are planned as if they had no decision."""
    wb = config.writeback
    caps = {s.name: registry.capabilities(s) for s in config.sources}
    scopes = {name: store.board_order(name) for name in caps}
    in_scope = {name: set(order or ()) for name, order in scopes.items()}
    # a board whose sweep is also its query's scope: issues that left it are not assessed
    issues = [
        i
        for i in store.issues()
        if i.source in caps
        and (
            not caps[i.source].board_is_scope
            or scopes[i.source] is None
            or i.ref in in_scope[i.source]
        )
    ]
    open_issues = [i for i in issues if i.status_category is not StatusCategory.DONE]
    shadows = {k: v for k, v in store.shadows().items() if k.source in caps}
    decisions = {k: d for k, d in store.decisions().items() if k not in released}
    held = {key for key, d in decisions.items() if d.origin == HUMAN}
    # a decision made after the issue last changed saw its labels: it is the newer word, not
    # a conflict to hold over it (else the reason typed in a session would be replaced)
    newer = {i.key for i in open_issues if decided_since(decisions.get(i.key), i.updated_at)}
    unsettled = [i for i in open_issues if i.key not in held and i.key not in newer]
    conflicts = find_conflicts(unsettled, shadows, wb, rivals)  # rivals: `sync/rivals.py`
    pins: dict[Key, Pin] = {
        key: Pin(Bucket(d.bucket), d.reason, d.goal, None, d.author, decided_on(d.decided_at))
        for key, d in decisions.items()
        if d.bucket in {b.value for b in Bucket}
    }
    for c in conflicts:
        if c.bucket:
            pins[c.key] = Pin(Bucket(c.bucket), f"set {', '.join(c.found)} on the tracker")
    # the semantic backend embeds what the rules see: the issues without triagewise's labels
    seen = [without_owned(i, owned_labels(config)) for i in open_issues]
    semantic = semantic_inputs(store, config, seen)
    learned = learned_inputs(store, config, now)
    assessments = assess(open_issues, config, now, pins, semantic, learned)
    boards: dict[str, BoardInput] = {}
    for name, cap in caps.items():
        order = scopes[name]
        if cap.rank == "block" and order:
            boards[name] = BoardInput(order, "block", cap.rank_batch)
        elif cap.rank == "single" and order is not None:
            scores = store.board_scores(name) if cap.score_field else None
            boards[name] = BoardInput(order, "single", 1, scores)
    return PlanInputs(
        assessments=assessments,
        issues={i.key: i for i in open_issues},
        shadows=shadows,
        conflicts=conflicts,
        writeback=wb,
        boards=boards,
        held=frozenset(held),
        comments=store.comments(),
        comment_styles={n: c.comments for n, c in caps.items() if c.comments is not None},
        # a session decision's labels name triagewise: its comment records it (`comments.py`)
        decisions={k: d for k, d in decisions.items() if k not in held and k in pins},
    )


@dataclass
class Planned:
    plan: Plan
    assessments: list[Assessment]
    held: set[Key]


def make_plan(
    store: Store,
    config: Config,
    now: datetime,
    rivals: Mapping[Key, str] | None = None,
    released: frozenset[Key] = frozenset(),
) -> Planned:
    """Load the inputs and build the plan (3); writes nothing."""
    inputs = load_plan_inputs(store, config, now, rivals, released)
    plan = build_plan(inputs)
    held = set(inputs.held) | {c.key for c in plan.conflicts}
    return Planned(plan, list(inputs.assessments), held)


# -- 2. hold conflicts (an explicit write) ----------------------------------------------------


def hold_conflicts(
    store: Store,
    conflicts: tuple[Conflict, ...],
    now: datetime,
    authors: Mapping[Key, tuple[str, datetime]] | None = None,
) -> None:
    """People's edits of triagewise's labels become held decisions (with who made them and
    when, where the tracker's label events say), and the shadow learns what the tracker
    holds, so the next plan leaves them alone."""
    for c in conflicts:
        reason = f"a person set {', '.join(c.found) or 'no triage labels'} on the tracker"
        who, when = (authors or {}).get(c.key, (None, now))
        store.save_decision(c.key, c.bucket, reason, HUMAN, when, author=who)
        store.save_shadow(c.key, c.found, now)


# -- 4. check safety ----------------------------------------------------------------------


def check_safety(plan: Plan, config: Config, force: bool, checksum: str | None) -> None:
    """The plan is the one reviewed (when a checksum was given) and changes no more than
    `writeback.max_change_share` of what triagewise labelled (unless forced)."""
    if checksum is not None and plan.checksum != checksum:
        raise ChangedPlanError(
            f"The plan changed since you reviewed it (checksum {plan.checksum}, "
            f"not {checksum}); run 'triagewise plan' again."
        )
    if not force and (why := exceeds_threshold(plan, config.writeback)):
        raise UnsafePlanError(f"Refusing to apply: {why}.")


# -- 5. apply ---------------------------------------------------------------------------------


class Connections(dict[str, Connection]):
    """The open connections of a run, by source name."""

    def close(self) -> None:
        for conn in self.values():
            conn.close()


def connect(
    config: Config, env: Mapping[str, str], policy: RetryPolicy, only: set[str]
) -> Connections:
    out = Connections()
    try:
        for index, source in enumerate(config.sources):
            if source.name in only:
                connector = registry.connector_for(source)
                conn = connector.open(source, index, env, policy, config.network.timeout)
                if isinstance(conn, LabelHistory):
                    conn.add_identities(config.writeback.bot_logins)
                out[source.name] = conn
    except BaseException:
        out.close()
        raise
    return out


def learn_provenance(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    now: datetime,
    only: str | None = None,
) -> Provenance:
    """After a pull on its own: ask the trackers who set the owned labels the store knows
    nothing about (no connection is opened when there is nothing to ask)."""
    names = {s.name for s in config.sources if only in (None, s.name)}
    if not needs_provenance(store, config, names):
        return Provenance()
    conns = connect(config, env, policy, names)
    try:
        return recover_provenance(store, config, conns, now)
    finally:
        conns.close()


def sweep_boards(store: Store, conns: Connections, now: datetime) -> int:
    """Re-read each board's order (and scope, and scores), keys only; returns the requests."""
    requests = 0
    for name, conn in conns.items():
        if conn.capabilities.rank is None and not conn.capabilities.score_field:
            continue
        before = conn.meter().requests
        state = conn.read_board(list(store.issues(name)))
        if state is not None:
            store.save_board_order(name, state.order, now)
            if state.scores is not None:
                store.save_board_scores(name, state.scores)
        requests += conn.meter().requests - before
    return requests


def _targets(store: Store, conns: Connections) -> dict[Key, str]:
    """What each issue's writes address (a node id, a key)."""
    return {i.key: conn.target(i) for name, conn in conns.items() for i in store.issues(name)}


def _apply(
    store: Store,
    plan: Plan,
    config: Config,
    conns: Connections,
    now: Clock,
    key: str | None = None,
    progress: ProgressFn | None = None,
) -> ApplyResult:
    targets = _targets(store, conns)
    interval = config.network.write_interval
    wb = config.writeback
    return apply_plan(store, plan, conns, targets, wb, interval, now, key, progress=progress)


def finish_unfinished(
    store: Store,
    config: Config,
    conns: Connections,
    now: Clock = system_clock,
    progress: ProgressFn | None = None,
) -> ApplyResult | None:
    """A plan a killed run left half-applied is finished first, from its journal."""
    found = resume_plan(store)
    if found is None:
        return None
    key, plan = found
    return _apply(store, plan, config, conns, now, key, progress)


def remember_board_orders(store: Store, plan: Plan, now: datetime) -> None:
    """The board orders after the moves, so the next plan starts from them."""
    moves = codec.board_moves(plan.changes)
    for source in dict.fromkeys(m.source for m in moves):
        order = store.board_order(source) or []
        for m in moves:
            if m.source == source:
                order = m.reorder(order)
        store.save_board_order(source, order, now)


@dataclass
class SyncResult:
    pulled: list[PullResult]
    plan: Plan
    applied: ApplyResult | None
    resumed: ApplyResult | None
    sweep_requests: int
    dry_run: bool
    refit: int | None = None  # decisions the model was refitted on during this sync
    provenance: Provenance | None = None  # what a fresh store learned from the trackers
    notes: list[str] = field(default_factory=list)  # issues that left their tracker

    @property
    def failed(self) -> list[str]:
        return [
            *(self.resumed.failed if self.resumed else []),
            *(self.applied.failed if self.applied else []),
        ]

    def as_dict(self) -> dict[str, object]:
        groups = codec.counts(self.plan.changes)
        return {
            "pulled": [r.as_dict() for r in self.pulled],
            "checksum": self.plan.checksum,
            "label_changes": groups["labels"],
            "rank_moves": groups["moves"],
            "score_writes": groups["scores"],
            "comments": groups["comments"],
            "conflicts": [c.sentence for c in self.plan.conflicts],
            "sweep_requests": self.sweep_requests,
            "dry_run": self.dry_run,
            "applied": self.applied.as_dict() if self.applied else None,
            "resumed": self.resumed.as_dict() if self.resumed else None,
            "failed": self.failed,
            "refit": self.refit,
            "notes": [*self.plan.notes, *self.notes],
            "provenance": self.provenance.as_dict() if self.provenance else None,
        }


def capped(plan: Plan, max_writes: int | None) -> Plan:
    """The first `max_writes` changes: the plan is in importance order (labels by rank, now
    before later before never), so a capped run writes what matters most; the next run plans
    the rest again from what the trackers then hold."""
    if max_writes is None or len(plan.changes) <= max_writes:
        return plan
    return replace(plan, changes=plan.changes[:max_writes])


def run_apply(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    force: bool = False,
    checksum: str | None = None,
    conns: Connections | None = None,
    now: Clock = system_clock,
    progress: ProgressFn | None = None,
) -> tuple[Plan, ApplyResult | None, ApplyResult | None]:
    """Finish a killed run's plan, then plan, hold conflicts, check safety and apply."""
    own = conns is None
    conns = conns if conns is not None else connect(config, env, policy, _names(config))
    try:
        resumed = finish_unfinished(store, config, conns, now, progress)
        planned = make_plan(store, config, now(), rival_buckets(store, config, conns))
        authors = who_changed(store, config, conns, planned.plan.conflicts)
        hold_conflicts(store, planned.plan.conflicts, now(), authors)
        check_safety(planned.plan, config, force, checksum)
        if not planned.plan.changes:
            return planned.plan, ApplyResult(planned.plan.checksum), resumed
        todo = capped(planned.plan, config.writeback.max_writes)
        result = _apply(store, todo, config, conns, now, None, progress)
        result.deferred = len(planned.plan.changes) - len(todo.changes)
        remember_board_orders(store, todo, now())
        return planned.plan, result, resumed
    finally:
        if own:
            conns.close()


def _names(config: Config) -> set[str]:
    return {s.name for s in config.sources}


def _settle_failed(
    store: Store,
    config: Config,
    conns: Connections,
    plan: Plan,
    *results: ApplyResult | None,
    now: datetime,
) -> list[tuple[Key, str]]:
    """A write that failed because its issue is not there: the issue is looked up, and if it
    is gone it leaves the ranking and its failure becomes a note (`sync/gone.py`)."""
    done = [r for r in results if r is not None]
    keys = {Key(c.source, c.ref) for c in plan.changes}
    lost = vanished([line for r in done for line in r.failed], keys)
    if not lost:
        return []
    settled = sweep_gone(store, config, conns, now, lost)
    refs = {key.ref for key, _ in settled}
    for r in done:
        r.failed = [line for line in r.failed if line.split(": ", 1)[0] not in refs]
    return settled


def run_sync(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: ProgressFn | None = None,
    now: Clock = system_clock,
) -> SyncResult:
    """pull + assess + plan + apply; with `dry_run`, stop after the plan."""
    policy = policy or RetryPolicy(
        attempts=config.network.attempts, wait_budget=config.network.wait_budget
    )
    pulled = pull_all(store, config, env, policy, progress=progress, now=now)
    conns = connect(config, env, policy, _names(config))
    try:
        gone = sweep_gone(store, config, conns, now()) if full_check_due(store, now()) else []
        swept = sweep_boards(store, conns, now()) if config.writeback.rank else 0
        known = recover_provenance(store, config, conns, now())
        refitted = maybe_refit(store, config, now())
        refit = refitted.decisions if refitted is not None else None
        if dry_run:
            planned = make_plan(store, config, now(), rival_buckets(store, config, conns))
            return SyncResult(pulled, planned.plan, None, None, swept, True, refit, known)
        plan, applied, resumed = run_apply(
            store, config, env, policy, force, None, conns, now, progress
        )
        gone += _settle_failed(store, config, conns, plan, applied, resumed, now=now())
        after = make_plan(store, config, now())
        placed = [
            (a.issue.key, a.bucket.value, a.rank, (a.reasons or ("",))[0])
            for a in after.assessments
        ]
        line = max((a.rank for a in after.assessments if a.bucket is Bucket.NOW), default=0)
        buckets = {a.ref: a.bucket.value for a in after.assessments}
        store.save_snapshot(buckets, now(), placed, line)
        notes = [note for _, note in gone]
        return SyncResult(pulled, plan, applied, resumed, swept, False, refit, known, notes)
    finally:
        conns.close()
