"""The decision in plain words, for the person who asked: one or two sentences on what was
decided and why, in product language, with no scores, thresholds or rule names. The numbers
stay in the assessment's `reasons` (explain, the report, a collapsed block of the comment).
Pure and deterministic: the same assessment always gives the same words."""

from __future__ import annotations

from triagewise.rules.draft import NEEDS_DETAIL, Bucket
from triagewise.rules.severity import Severity
from triagewise.rules.triage import Assessment

_PUT = {
    Bucket.NOW: "We're working on this now",
    Bucket.LATER: "We've put this in Later",
    Bucket.NEVER: "We've decided not to do this for now",
}


def _goals(a: Assessment) -> str:
    titles = [f"“{g.title}”" for g in a.goals]
    if not titles:
        return ""
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _after(text: str, sep: str) -> str:
    """The part of a lead after `sep` (a rule's or a person's own reason), one sentence."""
    _, found, rest = text.partition(sep)
    return rest.strip().rstrip(".") if found else ""


def _asked(a: Assessment) -> str:
    s = a.signals
    people = s.upvotes + s.duplicates
    if people >= 2:
        return f"{people} people asked for it"
    if s.comments >= 3:
        return "people keep discussing it"
    return ""


def _serves(a: Assessment) -> str:
    goals = _goals(a)
    if goals:
        return f"it serves {goals}"
    if a.alignment.theme and a.alignment.score >= 0.3:
        return f"it fits the product's focus on {a.alignment.theme}"
    return ""


def _why(a: Assessment) -> str:
    rule, bucket = a.rule, a.bucket
    lead = a.reasons[0] if a.reasons else ""
    if rule == "pinned":
        own = _after(lead, "a person decided so:")
        return "a person on the team decided so" + (f" ({own})" if own else "")
    if rule.startswith("rule:"):
        return _after(lead, " — ").rstrip(".") or "the team's rules say so"
    if rule == "anti-theme":
        return f"it asks for {a.alignment.anti_theme}, which the product's direction rules out" + (
            f"; we'll look at it again on {a.review_on.isoformat()}" if a.review_on else ""
        )
    if rule == "anti-theme-held":
        return (
            f"it leans towards {a.alignment.anti_theme}, which the product's direction rules "
            "out, but it matters too much to rule out"
        )
    if rule == "learned-never":
        return "the team has turned down requests like it before" + (
            f"; we'll look at it again on {a.review_on.isoformat()}" if a.review_on else ""
        )
    if rule == "duplicate":
        return f"it looks like a duplicate of {', '.join(a.duplicate_of)}, where its votes count"
    if rule == "low-fit":
        return (
            "it doesn't serve one of the current goals yet and few have asked for it, so a "
            "person will decide on it"
        )
    serves, asked = _serves(a), _asked(a)
    severe = (
        "it is a serious problem for the people who hit it"
        if a.severity.level >= Severity.MAJOR
        else ""
    )
    if bucket is Bucket.NOW:
        parts = [p for p in (severe, serves, asked) if p]
        return _and(parts) or "it is among the most important things the team can take on"
    if bucket is Bucket.LATER:
        first = _and([p for p in (serves, asked) if p])
        rest = "the work in Now ranks higher this cycle"
        return f"{first}, but {rest}" if first else f"{rest}, and nothing speaks for it yet"
    return "it falls outside what the product is aiming for"


def _and(parts: list[str]) -> str:
    return (
        parts[0]
        if len(parts) == 1
        else ", ".join(parts[:-1]) + " and " + parts[-1]
        if parts
        else ""
    )


def plain_words(a: Assessment) -> str:
    """One or two sentences: the decision and its reason, then a request for detail when the
    issue says too little to judge."""
    why = _why(a)
    out = f"{_PUT[a.bucket]}: {why}."
    if NEEDS_DETAIL in a.flags:
        out += " Could you add steps, versions or the need behind it? That helps us judge it."
    return out
