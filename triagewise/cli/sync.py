"""`plan`, `apply` and `sync`: the write-back, never two at once on one store."""

from __future__ import annotations

import os

import click

from triagewise.cli.app import Context, clock, main, policy
from triagewise.cli.render import err, out, plan_table, print_json, progress, say, sync_line
from triagewise.errors import ConfigError, ExitCode
from triagewise.store import Store, store_lock
from triagewise.sync.run import make_plan, run_apply, run_sync
from triagewise.words import counted


@main.command("plan")
@click.option("--json", "as_json", is_flag=True, help="The contract JSON: changes and conflicts.")
@click.pass_obj
def plan_command(obj: Context, as_json: bool) -> None:
    """What apply would write: owned label changes, rank moves, and people's edits it will
    leave alone. Reads only the store; writes nothing anywhere."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    with Store.open(db) as store:
        planned = make_plan(store, cfg, clock())
    if as_json:
        print_json(planned.plan.as_json())
    else:
        plan_table(planned.plan)
        for note in planned.plan.notes:
            say(err, f"note: {note}")


@main.command("apply")
@click.option("--checksum", help="Refuse unless the plan still has this checksum.")
@click.option("--force", is_flag=True, help="Apply even past writeback.max_change_share.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def apply_command(obj: Context, checksum: str | None, force: bool, as_json: bool) -> None:
    """Write the plan to the trackers, journaled and resumable."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():  # nothing pulled, so nothing to write (and no store to make)
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    with store_lock(db), Store.open(db) as store:
        plan, result, resumed = run_apply(
            store, cfg, os.environ, policy(cfg), force, checksum, now=clock
        )
    failed = [*(resumed.failed if resumed else []), *(result.failed if result else [])]
    if as_json:
        summary = {
            "checksum": plan.checksum,
            "applied": result.as_dict() if result else None,
            "resumed": resumed.as_dict() if resumed else None,
            "failed": failed,
        }
        print_json(summary)
    else:
        sent = result.sent if result else 0
        say(out, f"applied plan {plan.checksum}: {counted(sent, 'write')}, {len(failed)} failed.")
        for line in failed:
            say(err, f"failed: {line}")
    if failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


@main.command("sync")
@click.option("--dry-run", is_flag=True, help="Stop after the plan: write nothing to the trackers.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    help="Wait up to this many seconds for a running sync.",
)
@click.option("--force", is_flag=True, help="Apply even past writeback.max_change_share.")
@click.option(
    "--max-writes",
    type=click.IntRange(min=1),
    default=None,
    help="Write at most this many changes, most important first; the next run continues "
    "(overrides writeback.max_writes).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def sync_command(
    obj: Context, dry_run: bool, wait: float, force: bool, max_writes: int | None, as_json: bool
) -> None:
    """pull + assess + plan + apply, never two at once; quiet and idempotent for cron and CI."""
    cfg, path = obj.load()
    if max_writes is not None:
        capped = cfg.writeback.model_copy(update={"max_writes": max_writes})
        cfg = cfg.model_copy(update={"writeback": capped})
    db = obj.db_path(path)
    with store_lock(db, wait), Store.open(db) as store, progress(not as_json) as update:
        result = run_sync(store, cfg, os.environ, policy(cfg), dry_run, force, update, clock)
    if as_json:
        print_json(result.as_dict())
    else:
        say(out, sync_line(result))
        if result.provenance and result.provenance.sentence:
            say(out, f"provenance: {result.provenance.sentence}.")
            for ref in sorted(result.provenance.held_by):
                say(err, f"held: {result.provenance.held_by[ref]}")
        for c in result.plan.conflicts:
            say(err, f"held: {c.sentence}")
        for ran in (result.resumed, result.applied):
            for line in ran.held if ran else []:
                say(err, f"held: {line}")
        for note in [*result.plan.notes, *result.notes]:
            say(err, f"note: {note}")
        for line in result.failed:
            say(err, f"failed: {line}")
    if result.failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))
