"""`demo` and `sandbox serve`: the whole cycle against the built-in sandbox, no account needed.
The only commands that import the sandbox (its one-way door)."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click

from triagewise.cli.app import Context, clock, main, policy
from triagewise.cli.render import err, out, progress, pull_line, say, show_now, write_file
from triagewise.cli.reports import html_page
from triagewise.config import CONFIG_NAME, load_config
from triagewise.config.starter import DEMO_MARKER, DEMO_TOKEN_ENV, DEMO_USER_ENV, demo_config
from triagewise.errors import ConfigError, ExitCode
from triagewise.report import roadmap_markdown
from triagewise.store import Store, default_db_path
from triagewise.sync.run import make_plan, run_sync
from triagewise.words import counted

FAULT_KINDS = ["500", "502", "429", "secondary", "truncate", "reset", "slow"]


@main.group()
def sandbox() -> None:
    """A local GitHub with the demo backlog, for trying triagewise without an account."""


@sandbox.command("serve")
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free).")
@click.option("--token", default="sandbox-token", show_default=True, help="The accepted token.")
@click.option("--synthetic", type=int, default=0, help="Also serve acme/big with this many issues.")
@click.option("--prs", type=int, default=0, help="Pull requests in acme/big.")
@click.option("--jira-synthetic", type=int, default=0, help="Also serve Jira project BIG.")
@click.option(
    "--jira-mode",
    type=click.Choice(["cloud", "datacenter"]),
    default="cloud",
    show_default=True,
    help="Which Jira the sandbox plays.",
)
@click.option(
    "--rate-limit", type=int, default=5000, show_default=True, help="GitHub requests an hour."
)
@click.option(
    "--fault",
    "script",
    multiple=True,
    type=click.Choice(FAULT_KINDS),
    help="Answer the next request with this fault (repeat: one per request, in order).",
)
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of 500s.")
@click.option("--429-rate", "rate_limit_rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--secondary-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--truncate-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--reset-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--latency", type=click.FloatRange(0, 30), default=0.0, help="Seconds per answer.")
@click.option("--seed", type=int, default=0, help="Seed of the fault rates.")
@click.option(
    "--drop-writes",
    type=click.IntRange(0),
    default=0,
    help="Process this many of the next writes, then lose their answers.",
)
@click.option("--drop-as", type=click.Choice(["reset", "502"]), default="reset", show_default=True)
@click.option("--refuse-post-search", is_flag=True, help="Jira answers 405 to POST …/search.")
def sandbox_serve(
    port: int,
    token: str,
    synthetic: int,
    prs: int,
    jira_synthetic: int,
    jira_mode: str,
    rate_limit: int,
    script: tuple[str, ...],
    error_rate: float,
    rate_limit_rate: float,
    secondary_rate: float,
    truncate_rate: float,
    reset_rate: float,
    latency: float,
    seed: int,
    drop_writes: int,
    drop_as: str,
    refuse_post_search: bool,
) -> None:
    """Serve the sandbox GitHub and Jira until Ctrl-C, with faults if asked (the ones the
    tests use: 500s, 429s, secondary limits, truncated answers, resets, slow answers, and
    writes that land and then lose their answer)."""
    from triagewise.sandbox import DEMO_JIRA_USER, Faults, build_sandbox, jira_of

    extra = ("acme/big", synthetic, prs) if synthetic or prs else None
    jira_extra = ("BIG", jira_synthetic) if jira_synthetic else None
    faults = Faults(
        error_rate=error_rate,
        rate_limit_rate=rate_limit_rate,
        secondary_rate=secondary_rate,
        truncate_rate=truncate_rate,
        reset_rate=reset_rate,
        latency=latency,
        seed=seed,
        script=list(script),
        drop_writes=drop_writes,
        drop_as=drop_as,
    )
    server, github = build_sandbox(
        token=token,
        port=port,
        synthetic=extra,
        jira_mode=jira_mode,
        jira_synthetic=jira_extra,
        faults=faults,
    )
    github.rate_limit = rate_limit
    jira_of(server).refuse_post_search = refuse_post_search
    with server:
        click.echo(server.url, file=sys.stdout)
        sys.stdout.flush()
        err.print(
            f"sandbox at {server.url}: GitHub repo tandem/app{', acme/big' if extra else ''} "
            f"(token {token!r}); Jira {jira_mode} project PLAT{', BIG' if jira_extra else ''} "
            f"(user {DEMO_JIRA_USER!r}, the same token). Ctrl-C stops it."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            err.print("sandbox stopped.")


def _demo_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot make the demo folder {folder} ({exc.strerror or exc}); name another with "
            "--dir."
        ) from None
    path = folder / CONFIG_NAME
    if path.exists() and DEMO_MARKER not in path.read_text(encoding="utf-8"):
        raise ConfigError(
            f"{path} exists and was not written by the demo; run the demo in an empty folder "
            "(triagewise demo --dir DIR)."
        )
    db = default_db_path(path)
    if not path.exists() and any(
        p.exists() for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    ):
        # a store the demo did not write (no demo config beside it) may be someone's real
        # mirror, decisions and journal: refuse rather than replace it or pick another folder
        raise ConfigError(
            f"{db} exists and was not written by the demo; run the demo in an empty folder "
            "(triagewise demo --dir DIR)."
        )
    return path


def _keep_serving(url: str, folder: Path, env: dict[str, str]) -> None:
    """The demo's variables on stdout, then serve until Ctrl-C or SIGTERM (both end cleanly:
    the store was closed before, so nothing is cut off)."""
    lines = [
        f"the sandbox keeps serving at {url} (GitHub API and Jira); Ctrl-C stops it.",
        "to go on from another shell (triage, then sync writes the decisions to the sandbox):",
        f"  cd {shlex.quote(str(folder.resolve()))}",
        *(f"  export {name}={shlex.quote(value)}" for name, value in env.items()),
        "  triagewise triage && triagewise sync",
        "what sync wrote, as the tracker holds it:",
        f"  curl -s -H 'Authorization: token {env[DEMO_TOKEN_ENV]}' "
        f"'{url}/repos/tandem/app/issues?labels=triage/now&per_page=100'",
    ]
    click.echo("\n".join(lines))
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:  # Ctrl-C, and SIGTERM (the CLI raises Terminated, a subclass)
        return


@main.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="Folder for the demo's config and store (default: here).",
)
@click.option(
    "--keep-serving",
    is_flag=True,
    help="Keep the sandbox up after the demo, until Ctrl-C, so triage and sync can be tried.",
)
def demo(folder: Path, keep_serving: bool) -> None:
    """The whole cycle against a built-in sandbox GitHub and Jira, no account needed: mirror,
    assess, plan, write labels and rankings back, and show the roadmap."""
    from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN, build_sandbox

    path = _demo_folder(folder)
    db = default_db_path(path)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)  # a new sandbox is a new tracker: start a new mirror
    server, _ = build_sandbox()
    with server:
        write_file(path, demo_config(server.url))
        cfg = load_config(path)
        env = {DEMO_TOKEN_ENV: DEMO_TOKEN, DEMO_USER_ENV: DEMO_JIRA_USER}
        say(err, f"sandbox GitHub and Jira at {server.url}; config written to {path}")
        with Store.open(db) as store, progress(True) as update:
            result = run_sync(store, cfg, env, policy(cfg), progress=update, now=clock)
            for r in result.pulled:
                say(out, pull_line(r, store.count_issues(r.source)))
            data = result.as_dict()
            sent = result.applied.sent if result.applied else 0
            out.print(
                f"wrote {counted(sent, 'change')} back: "
                f"{counted(int(str(data['label_changes'])), 'issue')} labelled "
                f"triage/now|later|never and goal/<id>, "
                f"{counted(int(str(data['rank_moves'])), 'rank move')} on the "
                f"Jira board and the GitHub Projects board, "
                f"{counted(int(str(data['score_writes'])), 'score')} "
                f"into the board's Triage score field; {len(result.failed)} failed."
            )
            assessments = make_plan(store, cfg, clock()).assessments
        show_now(assessments)
        roadmap = folder / "roadmap.md"
        write_file(roadmap, roadmap_markdown(assessments, cfg))
        page = folder / "report.html"
        write_file(page, html_page(Context(path, None), cfg, assessments))
        say(out, f"report: {page.resolve()}")
        if keep_serving:
            _keep_serving(
                server.url, folder, {DEMO_TOKEN_ENV: DEMO_TOKEN, DEMO_USER_ENV: DEMO_JIRA_USER}
            )
    say(err, f"sandbox stopped. Roadmap: {roadmap}; the mirror stays in {db}.")
    if result.failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))
