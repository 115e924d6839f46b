"""Explanation comments: their body, their digest, which issues get one, and the decision
record a person's decision carries in triagewise's own comment. Pure.

The tracker is the durable record of a person's decision. A session decision's labels are
written by triagewise, so on a store that was lost the label events name triagewise and the
decision would be adopted as its own output. So the explanation comment of a decided issue
carries a machine-readable record of the decision (bucket, goal, reason, author, decided_at,
origin, review date) where readers do not see it (the connector decides where: a hidden HTML
comment on GitHub, a comment property on Jira), and a fresh store restores the decision from
triagewise's own comment (`sync/provenance.py`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from triagewise import safe
from triagewise.config.models import WritebackConfig
from triagewise.connectors.capabilities import CommentStyle
from triagewise.model import DecisionRow, Key
from triagewise.rules.plain import plain_words
from triagewise.rules.triage import Assessment, Bucket
from triagewise.sync.changes import CommentChange

RECORD_VERSION = 1
RECORDED = "r"  # the first character of the digest of a comment that carries a record
_FIELDS = ("bucket", "goal", "reason", "author", "decided_at", "origin", "review_on")


def comment_body(a: Assessment, wb: WritebackConfig, style: CommentStyle) -> str:
    """The explanation: the decision in plain words for the person who asked, then every
    reason with its numbers in a collapsed block. Reasons can quote tracker text (a nearest
    example's title, a person's reason), escaped for the tracker's markup. A public comment
    mentions only issues of its own tracker and project (`public_reasons`)."""
    label = f"{wb.label_prefix}/{a.bucket.value}"
    esc = safe.wiki if style.markup == "wiki" else safe.markdown
    opening, closing = style.details
    reasons = public_reasons(a.reasons, a.ref)
    lines = [style.strong.format(label), "", esc(plain_words(a)), "", opening, ""]
    lines += [f"{style.bullet}{esc(r)}" for r in reasons]
    lines += ["", closing, "", style.footer]
    return "\n".join(lines)


# refs as reasons spell them: `owner/name#12` (GitHub) and `KEY-12` (Jira)
_GITHUB_REF = re.compile(r"\b([\w.-]+/[\w.-]+)#\d+\b")
_JIRA_REF = re.compile(r"\b([A-Z][A-Z0-9_]+)-\d+\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
ELSEWHERE = "an issue elsewhere"


def _project(ref: str) -> str:
    """The repository (`owner/name`) or Jira project key a ref belongs to."""
    return ref.split("#")[0] if "#" in ref else ref.rsplit("-", 1)[0]


def _foreign(text: str, own: str) -> list[str]:
    """The refs in a sentence that belong to another repository or project than `own`'s."""
    mine = _project(own)
    found = [m.group(0) for m in _GITHUB_REF.finditer(text) if m.group(1) != mine]
    if "#" in own:  # on GitHub every Jira-shaped key is another tracker's
        found += [m.group(0) for m in _JIRA_REF.finditer(text)]
    else:
        found += [m.group(0) for m in _JIRA_REF.finditer(text) if m.group(1) != mine]
    return found


def public_reasons(reasons: Sequence[str], ref: str) -> list[str]:
    """The reasons a comment on `ref` may carry: a sentence that names an issue of another
    tracker or project (an internal Jira key on a public GitHub issue, its vote count, a
    nearest example from elsewhere) is left out; in the leading reason, which must stay, the
    other issue's ref becomes "an issue elsewhere"."""
    out: list[str] = []
    for index, reason in enumerate(reasons):
        foreign = _foreign(reason, ref)
        if not foreign:
            out.append(reason)
        elif index == 0:
            for other in sorted(set(foreign), key=len, reverse=True):
                reason = reason.replace(other, ELSEWHERE)
            out.append(reason)
    return out


def comment_digest(a: Assessment) -> str:
    """What a reader of the comment cares about: the bucket, the goals and the leading reason
    with its numbers left out. One 👍 on the most-asked-for issue moves every demand figure in
    every comment; it changes none of these, so no comment is rewritten for it."""
    lead = _NUMBER.sub("#", public_reasons(a.reasons, a.ref)[0])
    data = json.dumps([a.bucket.value, sorted(g.goal for g in a.goals), lead])
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def decision_record(d: DecisionRow, plain_digest: str) -> str:
    """The record a decided issue's comment carries: canonical JSON of the decision and the
    digest of the comment's readable part (so a fresh store also knows the comment is up to
    date and plans no rewrite)."""
    data: dict[str, Any] = {f: getattr(d, f) for f in _FIELDS}
    data.update(v=RECORD_VERSION, digest=plain_digest)
    return json.dumps(data, sort_keys=True)


def recorded_digest(plain_digest: str, record: str) -> str:
    """The stored digest of a comment that carries `record`: a decision that changes (or is
    released) changes it, so the comment is rewritten once, not on every sync."""
    return RECORDED + hashlib.sha256(f"{plain_digest}\n{record}".encode()).hexdigest()[:15]


def read_record(text: str) -> tuple[dict[str, str | None], str] | None:
    """A record's decision fields and the digest of the comment that carried it; None for
    anything that is not a well-formed record of this version (tracker text is never
    trusted: each field must be a string or null, the bucket one of the buckets)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != RECORD_VERSION:
        return None
    fields = {f: data.get(f) for f in _FIELDS}
    if not all(v is None or isinstance(v, str) for v in fields.values()):
        return None
    if fields["bucket"] not in {b.value for b in Bucket} or not fields["decided_at"]:
        return None
    if not isinstance(data.get("digest"), str) or not isinstance(fields["reason"], str):
        return None
    return fields, recorded_digest(str(data["digest"]), decision_record_text(fields, data))


def decision_record_text(fields: Mapping[str, str | None], data: Mapping[str, Any]) -> str:
    """The record exactly as `decision_record` wrote it (canonical JSON)."""
    out: dict[str, Any] = dict(fields)
    out.update(v=RECORD_VERSION, digest=data["digest"])
    return json.dumps(out, sort_keys=True)


def plan_comments(
    assessments: Sequence[Assessment],
    wb: WritebackConfig,
    written: Mapping[Key, tuple[str, str]],
    held: set[Key],
    styles: Mapping[str, CommentStyle],
    decisions: Mapping[Key, DecisionRow] | None = None,
) -> list[CommentChange]:
    """One explanation comment per issue whose bucket, goals or leading reason changed (its
    `comment_digest`), not one whose figures moved; sources without a comment style cannot
    comment and get none.

    With `[writeback] record_decisions` (the default), an issue a person decided in a session
    (`decisions`, not held) gets its comment with the decision's record whatever `comments`
    says, and rewritten once when the decision changes; a comment that carried a record the
    store no longer has (a released decision) is rewritten once without it."""
    decisions = decisions if wb.record_decisions else None
    out: list[CommentChange] = []
    for a in sorted(assessments, key=lambda a: (a.ref, a.issue.source)):
        key = a.issue.key
        style = styles.get(a.issue.source)
        if key in held or style is None:
            continue
        decision = (decisions or {}).get(key)
        stored = written.get(key, ("", ""))[1]
        wanted = wb.comments == "all" or (wb.comments == "never" and a.bucket is Bucket.NEVER)
        if not (wanted or decision is not None or stored.startswith(RECORDED)):
            continue
        digest, record = comment_digest(a), None
        if decision is not None:
            record = decision_record(decision, digest)
            digest = recorded_digest(digest, record)
        if stored != digest:
            body = comment_body(a, wb, style)
            out.append(CommentChange(a.ref, a.issue.source, body, digest, record=record))
    return out
