"""plan / apply / sync: the imperative shell around the pure planner."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from triagewise.config.models import Config, GitHubSource, JiraSource
from triagewise.connectors.clients import open_github, open_jira
from triagewise.connectors.github.writer import GitHubWriter, ProjectBoard
from triagewise.connectors.github.writer import write_comment as github_comment
from triagewise.connectors.jira.writer import JiraWriter
from triagewise.connectors.jira.writer import write_comment as jira_comment
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import TriagewiseError
from triagewise.model import Issue, StatusCategory
from triagewise.rules.owned import owned_labels, without_owned
from triagewise.rules.triage import Assessment, Bucket, Pin, assess
from triagewise.store.db import Store
from triagewise.sync.apply import ApplyResult, Ranker, Writer, apply_plan
from triagewise.sync.plan import (
    CommentChange,
    LabelChange,
    Plan,
    ProjectMove,
    RankMove,
    ScoreChange,
    apply_block_moves,
    build_plan,
    exceeds_threshold,
    find_conflicts,
)
from triagewise.sync.pull import ProgressFn, PullResult, pull_all

HUMAN = "label"  # a decision a person made by editing triagewise's labels on the tracker


class LockedError(TriagewiseError):
    """Another sync or apply holds the store."""


@contextmanager
def store_lock(db: Path, wait: float = 0.0) -> Iterator[None]:
    """One writer per store: a second run exits at once with a clear message, or waits up
    to `wait` seconds for the first to finish."""
    path = db.with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                waited = f" after waiting {wait:g} s" if wait else ""
                raise LockedError(
                    f"Another triagewise sync or apply is running on {db} (pid {holder}); "
                    f"this run stops{waited} without touching anything."
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@dataclass
class Planned:
    plan: Plan
    assessments: list[Assessment]
    held: set[str]


def make_plan(store: Store, config: Config, now: datetime, record: bool) -> Planned:
    """Assess the mirror and diff it against the trackers. With `record`, conflicts become
    held decisions in the store (apply and sync); without, it only reports them (plan)."""
    wb = config.writeback
    names = [s.name for s in config.sources]
    issues = [i for i in store.issues() if i.source in names]
    scopes = {s.name: store.board_order(s.name) for s in config.sources}
    jira = {s.name for s in config.sources if isinstance(s, JiraSource)}
    # a Jira board's sweep is also its JQL's scope: issues that left it are not assessed
    issues = [
        i
        for i in issues
        if i.source not in jira or scopes[i.source] is None or i.ref in set(scopes[i.source] or [])
    ]
    open_issues = [i for i in issues if i.status_category is not StatusCategory.DONE]
    shadows: dict[str, frozenset[str]] = {}
    for name in names:
        shadows.update(store.shadows(name))
    decisions = store.decisions()
    held = {ref for ref, d in decisions.items() if d["origin"] == HUMAN}
    conflicts = find_conflicts([i for i in open_issues if i.ref not in held], shadows, wb)
    pins = {
        ref: Pin(Bucket(d["bucket"]), d["reason"], d["goal"])
        for ref, d in decisions.items()
        if d["bucket"] in {b.value for b in Bucket}
    }
    for c in conflicts:
        if c.bucket:
            pins[c.ref] = Pin(Bucket(c.bucket), f"set {', '.join(c.found)} on the tracker")
        if record:
            reason = f"a person set {', '.join(c.found) or 'no triage labels'} on the tracker"
            store.save_decision(c.ref, c.source, c.bucket, reason, HUMAN, now)
            store.save_shadow(c.source, c.ref, c.found, now)
    # the semantic backend embeds what the rules see: the issues without triagewise's labels
    seen = [without_owned(i, owned_labels(config)) for i in open_issues]
    assessments = assess(open_issues, config, now, pins, **semantic_inputs(store, config, seen))
    orders = {
        s.name: scopes[s.name] or []
        for s in config.sources
        if isinstance(s, JiraSource) and scopes[s.name]
    }
    by_ref = {i.ref: i for i in open_issues}
    projects = {
        s.name: scopes[s.name] or []
        for s in config.sources
        if isinstance(s, GitHubSource) and s.project is not None and scopes[s.name] is not None
    }
    scores = {
        s.name: store.board_scores(s.name)
        for s in config.sources
        if isinstance(s, GitHubSource)
        and s.project
        and s.project.score_field
        and s.name in projects
    }
    plan = build_plan(
        assessments,
        by_ref,
        shadows,
        conflicts,
        wb,
        orders,
        held,
        projects,
        store.comments(),
        scores,
    )
    return Planned(plan, assessments, held | {c.ref for c in conflicts})


def semantic_inputs(store: Store, config: Config, issues: list[Issue]) -> dict[str, Any]:
    """The semantic backend's inputs when `[vision] backend` asks for it (or `auto` finds the
    extra installed); nothing otherwise, and the rules run lexically exactly as before."""
    from triagewise.semantic import embed

    wanted = config.vision.backend
    if wanted == "lexical" or (wanted == "auto" and not embed.available()):
        return {}
    model = _embedder()
    vectors = embed.issue_vectors(store, model, issues)
    return embed.build_inputs(config, issues, vectors, model)


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """One model a process: loading it takes seconds."""
    from triagewise.semantic.embed import Embedder

    return Embedder()


@dataclass
class Connections:
    writers: dict[str, Writer] = field(default_factory=dict)
    rankers: dict[str, Ranker] = field(default_factory=dict)
    jira: dict[str, JiraWriter] = field(default_factory=dict)
    boards: dict[str, ProjectBoard] = field(default_factory=dict)
    commenters: dict[str, Any] = field(default_factory=dict)
    closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for c in self.closers:
            c.close()


def connect(
    config: Config, env: Mapping[str, str], policy: RetryPolicy, only: set[str]
) -> Connections:
    out = Connections()
    for index, source in enumerate(config.sources):
        if source.name not in only:
            continue
        if isinstance(source, GitHubSource):
            client = open_github(source, index, env, policy, config.network.timeout)
            writer = GitHubWriter(client)
            out.writers[source.name] = writer
            out.commenters[source.name] = lambda ref, body, known, w=writer: github_comment(
                w, ref, body, known
            )
            if source.project is not None:
                project = source.project
                out.boards[source.name] = ProjectBoard(
                    writer, project.owner, project.number, project.score_field
                )
            out.closers.append(client)
        else:
            jira = open_jira(source, index, env, policy, config.network.timeout)
            jira_writer = JiraWriter(jira)
            out.writers[source.name] = jira_writer
            out.rankers[source.name] = jira_writer
            out.jira[source.name] = jira_writer
            out.commenters[source.name] = lambda ref, body, known, w=jira_writer: jira_comment(
                w, ref, body, known
            )
            out.closers.append(jira)
    return out


def sweep_boards(store: Store, config: Config, conns: Connections, now: datetime) -> int:
    """Re-read each Jira board's order and scope (keys only, 5,000 a page on Cloud)."""
    requests = 0
    for name, writer in conns.jira.items():
        before = writer.client.requests
        store.save_board_order(name, writer.board_order(), now)
        requests += writer.client.requests - before
    for name, board in conns.boards.items():
        before = board.writer.client.requests
        by_node = {i.node_id: i.ref for i in store.issues(name) if i.node_id}
        store.save_board_order(name, [by_node[n] for n in board.order() if n in by_node], now)
        if board.score_field:
            on_board = {by_node[n]: v for n, v in board.scores.items() if n in by_node}
            store.save_board_scores(name, on_board)
        requests += board.writer.client.requests - before
    return requests


