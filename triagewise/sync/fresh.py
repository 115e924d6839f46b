"""A person's edit during a sync is never written over (issue 17 item 2).

Right before label changes go out, the issues' labels are read again in batches (GitHub
`nodes(ids:)`, 100 a request; Jira `key in (…)` searches, 100 a request). An issue whose owned
labels moved since the pull, in a way the change itself does not explain, is held: the mirror
learns what the tracker holds, the person's bucket becomes a held decision, and nothing is
written to it. After the write, where the tracker's answer carries the labels (GitHub's
mutations return `labelable { labels }`), a person's bucket label that appeared meanwhile makes
triagewise take its own added labels back off and hold the issue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import BatchLabelWriter, FreshLabelReader
from triagewise.model import Key
from triagewise.store.db import Store
from triagewise.sync.changes import LabelChange
from triagewise.sync.plan import owned, person_bucket

HUMAN = "label"  # a decision a person made by editing triagewise's labels on the tracker
FRESH_GROUP = 100  # label changes read fresh together (one GitHub nodes(ids:) request)


def _fold(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(label.lower() for label in labels)


def explained(before: Iterable[str], now: Iterable[str], change: LabelChange, sent: bool) -> bool:
    """Whether the owned labels `now` are what the pull saw (`before`), or — for a change
    that may have been sent already — some part of the change applied to it."""
    was, have = _fold(before), _fold(now)
    if not sent:
        return was == have
    add, remove = _fold(change.add), _fold(change.remove)
    return have <= was | add and was - remove <= have


def mirror(store: Store, change: LabelChange) -> list[str]:
    """The labels the mirror holds for the change's issue (what the pull saw)."""
    issue = store.issue(Key(change.source, change.ref))
    return list(issue.labels) if issue else []


def hold(
    store: Store,
    change: LabelChange,
    labels: Iterable[str],
    wb: WritebackConfig,
    now: datetime,
    journal: str,
    seq: int,
) -> str:
    """The mirror learns the tracker's labels, the person's bucket (if their labels name one)
    becomes a held decision, the journal entry ends "held"; returns the sentence."""
    key = Key(change.source, change.ref)
    labels = sorted(labels)
    found = sorted(owned(labels, wb))
    shadow = store.shadows().get(key, frozenset())
    bucket = person_bucket(found, shadow, wb)
    shown = ", ".join(found) or "no triage labels"
    sentence = f"{key.ref}: a person changed its labels to {shown} during the sync; " + (
        f"held at {bucket}, not written over." if bucket else "left as they set it."
    )
    with store.transaction():
        store.set_labels(key, labels)
        store.save_decision(key, bucket, f"a person set {shown} on the tracker", HUMAN, now)
        store.save_shadow(key, found, now)
        store.journal_mark(journal, seq, "held", sentence, now)
    return sentence


def fresh_split(
    writer: BatchLabelWriter,
    todo: Sequence[tuple[int, str, LabelChange]],
    mirror: Callable[[LabelChange], Sequence[str]],
    target: Callable[[str], str],
    wb: WritebackConfig,
) -> tuple[
    list[tuple[int, str, LabelChange, set[str] | None]], list[tuple[int, LabelChange, set[str]]]
]:
    """(to go on with, each with the labels found if read; to hold, with the labels found):
    each (seq, state, change) read fresh."""
    if not isinstance(writer, FreshLabelReader):
        return [(seq, state, c, None) for seq, state, c in todo], []
    found = writer.labels_now([(c.ref, target(c.ref)) for _, _, c in todo])
    go: list[tuple[int, str, LabelChange, set[str] | None]] = []
    held: list[tuple[int, LabelChange, set[str]]] = []
    for seq, state, change in todo:
        labels = found.get(change.ref)
        before = owned(mirror(change), wb)
        if labels is None or explained(before, owned(labels, wb), change, state == "sending"):
            go.append((seq, state, change, labels))  # a vanished one fails on the write
        else:
            held.append((seq, change, labels))
    return go, held


def taken_back(
    writer: BatchLabelWriter, change: LabelChange, expected: Sequence[str], wb: WritebackConfig
) -> tuple[set[str], tuple[str, ...]] | None:
    """After a write: when the tracker's answer shows a bucket label triagewise neither wrote
    nor expected, (the labels now, our added labels to take back off); else None."""
    if not isinstance(writer, FreshLabelReader):
        return None
    after = writer.labels_written(change.ref)
    if after is None:
        return None
    buckets = _fold(wb.bucket_label(b) for b in ("now", "later", "never"))
    appeared = (_fold(owned(after, wb)) - _fold(owned(expected, wb))) & buckets
    if not appeared:
        return None
    ours = tuple(a for a in change.add if a.lower() not in appeared and a in after)
    return after, ours
