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
from datetime import date, datetime

from triagewise.config.models import Config
from triagewise.connectors.base import Connection, LabelEvent, LabelHistory
from triagewise.connectors.identity import DecisionRecords, latest
from triagewise.model import DecisionRow, Issue, Key, StatusCategory
from triagewise.rules.owned import owned_labels
from triagewise.store.db import Store
from triagewise.sync.comments import read_record
from triagewise.sync.fresh import HUMAN
from triagewise.sync.plan import Conflict, human_bucket


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
    last = latest(events)
    if last.actor_ids & ours:
        return Verdict("ours", last.actor, last.at)
    return Verdict("person", last.actor, last.at)


@dataclass
class Provenance:
    """What a fresh store learned from the trackers."""

    adopted: int = 0  # issues whose owned labels triagewise wrote before
    held: int = 0  # issues whose owned labels a person set: held decisions
    imported: int = 0  # issues with owned labels and no history (adopted or held by policy)
    adopted_labels: int = 0  # the owned labels on the adopted issues
    held_labels: int = 0  # the owned labels on the issues people set
    requests: int = 0
    restored: int = 0  # session decisions restored from the records in triagewise's comments
    held_by: dict[str, str] = field(default_factory=dict)  # ref -> the sentence

    @property
    def sentence(self) -> str | None:
        if not (self.adopted or self.held or self.imported):
            return None
        text = (
            f"adopted {self.adopted_labels} labels triagewise wrote before "
            f"({self.adopted} issues); held {self.held_labels} set by people ({self.held} issues)"
        )
        if self.imported:
            text += f"; {self.imported} with no history"
        if self.restored:
            text += f"; restored {self.restored} decisions recorded in triagewise's comments"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "adopted": self.adopted,
            "held": self.held,
            "imported": self.imported,
            "adopted_labels": self.adopted_labels,
            "held_labels": self.held_labels,
            "requests": self.requests,
            "restored": self.restored,
            "held_issues": sorted(self.held_by),
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


def needs_provenance(store: Store, config: Config, names: set[str]) -> bool:
    """Whether an open issue of these sources carries owned labels the store has no shadow
    or decision for (else provenance costs no request at all)."""
    owned = owned_labels(config)
    shadows, decided = store.shadows(), store.decisions()
    return any(
        i.source in names
        and i.status_category is not StatusCategory.DONE
        and i.key not in shadows
        and i.key not in decided
        and any(label.lower() in owned for label in i.labels)
        for i in store.issues()
    )


def recover_provenance(
    store: Store, config: Config, conns: Mapping[str, Connection], now: datetime
) -> Provenance:
    """Ask the trackers who set the owned labels of issues this store knows nothing about,
    and record the answer as shadows and held decisions. No request when there is none."""
    found = Provenance()
    owned = owned_labels(config)
    for source, issues in _unknown(store, store.issues(), conns, config).items():
        conn = conns[source]
        assert isinstance(conn, LabelHistory)
        before = conn.meter().requests
        ours = conn.identities()  # bot_logins included (`connect` adds them)
        events = conn.label_events(issues, owned)
        found.requests += conn.meter().requests - before
        adopted: list[Issue] = []
        for issue in issues:
            labels = tuple(sorted(x for x in issue.labels if x.lower() in owned))
            verdict = classify(events.get(issue.ref, []), ours)
            _record(store, issue.key, labels, verdict, config, now, found)
            if verdict.kind == "ours":
                adopted.append(issue)
        if adopted and isinstance(conn, DecisionRecords):
            before = conn.meter().requests
            records = conn.decision_records(adopted)
            found.requests += conn.meter().requests - before
            for issue in adopted:
                if issue.ref in records:
                    found.restored += _restore(store, issue.key, *records[issue.ref])
    return found


def _restore(store: Store, key: Key, comment_id: str, text: str) -> int:
    """A session decision whose labels triagewise wrote, from the record in its own comment
    (its author, reason and time as recorded), and that comment as up to date (1), or
    nothing for a record that does not read (0)."""
    parsed = read_record(text)
    if parsed is None:
        return 0
    d, digest = parsed
    try:
        when = _when(str(d["decided_at"]))
    except ValueError:
        return 0
    origin = d["origin"] or "session"
    reason = d["reason"] or ""
    store.save_decision(
        key, d["bucket"], reason, origin, when, d["goal"], d["review_on"], d["author"]
    )
    store.save_comment(key, comment_id, digest)
    return 1


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
        found.adopted_labels += len(labels)
    if hold:
        bucket = human_bucket(labels, wb)
        if verdict.kind == "person":
            found.held += 1
            found.held_labels += len(labels)
            held_at = f"held at {bucket}" if bucket else "left as they set it"
            found.held_by[key.ref] = (
                f"{key.ref}: {verdict.actor or 'a person'} set {', '.join(labels)} on the "
                f"tracker before this store knew it; {held_at}."
            )
            reason = f"a person set {', '.join(labels)} on the tracker"
        else:
            reason = f"{', '.join(labels)} came with the issue, with no history"
        when = verdict.at or now
        store.save_decision(key, bucket, reason, HUMAN, when, author=verdict.actor)
    store.save_shadow(key, labels, now)


def who_changed(
    store: Store, config: Config, conns: Mapping[str, Connection], conflicts: Iterable[Conflict]
) -> dict[Key, tuple[str, datetime]]:
    """Who made each conflicting edit of owned labels, and when: the last change to an owned
    label by someone who is not triagewise, from the tracker's label events (one batched read
    per source; none without conflicts)."""
    owned = owned_labels(config)
    by_source: dict[str, list[Issue]] = {}
    for c in conflicts:
        issue = store.issue(c.key)
        conn = conns.get(c.source)
        if issue is not None and conn is not None and isinstance(conn, LabelHistory):
            by_source.setdefault(c.source, []).append(issue)
    out: dict[Key, tuple[str, datetime]] = {}
    for source, issues in by_source.items():
        conn = conns[source]
        assert isinstance(conn, LabelHistory)
        ours = conn.identities()
        events = conn.label_events(issues, owned)
        for issue in issues:
            theirs = [e for e in events.get(issue.ref, []) if not e.actor_ids & ours]
            if theirs:
                last = latest(theirs)
                out[issue.key] = (last.actor, last.at)
    return out


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def decided_on(text: str) -> date | None:
    """The day of a stored `decided_at`."""
    try:
        return _when(text).date()
    except ValueError:
        return None


def decided_since(decision: DecisionRow | None, updated: datetime) -> bool:
    """A decision made (in a session, not on the tracker) after the issue last changed: it
    saw the issue's labels, so it is the newer word, not a conflict to hold over it."""
    if decision is None or decision.origin == HUMAN:
        return False
    try:
        return _when(decision.decided_at) >= updated
    except ValueError:
        return False
