"""Provenance from the tracker: a fresh store (a new machine, a lost cache, a colleague's
checkout) asks the tracker who set the owned labels, instead of reading every label
triagewise wrote as a person's edit.

For each issue that carries owned labels but has neither a shadow nor a decision, the last
change to an owned label decides:

- by one of triagewise's identities (the connection's own login or account, plus
  `[writeback] bot_logins`): the labels become its shadow, as if this store had written them;
- by a person: a held decision with that person's name and time, exactly what the original
  store would have held when it saw the edit;
- no history at all (labels that came with an import): `[writeback] unknown_label_policy`,
  `adopt` (the shadow) or `hold` (a held decision, author unknown).

`classify` is pure; `recover_provenance` is the shell (store and connections).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from triagewise.config.models import Config
from triagewise.connectors.base import Connection, LabelEvent, LabelHistory, fold_identity
from triagewise.model import Issue, Key, StatusCategory
from triagewise.rules.owned import owned_labels
from triagewise.store.db import Store
from triagewise.sync.fresh import HUMAN
from triagewise.sync.plan import human_bucket


@dataclass(frozen=True)
class Verdict:
    """Who last set an issue's owned labels: "ours", "person" (with `actor` and `at`) or
    "unknown" (no history)."""

    kind: str
    actor: str | None = None
    at: datetime | None = None


def classify(events: Sequence[LabelEvent], ours: frozenset[str]) -> Verdict:
    """The last change to an owned label decides (`events` are the issue's owned-label
    events; `ours` the folded identities)."""
    if not events:
        return Verdict("unknown")
    last = max(events, key=lambda e: e.at)
    if last.actor_ids & ours:
        return Verdict("ours", last.actor, last.at)
    return Verdict("person", last.actor, last.at)


@dataclass
class Provenance:
    """What a fresh store learned from the trackers."""

    adopted: int = 0  # issues whose owned labels triagewise wrote before
    held: int = 0  # issues whose owned labels a person set: held decisions
    imported: int = 0  # issues with owned labels and no history (adopted or held by policy)
    requests: int = 0
    held_by: dict[str, str] = field(default_factory=dict)  # ref -> who

    @property
    def sentence(self) -> str | None:
        if not (self.adopted or self.held or self.imported):
            return None
        text = (
            f"adopted {self.adopted} labels triagewise wrote before; held {self.held} set by people"
        )
        if self.imported:
            text += f"; {self.imported} with no history"
        return text

    def as_dict(self) -> dict[str, int]:
        return {
            "adopted": self.adopted,
            "held": self.held,
            "imported": self.imported,
            "requests": self.requests,
        }


def _unknown(
    store: Store, issues: Iterable[Issue], conns: Mapping[str, Connection], config: Config
) -> dict[str, list[Issue]]:
    """Per source that can tell: open issues with owned labels, no shadow, no decision."""
    owned = owned_labels(config)
    shadows = store.shadows()
    decided = store.decisions()
    out: dict[str, list[Issue]] = {}
    for issue in issues:
        conn = conns.get(issue.source)
        if conn is None or not isinstance(conn, LabelHistory):
            continue
        if issue.status_category is StatusCategory.DONE:
            continue
        if issue.key in shadows or issue.key in decided:
            continue
        if any(label.lower() in owned for label in issue.labels):
            out.setdefault(issue.source, []).append(issue)
    return out


def recover_provenance(
    store: Store, config: Config, conns: Mapping[str, Connection], now: datetime
) -> Provenance:
    """Ask the trackers who set the owned labels of issues this store knows nothing about,
    and record the answer as shadows and held decisions. No request when there is none."""
    found = Provenance()
    wb = config.writeback
    owned = owned_labels(config)
    extra = frozenset(fold_identity(x) for x in wb.bot_logins)
    for source, issues in _unknown(store, store.issues(), conns, config).items():
        conn = conns[source]
        assert isinstance(conn, LabelHistory)
        before = conn.meter().requests
        ours = conn.identities() | extra
        events = conn.label_events(issues, owned)
        found.requests += conn.meter().requests - before
        for issue in issues:
            labels = tuple(sorted(x for x in issue.labels if x.lower() in owned))
            verdict = classify(events.get(issue.ref, []), ours)
            _record(store, issue.key, labels, verdict, config, now, found)
    return found


def _record(
    store: Store,
    key: Key,
    labels: tuple[str, ...],
    verdict: Verdict,
    config: Config,
    now: datetime,
    found: Provenance,
) -> None:
    wb = config.writeback
    hold = verdict.kind == "person" or (
        verdict.kind == "unknown" and wb.unknown_label_policy == "hold"
    )
    if verdict.kind == "unknown":
        found.imported += 1
    elif verdict.kind == "ours":
        found.adopted += 1
    if hold:
        if verdict.kind == "person":
            found.held += 1
            found.held_by[key.ref] = verdict.actor or "someone"
            reason = f"a person set {', '.join(labels)} on the tracker"
        else:
            reason = f"{', '.join(labels)} came with the issue, with no history"
        when = verdict.at or now
        bucket = human_bucket(labels, wb)
        store.save_decision(key, bucket, reason, HUMAN, when, author=verdict.actor)
    store.save_shadow(key, labels, now)
