"""`explain` and `report`: the assessment the next plan would write back, read from the store."""

from __future__ import annotations

from pathlib import Path

import click

from triagewise.cli.app import Context, clock, main
from triagewise.cli.render import err, print_json, say, write_file
from triagewise.config import Config
from triagewise.errors import ConfigError
from triagewise.learn import MODEL, history_assessed
from triagewise.report import explain_text, report_json, roadmap_markdown
from triagewise.report.deck import deck_available
from triagewise.report.insight import Insight, stated_vs_revealed
from triagewise.report.markdown import insight_markdown
from triagewise.rules.triage import Assessment
from triagewise.safe import json_dumps, terminal
from triagewise.store import Store
from triagewise.sync.run import make_plan


def assess_store(obj: Context) -> tuple[Config, list[Assessment]]:
    """The assessment the next plan would write back: people's decisions and the boards'
    scopes from the store included."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    with Store.open(db) as store:
        if not any(store.count_issues(s.name) for s in cfg.sources):
            pulled = [s.name for s in cfg.sources if store.last_pull(s.name)]
            if pulled:
                raise ConfigError(
                    f"The sources returned no issues (last pull of {', '.join(pulled)}), so "
                    "there is nothing to report yet; check what each source in the config "
                    "selects, and that its token can see those issues."
                )
            raise ConfigError("The store holds no issues yet; run 'triagewise pull' first.")
        planned = make_plan(store, cfg, clock())
    return cfg, planned.assessments


def insight_of(obj: Context, cfg: Config, assessments: list[Assessment]) -> Insight | None:
    """Stated vs revealed, once `learn` has looked at the history (else None)."""
    _, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        if store.model(MODEL) is None:
            return None
        now = clock()
        return stated_vs_revealed(assessments, history_assessed(store, cfg, now), cfg, now)


def html_page(
    obj: Context, cfg: Config, assessments: list[Assessment], insight: Insight | None = None
) -> str:
    from importlib.resources import files

    from triagewise.report.flow import changes, flow
    from triagewise.report.html import build_html

    _, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        issues = list(store.issues())
        snapshots = store.snapshots()
        # the report's snapshots name issues by ref (what a reader sees)
        decided = {key.ref: d.decided for key, d in store.decisions().items() if d.bucket}
    now = clock()
    chart_js = files("triagewise.report_assets").joinpath("chart.umd.min.js").read_text()
    change = changes(snapshots, decided)
    return build_html(
        assessments, cfg, flow(issues, snapshots, now), change, now, chart_js, insight
    )


@main.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option("--source", help="The source's name, when two sources hold the same ref.")
@click.pass_obj
def explain(obj: Context, ref: str, as_json: bool, source: str | None) -> None:
    """The full breakdown of one issue's assessment (REF: acme/app#12 or APP-12)."""
    _, assessments = assess_store(obj)
    matches = [
        a
        for a in assessments
        if (a.ref == ref or a.ref.lower() == ref.lower())
        and (source is None or a.issue.source == source)
    ]
    # an issue is (source, ref): one `owner/repo` on two hosts gives two issues one ref
    sources = sorted({a.issue.source for a in matches})
    if len(sources) > 1:
        raise ConfigError(
            f"{ref} is an open issue in {len(sources)} sources ({', '.join(sources)}); "
            "name one with --source."
        )
    found = matches[0] if matches else None
    if found is None:
        where = f" of source {source}" if source is not None else ""
        raise ConfigError(
            f"{ref} is not an open issue{where} in the store (refs look like acme/app#12 or "
            "APP-12)."
        )
    if as_json:
        print_json(found.report())
    else:
        click.echo(terminal(explain_text(found)), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The contract JSON: issues sorted by rank.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "digest", "pptx"]),
    default="md",
    show_default=True,
    help="Output format when not --json: the Markdown roadmap, the HTML page, a digest for "
    "Slack or e-mail, or a deck for leadership (pptx, needs -o).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file."
)
@click.option(
    "--since",
    metavar="RUN|DATE",
    help="The digest's baseline: a sync's number (1 = the first) or a date (YYYY-MM-DD); "
    "default: the sync before the latest.",
)
@click.pass_obj
def report(obj: Context, as_json: bool, fmt: str, output: Path | None, since: str | None) -> None:
    """The roadmap: now / later / never, grouped by goal, with one-line reasons."""
    if since is not None and (fmt != "digest" or as_json):
        raise ConfigError("--since sets the digest's baseline; use it with --format digest.")
    if fmt == "pptx" and output is None and not as_json:
        raise ConfigError("--format pptx writes a file; name it with -o roadmap.pptx.")
    if fmt == "pptx" and not as_json:
        deck_available()  # before any work: a missing library is one sentence, not a traceback
    cfg, assessments = assess_store(obj)
    found = insight_of(obj, cfg, assessments)
    if as_json:
        text = json_dumps(report_json(assessments, found)) + "\n"
    elif fmt == "html":
        text = html_page(obj, cfg, assessments, found)
    elif fmt == "digest":
        text = digest_text(obj, cfg, assessments, since)
    elif fmt == "pptx":
        assert output is not None
        write_file(output, deck_bytes(obj, cfg, assessments))
        say(err, f"wrote {output}")
        return
    else:
        text = roadmap_markdown(assessments, cfg) + insight_markdown(found)
    if output is None:
        click.echo(terminal(text), nl=False)
    else:
        write_file(output, text)
        say(err, f"wrote {output}")


def digest_text(obj: Context, cfg: Config, assessments: list[Assessment], since: str | None) -> str:
    from triagewise.report.digest import digest_markdown
    from triagewise.report.views import baseline

    _, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        snapshots = store.snapshots()
    return digest_markdown(assessments, cfg, baseline(snapshots, since), clock())


def deck_bytes(obj: Context, cfg: Config, assessments: list[Assessment]) -> bytes:
    from triagewise.report.deck import build_deck
    from triagewise.report.flow import flow

    _, path = obj.load()
    with Store.open(obj.db_path(path)) as store:
        issues = list(store.issues())
        snapshots = store.snapshots()
    now = clock()
    return build_deck(assessments, cfg, flow(issues, snapshots, now), now)
