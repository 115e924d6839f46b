"""`init` and `config validate`: a starter config, and every problem in one at once."""

from __future__ import annotations

from pathlib import Path

import click

from triagewise.cli.app import Context, main
from triagewise.cli.render import err, out, say
from triagewise.config import CONFIG_NAME
from triagewise.config.starter import STARTER
from triagewise.errors import ConfigError


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def init(obj: Context, force: bool) -> None:
    """Write a commented starter triagewise.toml in this folder."""
    path = obj.config_option or Path.cwd() / CONFIG_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it.")
    path.write_text(STARTER, encoding="utf-8")
    say(err, f"wrote {path}; edit it, then run 'triagewise config validate'.")


@main.group()
def config() -> None:
    """Check the config file."""


@config.command("validate")
@click.pass_obj
def config_validate(obj: Context) -> None:
    """Report every problem in the config at once (exit 2), or confirm it is valid."""
    cfg, path = obj.load()
    sources = ", ".join(f"{s.name} ({s.type})" for s in cfg.sources) or "none"
    say(out, f"{path} is valid: {len(cfg.goals)} goals; sources: {sources}.")
