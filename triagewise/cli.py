"""Command line: parse options, call one function, render. Data on stdout, the rest on stderr."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triagewise import __version__
from triagewise.config import CONFIG_NAME, Config, find_config, load_config
from triagewise.config.starter import (
    DEMO_MARKER,
    DEMO_TOKEN_ENV,
    DEMO_USER_ENV,
    STARTER,
    demo_config,
)
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError, ExitCode, TriagewiseError
from triagewise.report import explain_text, report_json, roadmap_markdown
from triagewise.rules.triage import Assessment
from triagewise.store import Store, default_db_path, store_lock
from triagewise.sync.changes import LabelChange, ProjectMove, RankMove
from triagewise.sync.plan import Plan
from triagewise.sync.pull import ProgressFn, PullResult, pull_all
from triagewise.sync.run import SyncResult, make_plan, run_apply, run_sync, system_clock

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


@dataclass
class Context:
    config_option: Path | None
    db_option: Path | None

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
        return load_config(path), path

    def db_path(self, config_path: Path) -> Path:
        return self.db_option or default_db_path(config_path)


class Group(click.Group):
    """Turns every triagewise error into one sentence on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TriagewiseError as exc:
            click.echo(f"error: {exc}", err=True)  # unwrapped: scripts grep this line
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            err.print("interrupted; everything finished so far is saved.")
            ctx.exit(130)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(source: str, page: int, last: int | None) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(f"pulling {source}", total=last)
            bar.update(tasks[source], completed=page, total=last or page)

        yield update


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
    type=click.Path(path_type=Path, dir_okay=False),
    help="Store (default: .triagewise/triagewise.db beside the config).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: Path | None) -> None:
    """triagewise: mirror tracker issues, triage them against the product vision into
    now / later / never, and write labels and rankings back."""
    ctx.obj = Context(config_path, db_path)


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def init(obj: Context, force: bool) -> None:
    """Write a commented starter triagewise.toml in this folder."""
    path = obj.config_option or Path.cwd() / CONFIG_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it.")
    path.write_text(STARTER, encoding="utf-8")
    err.print(f"wrote {path}; edit it, then run 'triagewise config validate'.")


@main.group()
def config() -> None:
    """Check the config file."""


@config.command("validate")
@click.pass_obj
def config_validate(obj: Context) -> None:
    """Report every problem in the config at once (exit 2), or confirm it is valid."""
    cfg, path = obj.load()
    sources = ", ".join(f"{s.name} ({s.type})" for s in cfg.sources) or "none"
    out.print(f"{path} is valid: {len(cfg.goals)} goals; sources: {sources}.")


def _summarize(result: PullResult, total: int) -> str:
    if result.not_modified and result.pages == 0:
        change = "unchanged (answered 304, no quota used)"
    else:
        change = f"{result.new} new, {result.changed} changed"
    plural = "s" if result.requests != 1 else ""
    calls = f"{result.requests} request{plural}"
    if result.searches != result.requests:
        calls += f" ({result.searches} searches, {result.requests - result.searches} metadata)"
    notes = "".join(f"; note: {n}" for n in result.notes)
    return f"{result.source}: {total} issues mirrored; {change}; {calls}{notes}"


def run_pull(
    store: Store, cfg: Config, env: Mapping[str, str], source: str | None, progress: bool
) -> list[PullResult]:
    with _progress(progress) as update:
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
        if as_json:
            _print_json({"sources": [r.as_dict() for r in results]})
        else:
            for r in results:
                out.print(_summarize(r, store.count_issues(r.source)))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """What the store holds for each source, and when it was last pulled."""
    cfg, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        rows = [
            (s.name, s.type, store.count_issues(s.name), store.last_pull(s.name))
            for s in cfg.sources
        ]
    if as_json:
        keys = ("name", "type", "issues", "last_pull")
        _print_json({"sources": [dict(zip(keys, row, strict=True)) for row in rows]})
        return
    table = Table("source", "type", "issues", "last pull")
    for name, kind, count, last in rows:
        table.add_row(name, kind, str(count), last or "never")
    out.print(table)


