"""`init` and `config validate`: a starter config, and every problem in one at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

import click

from triagewise.cli.app import Context, main
from triagewise.cli.render import err, out, say, write_file
from triagewise.config import CONFIG_NAME, Config, load_config
from triagewise.config.starter import STARTER
from triagewise.errors import ConfigError, TriagewiseError
from triagewise.rules.owned import foreign_labels
from triagewise.safe import terminal
from triagewise.store import Location, Store
from triagewise.words import counted


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def init(obj: Context, force: bool) -> None:
    """Write a commented starter triagewise.toml in this folder."""
    path = obj.config_option or Path.cwd() / CONFIG_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it.")
    write_file(path, STARTER)
    say(err, f"wrote {path}; edit it, then run 'triagewise config validate'.")
    with suppress(TriagewiseError):  # the starter may need editing first; validate warns then
        warn_foreign_labels(load_config(path), obj.db_path(path))


def warn_foreign_labels(cfg: Config, db: Location) -> None:
    """A warning when the mirrored issues already carry labels under triagewise's prefixes that
    it does not own; there is nothing to look at before the first pull."""
    try:
        if not db.exists():
            return
        with Store.open(db) as store:
            labels = [label for issue in store.issues() for label in issue.labels]
    except TriagewiseError:
        return  # a store that cannot be read is the next command's sentence, not this one's
    found = foreign_labels(labels, cfg.writeback)
    if found:
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        say(
            err,
            f"warning: the trackers already use the prefixes of [writeback] for labels "
            f"triagewise does not own: {', '.join(found[:5])}{more}. They stay people's "
            f"labels and are never touched; choose other prefixes if that is confusing.",
        )


@main.group()
def config() -> None:
    """Check the config file."""


@config.command("validate")
@click.pass_obj
def config_validate(obj: Context) -> None:
    """Report every problem in the config at once (exit 2), or confirm it is valid."""
    from triagewise.semantic import embed

    cfg, path = obj.load()
    for line in config_warnings(cfg, os.environ):
        click.echo(f"warning: {terminal(line, one_line=True)}", err=True)  # one line each
    warn_foreign_labels(cfg, obj.db_path(path))
    if cfg.vision.backend == "semantic":
        embed.require()  # the file is right, but this install cannot run it: exit 2
    sources = ", ".join(f"{s.name} ({s.type})" for s in cfg.sources) or "none"
    say(out, f"{path} is valid: {counted(len(cfg.goals), 'goal')}; sources: {sources}.")


def config_warnings(cfg: Config, env: Mapping[str, str]) -> list[str]:
    """What is valid but will not do what it seems to: a goal nothing can match, a variable the
    config names that is not set here."""
    lines = []
    for i, goal in enumerate(cfg.goals):
        if not (goal.keywords or goal.labels or goal.components or goal.types or goal.text):
            then = (
                "it matches nothing"
                if cfg.vision.backend == "lexical"
                else "only the semantic backend's closeness in meaning to its title and "
                "description can map issues to it"
            )
            lines.append(
                f"goals[{i}] ({goal.id!r}) has no keywords, labels, components, types or text: "
                f"{then}."
            )
    for i, source in enumerate(cfg.sources):
        for key, name in source.env_names():
            if not env.get(name, "").strip():
                state = "is empty" if name in env else "is not set"
                lines.append(
                    f"the environment variable {name} (named by sources[{i}].{key}) {state} "
                    f"here; pull and sync need it."
                )
    return lines
