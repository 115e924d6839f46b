"""What kind of work an issue is: a bug, a feature, a task, docs, a question or security. Pure.

The evidence, strongest first: a label the config maps; the tracker's own type (Jira's issue
type, GitHub's issue type); the common label schemes (`bug`, `kind/bug`, `type: bug`,
`type-enhancement`, `c: crash`, `feature-request`, …); then the words of the title, and last
the body. Each kind comes with the evidence that decided it, for the reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from triagewise.model import Issue


class Kind(StrEnum):
    BUG = "bug"
    FEATURE = "feature"
    TASK = "task"
    DOCS = "docs"
    QUESTION = "question"
    SECURITY = "security"


@dataclass(frozen=True)
class KindOf:
    kind: Kind | None
    evidence: str  # "label 'type: bug'", "Jira type Bug", "'crashes' in the title", ""


NO_KIND = KindOf(None, "")

# The words label schemes use for each kind, once their prefix ("kind/", "type: ", "t-") is off.
_LABEL_WORDS: Mapping[str, Kind] = {
    "bug": Kind.BUG, "bugs": Kind.BUG, "defect": Kind.BUG, "bugfix": Kind.BUG,
    "regression": Kind.BUG, "crash": Kind.BUG, "fatal crash": Kind.BUG, "error": Kind.BUG,
    "broken": Kind.BUG, "incident": Kind.BUG, "data loss": Kind.BUG, "dataloss": Kind.BUG,
    "confirmed bug": Kind.BUG, "possible bug": Kind.BUG, "performance": Kind.BUG,
    "feature": Kind.FEATURE, "features": Kind.FEATURE, "feature request": Kind.FEATURE,
    "feature-request": Kind.FEATURE, "new feature": Kind.FEATURE, "enhancement": Kind.FEATURE,
    "enhancements": Kind.FEATURE, "improvement": Kind.FEATURE, "proposal": Kind.FEATURE,
    "request": Kind.FEATURE, "story": Kind.FEATURE, "user story": Kind.FEATURE,
    "idea": Kind.FEATURE, "suggestion": Kind.FEATURE, "rfc": Kind.FEATURE,
    "task": Kind.TASK, "chore": Kind.TASK, "cleanup": Kind.TASK, "clean up": Kind.TASK,
    "refactor": Kind.TASK, "refactoring": Kind.TASK, "tech debt": Kind.TASK,
    "tech-debt": Kind.TASK, "technical debt": Kind.TASK, "maintenance": Kind.TASK,
    "dependencies": Kind.TASK, "infrastructure": Kind.TASK, "ci": Kind.TASK, "test": Kind.TASK,
    "tests": Kind.TASK, "testing": Kind.TASK, "build": Kind.TASK, "sub-task": Kind.TASK,
    "subtask": Kind.TASK, "contributor-productivity": Kind.TASK, "flake": Kind.TASK,
    "docs": Kind.DOCS, "doc": Kind.DOCS, "documentation": Kind.DOCS, "api docs": Kind.DOCS,
    "examples": Kind.DOCS, "samples": Kind.DOCS, "website": Kind.DOCS,
    "question": Kind.QUESTION, "questions": Kind.QUESTION, "support": Kind.QUESTION,
    "how-to": Kind.QUESTION, "discussion": Kind.QUESTION,
    "security": Kind.SECURITY, "vulnerability": Kind.SECURITY, "cve": Kind.SECURITY,
}  # fmt: skip
# Tracker issue types (Jira's standard schemes, GitHub's issue types).
_TYPES: Mapping[str, Kind] = {
    "bug": Kind.BUG, "defect": Kind.BUG, "incident": Kind.BUG, "problem": Kind.BUG,
    "story": Kind.FEATURE, "new feature": Kind.FEATURE, "feature": Kind.FEATURE,
    "improvement": Kind.FEATURE, "enhancement": Kind.FEATURE, "epic": Kind.FEATURE,
    "task": Kind.TASK, "sub-task": Kind.TASK, "subtask": Kind.TASK, "chore": Kind.TASK,
    "spike": Kind.TASK, "documentation": Kind.DOCS, "question": Kind.QUESTION,
    "support": Kind.QUESTION, "security": Kind.SECURITY, "vulnerability": Kind.SECURITY,
}  # fmt: skip
# "kind/bug", "type: bug", "type-bug", "t-bug", "c: crash", "d: api docs", "[bug]"
_PREFIX = re.compile(
    r"^\s*(?:(?:kind|type|t|c|d|severe|category|issue|is)\s*[:/_-]\s*)?\[?(.+?)\]?\s*$"
)

# The words of a title, in order of precedence; the body counts only security, a request's
# phrases and a bug's words.
_SECURITY_TEXT = re.compile(
    r"\b(?:security (?:issue|hole|bug|flaw|vulnerabilit\w*)|vulnerabilit\w*|cve-\d{4}-\d+|"
    r"xss|csrf|sql injection|remote code execution|rce|privilege escalation|"
    r"(?:leak\w*|expos\w*) (?:\w+ ){0,2}(?:secrets?|tokens?|passwords?|credentials?|api keys?))\b",
    re.IGNORECASE,
)
_BUG_TEXT = re.compile(
    r"^\s*(?:\[?bug\]?\b|fix\b)|\b(?:crash\w*|panic\w*|segfault\w*|exception|errors?|"
    r"fail(?:s|ed|ing|ure)?|broken|breaks?|regression|hangs?|freez\w*|not working|"
    r"(?:does|do|did|is|are)(?:n't| not) (?:work|show|load|open|save|render|respond|appear)\w*|"
    r"wrong|incorrect\w*|unexpected\w*|cannot|can't|unable to|no longer|stuck|missing|"
    r"lost|loses?|corrupt\w*|invalid|bug)\b",
    re.IGNORECASE,
)
# A title that opens by asking for something is a request, whatever words follow it
_FEATURE_OPENING = re.compile(
    r"^\s*(?:\[?(?:feature|feat|fr|proposal|request|rfc|idea)\]?\b|(?:add|allow|support|"
    r"provide|enable|implement|introduce|expose|make it possible|let (?:me|us|users))\b)",
    re.IGNORECASE,
)
_FEATURE_TEXT = re.compile(
    r"\b(?:feature request|would be (?:nice|great|useful)|it would be|please add|"
    r"ability to|option to|support for|add support|request for|wish)\b",
    re.IGNORECASE,
)
_DOCS_TEXT = re.compile(
    r"^\s*\[?docs?\]?\b|\b(?:documentation|docs|readme|typo in|api reference|tutorial)\b",
    re.IGNORECASE,
)
_QUESTION_TEXT = re.compile(
    r"^\s*(?:\[?question\]?\b|how (?:do|can|to|should)\b|is (?:it|there) (?:a way|possible)\b|"
    r"why (?:does|is|do)\b|what is\b)",
    re.IGNORECASE,
)
# A title ending in "?" asks something, but "regression: X changed?" is still a bug report.
_ASKS = re.compile(r"\?\s*$")
_TASK_TEXT = re.compile(
    r"^\s*(?:\[?(?:chore|task|refactor|cleanup|ci|test|build|deps?)\]?\s*[:(]|"
    r"(?:update|upgrade|bump|remove|rename|migrate|refactor|clean up|deprecate)\b)",
    re.IGNORECASE,
)
_TEXT_ORDER: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (_SECURITY_TEXT, Kind.SECURITY),
    (_QUESTION_TEXT, Kind.QUESTION),
    (_DOCS_TEXT, Kind.DOCS),
    (_FEATURE_OPENING, Kind.FEATURE),
    (_BUG_TEXT, Kind.BUG),
    (_FEATURE_TEXT, Kind.FEATURE),
    (_TASK_TEXT, Kind.TASK),
    (_ASKS, Kind.QUESTION),
)


def label_kind(label: str, extra: Mapping[str, Kind]) -> Kind | None:
    """The kind a label names, in the config's mapping or a common label scheme."""
    low = label.strip().lower()
    if low in extra:
        return extra[low]
    if low in _LABEL_WORDS:
        return _LABEL_WORDS[low]
    match = _PREFIX.match(low)
    word = match.group(1).strip() if match else low
    return _LABEL_WORDS.get(word) or _LABEL_WORDS.get(word.replace("_", " "))


