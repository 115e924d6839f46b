"""How bad a defect is, and how many it hits, from the words people use to report it. Pure.

The defaults follow the public severity definitions of large projects: Mozilla's S1–S4 (S1:
crashes, data loss, security, no workaround; S2: a major function broken; S3: a workaround
exists; S4: cosmetic) and Chromium's priority guidelines (release blockers, regressions and
security first). A family of evidence only counts for the kinds it describes: "cannot" in a
feature request asks for something new; in a bug report it says something is broken.

Evidence in the title or labels counts at its family's level; evidence only in the body one
level lower, since bodies mention crashes and errors in passing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from triagewise.config.models import SeverityName
from triagewise.model import Issue
from triagewise.rules.kind import Kind, KindOf
from triagewise.words import counted


class Severity(IntEnum):
    NONE = 0
    MINOR = 1
    MAJOR = 2
    CRITICAL = 3


LEVEL_VALUE: Mapping[Severity, float] = {
    Severity.NONE: 0.0,
    Severity.MINOR: 0.0,
    Severity.MAJOR: 0.6,
    Severity.CRITICAL: 1.0,
}
BREADTH_STEP = 0.15  # each distinct sign of breadth adds this much, at most twice
_DEFECTS = frozenset({Kind.BUG, Kind.SECURITY, None})
_ANY = frozenset({*Kind, None})


@dataclass(frozen=True)
class Family:
    name: str  # what a reason calls it: "a crash or hang"
    level: Severity
    pattern: re.Pattern[str]
    kinds: frozenset[Kind | None]


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


DEFAULT_FAMILIES: tuple[Family, ...] = (
    Family(
        "a security problem",
        Severity.CRITICAL,
        _rx(
            r"security (?:issue|hole|bug|flaw|problem|vulnerabilit\w*)",
            r"vulnerabilit(?:y|ies)",
            r"cve-\d{4}-\d+",
            r"xss",
            r"csrf",
            r"sql injection",
            r"remote code execution",
            r"privilege escalation",
            r"(?:leak\w*|expos\w*) (?:\w+ ){0,2}"
            r"(?:secrets?|tokens?|passwords?|credentials?|api keys?)",
        ),
        _ANY,
    ),
    Family(
        "data loss or corruption",
        Severity.CRITICAL,
        _rx(
            r"data ?loss",
            r"(?:lose[sd]?|lost|losing|wipe[sd]?|wiping|erase[sd]?|delete[sd]?|overwrit\w*)"
            r" (?:\w+ ){0,2}(?:data|edits?|changes|work|files?|messages?|progress|content|"
            r"history|records?|notes?)",
            r"corrupt\w*",
        ),
        _DEFECTS,
    ),
    Family(
        "wrong results",
        Severity.CRITICAL,
        _rx(
            r"miscompil\w*",
            r"unsound\w*",
            r"silently (?:wrong|incorrect|corrupt\w*|drop\w*|ignor\w*)",
            r"(?:wrong|incorrect) (?:results?|output|answers?|values?|code generated)",
        ),
        _DEFECTS,
    ),
    Family(
        "a crash or hang",
        Severity.CRITICAL,
        _rx(
            r"crash\w*",
            r"panic\w*",
            r"segfault\w*",
            r"segmentation fault",
            r"sig(?:segv|abrt|kill|bus)",
            r"fatal (?:error|exception)",
            r"abort(?:s|ed)?",
            r"hang(?:s|ing)?",
            r"hung",
            r"freez(?:e|es|ing)",
            r"frozen",
            r"deadlock\w*",
            r"infinite loop",
            r"out of memory",
            r"oom",
            r"stack ?overflow",
            r"unresponsive",
            r"anr",
            r"ice",
            r"internal (?:compiler )?error",
        ),
        _DEFECTS,
    ),
    Family(
        "a regression",
        Severity.MAJOR,
        _rx(
            r"regress\w*",
            r"used to work",
            r"worked (?:fine |well |before|previously|in v?\d)",
            r"(?:after|since) (?:upgrad\w*|updat\w*|the update|v?\d+\.\d+)",
            r"no longer (?:works?|possible|able)",
            r"stopped working",
            r"broke (?:in|since|after)",
        ),
        _DEFECTS,
    ),
    Family(
        "a release or CI blocker",
        Severity.MAJOR,
        _rx(
            r"release blocker",
            r"blocks? (?:the )?(?:release|merges?|ci|roll)",
            r"blocking (?:the )?(?:release|merges?|ci|roll)",
            r"flak(?:y|ey|e|es|iness)",
            r"(?:out of|no) (?:disk )?space",
            r"no space left",
            r"tree (?:is )?(?:red|closed)",
            r"ci (?:is )?(?:failing|broken|red)",
            r"build (?:fails|failing|failure|broken|errors?)",
            r"tests? (?:fails|failing|failures?)",
        ),
        frozenset({Kind.BUG, Kind.TASK, None}),
    ),
    Family(
        "a performance collapse",
        Severity.MAJOR,
        _rx(
            r"(?:very|extremely|really|super|unusably|painfully|incredibly) slow",
            r"takes (?:several |many |\d+ )?(?:seconds|minutes|hours)",
            r"\d+ ?x slower",
            r"100 ?% cpu",
            r"memory leak\w*",
            r"leaks? memory",
            r"jank\w*",
            r"stutter\w*",
            r"performance (?:regression|drop|degradation|issue|problem)",
        ),
        _DEFECTS,
    ),
    Family(
        "a broken core flow",
        Severity.MAJOR,
        _rx(
            r"cannot",
            r"can ?not",
            r"can't",
            r"unable to",
            r"fail(?:s|ed|ing|ure|ures)?",
            r"(?:does|do|is|are)(?:n't| not) work\w*",
            r"not working",
            r"broken",
            r"blank (?:screen|page)",
            r"white screen",
            r"black screen",
            r"throws?",
            r"exception",
            r"error",
        ),
        frozenset({Kind.BUG, None}),
    ),
    Family(
        "a cosmetic problem",
        Severity.MINOR,
        _rx(r"typo", r"cosmetic", r"misalign\w*", r"spacing", r"padding", r"wording", r"tooltip"),
        _DEFECTS,
    ),
)

_BREADTH = _rx(
    r"all users",
    r"every (?:user|one|time|platform|device)",
    r"everyone",
    r"everybody",
    r"always",
    r"100 ?%",
    r"all (?:platforms|devices|browsers|projects|pages|apps)",
    r"many (?:users|people|customers|reports)",
    r"(?:affects|affecting) (?:all|every|many|most)",
    r"consistently",
    r"every single",
)
MANY_REPORTERS = 10  # comments + reactions at which an issue counts as widely hit


@dataclass(frozen=True)
class SeverityOf:
    level: Severity
    value: float  # [0, 1]: the level, raised by breadth
    evidence: tuple[str, ...]  # "a crash or hang ('crashes' in the title)"
    breadth: tuple[str, ...]  # "'every time' in the body", "14 people chimed in"

    def sentence(self) -> str:
        if self.level is Severity.NONE:
            return ""
        what = "; ".join(self.evidence)
        wide = f", and it is wide ({'; '.join(self.breadth)})" if self.breadth else ""
        return f"Severity {self.level.name.lower()}: {what}{wide}."


NO_SEVERITY = SeverityOf(Severity.NONE, 0.0, (), ())


def families(
    extra: Mapping[SeverityName, Sequence[str]] | None = None, defaults: bool = True
) -> tuple[Family, ...]:
    """The built-in families (unless `defaults` is off) plus the config's own phrases, one
    family per level: `{critical = ["kernel oops"], major = [...], minor = [...]}`."""
    found = list(DEFAULT_FAMILIES) if defaults else []
    for level_name, phrases in sorted((extra or {}).items()):
        if phrases:
            level = Severity[level_name.upper()]
            pattern = _rx(*(re.escape(p).replace(r"\ ", r"\s+") for p in phrases))
            found.insert(0, Family(f"{level_name} by the team's words", level, pattern, _ANY))
    return tuple(found)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


def severity_of(
    issue: Issue, kind: KindOf, rules: Sequence[Family], duplicates: int = 0
) -> SeverityOf:
    """The highest level any family finds, with every family's evidence and the breadth."""
    head = f"{issue.title}\n{' '.join(issue.labels)}"
    body = issue.body[:6000]
    level, evidence = Severity.NONE, []
    for family in rules:
        if kind.kind not in family.kinds:
            continue
        word = _first(family.pattern, head)
        found, where = (family.level, "title") if word else (None, "")
        if word is None and (word := _first(family.pattern, body)):
            found, where = Severity(max(family.level - 1, Severity.MINOR)), "body"
        if found is None:
            continue
        evidence.append(f"{family.name} ('{word}' in the {where})")
        level = max(level, found)
    if level is Severity.NONE:
        return NO_SEVERITY
    breadth = []
    if word := _first(_BREADTH, f"{head}\n{body}"):
        breadth.append(f"'{word}'")
    if issue.comments + issue.reactions >= MANY_REPORTERS:
        breadth.append(f"{issue.comments + issue.reactions} comments and reactions")
    if duplicates:
        breadth.append(counted(duplicates, "duplicate"))
    # a minor defect is named, not lifted: cosmetics compete on value like any other work
    value = 0.0
    if level >= Severity.MAJOR:
        value = min(1.0, LEVEL_VALUE[level] + BREADTH_STEP * min(2, len(breadth)))
    return SeverityOf(level, value, tuple(evidence), tuple(breadth))
