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
            store.finish_run(run, "ok", {"decided": session.decided}, clock())
    say(err, f"{session.decided} decisions saved; the next 'triagewise sync' writes them back.")


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
