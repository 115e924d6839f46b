"""Undo without SQL: `release` hands issues back to the rules, `revert` writes back what an
applied run found before it wrote. Both go through a plan and the journaled apply.

- `release REF…` forgets the issues' decisions (a person's held edit, a session decision) and
  writes what the rules say for those issues now (their label, comment and score changes; the
  board order follows at the next sync). The release is logged, so `history` shows it.
- `revert [RUN]` takes the label changes an applied run made (the last one by default;
  `RUN` counts applied runs from 1, as `history --runs` lists them) and sends each one's
  inverse, but only where the tracker, freshly pulled, still shows what that run wrote. Where
  a person (or a later run) changed the labels since, their edit wins and is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from triagewise.config.models import Config
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import NotFoundError
from triagewise.model import Key
from triagewise.store.db import Store
from triagewise.sync import changes as codec
from triagewise.sync.apply import ApplyResult
from triagewise.sync.changes import LabelChange, RankMove
from triagewise.sync.plan import Plan
from triagewise.sync.pull import pull_all
from triagewise.sync.run import Clock, _apply, connect, make_plan


def resolve(store: Store, refs: Sequence[str], source: str | None = None) -> list[Key]:
    """The issues these refs name (APP-12, acme/app#12); one sentence for a ref the store
    does not hold, or one that two sources hold (then `--source` picks)."""
    keys: list[Key] = []
    for ref in refs:
        found = [i for i in store.find(ref) if source is None or i.source == source]
        if not found:
            raise NotFoundError(
                f"There is no issue {ref} in the store; check the ref, or run "
                "'triagewise pull' if it is new."
            )
        if len(found) > 1:
            names = ", ".join(sorted(i.source for i in found))
            raise NotFoundError(f"{ref} is in more than one source ({names}); add --source.")
        keys.append(found[0].key)
    return keys


@dataclass
class Undone:
    """What a release or revert planned, applied and left alone."""

    plan: Plan
    applied: ApplyResult | None
    released: list[Key] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # sentences: edits that win over a revert
    run: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "run": self.run,
            "released": [k.ref for k in self.released],
            "changes": [c.as_json() for c in self.plan.changes],
            "kept": self.kept,
            "applied": self.applied.as_dict() if self.applied else None,
            "dry_run": self.applied is None,
        }


def _send(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    plan: Plan,
    now: Clock,
) -> ApplyResult:
    sources = {c.source for c in plan.changes}
    conns = connect(config, env, policy, sources)
    try:
        return _apply(store, plan, config, conns, now)
    finally:
        conns.close()


def run_release(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    keys: Sequence[Key],
    author: str | None,
    dry_run: bool,
    now: Clock,
) -> Undone:
    """Plan what the rules say for these issues without their decisions; unless `dry_run`,
    forget the decisions (logged) and apply."""
    decided = store.decisions()
    undecided = [k.ref for k in keys if k not in decided]
    if undecided:
        raise NotFoundError(
            f"{', '.join(undecided)} {'has' if len(undecided) == 1 else 'have'} no decision to "
            "release; the rules already place it."
        )
    wanted = set(keys)
    planned = make_plan(store, config, now(), released=frozenset(wanted))
    mine = tuple(
        c
        for c in planned.plan.changes
        if not isinstance(c, RankMove) and Key(c.source, c.ref) in wanted
    )
    plan = replace(planned.plan, changes=mine, conflicts=())
    if dry_run:
        return Undone(plan, None, list(keys))
    for key in keys:
        store.delete_decision(key, now(), author)
    applied = _send(store, config, env, policy, plan, now) if plan.changes else None
    return Undone(plan, applied or ApplyResult(plan.checksum), list(keys))


def _inverse(
    store: Store, change: LabelChange, prefixes: tuple[str, str]
) -> tuple[LabelChange | None, str | None]:
    """The change that undoes `change`, if the mirror still shows what it wrote; else the
    sentence saying whose edit wins."""
    issue = store.issue(Key(change.source, change.ref))
    if issue is None:
        return None, f"{change.ref}: no longer in the store; left alone."
    now = {x.lower() for x in issue.labels}
    if all(a.lower() in now for a in change.add) and not any(
        r.lower() in now for r in change.remove
    ):
        return LabelChange(change.ref, change.source, change.remove, change.add), None
    shown = ", ".join(sorted(x for x in issue.labels if x.lower().startswith(prefixes)))
    return None, (
        f"{change.ref}: changed since that run wrote it (now {shown or 'no triage labels'}); "
        "that later edit wins."
    )


def run_revert(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy,
    run: int | None,
    dry_run: bool,
    now: Clock,
) -> Undone:
    """Pull, then send the inverse of each label change run `run` (default: the last) made,
    where the tracker still shows it; unless `dry_run`."""
    runs = store.applied_runs()
    if not runs:
        raise NotFoundError("No run has written anything yet; there is nothing to revert.")
    number = run if run is not None else len(runs)
    if not 1 <= number <= len(runs):
        raise NotFoundError(
            f"There is no applied run {number}; the journal holds runs 1 to {len(runs)}."
        )
    journal = runs[number - 1][0]
    pull_all(store, config, env, policy, now=now)
    done = [r for r in store.journal(journal) if r.state == "done" and r.kind == "labels"]
    wb = config.writeback
    prefixes = (f"{wb.label_prefix}/".lower(), f"{wb.goal_prefix}/".lower())
    inverses: list[LabelChange] = []
    kept: list[str] = []
    for row in done:
        change = codec.decode(row.kind, row.change)
        assert isinstance(change, LabelChange)
        inverse, why = _inverse(store, change, prefixes)
        if inverse is not None:
            inverses.append(inverse)
        elif why is not None:
            kept.append(why)
    if done and not inverses:
        raise NotFoundError(
            f"Cannot revert run {number}: every issue it labelled was changed since "
            f"({kept[0].split(':')[0]}{' and others' if len(kept) > 1 else ''}); "
            "those later edits win."
        )
    plan = Plan(tuple(inverses), ())
    if dry_run or not inverses:
        return Undone(plan, None, kept=kept, run=number)
    applied = _send(store, config, env, policy, plan, now)
    return Undone(plan, applied, kept=kept, run=number)
