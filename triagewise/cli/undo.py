"""`history`, `release` and `revert`: how an issue got where it is, and undo without SQL."""

from __future__ import annotations

import os
from pathlib import Path

import click

from triagewise.cli.app import Context, clock, main, policy
from triagewise.cli.render import err, out, plan_table, print_json, say
from triagewise.cli.triage import who_decides
from triagewise.errors import ConfigError
from triagewise.report.history import Decided, Placed, history_steps
from triagewise.store import Store, store_lock
from triagewise.store.backend import Location
from triagewise.sync.undo import Undone, resolve, run_release, run_revert


def _store(obj: Context) -> tuple[Path, Location]:
    _, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    return path, db


@main.command("history")
@click.argument("ref")
@click.option("--source", help="The source, when two sources hold the same ref.")
@click.option("--json", "as_json", is_flag=True, help="The history as one JSON document.")
@click.pass_obj
def history_command(obj: Context, ref: str, source: str | None, as_json: bool) -> None:
    """REF's bucket, rank and decisions across syncs, with the reason for each move (also
    "moved because the now line moved"). Reads only the store."""
    _, db = _store(obj)
    with Store.open(db) as store:
        (key,) = resolve(store, [ref], source)
        issue = store.issue(key)
        placed = [Placed(*p) for p in store.placements(key)]
        decided = [
            Decided(d.decided_at, d.action, d.bucket, d.reason, d.author)
            for d in store.decision_log(key)
        ]
    steps = history_steps(placed, decided)
    if as_json:
        title = issue.title if issue else ""
        print_json(
            {
                "ref": key.ref,
                "source": key.source,
                "title": title,
                "history": [s.as_json() for s in steps],
            }
        )
        return
    say(out, f"{key.ref}  {issue.title if issue else ''}")
    if not steps:
        say(out, "no sync has placed it yet; run 'triagewise sync'.")
    for step in steps:
        say(out, step.line)


def _show(result: Undone, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(result.as_dict())
        return
    if result.plan.changes:
        plan_table(result.plan)
    for line in result.kept:
        say(err, f"kept: {line}")
    if result.applied is None:
        say(out, f"{verb} (dry run): {len(result.plan.changes)} changes planned, none written.")
    else:
        sent = result.applied.sent
        say(out, f"{verb}: wrote {sent} changes, {len(result.applied.failed)} failed.")


@main.command("release")
@click.argument("refs", nargs=-1, required=True)
@click.option("--source", help="The source, when two sources hold the same ref.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def release_command(
    obj: Context, refs: tuple[str, ...], source: str | None, dry_run: bool, as_json: bool
) -> None:
    """Hand REFS back to the rules: forget their decisions and write what the rules say."""
    cfg, db = obj.load()[0], _store(obj)[1]
    with store_lock(db), Store.open(db) as store:
        keys = resolve(store, refs, source)
        author = who_decides(cfg, os.environ)
        result = run_release(store, cfg, os.environ, policy(cfg), keys, author, dry_run, clock)
    _show(result, as_json, f"released {', '.join(k.ref for k in keys)}")


@main.command("revert")
@click.argument("run", required=False, type=int)
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def revert_command(obj: Context, run: int | None, dry_run: bool, as_json: bool) -> None:
    """Write back the labels applied run RUN (default: the last; runs count from 1) found
    before it wrote, where the tracker still shows what it wrote; later edits win."""
    cfg, db = obj.load()[0], _store(obj)[1]
    with store_lock(db), Store.open(db) as store:
        result = run_revert(store, cfg, os.environ, policy(cfg), run, dry_run, clock)
    _show(result, as_json, f"reverted run {result.run}")
