"""The shapes the triage steps share: buckets, a person's pin, the draft an issue is while it
is being assessed, the learned model's inputs. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from triagewise.model import Issue
from triagewise.rules.goals import GoalMatch
from triagewise.rules.kind import NO_KIND, KindOf
from triagewise.rules.learned import LearnedModel
from triagewise.rules.scoring import Score, Signals
from triagewise.rules.severity import NO_SEVERITY, Severity, SeverityOf
from triagewise.rules.vision import Alignment

NEEDS_DETAIL = "needs detail"


@dataclass(frozen=True)
class LearnedInputs:
    """A model fitted on the team's own decisions, and the issues it called never (ref, title,
    tokens), to name the nearest one in a reason."""

    model: LearnedModel
    nevers: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


class Bucket(StrEnum):
    NOW = "now"
    LATER = "later"
    NEVER = "never"


DUPLICATE_OF = "duplicate of "  # the reason a person's duplicate decision carries


@dataclass(frozen=True)
class Pin:
    """A person's decision; it stands over every rule."""

    bucket: Bucket
    reason: str = ""
    goal: str | None = None
    review_on: date | None = None
    author: str | None = None  # who decided (a login, `[team] me`), when known
    decided_on: date | None = None

    @property
    def duplicate_of(self) -> str | None:
        """The ref a person said this issue duplicates (the session's `d`: a never with the
        reason "duplicate of REF"), or None."""
        if self.bucket is Bucket.NEVER and self.reason.startswith(DUPLICATE_OF):
            ref = self.reason.removeprefix(DUPLICATE_OF).strip()
            return ref if ref and " " not in ref else None
        return None


@dataclass
class Draft:
    issue: Issue
    alignment: Alignment
    goals: list[GoalMatch]
    signals: Signals
    duplicate_of: list[str]
    duplicated_by: list[str] = field(default_factory=list)
    score: Score | None = None
    bucket: Bucket | None = None
    rule: str = ""
    lead: str = ""
    pinned: bool = False
    review_on: date | None = None
    kind: KindOf = NO_KIND
    severity: SeverityOf = NO_SEVERITY
    flags: tuple[str, ...] = ()
    low_fit: bool = False
    learned: dict[str, float] = field(default_factory=dict)  # P(high), P(never)
    bag: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # pattern matches skipped for this issue

    @property
    def protected(self) -> bool:
        """A severe defect or a raised tracker priority: only a rule or a person sends it to
        never, however little it fits the vision."""
        raised = self.signals.priority is not None and self.signals.priority > 0.5
        return self.severity.level >= Severity.MAJOR or raised
