"""Rendering, in one place: data on stdout (`--json` prints exactly one document), progress and
messages on stderr, progress off when stderr is not a terminal."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from triagewise.errors import ConfigError
from triagewise.rules.triage import Assessment
from triagewise.safe import json_dumps, rich_text, terminal
from triagewise.sync.changes import LabelChange, ProjectMove, RankMove
from triagewise.sync.plan import Plan
from triagewise.sync.pull import ProgressFn, PullResult
from triagewise.sync.run import SyncResult
from triagewise.words import counted

# no hard wrapping: a sentence with a long path stays one line a script (or a person) can copy
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    click.echo(json_dumps(data))


def write_file(path: Path, data: str | bytes) -> None:
    """A file the user asked for, whole or not at all: written beside its name and moved into
    place, so a failed write leaves what was there. A path that cannot be written is one
    sentence (exit 2), not a traceback."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        if path.exists() and not path.is_file():  # /dev/stdout, a pipe: written as it is
            path.write_bytes(payload)
            return
        umask = os.umask(0)
        os.umask(umask)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        reason = exc.strerror or str(exc)
        raise ConfigError(f"Cannot write {path} ({reason}); nothing was written there.") from None


def say(console: Console, line: str) -> None:
    """One line that may hold tracker text: printed as text, never as markup or escapes."""
    console.print(Text(terminal(line)))


@contextmanager
def progress(enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(source: str, page: int, last: int | None, requests: int | None = None) -> None:
            writing = source == "writes"
            if source not in tasks:
                what = "writing" if writing else f"pulling {source}"
                unit = "changes" if writing else "pages"
                tasks[source] = bar.add_task(what, total=last, unit=unit)
            if writing and requests is not None:
                bar.update(tasks[source], unit=f"changes, {counted(requests, 'request')}")
            bar.update(tasks[source], completed=page, total=last or page)

        yield update


def pull_line(result: PullResult, total: int) -> str:
    if result.not_modified and result.pages == 0:
        change = "unchanged (answered 304, no quota used)"
    else:
        change = f"{result.new} new, {result.changed} changed"
    calls = counted(result.requests, "request")
    if result.searches != result.requests:
        calls += (
            f" ({counted(result.searches, 'search', 'searches')}, "
            f"{result.requests - result.searches} metadata)"
        )
    notes = "".join(f"; note: {n}" for n in result.notes)
    return f"{result.source}: {counted(total, 'issue')} mirrored; {change}; {calls}{notes}"


def plan_table(plan: Plan) -> None:
    by_group: dict[str, list[Any]] = {}
    for c in plan.changes:
        by_group.setdefault(c.group, []).append(c)
    labels: list[LabelChange] = by_group.get("labels", [])
    moves: list[RankMove | ProjectMove] = by_group.get("moves", [])
    notes, scores = by_group.get("comments", []), by_group.get("scores", [])
    if labels:
        table = Table("issue", "add", "remove", title=counted(len(labels), "label change"))
        for c in labels:
            table.add_row(
                rich_text(c.ref), rich_text(", ".join(c.add)), rich_text(", ".join(c.remove))
            )
        out.print(table)
    if moves:
        table = Table("source", "issues", "placed", title=counted(len(moves), "rank move"))
        for m in moves:
            table.add_row(*(rich_text(cell) for cell in (m.source, *_move_cells(m))))
        out.print(table)
    if notes:
        out.print(f"{counted(len(notes), 'explanation comment')} to write or edit in place.")
    if scores:
        out.print(
            f"{counted(len(scores), 'score')} to write into the Projects board's score field."
        )
    for conflict in plan.conflicts:
        say(out, f"held: {conflict.sentence}")
    if not plan.changes:
        out.print("nothing to write: the trackers already match the decisions.")
    out.print(f"checksum {plan.checksum}")


def _move_cells(m: RankMove | ProjectMove) -> tuple[str, str]:
    """(issues, placed) of one move in the plan table."""
    match m:
        case ProjectMove():
            return m.ref, "onto the board" if not m.move else f"after {m.after or '(top)'}"
        case RankMove():
            more = f" … (+{len(m.issues) - 4})" if len(m.issues) > 4 else ""
            return ", ".join(m.issues[:4]) + more, f"{m.position} {m.anchor}"


def sync_line(result: SyncResult) -> str:
    pulled = ", ".join(f"{r.source} {r.new + r.changed} new or changed" for r in result.pulled)
    data = result.as_dict()
    if result.dry_run:
        did = (
            f"would write {counted(int(str(data['label_changes'])), 'label change')} and "
            f"{counted(int(str(data['rank_moves'])), 'rank move')}"
        )
    else:
        sent = result.applied.sent if result.applied else 0
        did = (
            f"wrote {counted(sent, 'change')} ({data['label_changes']} label, "
            f"{data['rank_moves']} rank, {data['score_writes']} score, "
            f"{data['comments']} comment)"
        )
    conflicts = len(result.plan.conflicts)
    held = f"; {counted(conflicts, 'human edit')} held" if conflicts else ""
    if result.resumed and result.resumed.sent + result.resumed.already_done:
        resumed = result.resumed.sent + result.resumed.already_done
        did = f"finished {counted(resumed, 'change')} of an interrupted run, then {did}"
    if result.applied and result.applied.deferred:
        did += f"; {result.applied.deferred} left for the next run (max_writes)"
    return f"sync: pulled {pulled}; {did}; {len(result.failed)} failed{held}."


def show_now(assessments: list[Assessment]) -> None:
    counts = {
        b: sum(1 for a in assessments if a.bucket.value == b) for b in ("now", "later", "never")
    }
    table = Table(
        title=f"Now ({counts['now']}) · later {counts['later']} · never {counts['never']}",
        title_justify="left",
    )
    for column in ("rank", "issue", "title", "goals"):
        table.add_column(column)
    for a in assessments:
        if a.bucket.value == "now":
            goals = ", ".join(g.goal for g in a.goals) or a.rule.removeprefix("rule:")
            table.add_row(*(rich_text(x) for x in (str(a.rank), a.ref, a.issue.title, goals)))
    out.print(table)


def log_line(line: str) -> None:
    """One unwrapped log line on stderr (`serve`: one per event), terminal-safe."""
    click.echo(terminal(line, one_line=True), err=True)