def _targets(store: Store, config: Config) -> dict[str, str]:
    """What GitHub writes address: an issue's node id."""
    out: dict[str, str] = {}
    for source in config.sources:
        if isinstance(source, GitHubSource):
            out.update({i.ref: i.node_id for i in store.issues(source.name) if i.node_id})
    return out


def finish_unfinished(store: Store, config: Config, conns: Connections) -> ApplyResult | None:
    """A plan a killed run left half-applied is finished first, from its journal."""
    key = store.unfinished_plan()
    if key is None:
        return None
    checksum = key.split("@", 1)[0]
    changes: list[Any] = []
    for _, _, kind, change, _ in store.journal(key):
        data = json.loads(change)
        if kind == "labels":
            changes.append(
                LabelChange(**{**data, "add": tuple(data["add"]), "remove": tuple(data["remove"])})
            )
        elif kind == "position":
            changes.append(ProjectMove(**data))
        elif kind == "comment":
            changes.append(CommentChange(**data))
        elif kind == "score":
            changes.append(ScoreChange(**data))
        else:
            changes.append(RankMove(**{**data, "issues": tuple(data["issues"])}))
    old = Plan(tuple(changes), ())
    if old.checksum != checksum:
        raise TriagewiseError(f"The journal of plan {checksum} does not match its changes.")
    return _apply(store, old, config, conns, key)