def _assess(obj: Context) -> tuple[Config, list[Assessment]]:
    """The assessment the next plan would write back: people's decisions and the boards'
    scopes from the store included."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    with Store.open(db) as store:
        if not any(store.count_issues(s.name) for s in cfg.sources):
            raise ConfigError("The store holds no issues yet; run 'triagewise pull' first.")
        planned = make_plan(store, cfg, system_clock())
    return cfg, planned.assessments


def _html(obj: Context, cfg: Config, assessments: list[Assessment]) -> str:
    from importlib.resources import files

    from triagewise.flow import changes, flow
    from triagewise.html_report import build_html

    _, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        issues = list(store.issues())
        snapshots = store.snapshots()
        decided = {
            ref: datetime.fromisoformat(str(d["decided_at"]).replace("Z", "+00:00"))
            for ref, d in store.decisions().items()
        }
    now = system_clock()
    chart_js = files("triagewise.report_assets").joinpath("chart.umd.min.js").read_text()
    change = changes(snapshots, decided)
    return build_html(assessments, cfg, flow(issues, snapshots, now), change, now, chart_js)


@main.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.pass_obj
def explain(obj: Context, ref: str, as_json: bool) -> None:
    """The full breakdown of one issue's assessment (REF: acme/app#12 or APP-12)."""
    _, assessments = _assess(obj)
    found = next((a for a in assessments if a.ref == ref or a.ref.lower() == ref.lower()), None)
    if found is None:
        raise ConfigError(
            f"{ref} is not an open issue in the store (refs look like acme/app#12 or APP-12)."
        )
    if as_json:
        _print_json(found.report())
    else:
        click.echo(explain_text(found), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The contract JSON: issues sorted by rank.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Output format when not --json.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file."
)
@click.pass_obj
def report(obj: Context, as_json: bool, fmt: str, output: Path | None) -> None:
    """The roadmap: now / later / never, grouped by goal, with one-line reasons."""
    cfg, assessments = _assess(obj)
    if as_json:
        text = json.dumps(report_json(assessments), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        text = _html(obj, cfg, assessments)
    else:
        text = roadmap_markdown(assessments, cfg)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


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
    now = system_clock()
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
                from triagewise.tui import TriageApp

                TriageApp(session).run()
        finally:
            store.finish_run(run, "ok", {"decided": session.decided}, system_clock())
    err.print(f"{session.decided} decisions saved; the next 'triagewise sync' writes them back.")


def _plain_session(session: Any) -> None:
    """One command a line: now | later | never REASON | goal ID | skip | undo | quit."""
    from triagewise.rules.triage import Bucket
    from triagewise.session import card

    goals = {g.id for g in session.config.goals}
    goal: str | None = None
    while session.current is not None:
        click.echo("\n".join(card(session.current, session.everything, session.config)))
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


def _plan_table(plan: Plan) -> None:
    by_group: dict[str, list[Any]] = {}
    for c in plan.changes:
        by_group.setdefault(c.group, []).append(c)
    labels: list[LabelChange] = by_group.get("labels", [])
    moves: list[RankMove | ProjectMove] = by_group.get("moves", [])
    notes, scores = by_group.get("comments", []), by_group.get("scores", [])
    if labels:
        table = Table("issue", "add", "remove", title=f"{len(labels)} label changes")
        for c in labels:
            table.add_row(c.ref, ", ".join(c.add), ", ".join(c.remove))
        out.print(table)
    if moves:
        table = Table("source", "issues", "placed", title=f"{len(moves)} rank moves")
        for m in moves:
            table.add_row(m.source, *_move_cells(m))
        out.print(table)
    if notes:
        out.print(f"{len(notes)} explanation comments to write or edit in place.")
    if scores:
        out.print(f"{len(scores)} scores to write into the Projects board's score field.")
    for conflict in plan.conflicts:
        out.print(f"held: {conflict.sentence}")
    if not plan.changes:
        out.print("nothing to write: the trackers already match the decisions.")
    out.print(f"checksum {plan.checksum}")


def _move_cells(m: RankMove | ProjectMove) -> tuple[str, str]:
    """(issues, placed) of one move in the plan table."""
    match m:
        case ProjectMove():
            return m.ref, "onto the board" if not m.move else f"after {m.after or '(top)'}"
        case RankMove():
            more = f" … (+{len(m.issues) - 4})" if len(m.issues) > 4 else ""
            return ", ".join(m.issues[:4]) + more, f"{m.position} {m.anchor}"


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
        planned = make_plan(store, cfg, system_clock())
    if as_json:
        _print_json(planned.plan.as_json())
    else:
        _plan_table(planned.plan)


@main.command("apply")
@click.option("--checksum", help="Refuse unless the plan still has this checksum.")
@click.option("--force", is_flag=True, help="Apply even past writeback.max_change_share.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def apply_command(obj: Context, checksum: str | None, force: bool, as_json: bool) -> None:
    """Write the plan to the trackers, journaled and resumable."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    with store_lock(db), Store.open(db) as store:
        plan, result, resumed = run_apply(store, cfg, os.environ, _policy(cfg), force, checksum)
    failed = [*(resumed.failed if resumed else []), *(result.failed if result else [])]
    if as_json:
        summary = {
            "checksum": plan.checksum,
            "applied": result.as_dict() if result else None,
            "resumed": resumed.as_dict() if resumed else None,
            "failed": failed,
        }
        _print_json(summary)
    else:
        sent = result.sent if result else 0
        out.print(f"applied plan {plan.checksum}: {sent} writes, {len(failed)} failed.")
        for line in failed:
            err.print(f"failed: {line}")
    if failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _policy(cfg: Config) -> RetryPolicy:
    return RetryPolicy(attempts=cfg.network.attempts, wait_budget=cfg.network.wait_budget)


@main.command("sync")
@click.option("--dry-run", is_flag=True, help="Stop after the plan: write nothing to the trackers.")
@click.option(
    "--wait", type=float, default=0, help="Wait up to this many seconds for a running sync."
)
@click.option("--force", is_flag=True, help="Apply even past writeback.max_change_share.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def sync_command(obj: Context, dry_run: bool, wait: float, force: bool, as_json: bool) -> None:
    """pull + assess + plan + apply, never two at once; quiet and idempotent for cron and CI."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    with store_lock(db, wait), Store.open(db) as store, _progress(not as_json) as update:
        result = run_sync(store, cfg, os.environ, _policy(cfg), dry_run, force, update)
    if as_json:
        _print_json(result.as_dict())
    else:
        out.print(_sync_line(result))
        for c in result.plan.conflicts:
            err.print(f"held: {c.sentence}")
        for line in result.failed:
            err.print(f"failed: {line}")
    if result.failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _sync_line(result: SyncResult) -> str:
    pulled = ", ".join(f"{r.source} {r.new + r.changed} new or changed" for r in result.pulled)
    data = result.as_dict()
    if result.dry_run:
        did = (
            f"would write {data['label_changes']} label changes and {data['rank_moves']} rank moves"
        )
    else:
        sent = result.applied.sent if result.applied else 0
        did = (
            f"wrote {sent} changes ({data['label_changes']} label, {data['rank_moves']} rank, "
            f"{data['score_writes']} score, {data['comments']} comment)"
        )
    held = f"; {len(result.plan.conflicts)} human edits held" if result.plan.conflicts else ""
    return f"sync: pulled {pulled}; {did}; {len(result.failed)} failed{held}."


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
def sandbox_serve(
    port: int,
    token: str,
    synthetic: int,
    prs: int,
    jira_synthetic: int,
    jira_mode: str,
    rate_limit: int,
) -> None:
    """Serve the sandbox GitHub and Jira until Ctrl-C."""
    from triagewise.sandbox import DEMO_JIRA_USER, build_sandbox

    extra = ("acme/big", synthetic, prs) if synthetic or prs else None
    jira_extra = ("BIG", jira_synthetic) if jira_synthetic else None
    server, github = build_sandbox(
        token=token, port=port, synthetic=extra, jira_mode=jira_mode, jira_synthetic=jira_extra
    )
    github.rate_limit = rate_limit
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
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    if path.exists() and DEMO_MARKER not in path.read_text(encoding="utf-8"):
        raise ConfigError(
            f"{path} exists and was not written by the demo; run the demo in an empty folder "
            "(triagewise demo --dir DIR)."
        )
    return path


@main.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="Folder for the demo's config and store (default: here).",
)
def demo(folder: Path) -> None:
    """The whole cycle against a built-in sandbox GitHub and Jira, no account needed: mirror,
    assess, plan, write labels and rankings back, and show the roadmap."""
    from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN, build_sandbox

    path = _demo_folder(folder)
    db = default_db_path(path)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)  # a new sandbox is a new tracker: start a new mirror
    server, _ = build_sandbox()
    with server:
        path.write_text(demo_config(server.url), encoding="utf-8")
        cfg = load_config(path)
        env = {DEMO_TOKEN_ENV: DEMO_TOKEN, DEMO_USER_ENV: DEMO_JIRA_USER}
        err.print(f"sandbox GitHub and Jira at {server.url}; config written to {path}")
        with Store.open(db) as store, _progress(True) as update:
            result = run_sync(store, cfg, env, _policy(cfg), progress=update)
            for r in result.pulled:
                out.print(_summarize(r, store.count_issues(r.source)))
            data = result.as_dict()
            sent = result.applied.sent if result.applied else 0
            out.print(
                f"wrote {sent} changes back: {data['label_changes']} issues labelled "
                f"triage/now|later|never and goal/<id>, {data['rank_moves']} rank moves on the "
                f"Jira board and the GitHub Projects board, {data['score_writes']} scores "
                f"into the board's Triage score field; {len(result.failed)} failed."
            )
            assessments = make_plan(store, cfg, system_clock()).assessments
        _show_now(assessments)
        roadmap = folder / "roadmap.md"
        roadmap.write_text(roadmap_markdown(assessments, cfg), encoding="utf-8")
        page = folder / "report.html"
        page.write_text(_html(Context(path, None), cfg, assessments), encoding="utf-8")
    out.print(f"report: {page.resolve()}")
    err.print(f"sandbox stopped. Roadmap: {roadmap}; the mirror stays in {db}.")
    if result.failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _show_now(assessments: list[Assessment]) -> None:
    counts = {
        b: sum(1 for a in assessments if a.bucket.value == b) for b in ("now", "later", "never")
    }
    table = Table(
        title=f"Now ({counts['now']}) · later {counts['later']} · never {counts['never']}",
        title_justify="left",
    )
    for column in ("rank", "issue", "title", "goals"):
        table.add_column(column)
    for a in assessments:
        if a.bucket.value == "now":
            goals = ", ".join(g.goal for g in a.goals) or a.rule.removeprefix("rule:")
            table.add_row(str(a.rank), a.ref, a.issue.title, goals)
    out.print(table)


def _show_backlog(store: Store) -> None:
    issues = [i for i in store.issues() if i.status_category != "done"]
    closed = sum(1 for i in store.issues() if i.status_category == "done")
    issues.sort(key=lambda i: (-i.reactions, i.ref))
    table = Table(title=f"Most wanted of {len(issues)} open issues ({closed} closed)")
    table.add_column("issue")
    table.add_column("title")
    table.add_column("labels")
    table.add_column("reactions", justify="right")
    for issue in issues[:10]:
        table.add_row(issue.ref, issue.title, ", ".join(issue.labels), str(issue.reactions))
    out.print(table)
