"""The command group, the global options and the one error boundary: every triagewise error
ends as one sentence on stderr and its exit code, never a traceback."""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from triagewise import __version__
from triagewise.cli.render import print_json
from triagewise.config import CONFIG_NAME, Config, find_config, load_config
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError, TriagewiseError
from triagewise.safe import terminal
from triagewise.store import Location, locate
from triagewise.sync.run import Clock, system_clock

clock: Clock = system_clock  # the one clock of the command line; everything below takes it


@dataclass
class Context:
    config_option: Path | None
    db_option: str | None  # a path or a postgresql:// URL
    loaded: dict[Path, Config] = field(default_factory=dict)

    def config_path(self) -> Path:
        if self.config_option is not None:
            return self.config_option
        found = find_config(Path.cwd())
        if found is None:
            raise ConfigError(
                f"No {CONFIG_NAME} in {Path.cwd()} or its parents; run 'triagewise init' "
                "or pass --config."
            )
        return found

    def load(self) -> tuple[Config, Path]:
        path = self.config_path()
        self.loaded[path] = load_config(path)
        return self.loaded[path], path

    def db_path(self, config_path: Path) -> Location:
        """The store: `--db`, the URL in the environment, or the SQLite file beside the config
        (a path resolved first, so that a symlink shares one lock)."""
        cfg = self.loaded.get(config_path)
        if cfg is None and not self.db_option:
            cfg = self.loaded[config_path] = load_config(config_path)
        url_env = cfg.store.url_env if cfg is not None else None
        return locate(self.db_option, config_path, url_env, os.environ)


class Group(click.Group):
    """Turns every triagewise error into one sentence on stderr and its exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["argv"] = list(args)  # to know, even when parsing fails, if --json was asked
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `triagewise` alone: the help
        except click.UsageError as exc:  # a global option (--config, --db) or an unknown one
            _fail(ctx, exc.format_message(), exc.exit_code, _asks_json(args))
            raise  # not reached: _fail exits

    def invoke(self, ctx: click.Context) -> Any:
        previous = _on_sigterm()
        as_json = _asks_json(ctx.meta.get("argv", []))
        try:
            return super().invoke(ctx)
        except Terminated:
            said = (
                "terminated; everything finished so far is saved, and a write whose answer "
                "was cut off is checked on the tracker by the next run."
            )
            _fail(ctx, said, 143, as_json)
        except TriagewiseError as exc:
            _fail(ctx, str(exc), int(exc.exit_code), as_json, retriable=exc.retriable)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted; everything finished so far is saved.", 130, as_json)
        except click.exceptions.NoArgsIsHelpError:
            raise  # a command group alone (`triagewise config`): its help
        except click.UsageError as exc:  # one sentence, as every other error
            _fail(ctx, exc.format_message(), exc.exit_code, as_json)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _asks_json(argv: list[str]) -> bool:
    return "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv


def _fail(
    ctx: click.Context, message: str, code: int, as_json: bool, retriable: bool = False
) -> None:
    """One sentence on stderr (unwrapped: scripts grep this line) and, under --json, the one
    JSON document on stdout: `{"error", "exit_code", "retriable"}`; then the exit code."""
    sentence = terminal(message, one_line=True)
    prefix = "error: " if code not in (130, 143) else ""
    click.echo(f"{prefix}{sentence}", err=True)
    if as_json:
        print_json({"error": sentence, "exit_code": code, "retriable": retriable})
    ctx.exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's stop, `kill`), handled as Ctrl-C is: the journal keeps the write in
    flight, the store is left consistent, and the run says so."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _on_sigterm() -> Any:
    """Install the SIGTERM handler (main thread only); returns the one it replaced, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="triagewise")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Config file (default: {CONFIG_NAME} here or in a parent folder).",
)
@click.option(
    "--db",
    "db_path",
    metavar="PATH|URL",
    help="Store: a SQLite file, or a postgresql:// URL (default: TRIAGEWISE_DATABASE_URL, "
    "else .triagewise/triagewise.db beside the config).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: str | None) -> None:
    """triagewise: mirror tracker issues, triage them against the product vision into
    now / later / never, and write labels and rankings back."""
    ctx.obj = Context(config_path, db_path)


def policy(cfg: Config) -> RetryPolicy:
    return RetryPolicy(attempts=cfg.network.attempts, wait_budget=cfg.network.wait_budget)
