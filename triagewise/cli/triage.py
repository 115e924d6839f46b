"""`triage`: the session, in the Textual UI or line by line (`--plain`)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from triagewise.cli.app import Context, clock, main
from triagewise.cli.render import err, say
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
    reason), g goal, s skip, u undo, o open in the browser, q quit. Every decision is saved at
    once as a pinned decision that the next sync writes back."""
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
        session = Session(
            store, cfg, build_queue(assessments, store.decisions(), now, last_at), assessments, now
        )
        try:
            if plain:
                _plain_session(session)
            else:
                from triagewise.session.tui import TriageApp

                TriageApp(session).run()
        finally:
            store.finish_run(run, "ok", {"decided": session.decided}, clock())
    say(
        err,
        f"{counted(session.decided, 'decision')} saved; the next 'triagewise sync' writes "
        f"{'it' if session.decided == 1 else 'them'} back.",
    )


def _plain_session(session: Any) -> None:
    """One command a line: now | later | never REASON | goal ID | skip | undo | quit."""
    from triagewise.rules.triage import Bucket
    from triagewise.session import card

    goals = {g.id for g in session.config.goals}
    goal: str | None = None
    while session.current is not None:
        click.echo(terminal("\n".join(card(session.current, session.everything, session.config))))
        click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            return
        word, _, rest = line.strip().partition(" ")
        if word in ("now", "later"):
            session.decide(Bucket(word), rest.strip(), goal)
            goal = None
        elif word == "never":
            if not rest.strip():
                click.echo("never needs a one-line reason: never REASON")
                continue
            session.decide(Bucket.NEVER, rest.strip(), goal)
            goal = None
        elif word == "goal":
            if rest.strip() not in goals:
                click.echo(f"unknown goal {rest.strip()!r}; goals: {', '.join(sorted(goals))}")
                continue
            goal = rest.strip()
        elif word == "skip":
            session.skip()
        elif word == "undo":
            click.echo(session.undo() or "nothing to undo")
        elif word == "quit":
            return
        else:
            click.echo("commands: now | later | never REASON | goal ID | skip | undo | quit")
    click.echo("the queue is empty.")