def _apply(
    store: Store, plan: Plan, config: Config, conns: Connections, key: str | None = None
) -> ApplyResult:
    return apply_plan(
        store,
        plan,
        conns.writers,
        conns.rankers,
        _targets(store, config),
        config.writeback,
        config.network.write_interval,
        conns.boards,
        journal_key=key,
        commenters=conns.commenters,
    )


def _remember_moves(store: Store, plan: Plan, now: datetime) -> None:
    """The board orders after the moves, so the next plan starts from them."""
    for source in {c.source for c in plan.changes if isinstance(c, ProjectMove)}:
        order = store.board_order(source) or []
        for c in plan.changes:
            if isinstance(c, ProjectMove) and c.source == source:
                if c.ref in order:
                    order.remove(c.ref)
                at = (
                    len(order)
                    if not c.move
                    else (0 if c.after is None else order.index(c.after) + 1)
                )
                order.insert(at, c.ref)
        store.save_board_order(source, order, now)
    for source in {c.source for c in plan.changes if isinstance(c, RankMove)}:
        order = store.board_order(source) or []
        moves = [
            (c.issues, c.position, c.anchor)
            for c in plan.changes
            if isinstance(c, RankMove) and c.source == source
        ]
        store.save_board_order(source, apply_block_moves(order, moves), now)


@dataclass
class SyncResult:
    pulled: list[PullResult]
    plan: Plan
    applied: ApplyResult | None
    resumed: ApplyResult | None
    sweep_requests: int
    dry_run: bool

    @property
    def failed(self) -> list[str]:
        return [
            *(self.resumed.failed if self.resumed else []),
            *(self.applied.failed if self.applied else []),
        ]

    def as_dict(self) -> dict[str, object]:
        kinds = [c.kind for c in self.plan.changes]
        return {
            "pulled": [r.as_dict() for r in self.pulled],
            "checksum": self.plan.checksum,
            "label_changes": kinds.count("labels"),
            "rank_moves": kinds.count("rank") + kinds.count("position"),
            "score_writes": kinds.count("score"),
            "comments": kinds.count("comment"),
            "conflicts": [c.sentence for c in self.plan.conflicts],
            "sweep_requests": self.sweep_requests,
            "dry_run": self.dry_run,
            "applied": self.applied.as_dict() if self.applied else None,
            "resumed": self.resumed.as_dict() if self.resumed else None,
            "failed": self.failed,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def run_apply(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    force: bool = False,
    checksum: str | None = None,
    conns: Connections | None = None,
) -> tuple[Plan, ApplyResult | None, ApplyResult | None]:
    own = conns is None
    conns = conns or connect(config, env, policy, {s.name for s in config.sources})
    try:
        resumed = finish_unfinished(store, config, conns)
        planned = make_plan(store, config, _now(), record=True)
        if checksum is not None and planned.plan.checksum != checksum:
            raise TriagewiseError(
                f"The plan changed since you reviewed it (checksum {planned.plan.checksum}, "
                f"not {checksum}); run 'triagewise plan' again."
            )
        if not force and (why := exceeds_threshold(planned.plan, config.writeback)):
            raise TriagewiseError(f"Refusing to apply: {why}.")
        if not planned.plan.changes:
            return planned.plan, ApplyResult(planned.plan.checksum), resumed
        result = _apply(store, planned.plan, config, conns)
        _remember_moves(store, planned.plan, _now())
        return planned.plan, result, resumed
    finally:
        if own:
            conns.close()


def run_sync(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> SyncResult:
    policy = policy or RetryPolicy(
        attempts=config.network.attempts, wait_budget=config.network.wait_budget
    )
    pulled = pull_all(store, config, env, policy, progress=progress)
    conns = connect(config, env, policy, {s.name for s in config.sources})
    try:
        swept = sweep_boards(store, config, conns, _now()) if config.writeback.rank else 0
        if dry_run:
            planned = make_plan(store, config, _now(), record=False)
            return SyncResult(pulled, planned.plan, None, None, swept, True)
        plan, applied, resumed = run_apply(store, config, env, policy, force=force, conns=conns)
        after = make_plan(store, config, _now(), record=False)
        store.save_snapshot({a.ref: a.bucket.value for a in after.assessments}, _now())
        return SyncResult(pulled, plan, applied, resumed, swept, False)
    finally:
        conns.close()
