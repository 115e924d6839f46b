"""`pull` and `status`: the mirror and what it holds."""

from __future__ import annotations

import os
from collections.abc import Mapping

import click
from rich.table import Table

from triagewise.cli import render
from triagewise.cli.app import Context, clock, main, policy
from triagewise.cli.render import err, out, print_json, pull_line, say
from triagewise.config import Config
from triagewise.store import Store
from triagewise.sync.pull import PullResult, pull_all
from triagewise.sync.run import learn_provenance


def run_pull(
    store: Store, cfg: Config, env: Mapping[str, str], source: str | None, progress: bool
) -> list[PullResult]:
    with render.progress(progress) as update:
        return pull_all(store, cfg, env, only=source, progress=update)


@main.command()
@click.option("--source", help="Pull only this source.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def pull(obj: Context, source: str | None, as_json: bool) -> None:
    """Mirror issues from every source into the store, incrementally."""
    cfg, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        results = run_pull(store, cfg, os.environ, source, progress=not as_json)
        known = learn_provenance(store, cfg, os.environ, policy(cfg), clock(), source)
        if as_json:
            print_json({"sources": [r.as_dict() for r in results], "provenance": known.as_dict()})
        else:
            for r in results:
                say(out, pull_line(r, store.count_issues(r.source)))
            if known.sentence:
                say(out, f"provenance: {known.sentence}.")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """What the store holds for each source, and when it was last pulled."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():  # nothing pulled yet (or a mistyped --db): report it, create nothing
        say(err, f"no store at {db} yet; 'triagewise pull' makes it.")
        rows: list[tuple[str, str, int, str | None]] = [
            (s.name, s.type, 0, None) for s in cfg.sources
        ]
    else:
        with Store.open(db) as store:
            rows = [
                (s.name, s.type, store.count_issues(s.name), store.last_pull(s.name))
                for s in cfg.sources
            ]
    if as_json:
        keys = ("name", "type", "issues", "last_pull")
        print_json({"sources": [dict(zip(keys, row, strict=True)) for row in rows]})
        return
    table = Table("source", "type", "issues", "last pull")
    for name, kind, count, last in rows:
        table.add_row(name, kind, str(count), last or "never")
    out.print(table)
