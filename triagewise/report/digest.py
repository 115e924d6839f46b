"""The digest: a screen or two of Markdown for Slack or e-mail. What moved into now and why,
what was decided never and why, the most-asked-for work that is not in now, and the goals with
no work in now, all against one earlier sync. Pure: assessments and a baseline in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from triagewise.config.models import Config
from triagewise.report.markdown import one_line
from triagewise.report.views import Since, goal_views, moves, tension
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import markdown

LIMIT = 8  # items per list; the rest is counted and points to the full report
MORE = "the full list: `triagewise report --format html`"


def _url(url: str) -> str:
    """A tracker URL as a Markdown link target: nothing in it can end the link early."""
    return "".join(f"%{ord(c):02X}" if c in "()<> \\" or ord(c) < 33 else c for c in url)


def _ref(a: Assessment) -> str:
    return f"[{markdown(a.ref)}]({_url(a.issue.url)}) {markdown(a.issue.title)}"


def _item(a: Assessment, why: str) -> str:
    return f"- {_ref(a)} — {markdown(why)}"


def _listed(items: Sequence[str], total: int) -> list[str]:
    out = list(items[:LIMIT])
    if total > LIMIT:
        out.append(f"- … and {total - LIMIT} more; {MORE}")
    return out


def digest_markdown(
    assessments: Sequence[Assessment], config: Config, since: Since, now: datetime
) -> str:
    counts = {b: sum(1 for a in assessments if a.bucket is b) for b in Bucket}
    moved = moves(assessments, since.buckets)
    lines = [f"# Roadmap digest, {now.strftime('%Y-%m-%d')}", ""]
    if config.vision.statement:
        lines += [f"> {markdown(config.vision.statement)}", ""]
    compared = (
        f"Compared with {since.label}."
        if since.at is not None
        else "No earlier sync to compare with: everything in now and never is listed."
    )
    lines += [
        f"**{counts[Bucket.NOW]} now · {counts[Bucket.LATER]} later · "
        f"{counts[Bucket.NEVER]} never.** {compared}",
    ]
    lines += ["", f"## Into now ({len(moved.into_now)})", ""]
    lines += _listed([_item(a, one_line(a)) for a in moved.into_now], len(moved.into_now)) or [
        "Nothing new in now."
    ]
    if moved.out_of_now:
        lines += ["", f"## Out of now ({len(moved.out_of_now)})", ""]
        outs = [
            _item(a, one_line(a))
            if a is not None
            else f"- {markdown(ref)} — closed or out of scope"
            for ref, a in moved.out_of_now
        ]
        lines += _listed(outs, len(outs))
    lines += ["", f"## Decided never ({len(moved.new_never)})", ""]
    lines += _listed([_item(a, a.reasons[0]) for a in moved.new_never], len(moved.new_never)) or [
        "No new never-decisions."
    ]
    torn = tension(assessments)
    lines += ["", "## Asked for, but not now", ""]
    lines += [_item(a, one_line(a)) for a in torn] or [
        "Every one of the ten most-asked-for open issues is in now."
    ]
    idle = [v for v in goal_views(assessments, config) if not v.now]
    lines += ["", "## Goals with no work in now", ""]
    lines += [
        f"- {markdown(v.title)}"
        + (f" ({markdown(v.period)})" if v.period else "")
        + (f": {len(v.later)} in later, next up {_ref(v.next[0])}" if v.next else "")
        + ("" if v.next or v.later else ": no open issue moves it")
        for v in idle
    ] or ["Every goal has work in now."]
    return "\n".join(lines) + "\n"
