"""Who did what on a tracker: triagewise's own identities and the label events of issues, the
optional `LabelHistory` capability a connection may have (re-exported by `base.py`). A fresh
store asks it who set the owned labels; the commenters ask it whose marked comment is theirs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from triagewise.model import Issue


def fold_identity(name: str) -> str:
    """A login or account id as identities compare: case-folded, without the `[bot]` suffix
    GitHub's REST shows and its GraphQL leaves off (`github-actions[bot]` is
    `github-actions`)."""
    return name.strip().lower().removesuffix("[bot]")


@dataclass(frozen=True)
class LabelEvent:
    """One label added to or removed from an issue: by whom (`actor`, how people know them;
    `actor_ids`, every id the tracker gives them, folded) and when."""

    ref: str
    label: str
    added: bool
    actor: str
    actor_ids: frozenset[str]
    at: datetime


def latest(events: Sequence[LabelEvent]) -> LabelEvent:
    """The most recent event. Trackers give event times in whole seconds, so a person's edit
    can share its second with triagewise's write just before it: of equal times the one the
    tracker lists last (its history is in order) is the later."""
    return sorted(events, key=lambda e: e.at)[-1]


@runtime_checkable
class LabelHistory(Protocol):
    """A connection that can say who set an issue's labels (optional capability): what a
    fresh store asks the tracker so it tells triagewise's own labels from people's."""

    def identities(self) -> frozenset[str]:
        """The ids that are triagewise here, folded (`fold_identity`): what this connection's
        credentials act as (GitHub's `viewer` login, Jira's `/myself` account id or user name;
        one request, cached) and those `add_identities` named."""
        ...

    def add_identities(self, names: Iterable[str]) -> None:
        """More ids that are triagewise (`[writeback] bot_logins`: an App, a previous token):
        their label changes and marked comments count as its own."""
        ...

    def label_events(
        self, issues: Sequence[Issue], labels: frozenset[str]
    ) -> dict[str, list[LabelEvent]]:
        """The events of the given labels (lower-cased names) on these issues, oldest first,
        by ref; an issue without any has an empty list. As few requests as the tracker
        allows (batched queries, bulk changelog); reads only."""
        ...


@runtime_checkable
class DecisionRecords(Protocol):
    """A connection that can read back the decision records triagewise left in its own
    explanation comments (optional capability): how a fresh store restores a person's
    session decision, whose labels triagewise itself wrote."""

    def decision_records(self, issues: Sequence[Issue]) -> dict[str, tuple[str, str]]:
        """ref -> (comment id, record JSON) for the issues whose comment by one of
        triagewise's identities carries a record; a comment anyone else wrote is never read
        for one. As few requests as the tracker allows; reads only."""
        ...


class _Tracked(LabelHistory, DecisionRecords, Protocol):
    """A tracker package's history reader: both capabilities in one object."""


class FromHistory:
    """A connection's `LabelHistory` and `DecisionRecords`, handed to its `history` reader
    (GitHub's timelines, Jira's changelogs): every tracker delegates them the same way."""

    history: _Tracked

    def identities(self) -> frozenset[str]:
        return self.history.identities()

    def add_identities(self, names: Iterable[str]) -> None:
        self.history.add_identities(names)

    def label_events(
        self, issues: Sequence[Issue], labels: frozenset[str]
    ) -> dict[str, list[LabelEvent]]:
        return self.history.label_events(issues, labels)

    def decision_records(self, issues: Sequence[Issue]) -> dict[str, tuple[str, str]]:
        return self.history.decision_records(issues)
