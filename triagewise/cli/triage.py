"""`triage`: the session, in the Textual UI or line by line (`--plain`)."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click

from triagewise.cli.app import Context, clock, main
from triagewise.cli.render import err, say
from triagewise.config import Config
from triagewise.errors import ConfigError
from triagewise.safe import terminal
from triagewise.store import Store
from triagewise.sync.run import make_plan
from triagewise.words import counted


@main.command()
@click.option(
    "--plain", is_flag=True, help="Read decisions line by line from stdin (scripts, tests)."
)
@click.pass_obj
def triage(obj: Context, plain: bool) -> None:
    """A keyboard-driven queue of the issues that need a person: n now, l later, v never (with a
    reason), d duplicate of REF, z snooze until a date, g goal, s skip, u undo, o open in the
    browser, q quit. Every decision is saved at once as a pinned decision that the next sync
    writes back."""
    from triagewise.session import Session, build_queue

    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError(
            "triagewise triage needs a terminal for its full-screen session, and stdin or "
            "stdout is not one here; use 'triagewise triage --plain' to decide line by line "
            "from stdin."
        )
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    now = clock()
    with Store.open(db) as store:
        assessments = make_plan(store, cfg, now).assessments
        last = store.last_run("triage")
        last_at = datetime.fromisoformat(last.replace("Z", "+00:00")) if last else None
        run = store.begin_run("triage", None, now)
        queue = build_queue(assessments, store.decisions(), now, last_at)
        session = Session(store, cfg, queue, assessments, now, who_decides(cfg, os.environ))
        try:
            if plain:
                _plain_session(session)
            else:
                from triagewise.session.tui import TriageApp

                TriageApp(session).run()
        finally:
            stats = {"decided": session.decided, "snoozed": session.snoozed}
            store.finish_run(run, "ok", stats, clock())
    say(
        err,
        f"{counted(session.decided, 'decision')} saved; the next 'triagewise sync' writes "
        f"{'it' if session.decided == 1 else 'them'} back"
        + (f"; {session.snoozed} snoozed." if session.snoozed else "."),
    )


COMMANDS = (
    "commands: now | later | never REASON | dup REF | snooze DATE (YYYY-MM-DD, +7, +2w) | "
    "goal ID | more | open | skip | undo | quit"
)


def who_decides(cfg: Config, env: Mapping[str, str]) -> str:
    """The author of this machine's session decisions: `[team] me`, else $TRIAGEWISE_USER,
    else the OS user."""
    if cfg.team.me and cfg.team.me.strip():
        return cfg.team.me.strip()
    if env.get("TRIAGEWISE_USER", "").strip():
        return env["TRIAGEWISE_USER"].strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "someone on this machine"


def _plain_session(session: Any) -> None:
    """One command a line: now | later | never REASON | dup REF | snooze DATE | goal ID | more |
    open | skip | undo | quit."""
    from triagewise.rules.triage import Bucket
    from triagewise.session import Refused, body_lines, card
    from triagewise.session.saved import open_in_browser

    goals = {g.id for g in session.config.goals}
    goal: str | None = None
    shown = None
    while session.current is not None:
        if session.current is not shown:
            shown = session.current
            click.echo(terminal("\n".join(card(shown, session.everything, session.config))))
            lines, more = body_lines(shown)
            click.echo("\n".join(f"  | {line}" for line in lines))
            if more:
                click.echo(f"  | … {counted(more, 'more line')}: type 'more' to read them")
        click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            return
        word, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        try:
            if word in ("now", "later"):
                session.decide(Bucket(word), rest, goal)
                goal = None
            elif word == "never":
                if not rest:
                    click.echo("never needs a one-line reason: never REASON")
                    continue
                session.decide(Bucket.NEVER, rest, goal)
                goal = None
            elif word in ("dup", "duplicate"):
                made = session.duplicate(rest)
                click.echo(terminal(f"{made.ref}: never, {made.reason} (saved)", one_line=True))
                goal = None
            elif word == "snooze":
                made = session.snooze(rest)
                click.echo(f"{made.ref}: snoozed until {made.review_on} (saved)")
                goal = None
            elif word == "goal":
                if rest not in goals:
                    click.echo(f"unknown goal {rest!r}; goals: {', '.join(sorted(goals))}")
                    continue
                goal = rest
            elif word == "more":
                everything, _ = body_lines(session.current, None)
                click.echo("\n".join(f"  | {text}" for text in everything))
            elif word == "open":
                url = session.current.assessment.issue.url
                click.echo(terminal(open_in_browser(url) if url else "this issue has no URL"))
            elif word == "skip":
                session.skip()
            elif word == "undo":
                click.echo(session.undo() or "nothing to undo")
                shown = None
            elif word == "quit":
                return
            else:
                click.echo(COMMANDS)
        except Refused as exc:
            click.echo(terminal(str(exc), one_line=True))
    click.echo("the queue is empty.")