def issue_kind(issue: Issue, extra: Mapping[str, Kind] | None = None) -> KindOf:
    """The issue's kind and the evidence for it; `KindOf(None, "")` when nothing says."""
    extra = {k.lower(): v for k, v in (extra or {}).items()}
    found = [(label, k) for label in issue.labels if (k := label_kind(label, extra))]
    if found:
        # security outranks bug outranks everything else when labels disagree
        order = (Kind.SECURITY, Kind.BUG, Kind.FEATURE, Kind.DOCS, Kind.TASK, Kind.QUESTION)
        label, kind = min(found, key=lambda f: order.index(f[1]))
        return KindOf(kind, f"label '{label}'")
    typed = (issue.type or "").strip().lower()
    if typed in _TYPES:
        return KindOf(_TYPES[typed], f"{issue.tracker} type {issue.type}")
    for pattern, kind in _TEXT_ORDER:
        match = pattern.search(issue.title)
        if match:
            return KindOf(kind, f"'{match.group(0).strip()}' in the title")
    body_order = (
        (_SECURITY_TEXT, Kind.SECURITY),
        (_FEATURE_TEXT, Kind.FEATURE),
        (_BUG_TEXT, Kind.BUG),
    )
    for pattern, kind in body_order:
        match = pattern.search(issue.body[:4000])
        if match:
            return KindOf(kind, f"'{match.group(0).strip()}' in the body")
    return KindOf(None, "")
