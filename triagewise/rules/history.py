"""The decisions a tracker already holds: priorities people set, issues closed as not planned,
won't-do labels. Pure: issues and config in, typed decisions out.

Priority labels come in many schemes (`P1`, `P-high`, `priority/important-soon`, `Priority:
High`, `prio/medium`, `P2 medium`, `high priority`); each maps to a level from 0 (lowest) to 4
(drop everything). Jira's priority field counts too, when a person raised or lowered it from
the default. Closure reasons (GitHub's `state_reason`, Jira's resolution) and won't-do labels
make a "never". triagewise's own labels are never a decision here: they are its outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from triagewise.config.models import Config
from triagewise.model import Issue, Key, StatusCategory
from triagewise.rules.owned import owned_labels, without_owned

HIGH = 3  # a level at or above this is "high priority"
# The words of priority schemes, once a prefix ("priority/", "P-", "prio:") is off.
_LEVEL_WORDS: Mapping[str, int] = {
    "0": 4, "p0": 4, "critical": 4, "critical-urgent": 4, "urgent": 4, "blocker": 4,
    "highest": 4, "showstopper": 4, "asap": 4,
    "1": 3, "p1": 3, "high": 3, "important-soon": 3, "important": 3, "major": 3,
    "2": 2, "p2": 2, "medium": 2, "normal": 2, "important-longterm": 2, "moderate": 2,
    "3": 1, "p3": 1, "low": 1, "minor": 1, "backlog": 1, "nice-to-have": 1, "nice to have": 1,
    "4": 0, "p4": 0, "5": 0, "p5": 0, "lowest": 0, "trivial": 0, "awaiting-more-evidence": 0,
    "someday": 0,
}  # fmt: skip
_STRIP_PREFIX = re.compile(r"^(?:priority|prio|pri|p)(?:\s*[-:/_ ]\s*|(?=\d))", re.IGNORECASE)
_PREFIXED = re.compile(r"^(?:priority|prio|pri)\b|^p[-:/_ ]?\d\b|^p-[a-z]", re.IGNORECASE)
_TRAILING = re.compile(r"^(\w[\w -]*?)\s+priority$", re.IGNORECASE)  # "high priority"
# Jira's default scheme; "Medium" is the default, so only a move away from it is a decision
JIRA_LEVELS: Mapping[str, int] = {
    "highest": 4, "blocker": 4, "critical": 4, "high": 3, "major": 3, "medium": 2,
    "low": 1, "minor": 1, "lowest": 0, "trivial": 0,
}  # fmt: skip
NEVER_REASONS = frozenset({"not_planned", "duplicate"})
NEVER_RESOLUTIONS = frozenset(
    {"won't do", "won't fix", "wont fix", "wontfix", "duplicate", "cannot reproduce",
     "declined", "rejected", "obsolete", "not a bug", "works as designed", "invalid"}
)  # fmt: skip
_NEVER_LABEL = re.compile(
    r"^(?:\w+\s*[:/-]\s*)?(?:won'?t[ -]?(?:fix|do)|wontfix|not planned|not-planned|"
    r"closed[- ]not[- ]planned|closed[- ]as[- ]intended|works? as intended|"
    r"working as intended|declined|rejected|invalid|duplicate|out of scope|insufficient votes|"
    r"not a bug|as-designed|by design|x-wontfix|x-duplicate)$",
    re.IGNORECASE,
)
_STATE_REASON = re.compile(r"\((\w+)\)\s*$")


@dataclass(frozen=True)
class Decision:
    """What the team decided about one issue, and the evidence."""

    ref: str
    level: int | None  # 0..4, None for a never
    never: bool
    evidence: str  # "label 'P1'", "closed as not planned", "Jira priority Highest"

    @property
    def high(self) -> bool:
        return not self.never and self.level is not None and self.level >= HIGH


def label_level(label: str, extra: Mapping[str, int]) -> int | None:
    """The priority a label names, in the config's mapping or a common scheme."""
    low = label.strip().lower()
    if low in extra:
        return extra[low]
    if trailing := _TRAILING.match(low):
        word = trailing.group(1).strip()
        return _LEVEL_WORDS.get(word) if word in ("high", "low", "medium", "critical") else None
    if not _PREFIXED.match(low):
        return None
    rest = _STRIP_PREFIX.sub("", low).strip()
    # "important-soon" whole, else its first word: "2: required" -> 2, "1-high" -> 1
    for word in (rest, re.split(r"[\s:(]+", rest)[0], re.split(r"[\s:(-]+", rest)[0]):
        if word in _LEVEL_WORDS:
            return _LEVEL_WORDS[word]
    return None


def is_never_label(label: str, extra: Iterable[str] = ()) -> bool:
    low = label.strip().lower()
    return low in {x.lower() for x in extra} or bool(_NEVER_LABEL.match(low))


def decision_of(
    issue: Issue,
    priority_labels: Mapping[str, int],
    never_labels: Iterable[str] = (),
    never_resolutions: Iterable[str] = NEVER_RESOLUTIONS,
) -> Decision | None:
    """The team's decision about one issue (its owned labels already removed), or None."""
    never_set = {r.lower() for r in never_resolutions}
    extra_never = tuple(never_labels)
    if issue.status_category is StatusCategory.DONE:
        reason = _STATE_REASON.search(issue.state)
        if reason and reason.group(1) in NEVER_REASONS:
            words = reason.group(1).replace("_", " ")
            return Decision(issue.ref, None, True, f"closed as {words}")
        if issue.resolution and issue.resolution.lower() in never_set:
            return Decision(issue.ref, None, True, f"resolved as {issue.resolution}")
    for label in issue.labels:
        if is_never_label(label, extra_never):
            return Decision(issue.ref, None, True, f"label '{label}'")
    levels = [
        (lv, label)
        for label in issue.labels
        if (lv := label_level(label, priority_labels)) is not None
    ]
    if levels:
        level, label = max(levels)
        return Decision(issue.ref, level, False, f"label '{label}'")
    if issue.priority and issue.priority.lower() in JIRA_LEVELS:
        level = JIRA_LEVELS[issue.priority.lower()]
        if level != 2:
            return Decision(issue.ref, level, False, f"priority {issue.priority}")
    return None


@dataclass(frozen=True)
class History:
    """The issues a model may learn from, each with the team's decision."""

    examples: tuple[tuple[Issue, Decision], ...]
    window_days: int

    @property
    def nevers(self) -> int:
        return sum(1 for _, d in self.examples if d.never)

    @property
    def highs(self) -> int:
        return sum(1 for _, d in self.examples if d.high)


def gather(
    issues: Iterable[Issue],
    config: Config,
    now: datetime,
    people: Mapping[Key, Decision] | None = None,
) -> History:
    """Every issue with a decision: closed within the window, or open with a priority a person
    set; `people` adds decisions made in triagewise (triage sessions, held label edits), which
    win over what the labels say. Owned labels are stripped first, so triagewise never learns
    from its own writes. Sorted by ref, capped at `[history] max_issues` (newest kept)."""
    h = config.history
    owned = owned_labels(config)
    extra = {k.lower(): v for k, v in h.priority_labels.items()}
    since = now - timedelta(days=h.window_days)
    found: dict[Key, tuple[Issue, Decision]] = {}
    for original in issues:
        issue = without_owned(original, owned)
        if issue.status_category is StatusCategory.DONE and (
            issue.closed_at is None or issue.closed_at < since
        ):
            continue
        decision = (people or {}).get(issue.key) or decision_of(
            issue, extra, h.never_labels, h.never_resolutions or NEVER_RESOLUTIONS
        )
        if decision is not None:
            found[issue.key] = (issue, decision)
    newest = sorted(found.values(), key=lambda e: (e[0].updated_at, e[0].ref), reverse=True)
    kept = sorted(newest[: h.max_issues], key=lambda e: (e[0].source, e[0].ref))
    return History(tuple(kept), h.window_days)


def strip_decisions(issue: Issue, config: Config) -> Issue:
    """The issue without the labels that state a decision, and without a Jira priority a
    person moved from the default (that is a decision too), so a model learns what the text
    says rather than reading the answer off a label or the rules' urgency."""
    extra = {k.lower(): v for k, v in config.history.priority_labels.items()}
    kept = tuple(
        label
        for label in issue.labels
        if label_level(label, extra) is None
        and not is_never_label(label, config.history.never_labels)
    )
    update: dict[str, object] = {}
    if kept != issue.labels:
        update["labels"] = kept
    if issue.priority and JIRA_LEVELS.get(issue.priority.lower(), 2) != 2:
        update["priority"] = None
    return issue.model_copy(update=update) if update else issue
